"""The schedule: placing sessions (by form and by htmx, across the clock changes), two organisers
moving the same session, conflicts, releases with their changelog and emails, the public schedule
and its queries, who may do what, and the editor's script in a browser."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from heard.core.models import ActivityLog, OutboundEmail
from heard.events import scheduling
from heard.events.models import AgendaItem, Event, Registration, Room, ScheduleRelease, Session, SessionHost, Venue
from heard.events.selectors import schedule as selectors
from heard.events.services import schedule as services
from tests.factories import SessionFactory, UserFactory, festival

ZONE = dt.UTC


def at(event: Event, day: int, clock: str) -> dt.datetime:
    """A local time on the event's `day` (0 for its first day)."""
    first = timezone.localtime(event.starts_at).date()
    return timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=day), dt.time.fromisoformat(clock)))


def rooms(event: Event) -> list[Room]:
    return list(Room.objects.filter(venue=event.venue).order_by("position"))


def place(session: Session, room: Room, starts_at: dt.datetime, by: object = None) -> Session:
    return services.session_place(
        session=session, room=room, starts_at=starts_at, expected_version=session.schedule_version, by=by
    )


def edit_url(event: Event) -> str:
    return reverse("events:schedule_edit", kwargs={"slug": event.slug})


def place_url(session: Session) -> str:
    return reverse("events:schedule_place", kwargs={"slug": session.event.slug, "pk": session.pk})


def release_url(event: Event) -> str:
    return reverse("events:schedule_release", kwargs={"slug": event.slug})


def schedule_url(event: Event) -> str:
    return reverse("events:schedule", kwargs={"slug": event.slug})


def form_data(event: Event, room: Room, day: int, clock: str, version: int) -> dict[str, str]:
    first = timezone.localtime(event.starts_at).date()
    return {
        "room": str(room.pk),
        "day": (first + dt.timedelta(days=day)).isoformat(),
        "time": clock,
        "version": str(version),
        "action": "place",
    }


@pytest.fixture
def event(provider) -> Event:
    return festival(provider)


# Placing sessions.


@pytest.mark.django_db
def test_schedule_place_by_form_puts_the_session_in_the_room_at_the_time(client_for, manager, event) -> None:
    session = SessionFactory(event=event, state="accepted", duration=90)
    room = rooms(event)[1]

    client = client_for(manager)

    response = client.post(place_url(session), form_data(event, room, 1, "10:30", 0))

    assert response.status_code == 303
    assert response["Location"].endswith(f"#session-{session.pk}")
    session.refresh_from_db()
    assert session.room == room
    assert session.starts_at == at(event, 1, "10:30")
    assert session.ends_at == at(event, 1, "12:00")
    assert session.schedule_version == 1
    assert session.published_starts_at is None  # nobody sees it until a release
    assert ActivityLog.objects.filter(action="session.placed", object_id=str(session.pk), actor=manager).exists()
    page = client.get(response["Location"]).content.decode()
    assert "“Session" in page
    assert "is now in Room 2 on" in page


@pytest.mark.django_db
def test_schedule_place_with_htmx_answers_with_the_editor_and_its_warnings(client_for, convener, event) -> None:
    first = SessionFactory(event=event, state="confirmed", title="Growing up online")
    second = SessionFactory(event=event, state="accepted", title="Ageing well")
    room = rooms(event)[0]
    place(first, room, at(event, 0, "10:00"))

    response = client_for(convener).post(
        place_url(second), form_data(event, room, 0, "10:30", 0), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="schedule-editor"')
    assert "<html" not in body
    assert 'hx-swap-oob="innerHTML"' in body
    assert "“Ageing well” is now in Room 1" in body
    assert "Room 1 is also booked for “Growing up online” at the same time (10:00–11:00)." in body
    second.refresh_from_db()
    assert second.room == room


@pytest.mark.django_db
def test_schedule_place_from_an_old_version_is_refused_and_shows_where_the_session_is_now(
    client_for, manager, convener, event
) -> None:
    session = SessionFactory(event=event, state="accepted", title="Youth voice")
    room_1, room_2 = rooms(event)[:2]
    # Both organisers open the editor while the session is at version 0.
    for organiser in (manager, convener):
        page = client_for(organiser).get(edit_url(event)).content.decode()
        assert f'name="version" value="0" id="session-{session.pk}-version"' in page

    first = client_for(manager).post(place_url(session), form_data(event, room_1, 0, "10:00", 0))
    second = client_for(convener).post(place_url(session), form_data(event, room_2, 1, "14:00", 0))

    assert first.status_code == 303
    assert second.status_code == 409
    day = timezone.localtime(at(event, 0, "10:00")).strftime("%A %-d %B")
    assert (
        f"Someone else moved “Youth voice” while you were looking: it is now in Room 1 on {day} at 10:00. "
        "We have changed nothing." in second.content.decode()
    )
    # The page shows the current state: the form carries the new version, ready for a new move.
    assert f'name="version" value="1" id="session-{session.pk}-version"' in second.content.decode()
    session.refresh_from_db()
    assert (session.room, session.starts_at, session.schedule_version) == (room_1, at(event, 0, "10:00"), 1)


@pytest.mark.django_db
def test_schedule_place_from_an_old_version_with_htmx_tells_in_place(client_for, manager, event) -> None:
    session = SessionFactory(event=event, state="accepted", title="Youth voice")
    place(session, rooms(event)[0], at(event, 0, "10:00"))
    session.refresh_from_db()
    services.session_unplace(session=session, expected_version=1, by=None)

    response = client_for(manager).post(
        place_url(session), form_data(event, rooms(event)[1], 0, "11:00", 1), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Someone else moved “Youth voice” while you were looking: it is now not in the schedule." in (
        response.content.decode()
    )
    session.refresh_from_db()
    assert session.room is None
    assert session.schedule_version == 2


@pytest.mark.django_db
def test_schedule_place_refuses_a_session_not_accepted(client_for, manager, event) -> None:
    session = SessionFactory(event=event, state="submitted")

    response = client_for(manager).post(place_url(session), form_data(event, rooms(event)[0], 0, "10:00", 0))

    assert response.status_code == 400
    assert "Only accepted or confirmed sessions can be put in the schedule." in response.content.decode()
    session.refresh_from_db()
    assert session.room is None
    assert session.schedule_version == 0


@pytest.mark.django_db
def test_schedule_place_with_a_missing_time_keeps_the_input_and_says_what_to_do(client_for, manager, event) -> None:
    session = SessionFactory(event=event, state="accepted")
    data = form_data(event, rooms(event)[2], 0, "", 0)

    response = client_for(manager).post(place_url(session), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert f'href="#session-{session.pk}-time">Enter the time it starts, like 10:30.' in body
    assert f'<option value="{rooms(event)[2].pk}" selected>' in body
    session.refresh_from_db()
    assert session.room is None


@pytest.mark.django_db
def test_schedule_remove_takes_the_session_out(client_for, manager, event) -> None:
    session = SessionFactory(event=event, state="accepted")
    place(session, rooms(event)[0], at(event, 0, "10:00"))

    response = client_for(manager).post(place_url(session), {"action": "remove", "version": "1"})

    assert response.status_code == 303
    session.refresh_from_db()
    assert (session.room, session.starts_at, session.ends_at, session.schedule_version) == (None, None, None, 2)


@pytest.mark.django_db
def test_schedule_place_refuses_a_room_of_another_venue(manager, event) -> None:
    session = SessionFactory(event=event, state="accepted")
    elsewhere = rooms(festival())[0]
    with pytest.raises(services.ValidationError):
        place(session, elsewhere, at(event, 0, "10:00"), by=manager)


# Conflicts, over plain data.

OPENING = scheduling.Opening(
    days=(dt.date(2030, 6, 7), dt.date(2030, 6, 8)), opens=dt.time(9), closes=dt.time(18), zone=ZONE
)


def placed(pk: int, room: int, start: str, end: str, **extra: object) -> scheduling.Placement:
    values: dict[str, object] = {
        "session_id": pk,
        "title": f"Session {pk}",
        "starts_at": dt.datetime.fromisoformat(f"2030-06-07T{start}+00:00"),
        "ends_at": dt.datetime.fromisoformat(f"2030-06-07T{end}+00:00"),
        "room_id": room,
        "room_name": f"Room {room}",
        "room_capacity": 40,
        "expected_audience": 20,
    }
    return scheduling.Placement(**(values | extra))  # type: ignore[arg-type]


def test_conflicts_a_host_in_two_places_at_once_by_email_or_account() -> None:
    sam = scheduling.Host(name="Sam", email="Sam@example.org")
    same_sam = scheduling.Host(name="Sam J", email="sam@example.org")
    kim = scheduling.Host(name="Kim", user_id=7)
    found = scheduling.find_conflicts(
        [
            placed(1, 1, "10:00", "11:00", hosts=(sam,)),
            placed(2, 2, "10:30", "11:30", hosts=(same_sam, kim)),
            placed(3, 3, "11:00", "12:00", hosts=(scheduling.Host(name="Kim again", user_id=7),)),
            placed(4, 1, "11:00", "12:00", hosts=(sam,)),  # starts as session 1 ends: no clash
        ],
        OPENING,
    )
    assert [c.message for c in found[1]] == ["Sam also hosts “Session 2” at the same time (10:30–11:30, Room 2)."]
    assert {c.kind for c in found[2]} == {"host"}
    assert len(found[2]) == 3
    assert [c.other_id for c in found[3]] == [2]
    assert [c.other_id for c in found[4]] == [2]


def test_conflicts_a_room_double_booked() -> None:
    found = scheduling.find_conflicts(
        [placed(1, 1, "10:00", "11:00"), placed(2, 1, "10:45", "11:15"), placed(3, 2, "10:00", "11:00")], OPENING
    )
    assert [c.message for c in found[1]] == ["Room 1 is also booked for “Session 2” at the same time (10:45–11:15)."]
    assert [c.kind for c in found[2]] == ["room"]
    assert 3 not in found


def test_conflicts_a_room_smaller_than_the_audience() -> None:
    found = scheduling.find_conflicts(
        [placed(1, 1, "10:00", "11:00", expected_audience=60), placed(2, 2, "10:00", "11:00", expected_audience=40)],
        OPENING,
    )
    assert [c.message for c in found[1]] == ["Room 1 has 40 seats, but the hosts expect 60 people."]
    assert 2 not in found


def test_conflicts_outside_the_opening_hours_or_days() -> None:
    found = scheduling.find_conflicts(
        [
            placed(1, 1, "08:30", "09:30"),
            placed(2, 1, "17:30", "18:30"),
            placed(3, 2, "09:00", "18:00"),
            placed(
                4,
                3,
                "10:00",
                "11:00",
                starts_at=dt.datetime(2030, 6, 9, 10, tzinfo=ZONE),
                ends_at=dt.datetime(2030, 6, 9, 11, tzinfo=ZONE),
            ),
        ],
        OPENING,
    )
    assert [c.message for c in found[1]] == ["It starts at 08:30, before the doors open at 09:00."]
    assert [c.message for c in found[2]] == ["It ends at 18:30, after the doors close at 18:00."]
    assert 3 not in found
    assert [c.message for c in found[4]] == ["It is on Sunday 9 June, which is not one of the event's days."]


def test_day_grids_span_the_slots_a_session_runs_for() -> None:
    grids = scheduling.day_grids(
        [placed(1, 1, "10:00", "11:30"), placed(2, 1, "10:30", "11:00"), placed(3, 2, "09:00", "10:00")],
        [1, 2],
        OPENING,
        slot=30,
    )
    assert [grid.day for grid in grids] == list(OPENING.days)
    rows = grids[0].rows
    assert len(rows) == 18
    assert rows[0].time == dt.time(9)
    assert rows[-1].time == dt.time(17, 30)
    ten = rows[2]
    # Session 1 stops short of session 2, which double-books room 1 at 10:30 (and is warned about).
    assert [(cell.room_id, cell.rowspan, [p.session_id for p in cell.placements]) for cell in ten.cells] == [
        (1, 1, [1]),
        (2, 1, []),
    ]
    assert [(cell.room_id, cell.rowspan) for cell in rows[0].cells] == [(1, 1), (2, 2)]
    assert [cell.room_id for cell in rows[1].cells] == [1]  # room 2 at 09:30 is covered by session 3


# The editor.


@pytest.mark.django_db
def test_schedule_edit_shows_each_kind_of_conflict_beside_the_sessions_and_at_the_top(
    client_for, convener, event
) -> None:
    small, *_ = rooms(event)
    first = SessionFactory(event=event, state="accepted", title="First", expected_audience=80)
    second = SessionFactory(event=event, state="confirmed", title="Second")
    SessionHost.objects.create(session=second, email=first.proposer.email.upper(), name="Same host")
    early = SessionFactory(event=event, state="accepted", title="Early")
    place(first, small, at(event, 0, "10:00"))
    place(second, small, at(event, 0, "10:30"))
    place(early, rooms(event)[2], at(event, 1, "08:00"))
    SessionFactory(event=event, state="accepted", title="Still to place")

    body = client_for(convener).get(edit_url(event)).content.decode()

    assert "There are 6 warnings, about 3 sessions:" in body
    assert "Room 1 has 30 seats, but the hosts expect 80 people." in body
    assert "Room 1 is also booked for “Second” at the same time (10:30–11:30)." in body
    assert "also hosts “First” at the same time (10:00–11:00, Room 1)." in body
    assert "It starts at 08:00, before the doors open at 09:00." in body
    assert "1 session to place" in body
    assert "Still to place" in body


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_schedule_edit_runs_a_fixed_number_of_queries(
    client_for, manager, event, django_assert_num_queries, count
) -> None:
    for number in range(count):
        session = SessionFactory(event=event, state="accepted")
        if number:
            place(session, rooms(event)[number % 3], at(event, number % 3, "11:00"))
    client = client_for(manager)
    client.get(edit_url(event))
    # Django session, user, event, roles, rooms, sessions, hosts, releases.
    with django_assert_num_queries(8):
        assert client.get(edit_url(event)).status_code == 200


# Releases.


def release(event: Event, **kwargs: object) -> ScheduleRelease:
    return services.release_publish(event=event, by=None, **kwargs)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_release_publish_lists_what_was_added_moved_and_removed(client_for, manager, event) -> None:
    room_1, room_2, room_3 = rooms(event)
    staying = SessionFactory(event=event, state="confirmed", title="Staying")
    moving = SessionFactory(event=event, state="confirmed", title="Moving")
    withdrawing = SessionFactory(event=event, state="accepted", title="Withdrawing")
    taken_out = SessionFactory(event=event, state="accepted", title="Taken out")
    for session, room in ((staying, room_1), (moving, room_2), (withdrawing, room_3), (taken_out, room_3)):
        place(session, room, at(event, 0, "10:00" if session != taken_out else "14:00"))
    first = release(event)
    assert first.version == 1
    assert sorted(c["change"] for c in first.changes) == ["added"] * 4

    moving.refresh_from_db()
    place(moving, room_1, at(event, 1, "11:00"))
    Session.objects.filter(pk=withdrawing.pk).update(state="withdrawn")
    taken_out.refresh_from_db()
    services.session_unplace(session=taken_out, expected_version=taken_out.schedule_version, by=None)
    late = SessionFactory(event=event, state="accepted", title="Late")
    place(late, room_2, at(event, 2, "15:00"))

    response = client_for(manager).post(release_url(event), {"note": "Room 2 is now the garden room."})

    assert response.status_code == 303
    second = ScheduleRelease.objects.get(event=event, version=2)
    assert second.note == "Room 2 is now the garden room."
    assert second.published_by == manager
    changes = {c["title"]: c for c in second.changes}
    assert set(changes) == {"Moving", "Withdrawing", "Taken out", "Late"}
    assert changes["Moving"]["change"] == "moved"
    assert changes["Moving"]["room_changed"]
    assert changes["Moving"]["time_changed"]
    assert changes["Moving"]["before"]["room"] == "Room 2"
    assert changes["Moving"]["after"]["room"] == "Room 1"
    assert changes["Withdrawing"]["change"] == "removed"
    assert changes["Withdrawing"]["after"] is None
    assert changes["Taken out"]["change"] == "removed"
    assert changes["Late"]["change"] == "added"
    for session in (moving, withdrawing, taken_out, late):
        session.refresh_from_db()
    assert (moving.published_room, moving.published_starts_at) == (room_1, at(event, 1, "11:00"))
    assert withdrawing.published_starts_at is None
    assert taken_out.published_room is None
    assert late.published_ends_at == at(event, 2, "16:00")
    # A session without places of its own takes its room's seats.
    assert late.places == room_2.capacity

    changes_page = client_for(None).get(reverse("events:schedule_changes", kwargs={"slug": event.slug}))
    body = changes_page.content.decode()
    assert "Version 2" in body
    assert "Version 1" in body
    assert "Room 2 is now the garden room." in body
    assert "1 session moved" in body
    assert "2 sessions taken out" in body
    assert "4 sessions added" in body


@pytest.mark.django_db
def test_release_publish_is_refused_when_nothing_changed(client_for, manager, event) -> None:
    place(SessionFactory(event=event, state="accepted"), rooms(event)[0], at(event, 0, "10:00"))
    release(event)

    response = client_for(manager).post(release_url(event), {"note": ""})

    assert response.status_code == 400
    assert "Nothing has changed since the last release, so there is nothing to publish." in response.content.decode()
    assert ScheduleRelease.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_release_publish_with_conflicts_needs_the_publish_anyway_tick(client_for, manager, event) -> None:
    room = rooms(event)[0]
    place(SessionFactory(event=event, state="accepted"), room, at(event, 0, "10:00"))
    place(SessionFactory(event=event, state="accepted"), room, at(event, 0, "10:00"))
    client = client_for(manager)

    refused = client.post(release_url(event), {"note": "First"})

    assert refused.status_code == 400
    assert "The schedule has 2 warnings. Fix them, or tick “Publish anyway” if you have checked them." in (
        refused.content.decode()
    )
    assert "First</textarea>" in refused.content.decode()  # the note is kept
    assert not ScheduleRelease.objects.filter(event=event).exists()

    published = client.post(release_url(event), {"note": "First", "publish_anyway": "on"})

    assert published.status_code == 303
    assert ScheduleRelease.objects.get(event=event).version == 1


@pytest.mark.django_db
def test_release_publish_emails_each_person_whose_sessions_changed_once(
    event, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    room_1, room_2, _room_3 = rooms(event)
    moved = SessionFactory(event=event, state="confirmed", title="Moved session")
    removed = SessionFactory(event=event, state="confirmed", title="Removed session")
    untouched = SessionFactory(event=event, state="confirmed", title="Untouched session")
    place(moved, room_1, at(event, 0, "10:00"))
    place(removed, room_2, at(event, 0, "10:00"))
    place(untouched, room_2, at(event, 0, "12:00"))
    release(event)
    both, booked_only, waiting, untouched_fan, cancelled = (UserFactory() for _ in range(5))
    AgendaItem.objects.create(user=both, session=moved)
    AgendaItem.objects.create(user=both, session=removed)
    Registration.objects.create(event=event, session=moved, user=both, status="booked")
    Registration.objects.create(event=event, session=removed, user=booked_only, status="booked")
    Registration.objects.create(event=event, session=moved, user=waiting, status="waiting")
    Registration.objects.create(event=event, session=moved, user=cancelled, status="cancelled")
    AgendaItem.objects.create(user=untouched_fan, session=untouched)
    moved.refresh_from_db()
    place(moved, room_2, at(event, 1, "14:00"))
    removed.refresh_from_db()
    services.session_unplace(session=removed, expected_version=removed.schedule_version, by=None)

    with django_capture_on_commit_callbacks(execute=True):
        release(event, note="Sorry for the change.")

    by_person = {message.to[0]: message for message in mailoutbox}
    assert set(by_person) == {both.email, booked_only.email, waiting.email}
    letter = by_person[both.email].body
    assert by_person[both.email].subject == "Changes to the schedule of The Unusual Suspects"
    assert "“Moved session” has moved: it is now in Room 2 on" in letter
    assert "14:00–15:00" in letter
    assert "(it was in Room 1 on" in letter
    assert "“Removed session” is no longer in the schedule." in letter
    assert "Sorry for the change." in letter
    assert "Removed session" not in by_person[waiting.email].body


# The public schedule.


@pytest.mark.django_db
def test_schedule_shows_only_the_released_state(client, event) -> None:
    session = SessionFactory(event=event, state="confirmed", title="Kept in the dark")
    assert "Nothing published yet" in client.get(schedule_url(event)).content.decode()
    place(session, rooms(event)[0], at(event, 0, "10:00"))
    assert "Kept in the dark" not in client.get(schedule_url(event)).content.decode()
    release(event)
    session.refresh_from_db()
    place(session, rooms(event)[2], at(event, 1, "15:00"))  # a move not released yet

    body = client.get(schedule_url(event)).content.decode()

    assert "Kept in the dark" in body
    assert "10:00–11:00</td><td>Room 1</td>" in body
    assert "Room 3" not in body
    assert reverse("events:session", kwargs={"slug": event.slug, "pk": session.pk}) in body
    assert reverse("events:schedule_json", kwargs={"slug": event.slug}) in body
    assert reverse("events:schedule_xml", kwargs={"slug": event.slug}) in body


@pytest.mark.django_db
def test_schedule_offers_the_agenda_to_people_signed_in(client_for, resident, event) -> None:
    mine = SessionFactory(event=event, state="confirmed", title="Mine")
    other = SessionFactory(event=event, state="confirmed", title="Other")
    place(mine, rooms(event)[0], at(event, 0, "10:00"))
    place(other, rooms(event)[1], at(event, 0, "10:00"))
    release(event)
    AgendaItem.objects.create(user=resident, session=mine)

    body = client_for(resident).get(schedule_url(event)).content.decode()

    toggle = reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": mine.pk})
    assert f'action="{toggle}"' in body
    # Each button says what it does, so a second click on a stale page cannot undo the first.
    assert (
        '<input type="hidden" name="action" value="remove"><button type="submit" class="button button--secondary" '
        'aria-pressed="true">In my agenda<span class="visually-hidden">: Mine</span>'
    ) in body
    assert '<input type="hidden" name="action" value="add">' in body
    assert 'aria-pressed="false">Add to my agenda<span class="visually-hidden">: Other</span>' in body
    assert f'name="next" value="{schedule_url(event)}#session-{mine.pk}"' in body
    assert reverse("events:agenda", kwargs={"slug": event.slug}) in body


@pytest.mark.django_db
def test_schedule_agenda_button_adds_the_session_and_comes_back(client_for, resident, event) -> None:
    session = SessionFactory(event=event, state="confirmed", title="Mine")
    place(session, rooms(event)[0], at(event, 0, "10:00"))
    release(event)
    client = client_for(resident)
    toggle = reverse("events:agenda_toggle", kwargs={"slug": event.slug, "pk": session.pk})
    back = f"{schedule_url(event)}#session-{session.pk}"

    response = client.post(toggle, {"action": "add", "next": back})

    assert response.status_code == 303
    assert AgendaItem.objects.filter(user=resident, session=session).exists()
    assert 'aria-pressed="true">In my agenda' in client.get(schedule_url(event)).content.decode()


@pytest.mark.django_db
def test_schedule_of_an_unpublished_event_is_not_found(client, provider) -> None:
    hidden = festival(provider, published=False)
    assert client.get(schedule_url(hidden)).status_code == 404


def _published_festival(count: int) -> Event:
    event = festival(rooms=5)
    room_list = rooms(event)
    for number in range(count):
        session = SessionFactory(event=event, state="confirmed")
        SessionHost.objects.create(session=session, email=f"co-{number}@example.org", name=f"Co-host {number}")
        place(session, room_list[number % 5], at(event, number % 3, f"{9 + number // 15 % 8:02d}:00"))
    release(event, despite_conflicts=True)
    return event


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3, 50])
def test_schedule_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    event = _published_festival(count)
    # The event, the release, the sessions with rooms and themes, their hosts.
    with django_assert_num_queries(4):
        response = client.get(schedule_url(event))
    assert response.content.decode().count('<tr id="session-') == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3, 50])
def test_schedule_signed_in_runs_a_fixed_number_of_queries(
    client_for, resident, django_assert_num_queries, count
) -> None:
    event = _published_festival(count)
    AgendaItem.objects.create(user=resident, session=Session.objects.filter(event=event).first())
    client = client_for(resident)
    client.get(schedule_url(event))
    # Django session, user, roles, event, release, sessions, hosts, the person's agenda,
    # and the two permission queries of the menu.
    with django_assert_num_queries(10):
        response = client.get(schedule_url(event))
    assert response.content.decode().count("In my agenda<") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_schedule_changes_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count) -> None:
    event = _published_festival(1)
    session = Session.objects.get(event=event)
    for number in range(count - 1):
        session.refresh_from_db()
        place(session, rooms(event)[number % 2 + 1], at(event, 0, "15:00"))
        release(event, despite_conflicts=True)
    with django_assert_num_queries(3):  # event, count, releases
        response = client.get(reverse("events:schedule_changes", kwargs={"slug": event.slug}))
    assert response.content.decode().count('<section class="schedule-release"') == count


# Who may do what.


@pytest.mark.django_db
def test_schedule_editor_is_for_the_organisers_only(client_for, resident, manager, convener, event) -> None:
    session = SessionFactory(event=event, state="accepted")
    assert client_for(resident).get(edit_url(event)).status_code == 403
    assert (
        client_for(resident).post(place_url(session), form_data(event, rooms(event)[0], 0, "10:00", 0)).status_code
        == 403
    )
    assert client_for(resident).post(release_url(event), {}).status_code == 403
    anonymous = client_for(None).get(edit_url(event))
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert client_for(manager).get(edit_url(event)).status_code == 200
    assert client_for(convener).get(edit_url(event)).status_code == 200
    other_organiser = client_for(manager).get(edit_url(festival())).status_code
    assert other_organiser == 403
    session.refresh_from_db()
    assert session.room is None


@pytest.mark.django_db
def test_schedule_place_is_refused_to_the_organisers_of_another_organisation(
    client_for, convener, other_convener, event
) -> None:
    session = SessionFactory(event=event, state="accepted")
    client = client_for(other_convener)

    placing = client.post(place_url(session), form_data(event, rooms(event)[0], 0, "10:00", 0))
    releasing = client.post(release_url(event), {"note": "Ours now", "publish_anyway": "on"})

    assert placing.status_code == 403
    assert releasing.status_code == 403
    session.refresh_from_db()
    assert (session.room, session.starts_at, session.schedule_version) == (None, None, 0)
    assert not ScheduleRelease.objects.filter(event=event).exists()
    # Their own organisation's convener may.
    own = client_for(convener).post(place_url(session), form_data(event, rooms(event)[0], 0, "10:00", 0))
    assert own.status_code == 303


@pytest.mark.django_db
def test_schedule_place_of_a_session_of_another_event_is_not_found(client_for, manager, event) -> None:
    elsewhere = SessionFactory(event=festival(event.organisation), state="accepted")
    url = reverse("events:schedule_place", kwargs={"slug": event.slug, "pk": elsewhere.pk})

    response = client_for(manager).post(url, form_data(event, rooms(event)[0], 0, "10:00", 0))

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.room is None


@pytest.mark.django_db
def test_schedule_place_on_a_day_off_the_event_that_the_editor_offers_is_accepted(client_for, manager, event) -> None:
    room = rooms(event)[0]
    # An organiser put a session on the day after the festival (the editor warns, and allows it).
    place(SessionFactory(event=event, state="accepted", title="The day after"), room, at(event, 3, "10:00"))
    session = SessionFactory(event=event, state="accepted", title="To join it")
    day_after = (timezone.localtime(event.starts_at).date() + dt.timedelta(days=3)).isoformat()
    client = client_for(manager)

    page = client.get(edit_url(event)).content.decode()
    form = page[page.index(f'id="session-{session.pk}-day"') :]
    assert f'<option value="{day_after}">' in form[: form.index("</select>")]

    response = client.post(place_url(session), form_data(event, room, 3, "14:00", 0))

    assert response.status_code == 303
    session.refresh_from_db()
    assert session.starts_at == at(event, 3, "14:00")


def _at_the_clock_change(event: Event, first: dt.date) -> Event:
    """The festival, moved to three days ending on `first` + 2 (in Europe/London)."""
    starts = timezone.make_aware(dt.datetime.combine(first, dt.time(9)))
    Event.objects.filter(pk=event.pk).update(starts_at=starts, ends_at=starts + dt.timedelta(days=2, hours=9))
    event.refresh_from_db()
    return event


def _sent(room: Room, day: str, clock: str, version: int = 0) -> dict[str, str]:
    return {"room": str(room.pk), "day": day, "time": clock, "version": str(version), "action": "place"}


@pytest.mark.django_db
def test_schedule_place_across_the_clock_change_ends_when_its_minutes_are_up(client_for, manager, event) -> None:
    event = _at_the_clock_change(event, dt.date(2030, 3, 29))
    session = SessionFactory(event=event, state="accepted", duration=90)

    # 00:30 on the night the clocks go forward at 01:00: 90 minutes later it is 03:00 on the clock.
    response = client_for(manager).post(place_url(session), _sent(rooms(event)[0], "2030-03-31", "00:30"))

    assert response.status_code == 303
    session.refresh_from_db()
    assert session.starts_at == dt.datetime(2030, 3, 31, 0, 30, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2030, 3, 31, 2, 0, tzinfo=dt.UTC)
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
    assert timezone.localtime(session.ends_at).strftime("%H:%M") == "03:00"


@pytest.mark.django_db
def test_schedule_place_at_a_time_the_clocks_skip_is_refused_beside_the_time(client_for, manager, event) -> None:
    event = _at_the_clock_change(event, dt.date(2030, 3, 29))
    session = SessionFactory(event=event, state="accepted")

    response = client_for(manager).post(place_url(session), _sent(rooms(event)[0], "2030-03-31", "01:30"))

    assert response.status_code == 400
    body = response.content.decode()
    problem = "There is no 01:30 on Sunday 31 March: the clocks go forward an hour that night. Choose another time."
    assert f'id="session-{session.pk}-time_error"><span class="visually-hidden">Error:</span> {problem}' in body
    assert f'href="#session-{session.pk}-time">{problem}' in body
    assert f'name="time" value="01:30" id="session-{session.pk}-time"' in body  # the input is kept
    session.refresh_from_db()
    assert (session.starts_at, session.schedule_version) == (None, 0)


@pytest.mark.django_db
def test_schedule_place_at_a_time_that_happens_twice_is_refused_beside_the_time(client_for, manager, event) -> None:
    event = _at_the_clock_change(event, dt.date(2030, 10, 25))
    session = SessionFactory(event=event, state="accepted")

    response = client_for(manager).post(place_url(session), _sent(rooms(event)[0], "2030-10-27", "01:30"))

    assert response.status_code == 400
    problem = "01:30 happens twice on Sunday 27 October, as the clocks go back an hour that night. Choose another time."
    assert f'id="session-{session.pk}-time_error"><span class="visually-hidden">Error:</span> {problem}' in (
        response.content.decode()
    )
    session.refresh_from_db()
    assert session.starts_at is None


@pytest.mark.django_db
def test_schedule_place_by_htmx_after_the_sign_in_expired_sends_the_page_to_sign_in(client_for, event) -> None:
    session = SessionFactory(event=event, state="accepted")

    response = client_for(None).post(
        place_url(session),
        form_data(event, rooms(event)[0], 0, "10:00", 0),
        # As htmx sends them: the request is its own, made from the editor's page.
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{edit_url(event)}"},
    )

    # Not a redirect, which htmx would follow and swap the sign-in page into the editor.
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={quote(edit_url(event))}"
    session.refresh_from_db()
    assert session.room is None
    # Without htmx, the browser is sent to sign in as before.
    plain = client_for(None).post(place_url(session), form_data(event, rooms(event)[0], 0, "10:00", 0))
    assert plain.status_code == 302
    assert "login" in plain["Location"]


@pytest.mark.django_db
def test_release_publish_writes_no_email_until_it_is_committed(
    event, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    session = SessionFactory(event=event, state="confirmed", title="Moved session")
    place(session, rooms(event)[0], at(event, 0, "10:00"))
    release(event)
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        AgendaItem.objects.create(user=fan, session=session)
    session.refresh_from_db()
    place(session, rooms(event)[1], at(event, 1, "10:00"))

    with django_capture_on_commit_callbacks() as callbacks:
        second = release(event)
        # Nothing is written for the emails while publishing holds the schedule's locks.
        assert not OutboundEmail.objects.exists()
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 0  # the emails are queued (their own commit sends them)
    assert sorted(OutboundEmail.objects.values_list("recipient", flat=True)) == sorted(fan.email for fan in fans)
    assert ActivityLog.objects.get(action="schedule.release_emailed", object_id=str(second.pk)).data == {
        "version": 2,
        "emailed": 3,
    }


@pytest.mark.django_db
def test_release_notify_run_again_emails_nobody_twice(event, django_capture_on_commit_callbacks, mailoutbox) -> None:
    from heard.events.tasks import release_notify

    session = SessionFactory(event=event, state="confirmed", title="Moved session")
    place(session, rooms(event)[0], at(event, 0, "10:00"))
    release(event)
    fan = UserFactory()
    AgendaItem.objects.create(user=fan, session=session)
    Registration.objects.create(event=event, session=session, user=fan, status="booked")
    session.refresh_from_db()
    place(session, rooms(event)[1], at(event, 1, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        second = release(event)

    with django_capture_on_commit_callbacks(execute=True):
        release_notify.enqueue(release_id=second.pk)

    assert [message.to for message in mailoutbox] == [[fan.email]]
    assert "“Moved session” has moved: it is now in Room 2 on" in mailoutbox[0].body


@pytest.mark.django_db
def test_release_publish_counts_the_warnings_the_editor_showed(client_for, manager, event) -> None:
    room = rooms(event)[0]
    place(SessionFactory(event=event, state="accepted"), room, at(event, 0, "10:00"))
    place(SessionFactory(event=event, state="accepted"), room, at(event, 0, "10:00"))
    # A session left in a small room of the venue the festival has since moved from.
    old_room = Room.objects.create(venue=event.venue, name="Old hall", capacity=5, position=9)
    place(SessionFactory(event=event, state="accepted", expected_audience=50), old_room, at(event, 1, "10:00"))
    new_venue = Venue.objects.create(organisation=event.organisation, name="New hall")
    for number, old in enumerate(rooms(event)[:3]):
        Room.objects.create(venue=new_venue, name=old.name, capacity=old.capacity, position=number)
    Event.objects.filter(pk=event.pk).update(venue=new_venue)
    Session.objects.filter(event=event, room=room).update(room=Room.objects.get(venue=new_venue, position=0))
    client = client_for(manager)

    editor = client.get(edit_url(event)).content.decode()
    refused = client.post(release_url(event), {"note": ""})

    assert "There are 2 warnings" in editor
    assert refused.status_code == 400
    assert "The schedule has 2 warnings." in refused.content.decode()


@pytest.mark.django_db
def test_schedule_shows_only_the_sessions_the_exports_show(client, event) -> None:
    kept = SessionFactory(event=event, state="confirmed", title="Kept")
    roomless = SessionFactory(event=event, state="confirmed", title="Its room was taken down")
    room_1, room_2, _room_3 = rooms(event)
    place(kept, room_1, at(event, 0, "10:00"))
    place(roomless, room_2, at(event, 0, "11:00"))
    release(event)
    room_2.delete()  # the released session keeps its time, but not its room

    body = client.get(schedule_url(event)).content.decode()
    exported = client.get(reverse("events:schedule_json", kwargs={"slug": event.slug})).content.decode()

    assert "Kept" in body
    assert "Kept" in exported
    assert "Its room was taken down" not in body
    assert "Its room was taken down" not in exported


@pytest.mark.django_db
def test_schedule_shows_only_the_names_hosts_gave(client, event) -> None:
    session = SessionFactory(event=event, state="confirmed", title="Kept")
    SessionHost.objects.create(
        session=session, email="quiet@example.org", user=UserFactory(display_name="Account Name"), name=""
    )
    place(session, rooms(event)[0], at(event, 0, "10:00"))
    release(event)

    body = client.get(schedule_url(event)).content.decode()

    assert f"<td>{session.proposer.display_name}</td>" in body  # the name the proposer gave as a host
    assert "Account Name" not in body
    assert "quiet@example.org" not in body


@pytest.mark.django_db
def test_schedule_edit_counts_the_changes_of_each_release_without_loading_them(client_for, manager, event) -> None:
    for clock in ("10:00", "11:00"):
        place(SessionFactory(event=event, state="accepted"), rooms(event)[0], at(event, 0, clock))
    release(event)

    listed = selectors.recent_releases(event)
    body = client_for(manager).get(edit_url(event)).content.decode()

    assert [(release.version, release.change_count) for release in listed] == [(1, 2)]
    assert "changes" in listed[0].get_deferred_fields()
    assert '<tr><th scope="row">1</th>' in body
    assert "<td>2</td>" in body


def test_benchmark_fails_when_the_target_is_missed() -> None:
    from benchmarks.schedule import TARGET_MEDIAN_MS, exit_code

    assert exit_code(same_queries=True, worst_median_ms=TARGET_MEDIAN_MS) == 0
    assert exit_code(same_queries=True, worst_median_ms=TARGET_MEDIAN_MS + 0.1) == 1
    assert exit_code(same_queries=False, worst_median_ms=1.0) == 1
