"""The released schedule of a festival in the two formats conference apps read: the c3voc/pretalx
"schedule.json" and the frab "schedule.xml" (https://c3voc.de/wiki/schedule). Apps such as
Giggity and EventFahrplan load either, so a festival's programme can sit on people's phones.

Both are built from one `ReleasedSchedule`, read in a fixed number of queries whatever the
number of sessions. Only what the public schedule shows goes in: titles, descriptions, rooms,
times and the names hosts gave; never an email address, and never the working schedule."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from heard.core.text import without_control_characters
from heard.events.models import Event, Room, Session, Theme
from heard.events.selectors import agenda as selectors

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = "Heard"
# Every session length Heard offers is a multiple of a quarter of an hour.
TIMESLOT = "00:15"
# The schema's slugs and acronyms allow lower-case letters, digits, "_" (and "-" between parts).
_NOT_ACRONYM = re.compile(r"[^a-z0-9_]")
_TRACK_SLUG = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


@dataclass
class ScheduleDay:
    index: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    # Rooms with sessions that day, in the rooms' order, each with its sessions in time order.
    rooms: dict[Room, list[Session]] = field(default_factory=dict)


@dataclass
class ReleasedSchedule:
    event: Event
    version: int
    rooms: list[Room]
    tracks: list[Theme]
    days: list[ScheduleDay]


def released_schedule(event: Event) -> ReleasedSchedule | None:
    """The latest released schedule of `event`, or None if none has been released."""
    release = selectors.latest_release(event=event)
    if release is None:
        return None
    version = release.version
    sessions = list(selectors.released_sessions(event=event))
    rooms = selectors.event_rooms(event=event)
    # A session may sit in a room of another venue (the event moved after the release).
    for session in sessions:
        if session.published_room not in rooms:
            rooms.append(session.published_room)  # type: ignore[arg-type]
    position = {room.pk: number for number, room in enumerate(rooms)}
    tracks: dict[int, Theme] = {}
    for session in sessions:
        if session.theme is not None:
            tracks.setdefault(session.theme.pk, session.theme)
    return ReleasedSchedule(
        event=event,
        version=version,
        rooms=rooms,
        tracks=sorted(tracks.values(), key=lambda theme: (theme.position, theme.name)),
        days=_days(event, sessions, position),
    )


def _ends(session: Session) -> dt.datetime:
    """A released session's end (a release sets its start and end together)."""
    return session.published_ends_at  # type: ignore[return-value]


def _days(event: Event, sessions: list[Session], position: dict[int, int]) -> list[ScheduleDay]:
    """Every day of the event (and any day a released session falls on outside it), each from the
    doors opening to their closing, stretched to fit sessions outside the opening hours."""
    zone = timezone.get_default_timezone()
    first, last = event.starts_at.astimezone(zone).date(), event.ends_at.astimezone(zone).date()
    by_date: dict[dt.date, list[Session]] = {first + dt.timedelta(days=n): [] for n in range((last - first).days + 1)}
    for session in sessions:
        by_date.setdefault(session.published_starts_at.astimezone(zone).date(), []).append(session)  # type: ignore[union-attr]
    days = []
    for index, date in enumerate(sorted(by_date), start=1):
        opens = dt.datetime.combine(date, event.opens, tzinfo=zone)
        closes = dt.datetime.combine(date, event.closes, tzinfo=zone)
        if closes <= opens:  # the doors close after midnight
            closes += dt.timedelta(days=1)
        day = ScheduleDay(index=index, date=date, start=opens, end=closes)
        for session in sorted(by_date[date], key=lambda s: (position[s.published_room_id], s.published_starts_at)):  # type: ignore[index]
            day.rooms.setdefault(session.published_room, []).append(session)  # type: ignore[arg-type]
            day.start = min(day.start, session.published_starts_at.astimezone(zone))  # type: ignore[union-attr]
            day.end = max(day.end, _ends(session).astimezone(zone))
        days.append(day)
    return days


def _acronym(event: Event) -> str:
    # The schema wants at least four characters, with no "-" after the first.
    return _NOT_ACRONYM.sub("_", event.slug.lower()).ljust(4, "_")


def _slug(acronym: str, session: Session) -> str:
    """Unique in the event (the id is in it) and shaped as both schemas want:
    `<acronym>-<id>-<title>`, with at least four characters after the first hyphen."""
    title = slugify(session.title)[:50].strip("-_")
    rest = f"{session.pk}-{title}".strip("-")
    if len(rest) < 4:
        rest += "-session"
    return f"{acronym}-{rest}"


def _duration(session: Session) -> str:
    minutes = int((_ends(session) - session.published_starts_at).total_seconds() // 60)  # type: ignore[operator]
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(value: str) -> str:
    return without_control_characters(value or "")


def _url(name: str, **kwargs: Any) -> str:
    return settings.HEARD_SITE_URL + reverse(name, kwargs=kwargs)


def _person_guid(host_pk: int) -> str:
    # Derived from the host row, not from their email address as some exporters do: a hash of an
    # address can be matched against a list of addresses, this cannot.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.HEARD_SITE_URL}/events/hosts/{host_pk}"))


def _language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0]


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(microsecond=0)


def _abstract_and_description(session: Session) -> tuple[str, str]:
    """The description is the session's summary; who it is for follows as the longer text."""
    audience = _text(session.audience).strip()
    return _text(session.description), (_("Who it is for: %(audience)s") % {"audience": audience} if audience else "")


# The JSON schedule ---------------------------------------------------------------------------


def schedule_json(schedule: ReleasedSchedule) -> dict[str, Any]:
    event = schedule.event
    acronym = _acronym(event)
    return {
        "$schema": SCHEMA_URL,
        "generator": {"name": GENERATOR, "url": settings.HEARD_SITE_URL + "/"},
        "schedule": {
            "version": str(schedule.version),
            "base_url": settings.HEARD_SITE_URL + "/",
            "conference": {
                "acronym": acronym,
                "title": _text(event.title),
                "description": _text(event.description),
                "start": schedule.days[0].date.isoformat(),
                "end": schedule.days[-1].date.isoformat(),
                "daysCount": len(schedule.days),
                "timeslot_duration": TIMESLOT,
                "time_zone_name": settings.TIME_ZONE,
                "url": _url("events:schedule", slug=event.slug),
                "rooms": [
                    {"name": _text(room.name), "guid": str(room.guid), "capacity": room.capacity}
                    for room in schedule.rooms
                ],
                "tracks": [_track_json(theme) for theme in schedule.tracks],
                "days": [
                    {
                        "index": day.index,
                        "date": day.date.isoformat(),
                        "day_start": _local(day.start).isoformat(),
                        "day_end": _local(day.end).isoformat(),
                        "rooms": {
                            _text(room.name): [_session_json(event, acronym, session) for session in sessions]
                            for room, sessions in day.rooms.items()
                        },
                    }
                    for day in schedule.days
                ],
            },
        },
    }


def _track_json(theme: Theme) -> dict[str, str]:
    track = {"name": _text(theme.name)}
    if _TRACK_SLUG.match(theme.slug):
        track["slug"] = theme.slug
    return track


def _session_json(event: Event, acronym: str, session: Session) -> dict[str, Any]:
    starts = _local(session.published_starts_at)  # type: ignore[arg-type]
    abstract, description = _abstract_and_description(session)
    return {
        "guid": str(session.guid),
        "id": session.pk,
        "date": starts.isoformat(),
        "start": starts.strftime("%H:%M"),
        "end": _local(_ends(session)).isoformat(),
        "duration": _duration(session),
        "room": _text(session.published_room.name),  # type: ignore[union-attr]
        "slug": _slug(acronym, session),
        "url": _url("events:session", slug=event.slug, pk=session.pk),
        "title": _text(session.title),
        "subtitle": "",
        "track": _text(session.theme.name) if session.theme else None,
        "type": session.kind,
        "language": _language(),
        "abstract": abstract,
        "description": description,
        # Festival sessions are conversations among residents, not talks to film.
        "recording_license": "",
        "do_not_record": True,
        "persons": [
            {"guid": _person_guid(host.pk), "name": _text(host.name), "biography": ""} for host in session.hosts.all()
        ],
        "links": [],
        "attachments": [],
    }


# The frab XML schedule -----------------------------------------------------------------------


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    # ElementTree escapes text and attribute values; control characters, which XML 1.0 cannot
    # carry at all, were taken out by _text.
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def schedule_xml(schedule: ReleasedSchedule) -> bytes:
    event = schedule.event
    acronym = _acronym(event)
    root = ET.Element("schedule")
    _add(root, "generator", name=GENERATOR)
    _add(root, "url", _url("events:schedule", slug=event.slug))
    _add(root, "version", str(schedule.version))
    conference = _add(root, "conference")
    _add(conference, "acronym", acronym)
    _add(conference, "title", _text(event.title))
    _add(conference, "start", schedule.days[0].date.isoformat())
    _add(conference, "end", schedule.days[-1].date.isoformat())
    _add(conference, "days", str(len(schedule.days)))
    _add(conference, "timeslot_duration", TIMESLOT)
    _add(conference, "base_url", settings.HEARD_SITE_URL + "/")
    _add(conference, "url", _url("events:schedule", slug=event.slug))
    _add(conference, "time_zone_name", settings.TIME_ZONE)
    for theme in schedule.tracks:
        attributes = {"name": _text(theme.name)}
        if _TRACK_SLUG.match(theme.slug):
            attributes["slug"] = theme.slug
        _add(conference, "track", **attributes)
    for day in schedule.days:
        day_element = _add(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=_local(day.start).isoformat(),
            end=_local(day.end).isoformat(),
        )
        for room, sessions in day.rooms.items():
            room_element = _add(day_element, "room", name=_text(room.name), guid=str(room.guid))
            for session in sessions:
                _session_xml(room_element, event, acronym, session)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _session_xml(parent: ET.Element, event: Event, acronym: str, session: Session) -> None:
    starts = _local(session.published_starts_at)  # type: ignore[arg-type]
    abstract, description = _abstract_and_description(session)
    element = _add(parent, "event", guid=str(session.guid), id=str(session.pk))
    _add(element, "date", starts.isoformat())
    _add(element, "start", starts.strftime("%H:%M"))
    _add(element, "duration", _duration(session))
    _add(element, "room", _text(session.published_room.name))  # type: ignore[union-attr]
    _add(element, "slug", _slug(acronym, session))
    _add(element, "url", _url("events:session", slug=event.slug, pk=session.pk))
    _add(element, "title", _text(session.title))
    _add(element, "subtitle", "")
    _add(element, "track", _text(session.theme.name) if session.theme else "")
    _add(element, "type", session.kind)
    _add(element, "language", _language())
    _add(element, "abstract", abstract)
    _add(element, "description", description)
    recording = _add(element, "recording")
    _add(recording, "license", "")
    _add(recording, "optout", "true")
    persons = _add(element, "persons")
    for host in session.hosts.all():
        _add(persons, "person", _text(host.name), id=str(host.pk), guid=_person_guid(host.pk))
    _add(element, "links")
    _add(element, "attachments")
