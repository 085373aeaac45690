"""What an independent security review found, each now a test."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from heard.frontline import casework
from heard.frontline.models import Flag, FlagLink, PersonalDataAccess
from tests.factories import UserFactory
from tests.frontline.conftest import cold_home, staff_of

pytestmark = pytest.mark.django_db


def test_superuser_is_refused_case_views_and_flagging(client_for, shopkeeper, social_care) -> None:
    referral = cold_home(shopkeeper).referrals.get(agency=social_care)
    boss = UserFactory(is_superuser=True, is_staff=True)
    from tests.factories import add_totp

    add_totp(boss)
    client = client_for(boss)
    assert client.post(referral.get_absolute_url(), {"reason": "act"}).status_code == 403
    assert (
        client.post(
            reverse("frontline:referral_act", kwargs={"pk": referral.pk}), {"action": "acknowledge"}
        ).status_code
        == 403
    )
    assert client.get(reverse("frontline:flag")).status_code == 403
    referral.refresh_from_db()
    assert referral.status == "routed"
    assert not PersonalDataAccess.objects.exists()


def test_casework_and_escalation_never_decrypt_the_flag(shopkeeper, social_care, social_worker) -> None:
    """A flag whose details no key opens: everything but the audited read still works."""
    flag = cold_home(shopkeeper)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE frontline_flag SET details = 'not-a-token', subject = 'nor-this' WHERE id = %s", [flag.pk]
        )
    referral = flag.referrals.get(agency=social_care)
    casework.referral_acknowledge(referral=referral, by=social_worker)
    casework.flag_set_lawful_basis(referral=referral, by=social_worker, basis="public_task")
    casework.referral_close(referral=referral, by=social_worker, outcome="action_taken")
    casework.escalations_send()
    assert Flag.objects.get(pk=flag.pk).status == "closed"


def test_flag_declined_by_every_agency_goes_to_the_duty_desk(shopkeeper, social_care, duty_desk, social_worker) -> None:
    flag = cold_home(shopkeeper, category="dementia")  # only social care takes dementia
    casework.referral_decline(referral=flag.referrals.get(agency=social_care), by=social_worker, reason="Not ours")
    flag.refresh_from_db()
    assert flag.referrals.get(agency=duty_desk).status == "routed"
    assert flag.status != "closed"


def test_flag_no_agency_can_take_is_kept_and_administrators_told(
    shopkeeper, operator, site_admin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        flag = cold_home(shopkeeper, category="financial")
    assert Flag.objects.filter(pk=flag.pk).exists()
    assert not flag.referrals.exists()
    assert any(site_admin.email in m.to and "could not be routed" in m.subject for m in mailoutbox)


def test_caseworker_sees_no_link_to_a_flag_their_agency_does_not_hold(
    client_for, shopkeeper, social_care, fire_service, firefighter, coordinator, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = cold_home(shopkeeper, category="dementia")  # social care only
        second = cold_home(shopkeeper, name="Edith Clark", approx_age=85)  # social care and fire
    link = FlagLink.objects.get()
    fire_referral = second.referrals.get(agency=fire_service)
    page = client_for(firefighter).get(fire_referral.get_absolute_url()).content.decode()
    assert first.reference not in page
    refused = client_for(firefighter).post(
        reverse("frontline:link_decide", kwargs={"pk": fire_referral.pk, "link_pk": link.pk}), {"decision": "confirm"}
    )
    assert refused.status_code == 404
    link.refresh_from_db()
    assert link.status == "proposed"


def test_export_needs_a_purpose_from_the_list_and_logs_each_flag(client_for, shopkeeper, social_care) -> None:
    manager = staff_of(social_care.organisation, "manager")
    cold_home(shopkeeper)
    cold_home(shopkeeper, name="Tom Baker")
    url = reverse("frontline:export") + f"?agency={social_care.pk}"
    assert client_for(manager).post(url, {"purpose": "because"}).status_code == 400
    response = client_for(manager).post(url, {"purpose": "case_audit"})
    assert response["Cache-Control"] == "no-store"
    assert "Edith Clarke" in response.content.decode()
    assert list(PersonalDataAccess.objects.values_list("action", "detail")) == [("export", "case_audit")] * 2
    caseworker = staff_of(social_care.organisation, "caseworker")
    assert client_for(caseworker).post(url, {"purpose": "case_audit"}).status_code == 403


def test_deleting_an_account_keeps_the_access_log(shopkeeper, social_care, social_worker) -> None:
    from heard.frontline.access import personal_details

    flag = cold_home(shopkeeper)
    personal_details(flag_id=flag.pk, user=social_worker, reason="act")
    user_id = social_worker.pk
    social_worker.delete()
    assert PersonalDataAccess.objects.get().user_id == user_id
