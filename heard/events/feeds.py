"""Calendar feeds (RFC 5545, written by the `icalendar` library), so an event, a session of a
festival or someone's own agenda can be added to any calendar app. Only what the public pages
show goes in: never who is registered, never a host's email address. Sessions are placed by the
released schedule (the `published_*` fields), never by the one organisers are still working on."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from heard.core.text import without_control_characters
from heard.events.models import Event, Session
from heard.events.selectors import agenda as selectors

PRODUCT_ID = "-//Heard//Events//EN"


def _uid_domain() -> str:
    # The site's host (and port) ends every UID, so UIDs stay unique across calendars.
    return urlparse(settings.HEARD_SITE_URL).netloc or "heard"


def _calendar(name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    if name:
        # Not in RFC 5545, but the name most calendar apps show for an imported file.
        calendar.add("x-wr-calname", name)
    return calendar


def event_calendar(event: Event) -> bytes:
    calendar = _calendar()
    entry = CalendarEvent()
    # Stable across downloads, so a calendar app updates the event instead of adding it twice.
    entry.add("uid", f"event-{event.pk}@{_uid_domain()}")
    entry.add("summary", event.title)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("dtstamp", event.updated_at)
    if event.place:
        entry.add("location", event.place)
    if event.description:
        entry.add("description", event.description)
    entry.add("url", settings.HEARD_SITE_URL + reverse("events:event", kwargs={"slug": event.slug}))
    calendar.add_component(entry)
    return calendar.to_ical()


def _location(session: Session, event: Event) -> str:
    room = session.published_room
    venue = room.venue if room is not None else event.venue
    parts = [room.name if room is not None else "", venue.name if venue else "", venue.address if venue else ""]
    place = ", ".join(" ".join(part.split()) for part in parts if part.strip())
    return place or event.place


def _session_entry(session: Session, event: Event) -> CalendarEvent:
    starts: dt.datetime = session.published_starts_at  # type: ignore[assignment]
    entry = CalendarEvent()
    # The session's guid never changes, so re-importing a calendar after the schedule moved
    # updates the entry instead of adding it twice.
    entry.add("uid", f"{session.guid}@{_uid_domain()}")
    entry.add("summary", without_control_characters(session.title))
    entry.add("dtstart", starts)
    entry.add("dtend", session.published_ends_at)
    entry.add("dtstamp", session.updated_at or timezone.now())
    location = _location(session, event)
    if location:
        entry.add("location", without_control_characters(location))
    if session.description:
        entry.add("description", without_control_characters(session.description))
    entry.add("url", settings.HEARD_SITE_URL + reverse("events:session", kwargs={"slug": event.slug, "pk": session.pk}))
    return entry


def session_calendar(session: Session) -> bytes:
    """One session of the released schedule (`session` from selectors.events.scheduled_session)."""
    calendar = _calendar()
    calendar.add_component(_session_entry(session, session.event))
    return calendar.to_ical()


def agenda_calendar(user: Any, event: Event) -> bytes:
    """The sessions of someone's agenda for `event` that are in the released schedule."""
    calendar = _calendar(_("%(event)s: your agenda") % {"event": event.title})
    for session in selectors.agenda_released_sessions(user=user, event=event):
        calendar.add_component(_session_entry(session, event))
    return calendar.to_ical()
