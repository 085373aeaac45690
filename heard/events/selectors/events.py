"""Reads for event pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.events.enums import RegistrationStatus
from heard.events.models import Event, Registration, Session


def upcoming_events() -> QuerySet[Event]:
    return (
        Event.objects.filter(published_at__isnull=False, ends_at__gt=timezone.now())
        .select_related("organisation")
        .order_by("starts_at", "pk")
    )


def published_event(request: Any, slug: str, **_: Any) -> Event:
    """A published event with its organisation and venue (what the schedule, feeds and booking
    pages show); its page adds more (`published_event_page`)."""
    return get_object_or_404(
        Event.objects.select_related("organisation", "venue"), slug=slug, published_at__isnull=False
    )


def published_event_page(request: Any, slug: str, **_: Any) -> Event:
    """A published event with everything its own page shows: its themes and its call for hosts."""
    return get_object_or_404(
        Event.objects.select_related("organisation", "venue", "call").prefetch_related("themes"),
        slug=slug,
        published_at__isnull=False,
    )


def event_page_extras(*, event: Event, user: Any) -> dict[str, Any]:
    """What a festival's page links to: whether its schedule is out, and the visitor's roles in it."""
    from heard.events.models import ScheduleRelease

    call = getattr(event, "call", None)  # None when the event has no call for hosts
    signed_in = getattr(user, "is_authenticated", False)
    return {
        "call": call,
        "has_schedule": ScheduleRelease.objects.filter(event=event).exists() if event.is_festival else False,
        "reviews": bool(call and signed_in and user.has_perm("events.review", event)),
        "organises": bool(signed_in and user.has_perm("events.manage_event", event)),
    }


def public_hosts(session: Session) -> list[str]:
    """Hosts' names as the schedule shows them: never their email addresses."""
    names = [name for name in session.hosts.values_list("name", flat=True) if name]
    if session.organisation is not None:
        names.append(session.organisation.name)
    return names


def registration_of(*, event: Event, user: Any, session: Session | None = None) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Registration.objects.filter(event=event, session=session, user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .defer("access_needs")
        .first()
    )


def waiting_position(*, registration: Registration) -> int:
    """1 for the first person waiting."""
    return (
        Registration.objects.filter(
            event_id=registration.event_id,
            session=registration.session,
            status=RegistrationStatus.WAITING,
            created_at__lt=registration.created_at,
        ).count()
        + 1
    )


def event_for_manage(request: Any, slug: str, **_: Any) -> Event:
    """Any event, published or not, for the permission check of an organiser's page."""
    return get_object_or_404(Event.objects.select_related("organisation", "venue"), slug=slug)


def session_of_event(request: Any, slug: str, pk: int, **_: Any) -> Session:
    """A session of the event, whatever its state: for pages that check who may see it."""
    return get_object_or_404(
        Session.objects.select_related("event__organisation", "call", "theme", "organisation"), event__slug=slug, pk=pk
    )


def scheduled_session(request: Any, slug: str, pk: int, **_: Any) -> Session:
    """A session in the published schedule of a published event."""
    return get_object_or_404(
        Session.objects.select_related("event__organisation", "theme", "published_room", "organisation"),
        event__slug=slug,
        event__published_at__isnull=False,
        published_starts_at__isnull=False,
        pk=pk,
    )
