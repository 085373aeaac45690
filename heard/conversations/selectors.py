from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.conversations.enums import ImportStatus, StatementStatus
from heard.conversations.models import Conversation, Participant, PolisImport, Statement, Vote
from heard.organisations import roles
from heard.organisations.enums import Role

# The conveners' list shows the Pol.is imports under way, and those that failed in this long.
RECENT_IMPORTS = dt.timedelta(days=7)
RECENT_IMPORTS_SHOWN = 10


def listed_conversations() -> QuerySet[Conversation]:
    """Conversations that have opened, for the public list: the open ones first (closing soonest
    first), then the closed ones (their reports), the most recently closed first."""
    now = timezone.now()
    return (
        Conversation.objects.filter(opens_at__lte=now)
        .select_related("organisation")
        .defer("analysis")
        .annotate(is_closed=Case(When(closes_at__lte=now, then=Value(1)), default=Value(0)))
        .order_by("is_closed", Case(When(closes_at__gt=now, then=F("closes_at"))), "-closes_at", "pk")
    )


def conversation_by_slug(request: Any, slug: str, **_: Any) -> Conversation:
    """A conversation without its (possibly large) stored map: what voting pages need."""
    return get_object_or_404(
        Conversation.objects.select_related("organisation", "service").defer("analysis"), slug=slug
    )


def statement_to_vote_on(slug: str, statement_id: int) -> Statement:
    """The statement a vote is for, with its conversation, in one query (404 if the statement is not
    in that conversation). Only what voting needs is loaded: a vote is the busiest request there is."""
    return get_object_or_404(
        Statement.objects.select_related("conversation").defer("conversation__analysis"),
        pk=statement_id,
        conversation__slug=slug,
    )


def next_statement(*, conversation: Conversation, participant: Participant | None) -> Statement | None:
    """The next statement to put to this participant: the most informative one they have not
    voted on, in the order the last analysis suggests (new statements first, then by id)."""
    candidates = Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED)
    if participant is not None:
        candidates = candidates.exclude(votes__participant=participant)
    ids = list(candidates.values_list("pk", flat=True)[:5000])
    if not ids:
        return None
    order = {statement_id: rank for rank, statement_id in enumerate(conversation.summary.get("statement_order", []))}
    best = min(ids, key=lambda pk: (order.get(pk, -1), pk))  # statements the map has not seen come first
    return Statement.objects.get(pk=best)


def participant_progress(*, conversation: Conversation, participant: Participant | None) -> tuple[int, int]:
    total = Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED).count()
    voted = (
        Vote.objects.filter(participant=participant, statement__status=StatementStatus.ACCEPTED).count()
        if participant
        else 0
    )
    return voted, total


def votes_of_participant(participant: Participant) -> QuerySet[Vote]:
    return (
        Vote.objects.filter(participant=participant, statement__status=StatementStatus.ACCEPTED)
        .select_related("statement")
        .order_by("-updated_at", "-pk")
    )


def shown_statements(conversation: Conversation) -> QuerySet[Statement]:
    """The statements participants are shown, the newest first (for conveners, who may take one out)."""
    return Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED).order_by(
        "-created_at", "-pk"
    )


def statements_of_participant(participant: Participant) -> QuerySet[Statement]:
    """The statements this participant wrote, whatever became of them, the newest first."""
    return Statement.objects.filter(author=participant).order_by("-created_at", "-pk")


def pending_statements(conversation: Conversation) -> QuerySet[Statement]:
    return Statement.objects.filter(conversation=conversation, status=StatementStatus.PENDING).order_by(
        "created_at", "pk"
    )


def conversation_counts(conversation: Conversation) -> dict[str, int]:
    """From the figures stored with the last map; counted afresh only before there is one (the
    summary may hold a failed run's bookkeeping before any map, but then no counts)."""
    if conversation.summary and "votes" in conversation.summary:
        return {key: conversation.summary.get(key, 0) for key in ("participants", "votes", "statements")}
    return {
        "participants": Participant.objects.filter(conversation=conversation, votes__isnull=False).distinct().count(),
        "votes": Vote.objects.filter(statement__conversation=conversation).count(),
        "statements": Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED).count(),
    }


def votes_by_day(conversation: Conversation, *, limit: int = 60) -> list[tuple[Any, int]]:
    """Votes cast per day, the latest `limit` days with votes."""
    rows = (
        Vote.objects.filter(statement__conversation=conversation)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("-day")[:limit]
    )
    return sorted((row["day"], row["n"]) for row in rows)


def statements_by_id(conversation: Conversation, ids: list[int]) -> dict[int, Statement]:
    return {
        s.pk: s
        for s in Statement.objects.filter(conversation=conversation, pk__in=ids, status=StatementStatus.ACCEPTED)
    }


def conversations_for_manage(user: Any) -> QuerySet[Conversation]:
    conversations = Conversation.objects.select_related("organisation").annotate(
        pending=Count("statements", filter=Q(statements__status=StatementStatus.PENDING))
    )
    conversations = roles.within_organisations_with(conversations, user, Role.CONVENER)
    return conversations.order_by("-opens_at", "-pk")


def polis_import_for_status(request: Any, import_id: int, **_: Any) -> PolisImport:
    """An import with its organisation (for the permission) and its conversation, if made."""
    return get_object_or_404(
        PolisImport.objects.select_related("organisation", "conversation").defer(
            "conversation__analysis", "conversation__summary"
        ),
        pk=import_id,
    )


def polis_imports_for_manage(user: Any) -> list[PolisImport]:
    """The recent imports of this person's organisations that are under way or failed, newest first
    (those done are conversations in the list)."""
    imports = PolisImport.objects.filter(
        created_at__gte=timezone.now() - RECENT_IMPORTS,
        status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.FAILED),
    ).select_related("organisation")
    imports = roles.within_organisations_with(imports, user, Role.CONVENER)
    return list(imports.order_by("-created_at", "-pk")[:RECENT_IMPORTS_SHOWN])
