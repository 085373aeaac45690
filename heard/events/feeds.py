"""Calendar feeds (RFC 5545, written by the `icalendar` library), so an event can be added to any
calendar app. Only what the public event page shows goes in: never who is registered."""

from __future__ import annotations

from django.conf import settings
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from heard.events.models import Event

PRODUCT_ID = "-//Heard//Events//EN"


def event_calendar(event: Event) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    # Stable across downloads, so a calendar app updates the event instead of adding it twice.
    entry.add("uid", f"event-{event.pk}@{settings.HEARD_SITE_URL.split('://')[-1].split('/')[0] or 'heard'}")
    entry.add("summary", event.title)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("dtstamp", event.updated_at)
    if event.place:
        entry.add("location", event.place)
    if event.description:
        entry.add("description", event.description)
    entry.add("url", settings.HEARD_SITE_URL + f"/events/{event.slug}/")
    calendar.add_component(entry)
    return calendar.to_ical()
