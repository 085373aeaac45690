"""Registration for one session of a festival, reminders, and the session page."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from heard.events.models import Registration, Session
from heard.events.services.registration import registration_cancel, registration_create, reminders_send
from tests.factories import SessionFactory, UserFactory, festival


def _released(capacity: int | None = 2, *, starts_in: dt.timedelta = dt.timedelta(days=30)) -> Session:
    event = festival()
    room = event.venue.rooms.first()
    starts = timezone.now() + starts_in
    return SessionFactory(
        event=event,
        state="confirmed",
        capacity=capacity,
        room=room,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        published_room=room,
        published_starts_at=starts,
        published_ends_at=starts + dt.timedelta(hours=1),
    )


@pytest.mark.django_db
def test_session_registration_books_then_waits_then_promotes(django_capture_on_commit_callbacks, mailoutbox) -> None:
    session = _released(capacity=1)
    first, second = UserFactory(), UserFactory()
    booked = registration_create(event=session.event, session=session, by=first)
    waiting = registration_create(event=session.event, session=session, by=second)
    assert (booked.status, waiting.status) == ("booked", "waiting")
    # A place at a session is separate from a place at the festival.
    assert registration_create(event=session.event, by=second).status == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=booked, by=first)
    session.refresh_from_db()
    assert session.booked == 1
    assert Registration.objects.get(pk=waiting.pk).status == "booked"
    assert mailoutbox[0].to == [second.email]
    assert session.title in mailoutbox[0].subject


@pytest.mark.django_db
def test_session_not_in_the_released_schedule_takes_no_registrations() -> None:
    session = SessionFactory(state="accepted", capacity=10)
    with pytest.raises(ValidationError, match="not in the published schedule"):
        registration_create(event=session.event, session=session, by=UserFactory())


@pytest.mark.django_db
def test_session_without_places_or_a_room_says_just_come() -> None:
    session = _released(capacity=None)
    session.published_room.delete()  # its room gone, and no places of its own
    session.refresh_from_db()
    with pytest.raises(ValidationError, match="just come along"):
        registration_create(event=session.event, session=session, by=UserFactory())


@pytest.mark.django_db
def test_session_page_books_a_place_until_full_then_offers_the_waiting_list(client_for) -> None:
    session = _released(capacity=1)
    url = reverse("events:session", kwargs={"slug": session.event.slug, "pk": session.pk})
    register = reverse("events:session_register", kwargs={"slug": session.event.slug, "pk": session.pk})
    first, second = UserFactory(), UserFactory()
    assert "Book a place" in client_for(first).get(url).content.decode()
    client_for(first).post(register, {"access_needs": ""})
    page = client_for(second).get(url).content.decode()
    assert "Join the waiting list" in page
    client_for(second).post(register, {})
    assert "You are number 1 on the waiting list" in client_for(second).get(url).content.decode()
    assert session.proposer.display_name in page  # hosts' names are shown
    assert session.proposer.email not in page  # never their addresses


@pytest.mark.django_db
def test_unreleased_session_page_is_not_found(client_for) -> None:
    session = SessionFactory(state="accepted")
    url = reverse("events:session", kwargs={"slug": session.event.slug, "pk": session.pk})
    assert client_for(None).get(url).status_code == 404


@pytest.mark.django_db
def test_reminders_go_once_to_people_with_a_place_starting_soon(django_capture_on_commit_callbacks, mailoutbox) -> None:
    soon = _released(capacity=5, starts_in=dt.timedelta(hours=20))
    later = _released(capacity=5, starts_in=dt.timedelta(days=10))
    booked, waiting, far = UserFactory(), UserFactory(), UserFactory()
    registration_create(event=soon.event, session=soon, by=booked)
    registration_create(event=later.event, session=later, by=far)
    Session.objects.filter(pk=soon.pk).update(capacity=1)
    registration_create(event=soon.event, session=soon, by=waiting)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("events_remind")
    assert [message.to for message in mailoutbox] == [[booked.email]]
    assert "See you soon" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_registrations_for_a_session_of_fifty_places_book_exactly_fifty() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    session = _released(capacity=50)
    people = [UserFactory() for _ in range(200)]
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def register(batch: list) -> None:
        try:
            start.wait()
            for person in batch:
                registration_create(event=session.event, session=session, by=person)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(people[n::20],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.refresh_from_db()
    assert errors == []
    assert Registration.objects.filter(session=session, status="booked").count() == 50
    assert Registration.objects.filter(session=session, status="waiting").count() == 150
    assert session.booked == 50


@pytest.mark.django_db
def test_session_moved_to_a_smaller_room_takes_that_rooms_seats() -> None:
    from heard.events.models import Room

    session = _released(capacity=None)
    smaller = Room.objects.create(venue=session.event.venue, name="Snug", capacity=1)
    registration_create(event=session.event, session=session, by=UserFactory())
    Session.objects.filter(pk=session.pk).update(published_room=smaller)
    session.refresh_from_db()
    assert session.places == 1
    assert registration_create(event=session.event, session=session, by=UserFactory()).status == "waiting"
