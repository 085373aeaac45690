"""The demo world's frontline: partners in each state, agencies and their rules, flags and referrals
in every state, and one household flagged by a shopkeeper and a plumber to different agencies and
linked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heard.core.enums import EmailStatus
from heard.core.models import OutboundEmail
from heard.demo import world as demo_world
from heard.demo.people import DEMO_PASSWORD, PEOPLE
from heard.demo.selectors import current_totp_code
from heard.frontline import selectors
from heard.frontline.enums import AgencyKind, Category, FlagStatus, LinkStatus, Outcome, PartnerStatus, ReferralStatus
from heard.frontline.models import Flag, FlagLink, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    settings.HEARD_DEMO = True
    # Run what the seeding queues on commit (linkage, emails), as `manage.py seed_demo` does.
    with django_capture_on_commit_callbacks(execute=True):
        return demo_world.build()


def _text(html: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


def test_frontline_demo_has_flags_and_referrals_in_every_state(world: dict[str, Any]) -> None:
    frontline = world["frontline"]
    flags, agencies = frontline["flags"], frontline["agencies"]
    now = timezone.now()

    assert 20 <= len(flags) <= 30
    assert set(Flag.objects.values_list("status", flat=True)) == set(FlagStatus.values)
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    closed = Referral.objects.filter(status=ReferralStatus.CLOSED)
    assert set(closed.values_list("outcome", flat=True)) == set(Outcome.values)
    assert set(Flag.objects.values_list("category", flat=True)) == set(Category.values)
    assert {agency.kind for agency in agencies.values()} >= {
        AgencyKind.ADULT_SOCIAL_CARE,
        AgencyKind.FIRE,
        AgencyKind.CHILDREN,
        AgencyKind.CHARITY,
        AgencyKind.DUTY,
    }

    # Past its deadline, escalated once to the council's manager; every other unacknowledged
    # referral is still within its deadline.
    overdue = flags["overdue"].referrals.get()
    assert overdue.status == ReferralStatus.ROUTED
    assert overdue.agency == agencies["council"]
    assert overdue.acknowledge_by < overdue.escalated_at < now
    assert overdue.escalated_at - overdue.acknowledge_by < dt.timedelta(minutes=15)
    escalation = OutboundEmail.objects.get(kind="referral_escalation")
    assert escalation.recipient == world["people"]["manager"].email
    assert not Referral.objects.filter(status=ReferralStatus.ROUTED, acknowledge_by__lt=now, escalated_at=None).exists()
    assert flags["urgent_received"].referrals.filter(status=ReferralStatus.ROUTED, acknowledge_by__gt=now).count() == 3

    # No rule routes it, so the duty desk has it.
    duty = flags["duty_received"].referrals.get()
    assert (duty.agency, duty.rule, duty.status) == (agencies["collaborative"], None, ReferralStatus.ROUTED)

    # The duty desk passed one on to Age Well, which took it.
    transferred = flags["financial_transferred"].referrals.get(status=ReferralStatus.TRANSFERRED)
    assert transferred.agency == agencies["collaborative"]
    assert transferred.transferred_to.agency == agencies["agewell"]
    assert transferred.transferred_to.status == ReferralStatus.ACCEPTED

    declined = flags["cold_home_declined"].referrals.get(status=ReferralStatus.DECLINED)
    assert declined.agency == agencies["agewell"]
    assert flags["cold_home_declined"].status == FlagStatus.CLOSED

    # An area rule: possible dementia in Eastfield goes to Age Well's memory café too.
    eastfield = flags["dementia_eastfield"].referrals.get(agency=agencies["agewell"])
    assert eastfield.rule.area == world["areas"]["eastfield"]
    assert not flags["household_plumber"].referrals.filter(agency=agencies["agewell"]).exists()

    unknown = flags["caravan_unknown_postcode"]
    assert unknown.postcode_unknown
    assert unknown.area is None
    assert unknown.referrals.get().agency == agencies["agewell"]

    # History happened in order, in the past; its emails were sent back then, none now.
    for referral in Referral.objects.select_related("flag"):
        assert referral.flag.created_at <= referral.created_at <= now
        assert referral.acknowledged_at is None or referral.created_at <= referral.acknowledged_at <= now
    assert not OutboundEmail.objects.filter(status=EmailStatus.QUEUED).exists()
    assert OutboundEmail.objects.filter(kind="flag_update", status=EmailStatus.SENT).exists()
    assert selectors.safe_statistics().median_hours_to_acknowledge is not None


def test_frontline_demo_partners_are_verified_waiting_and_suspended(world: dict[str, Any]) -> None:
    partners = world["frontline"]["partners"]
    people = world["people"]

    for key in ("shopkeeper", "plumber"):
        assert partners[key].user == people[key]
        assert partners[key].may_flag
        assert partners[key].verified_by == people["convener"]
        assert partners[key].flags.count() == 4
    assert list(selectors.partners_waiting()) == [partners["hairdresser"]]
    assert partners["neighbour"].status == PartnerStatus.SUSPENDED
    assert partners["neighbour"].suspended_reason
    assert partners["neighbour"].flags.get().status == FlagStatus.CLOSED


def test_frontline_demo_household_is_flagged_twice_to_different_agencies_and_linked(world: dict[str, Any]) -> None:
    household = world["frontline"]["household"]
    shopkeeper, plumber, link = household["shopkeeper"], household["plumber"], household["link"]

    assert shopkeeper.partner == world["frontline"]["partners"]["shopkeeper"]
    assert plumber.partner == world["frontline"]["partners"]["plumber"]
    assert (shopkeeper.reference, plumber.reference) == ("CWC4QWVQ", "M5SJ2UR3")
    assert shopkeeper.category != plumber.category
    agencies = world["frontline"]["agencies"]
    assert {r.agency for r in shopkeeper.referrals.all()} == {agencies["fire"], agencies["agewell"]}
    assert {r.agency for r in plumber.referrals.all()} == {agencies["council"]}

    # Linkage found it though the names, ages and addresses were written differently.
    assert (link.first, link.second) == (shopkeeper, plumber)
    assert link.status == LinkStatus.CONFIRMED
    assert link.decided_by == world["people"]["caseworker"]
    assert link.evidence["first_name"]["level"] == "variant"
    assert link.evidence["surname"]["level"] == "close"
    assert link.probability >= 0.9
    assert link.created_at < link.decided_at < timezone.now()
    assert [flag.pk for flag in selectors.linked_case(flag=shopkeeper)] == [shopkeeper.pk, plumber.pk]

    # Another pair waits for a caseworker to decide; nothing else was linked.
    carter = world["frontline"]["flags"]["carter_again"]
    proposed = FlagLink.objects.get(status=LinkStatus.PROPOSED)
    assert carter.pk in (proposed.first_id, proposed.second_id)
    assert FlagLink.objects.count() == 2


def test_frontline_demo_pages_answer_for_the_right_people(client_for: Any, world: dict[str, Any]) -> None:
    people, flags = world["people"], world["frontline"]["flags"]
    household = world["frontline"]["household"]

    mine = client_for(people["shopkeeper"]).get(reverse("frontline:my_flags"))
    assert mine.status_code == 200
    page = _text(mine.content)
    assert household["shopkeeper"].reference in page
    assert household["plumber"].reference not in page

    inbox = client_for(people["caseworker"]).get(reverse("frontline:inbox"))
    assert inbox.status_code == 200
    assert flags["overdue"].reference in _text(inbox.content)
    assert household["plumber"].reference in _text(inbox.content)

    # The fire service's caseworker holds the role the frontline demo granted, and signs in with the
    # demo password and the two-factor code of the demo person.
    fire = next(person for person in PEOPLE if person.key == "fire")
    client = Client()
    client.post(reverse("account_login"), {"login": fire.email, "password": DEMO_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(fire.totp_secret)})
    response = client.get(reverse("frontline:inbox"))
    assert response.status_code == 200
    assert household["shopkeeper"].reference in _text(response.content)

    url = reverse("frontline:linked_case", kwargs={"reference": household["shopkeeper"].reference})
    case = client_for(people["coordinator"]).get(url)
    assert case.status_code == 200
    page = _text(case.content)
    assert household["plumber"].reference in page
    for name in ("Eastmere Fire and Rescue Service", "Age Well Millbrook", "Millbrook Borough Council"):
        assert name in page.replace("&#x27;", "'")
    assert client_for(people["caseworker"]).get(url).status_code == 403

    statistics = client_for(None).get(reverse("frontline:statistics"))
    assert statistics.status_code == 200
    assert "Old Market" in _text(statistics.content)
