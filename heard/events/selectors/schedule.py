"""Reads for the schedule: the organisers' editor (the schedule being worked on, with its conflicts
laid out as a grid per day), the published schedule people see, and the releases with their
changelogs. Each is a fixed number of queries however many sessions the festival has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Func, IntegerField, Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from heard.events import scheduling
from heard.events.enums import SCHEDULABLE_STATES, SessionKind
from heard.events.models import Event, Room, ScheduleRelease, Session, SessionHost
from heard.events.selectors import agenda

# How many of the latest releases the editor lists (the changes page has them all).
RECENT_RELEASES = 5
# Fields no schedule shows: the hosts' access needs are encrypted (decrypting 500 of them would
# cost more than the rest of the page), and descriptions are long.
UNSHOWN = ("access_needs", "description", "audience")


def event_days(event: Event) -> tuple[dt.date, ...]:
    """The local dates the event runs on, first to last."""
    first = timezone.localtime(event.starts_at).date()
    last = timezone.localtime(event.ends_at).date()
    return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))


def opening_of(event: Event) -> scheduling.Opening:
    return scheduling.Opening(
        days=event_days(event),
        opens=event.opens,
        closes=event.closes,
        zone=timezone.get_current_timezone(),
    )


def placeable_days(*, event: Event, sessions: Iterable[Session]) -> tuple[dt.date, ...]:
    """The days a session may be put on: the event's, and any other day one of these sessions is
    on in the schedule being worked on (an organiser put it there; it must stay choosable, or the
    form of that session could not be sent back unchanged). The editor offers these days and the
    place form accepts these days: both ask here."""
    zone = timezone.get_current_timezone()
    days = set(event_days(event))
    days.update(session.starts_at.astimezone(zone).date() for session in sessions if session.starts_at is not None)
    return tuple(sorted(days))


def placed_sessions(event: Event) -> QuerySet[Session]:
    """The accepted and confirmed sessions with a time in the schedule being worked on, with
    nothing but that time: what `placeable_days` needs, when the editor is not drawn."""
    return Session.objects.filter(event=event, state__in=SCHEDULABLE_STATES, starts_at__isnull=False).only(
        "pk", "starts_at"
    )


def hosts_of(session: Session) -> tuple[scheduling.Host, ...]:
    """The session's hosts, from its prefetched `hosts`."""
    return tuple(
        scheduling.Host(name=host.name, email=host.email, user_id=host.user_id) for host in session.hosts.all()
    )


def placement_of(session: Session, rooms: Mapping[int, Room]) -> scheduling.Placement:
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


def venue_rooms(event: Event) -> dict[int, Room]:
    """The rooms of the event's venue by id, in their order: the editor's columns, and the rooms
    the warnings are worked out with, in the editor and when publishing alike."""
    return {room.pk: room for room in agenda.event_rooms(event=event)}


def conflicts_of(
    sessions: Iterable[Session], rooms: Mapping[int, Room], event: Event
) -> dict[int, list[scheduling.Conflict]]:
    """The warnings about the working schedule of these (schedulable) sessions, by session id,
    with `rooms` from `venue_rooms`. The editor shows them and publishing counts them: both ask
    here, so the count at publishing is the one the editor showed."""
    return scheduling.find_conflicts([placement_of(session, rooms) for session in sessions], opening_of(event))


def schedulable_sessions(event: Event) -> QuerySet[Session]:
    """The accepted and confirmed sessions, with their hosts (one more query)."""
    return (
        Session.objects.filter(event=event, state__in=SCHEDULABLE_STATES)
        .defer(*UNSHOWN)
        .select_related("theme")
        .prefetch_related(Prefetch("hosts", queryset=SessionHost.objects.order_by("-is_proposer", "pk")))
        .order_by("title", "pk")
    )


# The editor.


@dataclass
class PlaceValues:
    """What one session's place form shows in the editor: its values (as the session is, or as
    they were sent when refused) and their errors. The editor shows a form for each of hundreds of
    sessions, so it writes the inputs itself from these, instead of rendering a Django form each."""

    room: str
    day: str
    time: str
    version: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def general_errors(self) -> list[str]:
        """Errors about the form as a whole (and the hidden version), shown above its fields."""
        return self.errors.get("__all__", []) + self.errors.get("version", [])


def place_values(session: Session) -> PlaceValues:
    """The place form's values for where the session is now."""
    if session.starts_at is None:
        return PlaceValues(room="", day="", time="", version=session.schedule_version)
    local = timezone.localtime(session.starts_at)
    return PlaceValues(
        room=str(session.room_id or ""),
        day=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        version=session.schedule_version,
    )


@dataclass
class PlaceChoices:
    """The rooms and days every place form offers, built once for the editor's hundreds of forms
    (and once for the form a move is checked with), as the browser sends them back."""

    rooms: dict[int, Room]
    room_choices: list[tuple[str, str]]
    day_choices: list[tuple[str, str]]


def place_choices(rooms: Mapping[int, Room], days: Sequence[dt.date]) -> PlaceChoices:
    return PlaceChoices(
        rooms=dict(rooms),
        room_choices=[("", _("Choose a room")), *((str(pk), room.name) for pk, room in rooms.items())],
        day_choices=[(day.isoformat(), date_format(day, "l j F")) for day in days],
    )


def place_choices_of(event: Event) -> PlaceChoices:
    """What the place form of any session of `event` accepts: the very rooms and days the editor
    offers. Two queries."""
    return place_choices(venue_rooms(event), placeable_days(event=event, sessions=placed_sessions(event)))


@dataclass
class Card:
    """A session as the editor shows it: where it is, its warnings, and its form's values."""

    session: Session
    values: PlaceValues
    warnings: list[scheduling.Conflict] = field(default_factory=list)


class JSONArrayLength(Func):
    """How many items a JSON array holds, counted by the database (SQLite's json_array_length,
    PostgreSQL's jsonb_array_length), so a list of releases does not load whole changelogs."""

    function = "JSON_ARRAY_LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra)


def recent_releases(event: Event) -> list[ScheduleRelease]:
    """The latest releases, each with `change_count`, without their changelogs."""
    return list(
        ScheduleRelease.objects.filter(event=event)
        .defer("changes")
        .annotate(change_count=JSONArrayLength("changes"))
        .order_by("-version")[:RECENT_RELEASES]
    )


@dataclass
class EditorSchedule:
    """What the schedule editor shows."""

    rooms: list[Room]
    cards: dict[int, Card]
    conflicts: dict[int, list[scheduling.Conflict]]
    grids: list[scheduling.DayGrid]
    unplaced: list[Card]
    choices: PlaceChoices
    slot: int
    releases: list[ScheduleRelease] = field(default_factory=list)

    @property
    def warning_count(self) -> int:
        return sum(len(found) for found in self.conflicts.values())

    @property
    def warned(self) -> list[Card]:
        return [card for card in self.cards.values() if card.warnings]


def schedule_for_edit(
    *, event: Event, slot: int | None = None, refused: Mapping[int, PlaceValues] | None = None
) -> EditorSchedule:
    """The schedule being worked on: the grid of each day with a card for each session placed in
    it, the sessions not placed yet, the conflicts, and the latest releases. `refused` holds the
    values to show instead of a session's own (a refused form keeps what was sent). Four queries:
    rooms, sessions, their hosts, releases."""
    rooms = venue_rooms(event)
    sessions = list(schedulable_sessions(event))
    placements = [placement_of(session, rooms) for session in sessions]
    opening = opening_of(event)
    slot = slot if slot in (15, 30) else scheduling.slot_minutes_for(placements, opening.zone)
    conflicts = conflicts_of(sessions, rooms, event)
    refused = refused or {}
    cards = {
        session.pk: Card(
            session=session,
            # A refused form is shown with the session's version, as its own values would be.
            values=replace(refused[session.pk], version=session.schedule_version)
            if session.pk in refused
            else place_values(session),
            warnings=conflicts.get(session.pk, []),
        )
        for session in sessions
    }
    grids = scheduling.day_grids(placements, list(rooms), opening, slot=slot)
    for grid in grids:
        for row in grid.rows:
            for cell in row.cells:
                cell.cards = [cards[placement.session_id] for placement in cell.placements]
    # Sessions in a room that is not at the venue (the venue was changed) cannot be drawn in the
    # grid: they are listed with those not placed yet, so they can be moved.
    unplaced = [cards[p.session_id] for p in placements if not p.placed or p.room_id not in rooms]
    return EditorSchedule(
        rooms=list(rooms.values()),
        cards=cards,
        conflicts=conflicts,
        grids=grids,
        unplaced=unplaced,
        choices=place_choices(rooms, placeable_days(event=event, sessions=sessions)),
        slot=slot,
        releases=recent_releases(event),
    )


# The published schedule.


@dataclass
class ScheduleRow:
    """One session of the published schedule, as plain values ready to show (see
    `published_schedule` for why not a model instance)."""

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


def released_host_names(event: Event) -> dict[int, list[str]]:
    """The hosts' names of each released session, by session id, in the order and by the rule of
    `agenda.released_sessions` (and so of the JSON, XML and calendar exports): the name a host
    gave, and nothing for one who gave none; never an email address, nor their account's name."""
    names: dict[int, list[str]] = {}
    hosts = (
        SessionHost.objects.filter(session__in=agenda.released_sessions(event=event).values("pk"))
        .exclude(name="")
        .order_by("session_id", "-is_proposer", "pk")
        .values_list("session_id", "name")
    )
    for session_id, name in hosts:
        names.setdefault(session_id, []).append(name)
    return names


def published_schedule(*, event: Event) -> PublishedSchedule:
    """What the last release says: its sessions by day, in time then room order, each with its
    room, theme and hosts: the sessions of `agenda.released_sessions`, as in the exports. Read as
    plain values: a festival's schedule lists hundreds of sessions, and making a model instance
    for each (with its room, theme and hosts) costs several times more than the page takes to
    render. Three queries (the release, the sessions, their hosts), or one when nothing has been
    released."""
    release = agenda.latest_release(event=event)
    if release is None:
        return PublishedSchedule(release=None, days=[])
    sessions = (
        agenda.released_sessions(event=event)
        .prefetch_related(None)
        .values_list(
            "pk", "title", "kind", "theme__name", "published_room__name", "published_starts_at", "published_ends_at"
        )
    )
    hosts = released_host_names(event)
    kinds = {value: str(label) for value, label in SessionKind.choices}
    zone = timezone.get_current_timezone()
    days: list[ScheduleDay] = []
    for pk, title, kind, theme, room, starts_at, ends_at in sessions:
        starts = starts_at.astimezone(zone)  # type: ignore[union-attr]  # released sessions have a time
        ends = ends_at.astimezone(zone) if ends_at else None
        if not days or days[-1].day != starts.date():
            days.append(ScheduleDay(day=starts.date(), rows=[]))
        days[-1].rows.append(
            ScheduleRow(
                pk=pk,
                title=title,
                kind=kinds.get(kind, kind),
                theme=theme or "",
                room=room,
                starts=starts.strftime("%H:%M"),
                ends=ends.strftime("%H:%M") if ends else "",
                hosts=", ".join(hosts.get(pk, [])),
            )
        )
    return PublishedSchedule(release=release, days=days)


def releases_of(event: Event) -> QuerySet[ScheduleRelease]:
    return ScheduleRelease.objects.filter(event=event).order_by("-version")


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
