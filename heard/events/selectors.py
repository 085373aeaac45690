"""Reads for event pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.events.enums import RegistrationStatus
from heard.events.models import Event, Registration


def upcoming_events() -> QuerySet[Event]:
    return (
        Event.objects.filter(published_at__isnull=False, ends_at__gt=timezone.now())
        .select_related("organisation")
        .order_by("starts_at", "pk")
    )


def published_event(request: Any, slug: str, **_: Any) -> Event:
    return get_object_or_404(Event.objects.select_related("organisation"), slug=slug, published_at__isnull=False)


def registration_of(*, event: Event, user: Any) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Registration.objects.filter(event=event, user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .defer("access_needs")
        .first()
    )


def waiting_position(*, registration: Registration) -> int:
    """1 for the first person waiting."""
    return (
        Registration.objects.filter(
            event_id=registration.event_id, status=RegistrationStatus.WAITING, created_at__lt=registration.created_at
        ).count()
        + 1
    )
