"""Reads for the call for hosts and for hosts' own proposals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from heard.events.models import Call, Event, Session


def open_call(request: Any, slug: str, **_: Any) -> Call:
    """The call for hosts of a published event."""
    return get_object_or_404(
        Call.objects.select_related("event__organisation").prefetch_related("questions"),
        event__slug=slug,
        event__published_at__isnull=False,
    )


def hosted_by(*, event: Event, user: Any) -> QuerySet[Session]:
    """The proposals to this event that a person proposed or co-hosts."""
    return Session.objects.filter(event=event).hosted_by(user).select_related("theme").order_by("-created_at", "-pk")


def proposal_for_host(request: Any, slug: str, pk: int, **_: Any) -> Session:
    """A proposal with what its host's page shows (questions, answers and hosts in three queries)."""
    session = (
        Session.objects.select_related("event__organisation", "call__event", "theme", "organisation")
        .prefetch_related("hosts", "answers__question", "call__questions")
        .filter(event__slug=slug, pk=pk)
        .first()
    )
    if session is None or session.call is None:
        raise Http404
    return session
