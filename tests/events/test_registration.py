"""Registration with a capacity and a waiting list: never overbooked, the first waiting promoted."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from heard.events.enums import RegistrationStatus
from heard.events.models import Event, Registration
from heard.events.services import registration as services
from tests.factories import OrganisationFactory, UserFactory


def _event(capacity: int) -> Event:
    now = timezone.now()
    return Event.objects.create(
        organisation=OrganisationFactory(),
        title="What next for repairs?",
        slug=f"repairs-{capacity}-{int(now.timestamp() * 1e6)}",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        capacity=capacity,
        published_at=now,
    )


@pytest.mark.django_db
def test_registration_books_until_full_then_waits(mailoutbox) -> None:
    event = _event(capacity=2)
    people = [UserFactory() for _ in range(3)]
    statuses = [services.registration_create(event=event, by=person).status for person in people]
    event.refresh_from_db()
    assert statuses == ["booked", "booked", "waiting"]
    assert event.booked == 2
    with pytest.raises(ValidationError, match="already registered"):
        services.registration_create(event=event, by=people[0])


@pytest.mark.django_db
def test_cancelling_a_place_promotes_the_first_waiting_and_tells_them(
    django_capture_on_commit_callbacks, mailoutbox
) -> None:
    event = _event(capacity=1)
    first, second, third = (UserFactory() for _ in range(3))
    booked = services.registration_create(event=event, by=first)
    services.registration_create(event=event, by=second)
    services.registration_create(event=event, by=third)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.registration_cancel(registration=booked, by=first)
    event.refresh_from_db()
    assert promoted is not None
    assert promoted.user == second
    assert Registration.objects.get(user=third).status == RegistrationStatus.WAITING
    assert event.booked == 1
    assert [message.to for message in mailoutbox] == [[second.email]]
    assert "A place has come up" in mailoutbox[0].subject


@pytest.mark.django_db
def test_access_needs_are_stored_encrypted() -> None:
    event = _event(capacity=5)
    services.registration_create(event=event, by=UserFactory(), access_needs="Step-free access, I use a wheelchair")
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_needs FROM events_registration")
        (stored,) = cursor.fetchone()
    assert "wheelchair" not in stored
    assert Registration.objects.get().access_needs == "Step-free access, I use a wheelchair"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_registrations_for_fifty_places_book_exactly_fifty() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    event = _event(capacity=50)
    people = [UserFactory() for _ in range(200)]
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def register(batch: list) -> None:
        try:
            start.wait()
            for person in batch:
                services.registration_create(event=event, by=person)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(people[n::20],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    event.refresh_from_db()
    assert errors == []
    assert Registration.objects.filter(event=event, status="booked").count() == 50
    assert Registration.objects.filter(event=event, status="waiting").count() == 150
    assert event.booked == 50


@pytest.mark.django_db
def test_event_page_books_a_place_then_cancels(client_for, resident) -> None:
    from django.urls import reverse

    event = _event(capacity=1)
    client = client_for(resident)
    page = client.get(reverse("events:event", kwargs={"slug": event.slug})).content.decode()
    assert "Book a place" in page
    client.post(reverse("events:register", kwargs={"slug": event.slug}), {"access_needs": "Hearing loop"})
    page = client.get(reverse("events:event", kwargs={"slug": event.slug})).content.decode()
    assert "You have a place." in page
    client.post(reverse("events:register", kwargs={"slug": event.slug}), {"action": "cancel"})
    event.refresh_from_db()
    assert event.booked == 0
    assert Registration.objects.get().status == RegistrationStatus.CANCELLED
    assert event.title in client_for(None).get(reverse("events:list")).content.decode()


@pytest.mark.django_db
def test_event_calendar_file_parses_with_the_event_in_it(client_for) -> None:
    from django.urls import reverse
    from icalendar import Calendar

    event = _event(capacity=10)
    response = client_for(None).get(reverse("events:event_ics", kwargs={"slug": event.slug}))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "What next for repairs?"
    assert entry.decoded("dtstart") == event.starts_at.replace(microsecond=0)  # iCalendar counts seconds
    assert entry.decoded("dtend") == event.ends_at.replace(microsecond=0)
