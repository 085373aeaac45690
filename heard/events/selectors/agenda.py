"""Reads for the released schedule as others consume it (the JSON and XML exports, calendar
files) and for a person's own agenda. Everything here reads the `published_*` fields of a session,
never the working `room`/`starts_at`: organisers move sessions around before a release, and
attendees, their calendars and conference apps must only ever see what was released."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.events.models import AgendaItem, Event, Room, ScheduleRelease, Session, SessionHost


def latest_release(*, event: Event) -> ScheduleRelease | None:
    """The event's latest released schedule (its version, date and note, without its changelog),
    or None before the first release."""
    return ScheduleRelease.objects.filter(event=event).order_by("-version").defer("changes").first()


def released_sessions(*, event: Event) -> QuerySet[Session]:
    """The sessions of the released schedule, in time order, with their room, theme and the names
    of their hosts (and nothing else of the hosts: their email addresses are never exported)."""
    hosts = SessionHost.objects.exclude(name="").only("id", "session_id", "name").order_by("-is_proposer", "pk")
    return (
        Session.objects.filter(event=event, published_starts_at__isnull=False, published_room__isnull=False)
        .select_related("published_room", "theme")
        .prefetch_related(Prefetch("hosts", queryset=hosts))
        .order_by("published_starts_at", "published_room__position", "published_room__name", "pk")
    )


def event_rooms(*, event: Event) -> list[Room]:
    """The rooms of the event's venue, in their order (empty for an event without a venue)."""
    if event.venue_id is None:
        return []
    return list(Room.objects.filter(venue_id=event.venue_id).order_by("position", "name", "pk"))


def agenda_session(request: Any, slug: str, pk: int, **_: Any) -> Session:
    """A session of a published event that is in the released schedule, or already in this
    person's agenda (someone may always take a session out, even one that has since left the
    schedule). Anything else, such as a draft or a rejected proposal, is not found: its title is
    not anyone's business."""
    return get_object_or_404(
        Session.objects.select_related("event__organisation", "published_room").filter(
            Q(published_starts_at__isnull=False)
            | Exists(AgendaItem.objects.filter(user=request.user, session=OuterRef("pk")))
        ),
        event__slug=slug,
        event__published_at__isnull=False,
        pk=pk,
    )


def in_agenda(*, user: Any, session: Session) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return AgendaItem.objects.filter(user=user, session=session).exists()


def agenda_session_ids(*, user: Any, event: Event) -> set[int]:
    """The ids of the sessions of `event` in someone's agenda, in one query, for pages that show
    an "Add to my agenda" button beside many sessions."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(AgendaItem.objects.filter(user=user, session__event=event).values_list("session_id", flat=True))


def agenda_items(*, user: Any, event: Event) -> QuerySet[AgendaItem]:
    """Someone's agenda for an event, in the order of the released schedule (sessions that have
    left it at the end). Each item carries `clashes_with`: the title of another session in the
    same agenda whose released time overlaps, or None. Worked out in the same query, so the page
    costs the same however long the agenda is."""
    overlapping = (
        AgendaItem.objects.filter(
            user=user,
            session__event=event,
            session__published_starts_at__lt=OuterRef("session__published_ends_at"),
            session__published_ends_at__gt=OuterRef("session__published_starts_at"),
        )
        .exclude(pk=OuterRef("pk"))
        .order_by("session__published_starts_at", "pk")
        .values("session__title")[:1]
    )
    return (
        AgendaItem.objects.filter(user=user, session__event=event)
        .select_related("session__published_room", "session__theme")
        .annotate(clashes_with=Subquery(overlapping))
        .order_by(
            F("session__published_starts_at").asc(nulls_last=True),
            "session__published_room__position",
            "session__pk",
            "pk",
        )
    )


@dataclass
class AgendaDay:
    # None for the sessions that are no longer in the released schedule.
    date: dt.date | None
    items: list[AgendaItem] = field(default_factory=list)


def agenda_by_day(items: list[AgendaItem]) -> list[AgendaDay]:
    """Items already in time order, grouped by their local day."""
    days: list[AgendaDay] = []
    for item in items:
        starts = item.session.published_starts_at
        date = timezone.localdate(starts) if starts is not None else None
        if not days or days[-1].date != date:
            days.append(AgendaDay(date=date))
        days[-1].items.append(item)
    return days


def agenda_released_sessions(*, user: Any, event: Event) -> QuerySet[Session]:
    """The sessions of someone's agenda that are in the released schedule, for their calendar."""
    return (
        Session.objects.filter(
            event=event,
            published_starts_at__isnull=False,
            pk__in=AgendaItem.objects.filter(user=user).values("session_id"),
        )
        .select_related("published_room__venue")
        .order_by("published_starts_at", "pk")
    )
