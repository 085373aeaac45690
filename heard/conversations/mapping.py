"""Keeping a conversation's opinion map: read its votes, run the analysis, store the result."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from heard.conversations import selectors
from heard.conversations.analysis import Analysis, Votes, analyse
from heard.conversations.enums import StatementStatus
from heard.conversations.models import Conversation, Statement, Vote


def votes_of(conversation: Conversation) -> Votes:
    rows = Vote.objects.filter(statement__conversation=conversation).values_list(
        "participant_id", "statement_id", "value"
    )
    participants, statements, values = [], [], []
    for participant_id, statement_id, value in rows.iterator(chunk_size=20000):
        participants.append(participant_id)
        statements.append(statement_id)
        values.append(value)
    shown = list(
        Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED).values_list(
            "pk", flat=True
        )
    )
    excluded = list(
        Statement.objects.filter(conversation=conversation, status=StatementStatus.REJECTED).values_list(
            "pk", flat=True
        )
    )
    return Votes.from_triples(participants, statements, values, statements=shown + excluded, excluded=excluded)


def map_update(*, conversation_id: int) -> Conversation:
    """Recompute the map from every vote, warm-started from the last one so groups keep their numbers."""
    # Votes that arrive while this runs queue the next analysis.
    Conversation.objects.filter(pk=conversation_id).update(analysis_queued_at=None)
    conversation = Conversation.objects.get(pk=conversation_id)
    previous = Analysis.from_dict(conversation.analysis) if conversation.analysis else None
    result = analyse(votes_of(conversation), previous=previous)
    summary = {
        "participants": result.participants_total,
        "votes": result.votes_total,
        "statements": Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED).count(),
        "votes_by_day": [[day.isoformat(), n] for day, n in selectors.votes_by_day(conversation)],
        "statement_order": result.statement_order[:5000],
    }
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation_id).update(
            analysis=result.to_dict(), summary=summary, analysed_at=timezone.now()
        )
    conversation.refresh_from_db()
    return conversation
