"""Flagging, routing, casework and the loop back to the flagger, as each person meets them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from heard.frontline import casework, services
from heard.frontline.enums import FlagStatus, ReferralStatus
from heard.frontline.models import Flag, FlagUpdate, Partner, Referral
from tests.factories import PostcodePrefixFactory, UserFactory, WardFactory, frontline_partner
from tests.frontline.conftest import cold_home, staff_of

pytestmark = pytest.mark.django_db


def test_partner_registers_is_verified_reads_guidance_then_flags(client_for, resident, site_admin) -> None:
    client = client_for(resident)
    client.post(reverse("frontline:register"), {"kind": "tradesperson", "business": "Clarke Plumbing"})
    partner = Partner.objects.get(user=resident)
    assert client.get(reverse("frontline:flag")).status_code == 403  # not verified yet
    client_for(site_admin).post(reverse("frontline:manage_partner", kwargs={"pk": partner.pk}), {"action": "verify"})
    assert client.get(reverse("frontline:flag"))["Location"] == reverse("frontline:guidance")
    client.post(reverse("frontline:guidance"))
    page = client.get(reverse("frontline:flag")).content.decode()
    assert page.index("call 999 now") < page.index("What did you notice?")


def test_suspended_partner_cannot_flag(client_for, shopkeeper, site_admin) -> None:
    client_for(site_admin).post(
        reverse("frontline:manage_partner", kwargs={"pk": shopkeeper.pk}), {"action": "suspend", "reason": "Misuse"}
    )
    assert client_for(shopkeeper.user).get(reverse("frontline:flag")).status_code == 403


def _form(**overrides):
    data = {
        "category": "cold_home",
        "urgency": "urgent",
        "details": "Frost inside the windows",
        "address": "14 Canal Street",
        "postcode": "MB1 2AB",
        "name": "Edith Clarke",
        "approx_age": "84",
        "subject_aware": "agreed",
    }
    data.update(overrides)
    return data


def test_flag_missing_category_and_place_keeps_everything_typed(client_for, shopkeeper, social_care) -> None:
    response = client_for(shopkeeper.user).post(
        reverse("frontline:flag"), _form(category="", address="", postcode="", place="")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose what you noticed." in page
    assert "Say where: an address, a place, or a postcode." in page
    assert "Frost inside the windows" in page
    assert 'value="Edith Clarke"' in page
    assert not Flag.objects.exists()


def test_flag_routes_to_every_matching_agency_with_deadlines(client_for, shopkeeper, social_care, fire_service) -> None:
    response = client_for(shopkeeper.user).post(reverse("frontline:flag"), _form())
    flag = Flag.objects.get()
    assert response["Location"] == reverse("frontline:flag_sent", kwargs={"reference": flag.reference})
    referrals = Referral.objects.filter(flag=flag).order_by("agency__kind")
    assert [r.agency for r in referrals] == [social_care, fire_service]
    assert all(r.acknowledge_by == flag.created_at + dt.timedelta(hours=4) for r in referrals)
    assert flag.reference in client_for(shopkeeper.user).get(response["Location"]).content.decode()


def test_flag_no_rule_matches_goes_to_the_duty_desk(shopkeeper, social_care, duty_desk) -> None:
    flag = cold_home(shopkeeper, category="financial")
    assert [r.agency for r in flag.referrals.all()] == [duty_desk]


def test_rule_for_an_area_matches_flags_in_the_wards_inside_it(shopkeeper, duty_desk) -> None:
    from tests.factories import OrganisationFactory, frontline_agency

    ward = WardFactory()
    PostcodePrefixFactory(prefix="MB9", area=ward)
    housing = frontline_agency(OrganisationFactory(slug="housing-area"), "housing")
    services.rule_add(by=None, agency=housing, area=ward.parent)  # the local authority the ward is in
    inside = cold_home(shopkeeper, postcode="MB9 1AA", category="isolation")
    outside = cold_home(shopkeeper, postcode="MB8 1AA", category="isolation")
    assert [r.agency for r in inside.referrals.all()] == [housing]
    assert [r.agency for r in outside.referrals.all()] == [duty_desk]


def test_unknown_postcode_is_accepted_with_a_note_to_triage(client_for, shopkeeper, social_care, social_worker) -> None:
    flag = cold_home(shopkeeper, postcode="ZZ99 9ZZ")
    assert flag.postcode_unknown
    referral = flag.referrals.get()
    page = client_for(social_worker).get(referral.get_absolute_url()).content.decode()
    assert "The postcode is not one we know" in page


def test_flagger_hears_status_words_only_never_details(
    client_for, shopkeeper, social_care, fire_service, social_worker, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    flag = cold_home(shopkeeper)
    social = flag.referrals.get(agency=social_care)
    fire = flag.referrals.get(agency=fire_service)
    with django_capture_on_commit_callbacks(execute=True):
        casework.referral_acknowledge(referral=social, by=social_worker)
        casework.referral_record_action(referral=social, by=social_worker, note="Visited Edith; heater fitted")
        casework.referral_close(
            referral=social,
            by=social_worker,
            outcome="action_taken",
            note="Edith is warm",
            thanks="Thank you for telling us.",
        )
    flag.refresh_from_db()
    assert flag.status == FlagStatus.LOOKED_AT  # the fire service still has it open
    casework.referral_decline(referral=fire, by=None, reason="Social care has it in hand")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLOSED
    assert list(FlagUpdate.objects.filter(flag=flag).values_list("status", "thanks")) == [
        ("received", ""),
        ("looked_at", ""),
        ("looked_at", "Thank you for telling us."),  # one agency closed; another still has it
        ("closed", ""),
    ]
    bodies = " ".join(message.body for message in mailoutbox)
    assert "Being looked at" in bodies
    assert "Thank you for telling us." in bodies
    assert "Edith" not in bodies
    assert "heater" not in bodies
    page = client_for(shopkeeper.user).get(flag.get_absolute_url()).content.decode()
    assert "Closed" in page
    assert "Edith" not in page
    assert "heater" not in page


def test_transfer_moves_the_referral_with_a_new_deadline(shopkeeper, social_care, fire_service, social_worker) -> None:
    from tests.factories import OrganisationFactory, frontline_agency

    housing = frontline_agency(OrganisationFactory(slug="housing-t"), "housing")
    flag = cold_home(shopkeeper, urgency="routine")
    social = flag.referrals.get(agency=social_care)
    new = casework.referral_transfer(referral=social, by=social_worker, to=housing, reason="A housing repair")
    social.refresh_from_db()
    assert (social.status, social.transferred_to) == (ReferralStatus.TRANSFERRED, new)
    assert new.agency == housing
    assert new.status == ReferralStatus.ROUTED
    with pytest.raises(Exception, match="already has this flag"):
        casework.referral_transfer(referral=flag.referrals.get(agency=fire_service), by=None, to=housing, reason="x")


def test_missed_deadline_is_escalated_once_to_the_agencys_managers(
    shopkeeper, social_care, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    manager = staff_of(social_care.organisation, "manager", "asc.manager@example.org")
    flag = cold_home(shopkeeper, urgency="urgent")
    Referral.objects.filter(flag=flag).update(acknowledge_by=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("frontline_escalate")
        call_command("frontline_escalate")
    escalations = [m for m in mailoutbox if "waiting past its deadline" in m.subject]
    assert [m.to for m in escalations] == [[manager.email]]
    assert Referral.objects.get(flag=flag, agency=social_care).escalated_at is not None


def test_closed_flags_personal_details_are_erased_after_the_retention_period(shopkeeper, social_care, settings) -> None:
    from heard.frontline.access import personal_details

    settings.FRONTLINE_RETENTION_DAYS = 30
    flag = cold_home(shopkeeper)
    referral = flag.referrals.get()
    casework.referral_close(referral=referral, by=None, outcome="action_taken")
    Flag.objects.filter(pk=flag.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    recent = cold_home(shopkeeper)
    call_command("frontline_retention")
    details = personal_details(flag_id=flag.pk, user=None, reason="act")
    assert details["erased"]
    assert details["subject"] == {}
    assert details["details"] == ""
    flag.refresh_from_db()
    assert (flag.category, flag.postcode_district) == ("cold_home", "MB1")  # the anonymous figures stay
    assert personal_details(flag_id=recent.pk, user=None, reason="act")["subject"]["name"] == "Edith Clarke"


def test_keys_rotate_and_old_key_can_then_be_dropped(shopkeeper, social_care, settings) -> None:
    from cryptography.fernet import Fernet

    from heard.frontline.access import personal_details

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    flag = cold_home(shopkeeper)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert personal_details(flag_id=flag.pk, user=None, reason="act")["subject"]["name"] == "Edith Clarke"


def test_wrong_key_fails_loudly_and_is_logged(shopkeeper, social_care, settings, caplog) -> None:
    from cryptography.fernet import Fernet
    from django.core.exceptions import ImproperlyConfigured

    from heard.frontline.access import personal_details

    flag = cold_home(shopkeeper)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        personal_details(flag_id=flag.pk, user=None, reason="act")
    assert "cannot be decrypted" in caplog.text


def test_statistics_suppress_counts_under_five(client_for, social_care) -> None:
    partner = frontline_partner(UserFactory())
    for _ in range(6):
        cold_home(partner)
    cold_home(partner, category="dementia")
    page = client_for(None).get(reverse("frontline:statistics")).content.decode()
    assert "<td>5</td>" in page  # 6, rounded to the nearest 5
    assert "&lt;5" in page  # the single dementia flag
    assert "<td>1</td>" not in page
    assert "<td>6</td>" not in page
    assert "<td>7</td>" not in page  # the row's total is rounded too: nothing to subtract from


def test_two_flags_about_one_household_are_proposed_as_linked_and_confirmed(
    client_for, shopkeeper, social_care, fire_service, social_worker, coordinator, django_capture_on_commit_callbacks
) -> None:
    from heard.frontline.models import FlagLink

    plumber = frontline_partner(UserFactory(email="plumber@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        first = cold_home(shopkeeper, name="Edith Clarke", approx_age=84, address="14 Canal Street")
        cold_home(shopkeeper, name="Tom Baker", approx_age=30, address="2 Mill Lane", postcode="MB1 3CD")
        second = cold_home(
            plumber,
            category="dementia",
            name="Mrs Edith Clark",
            approx_age=85,
            address="14 Canal St",
            details="Confused",
        )
    link = FlagLink.objects.get()
    assert (link.first_id, link.second_id) == (first.pk, second.pk)
    assert link.evidence["surname"]["level"] != "missing"
    assert "Edith" not in str(link.evidence)
    assert "Canal" not in str(link.evidence)
    referral = second.referrals.get(agency=social_care)
    page = client_for(social_worker).get(referral.get_absolute_url()).content.decode()
    assert first.reference in page
    assert "match weight" in page
    client_for(social_worker).post(
        reverse("frontline:link_decide", kwargs={"pk": referral.pk, "link_pk": link.pk}), {"decision": "confirm"}
    )
    case = client_for(coordinator).get(reverse("frontline:linked_case", kwargs={"reference": second.reference}))
    body = case.content.decode()
    assert first.reference in body
    assert second.reference in body
    assert "Millbrook Fire and Rescue" in body
    assert "Millbrook Adult Social Care" in body
    assert "Edith" not in body


def test_triage_records_the_lawful_basis(client_for, shopkeeper, social_care, social_worker) -> None:
    flag = cold_home(shopkeeper, subject_aware="not_told")
    assert flag.lawful_basis == "vital_interests"
    referral = flag.referrals.get()
    client_for(social_worker).post(
        reverse("frontline:referral_act", kwargs={"pk": referral.pk}), {"action": "basis", "basis": "public_task"}
    )
    flag.refresh_from_db()
    assert flag.lawful_basis == "public_task"


def test_administrator_makes_an_organisation_an_agency_and_adds_a_rule(client_for, site_admin, provider) -> None:
    from heard.frontline.models import Agency, RoutingRule

    client = client_for(site_admin)
    client.post(reverse("frontline:manage_rules"), {"action": "agency", "organisation": provider.pk, "kind": "housing"})
    agency = Agency.objects.get(organisation=provider)
    client.post(reverse("frontline:manage_rules"), {"action": "add", "agency": agency.pk, "category": "cold_home"})
    rule = RoutingRule.objects.get()
    assert (agency.kind, rule.agency, rule.category, rule.area, rule.urgency) == (
        "housing",
        agency,
        "cold_home",
        None,
        "",
    )
    client.post(reverse("frontline:manage_rules"), {"action": "remove", "rule": rule.pk})
    rule.refresh_from_db()
    assert not rule.active
