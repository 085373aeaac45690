from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from heard.accounts.models import User
from heard.organisations.enums import Role, Sector
from heard.organisations.models import Area, Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_mode(settings) -> None:
    settings.HEARD_DEMO = True


def test_demo_world_has_every_sector_every_role_and_a_borough_of_wards() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    assert set(Organisation.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Area.objects.get(slug="millbrook").children.count() == 6
    from heard.directory.enums import ServiceCategory
    from heard.directory.models import Service

    assert Service.objects.count() >= 15
    assert len(set(Service.objects.values_list("category", flat=True))) >= len(ServiceCategory) - 2
    assert User.objects.filter(memberships__isnull=True, email__endswith="@millbrook.example").count() >= 3


def test_seed_demo_run_twice_keeps_what_it_has() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count(), Area.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert counts == (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        Area.objects.count(),
    )


def test_home_page_lists_demo_accounts_only_in_demo_mode(client, settings) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    settings.HEARD_DEMO = False
    assert "convener@millbrook.example" not in client.get("/").content.decode()
    settings.HEARD_DEMO = True
    html = client.get(reverse("index:home")).content.decode()
    assert "convener@millbrook.example" in html
    assert "heard-demo-password" in html


def test_demo_staff_can_sign_in_with_the_code_shown_on_the_home_page(client, settings) -> None:
    from heard.demo.people import DEMO_PASSWORD, PEOPLE
    from heard.demo.selectors import current_totp_code

    call_command("seed_demo", stdout=io.StringIO())
    convener = next(p for p in PEOPLE if p.key == "convener")
    client.post(reverse("account_login"), {"login": convener.email, "password": DEMO_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(convener.totp_secret)})
    assert client.get(reverse("organisations:manage_home")).status_code == 200


def test_seed_demo_refuses_outside_debug_and_demo_mode(settings) -> None:
    from django.core.management.base import CommandError

    settings.DEBUG = False
    settings.HEARD_DEMO = False
    with pytest.raises(CommandError, match="only in debug or demo mode"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()
