"""Feeds of a festival's released schedule (the c3voc/pretalx JSON, frab XML, iCalendar files) and
each person's own agenda. The feeds show the released schedule only, never the one organisers are
still moving sessions around in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from lxml import etree

from heard.core.models import ActivityLog
from heard.events.models import AgendaItem, Event, Room, ScheduleRelease, Session, SessionHost, Theme
from heard.events.services import agenda as services
from tests.factories import SessionFactory, UserFactory, festival

DATA = Path(__file__).parent / "data"
SCHEMA = json.loads((DATA / "schedule.schema.json").read_text(encoding="utf-8"))
XSD = etree.XMLSchema(etree.parse(str(DATA / "schedule.xml.xsd")))


def _rooms(event: Event) -> list[Room]:
    return list(Room.objects.filter(venue=event.venue).order_by("position"))


def _place(session: Session, room: Room, starts: dt.datetime, minutes: int = 60) -> Session:
    """Release a session at `starts` in `room`, as the schedule release does."""
    session.room, session.starts_at, session.ends_at = room, starts, starts + dt.timedelta(minutes=minutes)
    session.published_room, session.published_starts_at = room, starts
    session.published_ends_at = starts + dt.timedelta(minutes=minutes)
    session.save()
    return session


def _released(count: int = 1, **festival_kwargs: object) -> tuple[Event, list[Session]]:
    """A festival whose released schedule (version 1) holds `count` sessions, spread over its
    first two days and its rooms, each an hour long."""
    event = festival(**festival_kwargs)
    rooms = _rooms(event)
    theme = Theme.objects.get(slug="youth-resilience")
    sessions = []
    for number in range(count):
        session = SessionFactory(
            event=event, state="confirmed", title=f"Session {number + 1}", theme=theme, audience="Young people"
        )
        starts = event.starts_at + dt.timedelta(days=number % 2, hours=number)
        sessions.append(_place(session, rooms[number % len(rooms)], starts))
    ScheduleRelease.objects.create(event=event, version=1)
    return event, sessions


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _talks(data: dict) -> dict[str, dict]:
    """Every talk of a JSON schedule, by title, with the day it is listed under."""
    talks = {}
    for day in data["schedule"]["conference"]["days"]:
        for room_name, entries in day["rooms"].items():
            for talk in entries:
                talks[talk["title"]] = {**talk, "listed_day": day["date"], "listed_room": room_name}
    return talks


def _validate_json(data: dict) -> None:
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    validator_class(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)


# The JSON schedule --------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_json_validates_and_holds_the_released_sessions(client_for) -> None:
    event, sessions = _released(3)
    response = client_for(None).get(reverse("events:schedule_json", kwargs={"slug": event.slug}))
    assert response["Content-Type"] == "application/json"
    data = response.json()
    _validate_json(data)
    conference = data["schedule"]["conference"]
    assert data["schedule"]["version"] == "1"
    assert conference["title"] == "The Unusual Suspects"
    assert conference["daysCount"] == 3
    assert conference["time_zone_name"] == "Europe/London"
    assert [room["name"] for room in conference["rooms"]] == ["Room 1", "Room 2", "Room 3"]
    assert [track["name"] for track in conference["tracks"]] == ["Youth resilience"]
    talks = _talks(data)
    assert set(talks) == {"Session 1", "Session 2", "Session 3"}
    for session in sessions:
        talk = talks[session.title]
        starts = _local(session.published_starts_at)
        assert talk["guid"] == str(session.guid)
        assert talk["room"] == talk["listed_room"] == session.published_room.name
        assert talk["listed_day"] == starts.date().isoformat()
        assert talk["start"] == starts.strftime("%H:%M")
        assert dt.datetime.fromisoformat(talk["date"]) == session.published_starts_at
        assert talk["duration"] == "01:00"
        assert talk["type"] == "workshop"
        assert talk["track"] == "Youth resilience"
        assert talk["abstract"] == "We will talk and draw."
        assert talk["url"].endswith(reverse("events:session", kwargs={"slug": event.slug, "pk": session.pk}))
        assert [person["name"] for person in talk["persons"]] == [session.proposer.display_name]
    assert [day["index"] for day in conference["days"]] == [1, 2, 3]


@pytest.mark.django_db
def test_schedule_exports_never_include_email_addresses(client_for) -> None:
    event, (session,) = _released(1)
    SessionHost.objects.create(session=session, email="cohost@example.net", name="")
    client = client_for(None)
    for name in ("events:schedule_json", "events:schedule_xml"):
        content = client.get(reverse(name, kwargs={"slug": event.slug})).content.decode()
        assert session.proposer.display_name in content
        assert session.proposer.email not in content
        assert "cohost@example.net" not in content


@pytest.mark.django_db
def test_schedule_feeds_are_not_found_before_a_release_or_for_an_unpublished_event(client_for) -> None:
    unreleased = festival()
    _place(SessionFactory(event=unreleased, state="confirmed"), _rooms(unreleased)[0], unreleased.starts_at)
    unpublished, _sessions = _released(1, published=False)
    client = client_for(None)
    for event in (unreleased, unpublished):
        for name in ("events:schedule_json", "events:schedule_xml"):
            assert client.get(reverse(name, kwargs={"slug": event.slug})).status_code == 404


# The frab XML schedule ----------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_xml_validates_against_the_frab_schema_and_holds_the_released_sessions(client_for) -> None:
    event, sessions = _released(3)
    response = client_for(None).get(reverse("events:schedule_xml", kwargs={"slug": event.slug}))
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    document = etree.fromstring(response.content)
    XSD.assertValid(document)
    assert document.findtext("version") == "1"
    assert document.findtext("conference/title") == "The Unusual Suspects"
    assert len(document.findall("day")) == 3
    for session in sessions:
        (element,) = document.xpath("day/room/event[@guid=$guid]", guid=str(session.guid))
        starts = _local(session.published_starts_at)
        assert element.getparent().get("name") == session.published_room.name
        assert element.getparent().getparent().get("date") == starts.date().isoformat()
        assert element.findtext("start") == starts.strftime("%H:%M")
        assert element.findtext("duration") == "01:00"
        assert element.findtext("room") == session.published_room.name
        assert element.findtext("title") == session.title


@pytest.mark.django_db
def test_schedule_xml_escapes_what_people_wrote(client_for) -> None:
    event, (session,) = _released(1)
    session.title = 'Rent & repairs: "<who pays?>"\x0b'
    session.description = "Bring </description> & questions"
    session.save()
    content = client_for(None).get(reverse("events:schedule_xml", kwargs={"slug": event.slug})).content
    document = etree.fromstring(content)
    XSD.assertValid(document)
    (element,) = document.findall("day/room/event")
    assert element.findtext("title") == 'Rent & repairs: "<who pays?>"'
    assert element.findtext("abstract") == "Bring </description> & questions"
    _validate_json(client_for(None).get(reverse("events:schedule_json", kwargs={"slug": event.slug})).json())


# The released schedule, not the working one ------------------------------------------------


@pytest.mark.django_db
def test_unreleased_changes_do_not_leak_into_any_feed(client_for, resident) -> None:
    event, (moved,) = _released(1)
    rooms = _rooms(event)
    released_start = moved.published_starts_at
    # After the release, an organiser moves the session in the working schedule and places a new one.
    moved.room, moved.starts_at = rooms[2], released_start + dt.timedelta(hours=5)
    moved.ends_at = moved.starts_at + dt.timedelta(hours=1)
    moved.save()
    draft = SessionFactory(event=event, state="confirmed", title="Not released yet")
    draft.room, draft.starts_at, draft.ends_at = rooms[1], released_start, released_start + dt.timedelta(hours=1)
    draft.save()
    services.agenda_add(session=moved, by=resident)
    AgendaItem.objects.create(user=resident, session=draft)  # as if it had been released, then withdrawn
    client = client_for(resident)

    talks = _talks(client.get(reverse("events:schedule_json", kwargs={"slug": event.slug})).json())
    assert set(talks) == {moved.title}
    assert talks[moved.title]["room"] == "Room 1"
    assert talks[moved.title]["start"] == _local(released_start).strftime("%H:%M")

    document = etree.fromstring(client.get(reverse("events:schedule_xml", kwargs={"slug": event.slug})).content)
    assert [element.findtext("title") for element in document.iter("event")] == [moved.title]
    assert {room.get("name") for room in document.iterfind("day/room")} == {"Room 1"}

    for url in (
        reverse("events:session_ics", kwargs={"slug": event.slug, "pk": moved.pk}),
        reverse("events:agenda_ics", kwargs={"slug": event.slug}),
    ):
        (entry,) = Calendar.from_ical(client.get(url).content).walk("VEVENT")
        assert entry.decoded("dtstart") == released_start
        assert str(entry["location"]).startswith("Room 1, Millbrook Hall")

    unreleased_ics = reverse("events:session_ics", kwargs={"slug": event.slug, "pk": draft.pk})
    assert client.get(unreleased_ics).status_code == 404


# iCalendar -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_calendar_parses_with_the_released_time_place_and_page(client_for) -> None:
    event, (session,) = _released(1)
    response = client_for(None).get(reverse("events:session_ics", kwargs={"slug": event.slug, "pk": session.pk}))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    (entry,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(entry["summary"]) == session.title
    assert str(entry["uid"]) == f"{session.guid}@127.0.0.1:8000"
    assert entry.decoded("dtstart") == session.published_starts_at
    assert entry.decoded("dtend") == session.published_ends_at
    assert str(entry["location"]) == "Room 1, Millbrook Hall, 1 High Street"
    assert str(entry["url"]).endswith(reverse("events:session", kwargs={"slug": event.slug, "pk": session.pk}))


@pytest.mark.django_db
def test_agenda_calendar_holds_the_released_sessions_of_that_agenda_only(client_for, resident) -> None:
    event, sessions = _released(3)
    _elsewhere_event, (elsewhere,) = _released(1)
    for session in (sessions[0], sessions[2], elsewhere):
        services.agenda_add(session=session, by=resident)
    services.agenda_add(session=sessions[1], by=UserFactory())
    response = client_for(resident).get(reverse("events:agenda_ics", kwargs={"slug": event.slug}))
    calendar = Calendar.from_ical(response.content)
    entries = {str(entry["uid"]): entry for entry in calendar.walk("VEVENT")}
    assert set(entries) == {f"{sessions[0].guid}@127.0.0.1:8000", f"{sessions[2].guid}@127.0.0.1:8000"}
    for session in (sessions[0], sessions[2]):
        assert entries[f"{session.guid}@127.0.0.1:8000"].decoded("dtstart") == session.published_starts_at
    assert "private" in response["Cache-Control"]


# The personal agenda -------------------------------------------------------------------------


@pytest.mark.django_db
def test_agenda_toggle_adds_then_removes_a_session(client_for, resident) -> None:
    event, (session,) = _released(1)
    client = client_for(resident)
    url = reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk})
    schedule_url = reverse("events:schedule", kwargs={"slug": event.slug})

    response = client.post(url, {"action": "add", "next": schedule_url})
    assert response.status_code == 303
    assert response["Location"] == schedule_url
    assert list(AgendaItem.objects.values_list("user", "session")) == [(resident.pk, session.pk)]
    client.post(url, {"action": "add"})  # a second click keeps one item
    assert AgendaItem.objects.count() == 1
    assert ActivityLog.objects.filter(action="agenda.added", actor=resident).count() == 1

    response = client.post(url, {"action": "remove"})
    assert response["Location"] == reverse("events:agenda", kwargs={"slug": event.slug})
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_agenda_toggle_without_an_action_switches_the_session_in_and_out(client_for, resident) -> None:
    event, (session,) = _released(1)
    client = client_for(resident)
    url = reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk})
    client.post(url)
    assert AgendaItem.objects.filter(user=resident, session=session).exists()
    client.post(url)
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_agenda_toggle_refuses_a_session_not_in_the_released_schedule(client_for, resident) -> None:
    event, _sessions = _released(1)
    draft = SessionFactory(event=event, state="confirmed")
    draft.room, draft.starts_at = _rooms(event)[1], event.starts_at
    draft.ends_at = event.starts_at + dt.timedelta(hours=1)
    draft.save()
    client = client_for(resident)
    response = client.post(
        reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": draft.pk}), {"action": "add"}, follow=True
    )
    assert response.status_code == 404  # as if it did not exist: it is nobody's business yet
    assert not AgendaItem.objects.exists()
    with pytest.raises(ValidationError, match="not in the published schedule"):
        services.agenda_add(session=draft, by=resident)
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_agenda_toggle_does_not_reveal_the_title_of_a_draft_or_rejected_proposal(client_for, resident) -> None:
    event, _sessions = _released(1)
    for state in ("draft", "rejected"):
        hidden = SessionFactory(event=event, state=state, title=f"Secret {state} proposal")
        response = client_for(resident).post(
            reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": hidden.pk}),
            {"action": "add"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 404
        assert f"Secret {state} proposal" not in response.content.decode()


@pytest.mark.django_db
def test_agenda_add_refuses_a_session_of_an_unpublished_event(client_for, resident) -> None:
    event, (session,) = _released(1, published=False)
    with pytest.raises(ValidationError, match="not in the published schedule"):
        services.agenda_add(session=session, by=resident)
    url = reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk})
    assert client_for(resident).post(url, {"action": "add"}).status_code == 404
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_agenda_toggle_with_htmx_answers_with_the_button(client_for, resident) -> None:
    event, (session,) = _released(1)
    response = client_for(resident).post(
        reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk}),
        {"action": "add"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="agenda-{session.pk}"' in page
    assert "Remove from my agenda" in page
    assert "<html" not in page
    assert AgendaItem.objects.filter(user=resident, session=session).exists()


@pytest.mark.django_db
def test_agenda_toggle_goes_back_only_to_our_own_pages(client_for, resident) -> None:
    event, (session,) = _released(1)
    url = reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk})
    agenda_url = reverse("events:agenda", kwargs={"slug": event.slug})
    client = client_for(resident)
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert client.post(url, {"action": "add", "next": elsewhere})["Location"] == agenda_url


@pytest.mark.django_db
def test_agenda_pages_are_for_signed_in_people_only(client_for) -> None:
    event, (session,) = _released(1)
    client = client_for(None)
    login_url = reverse("account_login")
    for url in (
        reverse("events:agenda", kwargs={"slug": event.slug}),
        reverse("events:agenda_ics", kwargs={"slug": event.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login_url)
    response = client.post(reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk}))
    assert response["Location"].startswith(login_url)
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_agenda_is_private_to_its_owner(client_for, resident) -> None:
    event, (session,) = _released(1)
    services.agenda_add(session=session, by=resident)
    url = reverse("events:agenda", kwargs={"slug": event.slug})
    own = client_for(resident).get(url)
    assert session.title in own.content.decode()
    assert "private" in own["Cache-Control"]
    other_page = client_for(UserFactory()).get(url).content.decode()
    assert session.title not in other_page
    assert "Your agenda is empty" in other_page
    calendar = Calendar.from_ical(
        client_for(UserFactory()).get(reverse("events:agenda_ics", kwargs={"slug": event.slug})).content
    )
    assert calendar.walk("VEVENT") == []


@pytest.mark.django_db
def test_agenda_page_lists_sessions_by_day_and_warns_of_a_clash(client_for, resident) -> None:
    event, (first, second, third) = _released(3)  # day 1 at 09:00, day 2 at 10:00, day 1 at 11:00
    clashing = _place(
        SessionFactory(event=event, state="confirmed", title="Clashing"),
        _rooms(event)[1],
        first.published_starts_at + dt.timedelta(minutes=30),
    )
    for session in (third, second, clashing, first):
        services.agenda_add(session=session, by=resident)
    page = client_for(resident).get(reverse("events:agenda", kwargs={"slug": event.slug})).content.decode()
    order = [page.index(session.title + "</a>") for session in (first, clashing, third, second)]
    assert order == sorted(order)
    assert page.count("This overlaps") == 2
    assert "This overlaps “Clashing”" in page
    assert "This overlaps “Session 1”" in page
    day_one = _local(first.published_starts_at).strftime("%A %-d %B %Y")
    day_two = _local(second.published_starts_at).strftime("%A %-d %B %Y")
    assert page.index(day_one) < page.index(third.title) < page.index(day_two)
    assert reverse("events:agenda_ics", kwargs={"slug": event.slug}) in page
    assert reverse("events:session", kwargs={"slug": event.slug, "pk": first.pk}) in page
    assert page.count("Remove from my agenda") == 4


@pytest.mark.django_db
def test_agenda_page_is_paginated(client_for, resident, settings) -> None:
    settings.HEARD_PAGE_SIZE = 2
    event, sessions = _released(3)
    for session in sessions:
        services.agenda_add(session=session, by=resident)
    url = reverse("events:agenda", kwargs={"slug": event.slug})
    client = client_for(resident)
    first_page = client.get(url).content.decode()
    second_page = client.get(url, {"page": 2}).content.decode()
    # In time order: Session 1 (day 1, 09:00), Session 3 (day 1, 11:00), Session 2 (day 2).
    assert "Session 1</a>" in first_page
    assert "Session 3</a>" in first_page
    assert "Session 2</a>" not in first_page
    assert "Session 2</a>" in second_page
    assert "Showing 3 to 3 of 3" in second_page


@pytest.mark.django_db
def test_agenda_keeps_a_session_that_left_the_schedule_so_it_can_be_removed(client_for, resident) -> None:
    event, (session,) = _released(1)
    services.agenda_add(session=session, by=resident)
    Session.objects.filter(pk=session.pk).update(published_room=None, published_starts_at=None, published_ends_at=None)
    client = client_for(resident)
    page = client.get(reverse("events:agenda", kwargs={"slug": event.slug})).content.decode()
    assert "No longer in the schedule" in page
    client.post(reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk}), {"action": "remove"})
    assert not AgendaItem.objects.exists()


# Query counts --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 4])
def test_schedule_exports_run_a_fixed_number_of_queries(client_for, django_assert_num_queries, count) -> None:
    event, _sessions = _released(count)
    client = client_for(None)
    for name in ("events:schedule_json", "events:schedule_xml"):
        # event, release version, sessions with rooms and themes, their hosts, the venue's rooms
        with django_assert_num_queries(5):
            assert client.get(reverse(name, kwargs={"slug": event.slug})).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 4])
def test_agenda_pages_run_a_fixed_number_of_queries(client_for, resident, django_assert_num_queries, count) -> None:
    event, sessions = _released(count)
    for session in sessions:
        services.agenda_add(session=session, by=resident)
    client = client_for(resident)
    # sign-in session, person, their roles, event, count, page of items, permissions (2)
    with django_assert_num_queries(8):
        assert client.get(reverse("events:agenda", kwargs={"slug": event.slug})).status_code == 200
    # sign-in session, person, their roles, event, sessions with their rooms and venue
    with django_assert_num_queries(5):
        assert client.get(reverse("events:agenda_ics", kwargs={"slug": event.slug})).status_code == 200
