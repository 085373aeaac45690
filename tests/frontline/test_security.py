"""The security tests the issue requires: agencies see only their own referrals; partners and the
public see no case; each read of personal details adds exactly one audit row; the database holds
ciphertext, not what was typed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import URLPattern, get_resolver, reverse

from heard.frontline.models import PersonalDataAccess, Referral
from tests.factories import OrganisationFactory, frontline_agency
from tests.frontline.conftest import cold_home, staff_of

pytestmark = pytest.mark.django_db

CASE_VIEWS = [
    "referral",
    "referral_act",
    "link_decide",
    "linked_case",
    "inbox",
    "export",
]


def _frontline_patterns() -> list[tuple[str, URLPattern]]:
    resolver = get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "frontline":
            found += [(f"frontline:{p.name}", p) for p in pattern.url_patterns]
    return found


def test_every_frontline_page_is_covered_by_these_tests() -> None:
    names = {name for name, _pattern in _frontline_patterns()}
    partner_and_public = {
        "frontline:start",
        "frontline:register",
        "frontline:guidance",
        "frontline:flag",
        "frontline:flag_sent",
        "frontline:my_flags",
        "frontline:my_flag",
        "frontline:statistics",
        "frontline:manage_partners",
        "frontline:manage_partner",
        "frontline:manage_rules",
    }
    assert names == partner_and_public | {f"frontline:{name}" for name in CASE_VIEWS}


def _urls_for(referral: Referral) -> dict[str, str]:
    link_pk = 1
    return {
        "referral": reverse("frontline:referral", kwargs={"pk": referral.pk}),
        "referral_act": reverse("frontline:referral_act", kwargs={"pk": referral.pk}),
        "link_decide": reverse("frontline:link_decide", kwargs={"pk": referral.pk, "link_pk": link_pk}),
        "linked_case": reverse("frontline:linked_case", kwargs={"reference": referral.flag.reference}),
        "inbox": reverse("frontline:inbox") + f"?agency={referral.agency_id}",
        "export": reverse("frontline:export") + f"?agency={referral.agency_id}",
    }


@pytest.mark.parametrize("view", CASE_VIEWS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_caseworker_of_another_agency_is_refused_every_case_view(
    client_for, shopkeeper, social_care, fire_service, view, method
) -> None:
    flag = cold_home(shopkeeper)
    theirs = Referral.objects.get(flag=flag, agency=social_care)
    # An agency the flag did not go to: its caseworker (and manager) must see nothing of it.
    elsewhere = frontline_agency(OrganisationFactory(name="Housing", slug="housing"), "housing")
    for outsider in (staff_of(elsewhere.organisation, "caseworker"), staff_of(elsewhere.organisation, "manager")):
        url = _urls_for(theirs)[view]
        client = client_for(outsider)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(
                url, {"reason": "act", "action": "acknowledge", "purpose": "x", "decision": "confirm"}
            )
        body = response.content.decode()
        assert response.status_code in (403, 404), (view, method, response.status_code)
        assert "Edith" not in body
        assert "Canal Street" not in body
    theirs.refresh_from_db()
    assert theirs.status == "routed"
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("view", CASE_VIEWS)
def test_anonymous_visitor_and_partner_are_refused_all_case_views(client_for, shopkeeper, social_care, view) -> None:
    flag = cold_home(shopkeeper)
    referral = Referral.objects.get(flag=flag, agency=social_care)
    url = _urls_for(referral)[view]
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    partner = client_for(shopkeeper.user).get(url)
    assert partner.status_code in (403, 404)
    assert "Edith" not in partner.content.decode()


def test_caseworker_sees_own_agencys_referrals_only_in_the_inbox(
    client_for, shopkeeper, social_care, fire_service, social_worker, firefighter
) -> None:
    cold_home(shopkeeper)
    cold_home(shopkeeper, category="dementia", details="Lost near the station")
    social = client_for(social_worker).get(reverse("frontline:inbox")).content.decode()
    fire = client_for(firefighter).get(reverse("frontline:inbox")).content.decode()
    assert social.count("Possible dementia") == 1
    assert social.count("Cold or unsafe home") == 1
    assert fire.count("Cold or unsafe home") == 1
    assert "Possible dementia" not in fire
    sneaky = client_for(firefighter).get(reverse("frontline:inbox") + f"?agency={social_care.pk}")
    assert sneaky.status_code == 404


def test_each_read_of_personal_details_adds_exactly_one_audit_row(
    client_for, shopkeeper, social_care, social_worker
) -> None:
    flag = cold_home(shopkeeper)
    referral = Referral.objects.get(flag=flag, agency=social_care)
    url = reverse("frontline:referral", kwargs={"pk": referral.pk})
    client = client_for(social_worker)

    page = client.get(url).content.decode()
    assert "Edith" not in page  # shown only when asked for, with a reason
    assert PersonalDataAccess.objects.count() == 0

    for expected in (1, 2):
        shown = client.post(url, {"reason": "act"}).content.decode()
        assert "Edith Clarke" in shown
        assert "14 Canal Street" in shown
        assert PersonalDataAccess.objects.count() == expected
    row = PersonalDataAccess.objects.order_by("pk").last()
    assert (row.user, row.flag_id, row.referral_id, row.action, row.reason, row.detail) == (
        social_worker,
        flag.pk,
        referral.pk,
        "read",
        "act",
        "",
    )
    assert client.post(url, {"reason": ""}).status_code == 400  # no reason, no details, no row
    assert PersonalDataAccess.objects.count() == 2
    client.get(reverse("frontline:inbox"))
    assert PersonalDataAccess.objects.count() == 2  # lists read nothing personal


def test_access_log_rows_cannot_be_changed_or_deleted(shopkeeper, social_care, social_worker) -> None:
    from heard.frontline.access import personal_details

    flag = cold_home(shopkeeper)
    personal_details(flag_id=flag.pk, user=social_worker, reason="act")
    row = PersonalDataAccess.objects.get()
    row.reason = "triage"
    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(ValueError, match="append-only"):
        row.delete()


@pytest.mark.postgres
def test_database_refuses_to_rewrite_the_access_log_on_postgresql(shopkeeper, social_care, social_worker) -> None:
    from django.db import DatabaseError, transaction

    from heard.frontline.access import personal_details

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL")
    flag = cold_home(shopkeeper)
    personal_details(flag_id=flag.pk, user=social_worker, reason="act")
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonalDataAccess.objects.update(reason="triage")
    with pytest.raises(DatabaseError), transaction.atomic():
        PersonalDataAccess.objects.all()._raw_delete(connection.alias)


def test_flag_table_holds_ciphertext_not_what_was_typed(shopkeeper, social_care) -> None:
    flag = cold_home(shopkeeper)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT details, location, subject, flagger_contact FROM frontline_flag WHERE id = %s", [flag.pk]
        )
        stored = " ".join(cursor.fetchone())
    for typed in ("Edith", "Clarke", "Canal Street", "MB1 2AB", "frost", "07700"):
        assert typed not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token


def test_case_notes_are_ciphertext_too(shopkeeper, social_care, social_worker) -> None:
    from heard.frontline import casework

    flag = cold_home(shopkeeper)
    referral = Referral.objects.get(flag=flag, agency=social_care)
    casework.referral_record_action(referral=referral, by=social_worker, note="Visited Edith, fitted a heater")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM frontline_referralevent WHERE note IS NOT NULL")
        (note,) = cursor.fetchone()
    assert "Edith" not in note
    assert "heater" not in note
