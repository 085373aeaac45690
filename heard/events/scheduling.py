"""The arithmetic of a festival's schedule, over plain data (no ORM): which placed sessions clash
with each other, with their room or with the opening hours, and how a day lays out as a grid of
rooms and time slots. The selectors turn sessions into `Placement`s; the editor, the services and
the tests all ask the same questions here."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

# The kinds of conflict, in the order the editor lists them.
HOST = "host"
ROOM = "room"
CAPACITY = "capacity"
HOURS = "hours"
KINDS = (HOST, ROOM, CAPACITY, HOURS)


@dataclass(frozen=True)
class Host:
    """Someone hosting a session: the same person whether matched by account or email address."""

    name: str
    email: str = ""
    user_id: int | None = None

    def identities(self) -> set[str]:
        found = set()
        if self.user_id is not None:
            found.add(f"user:{self.user_id}")
        if self.email:
            found.add(f"email:{self.email.strip().lower()}")
        return found

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Placement:
    """Where and when a session is in the schedule being worked on (no room or time: not placed)."""

    session_id: int
    title: str
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    room_id: int | None = None
    room_name: str = ""
    room_capacity: int | None = None
    expected_audience: int = 0
    hosts: tuple[Host, ...] = ()

    @property
    def placed(self) -> bool:
        return self.room_id is not None and self.starts_at is not None and self.ends_at is not None

    def overlaps(self, other: Placement) -> bool:
        # Touching is not overlapping: a session may start the minute the one before it ends.
        return bool(
            self.placed
            and other.placed
            and self.starts_at < other.ends_at  # type: ignore[operator]
            and other.starts_at < self.ends_at  # type: ignore[operator]
        )


@dataclass(frozen=True)
class Opening:
    """The days of the event and its doors each day, in the event's local time zone."""

    days: tuple[dt.date, ...]
    opens: dt.time
    closes: dt.time
    zone: dt.tzinfo


@dataclass(frozen=True)
class Conflict:
    kind: str
    session_id: int
    message: str
    other_id: int | None = None


def _hhmm(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _pairs_overlapping(placements: Iterable[Placement]) -> list[tuple[Placement, Placement]]:
    """Each pair of overlapping placements once, by a sweep over start times (not every pair)."""
    ordered = sorted((p for p in placements if p.placed), key=lambda p: (p.starts_at, p.session_id))
    pairs = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.starts_at >= first.ends_at:  # type: ignore[operator]
                break
            pairs.append((first, second))
    return pairs


def host_conflicts(placements: Sequence[Placement], zone: dt.tzinfo) -> list[Conflict]:
    """A host in two places at once: the same account or email address hosting overlapping sessions."""
    by_key: dict[str, list[Placement]] = defaultdict(list)
    host_by_key: dict[tuple[int, str], Host] = {}
    for placement in placements:
        if not placement.placed:
            continue
        for host in placement.hosts:
            for key in host.identities():
                by_key[key].append(placement)
                host_by_key[(placement.session_id, key)] = host
    found: list[Conflict] = []
    seen: set[tuple[int, int]] = set()
    for key, sharing in by_key.items():
        if len(sharing) < 2:
            continue
        for first, second in _pairs_overlapping(sharing):
            if (first.session_id, second.session_id) in seen or first.session_id == second.session_id:
                continue
            seen.add((first.session_id, second.session_id))
            for this, other in ((first, second), (second, first)):
                found.append(
                    Conflict(
                        kind=HOST,
                        session_id=this.session_id,
                        other_id=other.session_id,
                        message=_("%(host)s also hosts “%(title)s” at the same time (%(start)s–%(end)s, %(room)s).")
                        % {
                            "host": host_by_key[(this.session_id, key)].label,
                            "title": other.title,
                            "start": _hhmm(other.starts_at, zone),  # type: ignore[arg-type]
                            "end": _hhmm(other.ends_at, zone),  # type: ignore[arg-type]
                            "room": other.room_name,
                        },
                    )
                )
    return found


def room_conflicts(placements: Sequence[Placement], zone: dt.tzinfo) -> list[Conflict]:
    """A room double-booked: two sessions in one room at overlapping times."""
    by_room: dict[int, list[Placement]] = defaultdict(list)
    for placement in placements:
        if placement.placed:
            by_room[placement.room_id].append(placement)  # type: ignore[index]
    found = []
    for sharing in by_room.values():
        for first, second in _pairs_overlapping(sharing):
            for this, other in ((first, second), (second, first)):
                found.append(
                    Conflict(
                        kind=ROOM,
                        session_id=this.session_id,
                        other_id=other.session_id,
                        message=_("%(room)s is also booked for “%(title)s” at the same time (%(start)s–%(end)s).")
                        % {
                            "room": this.room_name,
                            "title": other.title,
                            "start": _hhmm(other.starts_at, zone),  # type: ignore[arg-type]
                            "end": _hhmm(other.ends_at, zone),  # type: ignore[arg-type]
                        },
                    )
                )
    return found


def capacity_conflicts(placements: Sequence[Placement]) -> list[Conflict]:
    """A room smaller than the audience the hosts expect."""
    return [
        Conflict(
            kind=CAPACITY,
            session_id=placement.session_id,
            message=_("%(room)s has %(seats)d seats, but the hosts expect %(expected)d people.")
            % {"room": placement.room_name, "seats": placement.room_capacity, "expected": placement.expected_audience},
        )
        for placement in placements
        if placement.placed
        and placement.room_capacity is not None
        and placement.room_capacity < placement.expected_audience
    ]


def hours_conflicts(placements: Sequence[Placement], opening: Opening) -> list[Conflict]:
    """A session outside the opening hours: on a day the event is not on, before the doors open
    or after they close that day."""
    found = []
    for placement in placements:
        if not placement.placed:
            continue
        start = placement.starts_at.astimezone(opening.zone)  # type: ignore[union-attr]
        end = placement.ends_at.astimezone(opening.zone)  # type: ignore[union-attr]
        message = ""
        if start.date() not in opening.days:
            message = _("It is on %(day)s, which is not one of the event's days.") % {
                "day": date_format(start, "l j F")
            }
        elif start.time() < opening.opens:
            message = _("It starts at %(start)s, before the doors open at %(opens)s.") % {
                "start": start.strftime("%H:%M"),
                "opens": opening.opens.strftime("%H:%M"),
            }
        elif end.date() != start.date() or end.time() > opening.closes:
            message = _("It ends at %(end)s, after the doors close at %(closes)s.") % {
                "end": end.strftime("%H:%M"),
                "closes": opening.closes.strftime("%H:%M"),
            }
        if message:
            found.append(Conflict(kind=HOURS, session_id=placement.session_id, message=message))
    return found


def find_conflicts(placements: Sequence[Placement], opening: Opening) -> dict[int, list[Conflict]]:
    """Every warning about the placed sessions, by session id (sessions with none are left out),
    each session's in the order of KINDS."""
    every = (
        host_conflicts(placements, opening.zone)
        + room_conflicts(placements, opening.zone)
        + capacity_conflicts(placements)
        + hours_conflicts(placements, opening)
    )
    by_session: dict[int, list[Conflict]] = defaultdict(list)
    for conflict in sorted(every, key=lambda c: KINDS.index(c.kind)):
        by_session[conflict.session_id].append(conflict)
    return dict(by_session)


# The grid the editor draws: one per day, rooms as columns, time slots as rows.


@dataclass
class Cell:
    """A room at one time slot: the sessions starting in it, spanning `rowspan` slots (cells that
    a session above covers are left out of their row, as a table's rowspan wants)."""

    room_id: int
    day: dt.date
    time: dt.time
    rowspan: int = 1
    placements: list[Placement] = field(default_factory=list)
    # What the editor draws for each of `placements` (its cards, with their forms): filled in by
    # the selector, which knows the sessions; nothing here reads it.
    cards: list[Any] = field(default_factory=list)


@dataclass
class Row:
    time: dt.time
    cells: list[Cell]


@dataclass
class DayGrid:
    day: dt.date
    rows: list[Row]


def _floor(minutes: int, slot: int) -> int:
    return minutes // slot * slot


def _minutes(moment: dt.time | dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def slot_minutes_for(placements: Sequence[Placement], zone: dt.tzinfo) -> int:
    """Half-hour rows unless a placed session starts or ends off the half hour: then quarter hours."""
    for placement in placements:
        if placement.placed:
            for moment in (placement.starts_at, placement.ends_at):
                if moment.astimezone(zone).minute % 30:  # type: ignore[union-attr]
                    return 15
    return 30


def day_grids(
    placements: Sequence[Placement], room_ids: Sequence[int], opening: Opening, slot: int = 30
) -> list[DayGrid]:
    """One grid for each day of the event (and for any other day a session has been put on),
    covering the opening hours, widened to take in sessions placed outside them."""
    zone = opening.zone
    by_day: dict[dt.date, list[Placement]] = defaultdict(list)
    for placement in placements:
        if placement.placed and placement.room_id in room_ids:
            by_day[placement.starts_at.astimezone(zone).date()].append(placement)  # type: ignore[union-attr]
    grids = []
    for day in sorted(set(opening.days) | set(by_day)):
        todays = by_day.get(day, [])
        # The doors always close after they open (the event's form and service see to it).
        first = _floor(_minutes(opening.opens), slot)
        last = _minutes(opening.closes)
        for placement in todays:
            start = placement.starts_at.astimezone(zone)  # type: ignore[union-attr]
            end = placement.ends_at.astimezone(zone)  # type: ignore[union-attr]
            first = min(first, _floor(_minutes(start), slot))
            last = max(last, 24 * 60 if end.date() != day else _minutes(end))
        count = max(1, math.ceil((last - first) / slot))
        # Which sessions start in which slot of which room, and how many slots they run for.
        starting: dict[tuple[int, int], list[Placement]] = defaultdict(list)
        for placement in todays:
            start = placement.starts_at.astimezone(zone)  # type: ignore[union-attr]
            index = (_minutes(start) - first) // slot
            starting[(placement.room_id, index)].append(placement)  # type: ignore[index]
        rows = [
            Row(time=dt.time((first + index * slot) // 60 % 24, (first + index * slot) % 60), cells=[])
            for index in range(count)
        ]
        for room_id in room_ids:
            starts = sorted(index for (room, index) in starting if room == room_id)
            covered_until = 0
            for index, row in enumerate(rows):
                here = starting.get((room_id, index), [])
                if index < covered_until and not here:
                    continue
                cell = Cell(room_id=room_id, day=day, time=row.time, placements=here)
                if here:
                    row_start = dt.datetime.combine(day, row.time)
                    longest = max(
                        (p.ends_at.astimezone(zone).replace(tzinfo=None) - row_start)  # type: ignore[union-attr]
                        for p in here
                    )
                    span = max(1, math.ceil(longest.total_seconds() / 60 / slot))
                    # A session overlapping the next one in this room stops short of it, so the
                    # next still has its own cell (the double booking is warned about).
                    following = [later for later in starts if later > index]
                    limit = (following[0] if following else count) - index
                    cell.rowspan = max(1, min(span, limit, count - index))
                    covered_until = index + cell.rowspan
                row.cells.append(cell)
        grids.append(DayGrid(day=day, rows=rows))
    return grids
