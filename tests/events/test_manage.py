"""Organisers' pages: planning an event, its rooms, its call, and the list at the door."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from heard.core.models import ActivityLog
from heard.events.models import Event, Registration, ReviewTeam
from heard.events.services.registration import registration_create
from tests.factories import UserFactory, festival

pytestmark = pytest.mark.django_db


def test_convener_plans_an_event_which_stays_hidden_until_published(client_for, convener, provider) -> None:
    start = timezone.localtime() + dt.timedelta(days=20)
    response = client_for(convener).post(
        reverse("events:manage"),
        {
            "organisation": provider.pk,
            "kind": "discussion",
            "title": "What next for repairs?",
            "description": "A follow-up to the report.",
            "starts_at": start.strftime("%Y-%m-%dT18:00"),
            "ends_at": start.strftime("%Y-%m-%dT20:00"),
            "place": "Millbrook Library",
            "online_url": "https://meet.example.org/repairs",
            "opens": "09:00",
            "closes": "21:00",
            "capacity": "40",
        },
    )
    event = Event.objects.get()
    assert response.status_code == 303
    assert event.organisation == provider
    assert client_for(None).get(reverse("events:event", kwargs={"slug": event.slug})).status_code == 404
    client_for(convener).post(reverse("events:event_manage", kwargs={"slug": event.slug}), {"action": "publish"})
    page = client_for(None).get(reverse("events:event", kwargs={"slug": event.slug})).content.decode()
    assert "What next for repairs?" in page
    assert "meet.example.org" not in page  # the joining link is for people with a place


def test_joining_link_is_shown_to_people_with_a_place(client_for, resident, provider) -> None:
    event = festival(provider)
    event.online_url = "https://meet.example.org/festival"
    event.save()
    registration_create(event=event, by=resident)
    page = client_for(resident).get(reverse("events:event", kwargs={"slug": event.slug})).content.decode()
    assert "https://meet.example.org/festival" in page


def test_event_that_ends_before_it_starts_is_refused_with_the_input_kept(client_for, convener, provider) -> None:
    response = client_for(convener).post(
        reverse("events:manage"),
        {
            "organisation": provider.pk,
            "kind": "discussion",
            "title": "Backwards",
            "starts_at": "2027-03-01T18:00",
            "ends_at": "2027-03-01T17:00",
            "opens": "09:00",
            "closes": "21:00",
            "capacity": "40",
        },
    )
    assert response.status_code == 400
    assert "The event must end after it starts." in response.content.decode()
    assert 'value="Backwards"' in response.content.decode()
    assert not Event.objects.exists()


def test_organiser_adds_rooms_and_a_duplicate_name_is_refused(client_for, convener, provider) -> None:
    event = festival(provider, rooms=1)
    url = reverse("events:rooms_manage", kwargs={"slug": event.slug})
    client_for(convener).post(url, {"action": "room", "room-name": "Garden room", "room-capacity": "12"})
    response = client_for(convener).post(url, {"action": "room", "room-name": "garden ROOM", "room-capacity": "5"})
    assert response.status_code == 400
    assert "already has a room with that name" in response.content.decode()
    assert sorted(event.venue.rooms.values_list("name", "capacity")) == [("Garden room", 12), ("Room 1", 30)]


def test_organiser_sets_up_the_call_questions_criteria_and_a_team(client_for, convener, provider) -> None:
    event = festival(provider)
    reviewer = UserFactory(email="reviewer@example.org")
    url = reverse("events:call_manage", kwargs={"slug": event.slug})
    client = client_for(convener)
    client.post(url, {"action": "question", "question-text": "Who will you bring?", "question-required": "on"})
    client.post(url, {"action": "criterion", "criterion-name": "Reach", "criterion-weight": "3"})
    client.post(url, {"action": "team", "team-name": "Youth"})
    team = ReviewTeam.objects.get(name="Youth")
    client.post(url, {"action": "member", "member-team": team.pk, "member-email": "Reviewer@example.org"})
    response = client.post(url, {"action": "member", "member-team": team.pk, "member-email": "nobody@example.org"})
    assert response.status_code == 400
    assert "Nobody has an account with that email address" in response.content.decode()
    assert list(event.call.questions.values_list("text", "required")) == [("Who will you bring?", True)]
    assert event.call.criteria.filter(name="Reach", weight=3).exists()
    assert list(team.members.all()) == [reviewer]


def test_deadline_before_opening_is_refused(client_for, convener, provider) -> None:
    event = festival(provider)
    response = client_for(convener).post(
        reverse("events:call_manage", kwargs={"slug": event.slug}),
        {
            "action": "call",
            "call-opens_at": "2027-01-10T09:00",
            "call-deadline": "2027-01-01T09:00",
            "call-accept_template": "a",
            "call-waitlist_template": "b",
            "call-reject_template": "c",
        },
    )
    assert response.status_code == 400
    assert "The deadline must come after the call opens." in response.content.decode()


def test_door_list_checks_people_in_and_logs_reading_their_needs(client_for, convener, provider) -> None:
    event = festival(provider)
    amara = UserFactory(display_name="Amara Okafor")
    registration_create(event=event, by=amara, access_needs="Wheelchair space")
    url = reverse("events:checkin", kwargs={"slug": event.slug})
    page = client_for(convener).get(url).content.decode()
    assert "Amara Okafor" in page
    assert "Wheelchair space" in page
    assert ActivityLog.objects.filter(action="events.access_needs_read", actor=convener).exists()
    registration = Registration.objects.get()
    client_for(convener).post(url, {"registration": registration.pk})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    assert "1 of 1 arrived" in client_for(convener).get(url).content.decode()


def test_door_list_runs_a_fixed_number_of_queries(
    client_for, convener, provider, django_assert_max_num_queries
) -> None:
    event = festival(provider)
    client = client_for(convener)
    url = reverse("events:checkin", kwargs={"slug": event.slug})
    registration_create(event=event, by=UserFactory())
    client.get(url)
    with django_assert_max_num_queries(40) as one:
        client.get(url)
    for _ in range(5):
        registration_create(event=event, by=UserFactory(), access_needs="Quiet space")
    with django_assert_max_num_queries(len(one.captured_queries) + 1):  # +1: the audit row for needs read
        client.get(url)


def test_resident_cannot_open_organiser_pages(client_for, resident, provider) -> None:
    event = festival(provider)
    for name in ("event_manage", "rooms_manage", "call_manage", "checkin"):
        assert client_for(resident).get(reverse(f"events:{name}", kwargs={"slug": event.slug})).status_code == 403


def test_email_template_with_an_unknown_placeholder_is_refused(client_for, convener, provider) -> None:
    event = festival(provider)
    response = client_for(convener).post(
        reverse("events:call_manage", kwargs={"slug": event.slug}),
        {
            "action": "call",
            "call-opens_at": "2027-01-01T09:00",
            "call-deadline": "2027-01-10T09:00",
            "call-accept_template": "Dear {name}, {title} is in.",
            "call-waitlist_template": "b",
            "call-reject_template": "c",
        },
    )
    assert response.status_code == 400
    assert "{name} cannot be filled in" in response.content.decode()
    event.call.refresh_from_db()
    assert "{name}" not in event.call.accept_template
