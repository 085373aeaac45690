"""Reads for the schedule: the organisers' editor (the schedule being worked on, with its conflicts
laid out as a grid per day), the published schedule people see, and the releases with their
changelogs. Each is a fixed number of queries however many sessions the festival has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from heard.events import scheduling
from heard.events.enums import SCHEDULABLE_STATES, SessionKind
from heard.events.models import Event, Room, ScheduleRelease, Session, SessionHost

# How many of the latest releases the editor lists (the changes page has them all).
RECENT_RELEASES = 5
# Fields no schedule shows: the hosts' access needs are encrypted (decrypting 500 of them would
# cost more than the rest of the page), and descriptions are long.
UNSHOWN = ("access_needs", "description", "audience")


def _time(value: dt.time | str) -> dt.time:
    # An event made in this process and not read back still holds the default as a string.
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


def event_days(event: Event) -> tuple[dt.date, ...]:
    """The local dates the event runs on, first to last."""
    first = timezone.localtime(event.starts_at).date()
    last = timezone.localtime(event.ends_at).date()
    return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))


def opening_of(event: Event) -> scheduling.Opening:
    return scheduling.Opening(
        days=event_days(event),
        opens=_time(event.opens),
        closes=_time(event.closes),
        zone=timezone.get_current_timezone(),
    )


def hosts_of(session: Session) -> tuple[scheduling.Host, ...]:
    """The session's hosts, from its prefetched `hosts`."""
    return tuple(
        scheduling.Host(name=host.name, email=host.email, user_id=host.user_id) for host in session.hosts.all()
    )


def placement_of(session: Session, rooms: dict[int, Room]) -> scheduling.Placement:
    """Where the schedule being worked on puts the session (its working room and time)."""
    room = rooms.get(session.room_id) if session.room_id else None
    return scheduling.Placement(
        session_id=session.pk,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room_id=session.room_id,
        room_name=room.name if room else "",
        room_capacity=room.capacity if room else None,
        expected_audience=session.expected_audience,
        hosts=hosts_of(session),
    )


def conflicts_of(
    sessions: Iterable[Session], rooms: dict[int, Room], event: Event
) -> dict[int, list[scheduling.Conflict]]:
    """The warnings about the working schedule of these (schedulable) sessions, by session id."""
    return scheduling.find_conflicts([placement_of(session, rooms) for session in sessions], opening_of(event))


def rooms_of(event: Event) -> list[Room]:
    if event.venue_id is None:
        return []
    return list(Room.objects.filter(venue_id=event.venue_id).order_by("position", "name", "pk"))


def schedulable_sessions(event: Event) -> QuerySet[Session]:
    """The accepted and confirmed sessions, with their hosts (one more query)."""
    return (
        Session.objects.filter(event=event, state__in=SCHEDULABLE_STATES)
        .defer(*UNSHOWN)
        .select_related("theme")
        .prefetch_related(Prefetch("hosts", queryset=SessionHost.objects.order_by("-is_proposer", "pk")))
        .order_by("title", "pk")
    )


@dataclass
class EditorSchedule:
    """What the schedule editor shows."""

    rooms: list[Room]
    sessions: list[Session]
    conflicts: dict[int, list[scheduling.Conflict]]
    grids: list[scheduling.DayGrid]
    unplaced: list[Session]
    days: tuple[dt.date, ...]
    slot: int
    releases: list[ScheduleRelease] = field(default_factory=list)

    @property
    def warning_count(self) -> int:
        return sum(len(found) for found in self.conflicts.values())

    @property
    def with_warnings(self) -> list[Session]:
        return [session for session in self.sessions if session.pk in self.conflicts]


def schedule_for_edit(*, event: Event, slot: int | None = None) -> EditorSchedule:
    """The schedule being worked on: the grid of each day, the sessions not placed yet, the
    conflicts, and the latest releases. Four queries: rooms, sessions, their hosts, releases."""
    rooms = rooms_of(event)
    by_pk = {room.pk: room for room in rooms}
    sessions = list(schedulable_sessions(event))
    placements = [placement_of(session, by_pk) for session in sessions]
    opening = opening_of(event)
    zone = opening.zone
    slot = slot if slot in (15, 30) else scheduling.slot_minutes_for(placements, zone)
    grids = scheduling.day_grids(placements, list(by_pk), opening, slot=slot)
    # Sessions in a room that is not at the venue (the venue was changed) cannot be drawn in the
    # grid: they are listed with those not placed yet, so they can be moved.
    unplaced = [
        session
        for session, placement in zip(sessions, placements, strict=True)
        if not placement.placed or placement.room_id not in by_pk
    ]
    days = tuple(grid.day for grid in grids) or opening.days
    return EditorSchedule(
        rooms=rooms,
        sessions=sessions,
        conflicts=scheduling.find_conflicts(placements, opening),
        grids=grids,
        unplaced=unplaced,
        days=days,
        slot=slot,
        releases=list(ScheduleRelease.objects.filter(event=event).order_by("-version")[:RECENT_RELEASES]),
    )


@dataclass
class ScheduleRow:
    """One session of the published schedule, as plain values: a festival's schedule page lists
    hundreds, and model instances (each with its room, theme and hosts) cost several times more
    to make than the page takes to render."""

    pk: int
    title: str
    kind: str
    theme: str
    room: str
    starts: str
    ends: str
    hosts: str
    url: str = ""
    agenda_url: str = ""


@dataclass
class ScheduleDay:
    day: dt.date
    rows: list[ScheduleRow]


@dataclass
class PublishedSchedule:
    release: ScheduleRelease | None
    days: list[ScheduleDay]

    @property
    def session_count(self) -> int:
        return sum(len(day.rows) for day in self.days)


def latest_release(event: Event) -> ScheduleRelease | None:
    return ScheduleRelease.objects.filter(event=event).order_by("-version").defer("changes").first()


def published_host_names(event: Event) -> dict[int, list[str]]:
    """The names a public page may show for the hosts of each published session (never their
    email addresses; a host who gave no name shows by their account's name, or not at all)."""
    names: dict[int, list[str]] = {}
    hosts = (
        SessionHost.objects.filter(session__event=event, session__published_starts_at__isnull=False)
        .order_by("session_id", "-is_proposer", "pk")
        .values_list("session_id", "name", "user__display_name")
    )
    for session_id, name, account_name in hosts:
        shown = name or account_name
        if shown:
            names.setdefault(session_id, []).append(shown)
    return names


def published_schedule(*, event: Event) -> PublishedSchedule:
    """What the last release says: its sessions by day, in time then room order, each with its
    room, theme and hosts. Three queries (the release, the sessions, their hosts), or one when
    nothing has been released."""
    release = latest_release(event)
    if release is None:
        return PublishedSchedule(release=None, days=[])
    sessions = (
        Session.objects.filter(event=event, published_starts_at__isnull=False)
        .order_by("published_starts_at", "published_room__position", "published_room__name", "pk")
        .values_list(
            "pk", "title", "kind", "theme__name", "published_room__name", "published_starts_at", "published_ends_at"
        )
    )
    hosts = published_host_names(event)
    kinds = {value: str(label) for value, label in SessionKind.choices}
    zone = timezone.get_current_timezone()
    days: list[ScheduleDay] = []
    for pk, title, kind, theme, room, starts_at, ends_at in sessions:
        starts = starts_at.astimezone(zone)  # type: ignore[union-attr]  # the query asks for published sessions
        ends = ends_at.astimezone(zone) if ends_at else None
        if not days or days[-1].day != starts.date():
            days.append(ScheduleDay(day=starts.date(), rows=[]))
        days[-1].rows.append(
            ScheduleRow(
                pk=pk,
                title=title,
                kind=kinds.get(kind, kind),
                theme=theme or "",
                room=room or "",
                starts=starts.strftime("%H:%M"),
                ends=ends.strftime("%H:%M") if ends else "",
                hosts=", ".join(hosts.get(pk, [])),
            )
        )
    return PublishedSchedule(release=release, days=days)


def releases_of(event: Event) -> QuerySet[ScheduleRelease]:
    return ScheduleRelease.objects.filter(event=event).select_related("published_by").order_by("-version")


@dataclass
class ChangeLine:
    """One line of a release's changelog, ready to show."""

    session_id: int | None
    title: str
    change: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    room_changed: bool = False
    time_changed: bool = False


def _place(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    place = dict(value)
    for key in ("starts_at", "ends_at"):
        if isinstance(place.get(key), str):
            place[key] = dt.datetime.fromisoformat(place[key])
    return place


def change_lines(changes: Iterable[dict[str, Any]]) -> list[ChangeLine]:
    """A release's stored changelog, with its times as datetimes again."""
    lines = []
    for change in changes:
        lines.append(
            ChangeLine(
                session_id=change.get("session"),
                title=str(change.get("title", "")),
                change=str(change.get("change", "")),
                before=_place(change.get("before")),
                after=_place(change.get("after")),
                room_changed=bool(change.get("room_changed")),
                time_changed=bool(change.get("time_changed")),
            )
        )
    return lines
