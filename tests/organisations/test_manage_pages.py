from __future__ import annotations

import pytest
from django.urls import reverse

from heard.core.models import ActivityLog
from heard.organisations.enums import Role
from heard.organisations.models import Area, Membership, Organisation, PostcodePrefix
from tests.factories import AreaFactory, LocalAuthorityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_manager_gives_a_person_a_role_and_it_is_logged(client_for, manager, provider) -> None:
    newcomer = UserFactory(email="newcomer@example.org")
    response = client_for(manager).post(
        reverse("organisations:manage_members", kwargs={"slug": provider.slug}),
        {"email": "Newcomer@Example.org", "role": Role.CASEWORKER},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, organisation=provider, role=Role.CASEWORKER).exists()
    entry = ActivityLog.objects.get(action="membership.granted")
    assert entry.actor == manager
    assert entry.organisation_id == provider.pk


def test_giving_a_role_to_an_unknown_email_says_what_to_do_and_keeps_the_input(client_for, manager, provider) -> None:
    response = client_for(manager).post(
        reverse("organisations:manage_members", kwargs={"slug": provider.slug}),
        {"email": "nobody@example.org", "role": Role.ANALYST},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "No one with that email address has a Heard account" in html
    assert 'value="nobody@example.org"' in html
    assert response.context["form"]["role"].value() == Role.ANALYST


def test_manager_removes_a_role(client_for, manager, responder, provider) -> None:
    membership = Membership.objects.get(user=responder)
    response = client_for(manager).post(
        reverse(
            "organisations:manage_membership_remove", kwargs={"slug": provider.slug, "membership_id": membership.pk}
        )
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_administrator_cannot_be_removed(client_for, org_admin, provider) -> None:
    membership = Membership.objects.get(user=org_admin)
    response = client_for(org_admin).post(
        reverse(
            "organisations:manage_membership_remove", kwargs={"slug": provider.slug, "membership_id": membership.pk}
        ),
        follow=True,
    )
    assert "needs at least one administrator" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_cannot_remove_a_role_in_another_organisation_through_ones_own(client_for, manager, provider, other_provider):
    elsewhere = MembershipFactory(organisation=other_provider)
    response = client_for(manager).post(
        reverse("organisations:manage_membership_remove", kwargs={"slug": provider.slug, "membership_id": elsewhere.pk})
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_members_page_runs_a_fixed_number_of_queries(client_for, manager, provider, django_assert_num_queries, count):
    MembershipFactory.create_batch(count, organisation=provider)
    client = client_for(manager)
    client.get("/")  # settle the session's two-factor check
    with django_assert_num_queries(6):  # session, user, roles, organisation, count, page
        response = client.get(reverse("organisations:manage_members", kwargs={"slug": provider.slug}))
    assert len(response.context["page"].object_list) == count + 1


def test_manager_edits_the_organisation(client_for, manager, provider) -> None:
    ward = AreaFactory()
    response = client_for(manager).post(
        reverse("organisations:manage_edit", kwargs={"slug": provider.slug}),
        {"description": "Housing and care", "website": "council.example", "public_email": "", "areas": [ward.pk]},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.description == "Housing and care"
    assert provider.website == "https://council.example"
    assert list(provider.areas.all()) == [ward]


def test_site_admin_adds_an_organisation(client_for, site_admin) -> None:
    response = client_for(site_admin).post(
        reverse("organisations:manage_organisations"),
        {"name": "Riverside Credit Union", "sector": "community", "description": "", "website": "", "public_email": ""},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Riverside Credit Union")
    assert organisation.slug == "riverside-credit-union"


def test_site_admin_adds_a_ward_with_its_postcodes(client_for, site_admin) -> None:
    borough = LocalAuthorityFactory()
    response = client_for(site_admin).post(
        reverse("organisations:manage_areas"),
        {
            "name": "Riverside",
            "kind": "ward",
            "parent": borough.pk,
            "code": "e05000001",
            "postcode_prefixes": "MB9 1, mb9 2",
        },
    )
    assert response.status_code == 302
    ward = Area.objects.get(name="Riverside")
    assert ward.parent == borough
    assert ward.code == "E05000001"
    assert set(PostcodePrefix.objects.filter(area=ward).values_list("prefix", flat=True)) == {"MB9 1", "MB9 2"}


def test_a_ward_must_sit_in_a_local_authority(client_for, site_admin) -> None:
    region = AreaFactory()
    response = client_for(site_admin).post(
        reverse("organisations:manage_areas"),
        {"name": "Riverside", "kind": "ward", "parent": region.pk, "code": "", "postcode_prefixes": "XX"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "not postcode districts or sectors: XX" in html
    assert not Area.objects.filter(name="Riverside").exists()

    response = client_for(site_admin).post(
        reverse("organisations:manage_areas"),
        {"name": "Riverside", "kind": "ward", "parent": region.pk, "code": "", "postcode_prefixes": ""},
    )
    assert "Choose the area this one is part of." in response.content.decode()
    assert 'value="Riverside"' in response.content.decode()
    assert not Area.objects.filter(name="Riverside").exists()


def _settled(client):
    client.get("/")  # the first request of a session records the two-factor check
    return client


@pytest.mark.parametrize("count", [1, 3])
def test_manage_home_runs_a_fixed_number_of_queries(client_for, manager, django_assert_num_queries, count) -> None:
    for _ in range(count - 1):
        MembershipFactory(user=manager)
    client = _settled(client_for(manager))
    # session, user, roles, count, page, Django's model permissions (user, groups) read once for
    # the "site administration" check, and the agencies the person works at (for the referrals link)
    with django_assert_num_queries(8):
        response = client.get(reverse("organisations:manage_home"))
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [1, 3])
def test_activity_page_runs_a_fixed_number_of_queries(client_for, manager, provider, django_assert_num_queries, count):
    from heard.core.services import log_action

    for _ in range(count):
        log_action(action="organisation.updated", by=manager, target=provider, organisation_id=provider.pk)
    client = _settled(client_for(manager))
    with django_assert_num_queries(6):  # session, user, roles, organisation, count, page with actors
        response = client.get(reverse("organisations:manage_activity", kwargs={"slug": provider.slug}))
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [1, 3])
def test_all_organisations_page_runs_a_fixed_number_of_queries(
    client_for, site_admin, django_assert_num_queries, count
):
    from tests.factories import OrganisationFactory

    OrganisationFactory.create_batch(count)
    client = _settled(client_for(site_admin))
    with django_assert_num_queries(6):  # session, user, roles, count, page, areas for the form
        response = client.get(reverse("organisations:manage_organisations"))
    assert len(response.context["page"].object_list) == count + 1  # and the operator


@pytest.mark.parametrize("count", [1, 3])
def test_manage_areas_page_runs_a_fixed_number_of_queries(client_for, site_admin, django_assert_num_queries, count):
    AreaFactory.create_batch(count)
    client = _settled(client_for(site_admin))
    with django_assert_num_queries(6):  # session, user, roles, count, page, parents for the form
        response = client.get(reverse("organisations:manage_areas"))
    assert len(response.context["page"].object_list) == count


def test_manager_cannot_make_anyone_an_administrator(client_for, manager, provider) -> None:
    response = client_for(manager).post(
        reverse("organisations:manage_members", kwargs={"slug": provider.slug}),
        {"email": manager.email, "role": Role.ADMINISTRATOR},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(user=manager, role=Role.ADMINISTRATOR).exists()


def test_manager_of_the_operator_cannot_raise_themselves_to_site_administrator(client_for, operator) -> None:
    manager = UserFactory()
    MembershipFactory(user=manager, organisation=operator, role=Role.MANAGER)
    from tests.factories import add_totp

    add_totp(manager)
    client = client_for(manager)
    client.post(
        reverse("organisations:manage_members", kwargs={"slug": operator.slug}),
        {"email": manager.email, "role": Role.ADMINISTRATOR},
    )
    assert client.get(reverse("organisations:manage_areas")).status_code == 403


def test_manager_cannot_remove_an_administrator(client_for, manager, org_admin, provider) -> None:
    membership = Membership.objects.get(user=org_admin)
    response = client_for(manager).post(
        reverse(
            "organisations:manage_membership_remove", kwargs={"slug": provider.slug, "membership_id": membership.pk}
        )
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_administrator_makes_someone_an_administrator(client_for, org_admin, manager, provider) -> None:
    response = client_for(org_admin).post(
        reverse("organisations:manage_members", kwargs={"slug": provider.slug}),
        {"email": manager.email, "role": Role.ADMINISTRATOR},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=manager, organisation=provider, role=Role.ADMINISTRATOR).exists()


def test_a_postcode_prefix_already_in_another_area_is_refused(client_for, site_admin) -> None:
    borough = LocalAuthorityFactory()
    first = Area.objects.create(name="Canal Side", slug="canal-side", kind="ward", parent=borough)
    PostcodePrefix.objects.create(prefix="MB1 1", area=first)
    response = client_for(site_admin).post(
        reverse("organisations:manage_areas"),
        {"name": "Old Market", "kind": "ward", "parent": borough.pk, "code": "", "postcode_prefixes": "mb1 1, MB1 2"},
    )
    assert "Already in another area: MB1 1 (Canal Side)." in response.content.decode()
    assert not Area.objects.filter(name="Old Market").exists()  # nothing is stored half
    assert PostcodePrefix.objects.get(prefix="MB1 1").area == first
