"""Reads for organisers' pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from heard.events.enums import RegistrationStatus
from heard.events.models import Call, Event, Registration, Session
from heard.events.rules import RUNNING_ROLES
from heard.organisations import roles
from heard.organisations.models import Organisation


def running(user: Any) -> QuerySet[Organisation]:
    """The organisations whose events this person runs."""
    return roles.organisations_with(user, *RUNNING_ROLES)


def events_for_manage(user: Any) -> QuerySet[Event]:
    events = Event.objects.select_related("organisation").order_by("-starts_at", "-pk")
    return roles.within_organisations_with(events, user, *RUNNING_ROLES)


def call_for_manage(event: Event) -> Call | None:
    return (
        Call.objects.filter(event=event)
        .prefetch_related("questions", "criteria", "teams__themes", "teams__members")
        .first()
    )


def door_list(*, event: Event, session: Session | None = None, search: str = "") -> QuerySet[Registration]:
    """The people with a place at the event (or one session), for checking in at the door."""
    found = (
        Registration.objects.filter(event=event, session=session, status=RegistrationStatus.BOOKED)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    if search.strip():
        words = search.strip()[:100]
        found = found.filter(Q(user__display_name__icontains=words) | Q(user__email__icontains=words))
    return found


def door_counts(*, event: Event, session: Session | None = None) -> dict[str, int]:
    from django.db.models import Count

    counts = Registration.objects.filter(event=event, session=session).aggregate(
        booked=Count("pk", filter=Q(status=RegistrationStatus.BOOKED)),
        arrived=Count("pk", filter=Q(status=RegistrationStatus.BOOKED, checked_in_at__isnull=False)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
    )
    return {key: value or 0 for key, value in counts.items()}


def sessions_taking_registrations(event: Event) -> QuerySet[Session]:
    return Session.objects.filter(
        event=event, published_starts_at__isnull=False, published_room__isnull=False
    ).order_by("published_starts_at", "pk")
