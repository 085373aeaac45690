"""Keeping a conversation's opinion map: read its votes, run the analysis, store the result.

Votes are read straight into numpy arrays, a chunk of rows at a time (a server-side cursor on
PostgreSQL), never as a Python object per vote: a million votes take about 17 bytes each.

Two runs of `map_update` for one conversation can overlap (a vote's debounced analysis and a
manager's "work it out again", or a worker retrying). Each notes, before it reads the votes, when it
did (`summary["snapshot"]`, microseconds since 1970), and stores its map only if the stored one was
read earlier: an older run that finishes late leaves the newer map alone. And a run on exactly the
votes and statements of the stored map (`summary["fingerprint"]`) changes nothing: it is not an
update, so it must not count towards the k smoother (Pol.is's recomputes only on new votes).

A run that fails is retried, by queueing another the usual way, up to MAX_FAILED_RUNS runs in a row
(counted in `summary["failed_runs"]`, cleared by a run that succeeds); after that, the next vote or
moderation queues one as usual.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import BigIntegerField, Func, Q, QuerySet
from django.utils import timezone

from heard.conversations import report, selectors, services
from heard.conversations.analysis import Analysis, Votes, analyse
from heard.conversations.enums import StatementStatus
from heard.conversations.models import Conversation, Statement, Vote

# Rows fetched from the database at a time.
FETCH_ROWS = 50_000
# Failed runs in a row after which no retry is queued (a lost worker, a database restart: not a bug).
MAX_FAILED_RUNS = 3


class EpochMillis(Func):
    """A datetime column as whole milliseconds since 1970-01-01 UTC (Pol.is's timestamps), computed
    by the database so that a million rows need no Python datetime each."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": whole seconds (unixepoch(), SQLite
        # 3.38+) and the first three digits of the fraction, exactly, rounded down as on PostgreSQL.
        template = "(unixepoch(%(expressions)s) * 1000 + CAST(substr(%(expressions)s, 21, 3) AS INTEGER))"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s) * 1000) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def column_arrays(
    queryset: QuerySet[Any, Any], dtypes: Sequence[type[np.generic]], *, expected: int = 0
) -> list[np.ndarray]:
    """The rows of a `values_list` queryset of integer columns, one numpy array per column (of the
    given dtypes). Read a chunk at a time through a raw cursor (server-side on PostgreSQL) into
    preallocated arrays, room for `expected` rows, doubled when that is not enough (no COUNT first:
    on PostgreSQL it costs half as much again as the read). No row stays a Python tuple."""
    connection = connections[queryset.db]
    columns = [np.empty(max(expected, FETCH_ROWS), dtype=dtype) for dtype in dtypes]
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    chunked = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    filled = 0
    with connection.chunked_cursor() if chunked else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            block = np.array(rows, dtype=np.int64).reshape(len(rows), len(dtypes))
            if filled + len(block) > len(columns[0]):
                columns = [np.resize(c, max(2 * len(c), filled + len(block))) for c in columns]
            for column, values in zip(columns, block.T, strict=True):
                column[filled : filled + len(block)] = values
            filled += len(block)
    return [column[:filled].copy() if filled < len(column) // 2 else column[:filled] for column in columns]


def vote_columns(conversation: Conversation, *, times: bool = False) -> list[np.ndarray]:
    """The conversation's votes: participant ids, statement ids, values and, with `times`, when each
    was last cast (milliseconds since 1970), in that order (by time, then id)."""
    votes = Vote.objects.filter(statement__conversation=conversation)
    # About as many as at the last analysis, and a margin for the votes since.
    expected = int(conversation.summary.get("votes", 0) * 1.1)
    if not times:
        # One row per (participant, statement), by a constraint: no order needed for "the latest wins".
        return column_arrays(
            votes.values_list("participant_id", "statement_id", "value"),
            (np.int64, np.int64, np.int8),
            expected=expected,
        )
    return column_arrays(
        votes.order_by("updated_at", "pk")
        .annotate(millis=EpochMillis("updated_at"))
        .values_list("participant_id", "statement_id", "value", "millis"),
        (np.int64, np.int64, np.int8, np.int64),
        expected=expected,
    )


def votes_of(conversation: Conversation) -> Votes:
    """Everything the analysis needs. Statements not accepted are excluded (their votes count as
    Pol.is counts moderated-out ones): rejected ones, and pending ones, which have votes only when
    imported from a Pol.is export as not yet moderated, and must not be shown before they are checked."""
    participants, statements, values = vote_columns(conversation)
    shown: list[int] = []
    excluded: list[int] = []
    for pk, status in Statement.objects.filter(conversation=conversation).order_by("pk").values_list("pk", "status"):
        (shown if status == StatementStatus.ACCEPTED else excluded).append(pk)
    return Votes.from_triples(participants, statements, values, statements=shown + excluded, excluded=excluded)


def fingerprint(votes: Votes) -> str:
    """A digest of exactly what the analysis reads: who voted what on which statement, and which
    statements are excluded. (`Votes` are in a canonical order, whatever order the rows came in.)"""
    digest = hashlib.blake2b(digest_size=16)
    for array in (votes.participants, votes.statements, votes.rows, votes.cols, votes.values):
        digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
        digest.update(b"|")
    digest.update(np.asarray(sorted(votes.excluded_statements), dtype=np.int64).tobytes())
    return digest.hexdigest()


def map_update(*, conversation_id: int) -> Conversation:
    """Recompute the map from every vote, warm-started from the last one so groups keep their numbers.

    Nothing changes when the votes and statements are those of the stored map, and the map is stored
    only if no run that read the votes later has stored its own. A failure is retried a few times
    (see the module's docstring) and then raised."""
    try:
        return _map_update(conversation_id)
    except Exception:
        _note_failure(conversation_id)
        raise


def _note_failure(conversation_id: int) -> None:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return
    failed = int(conversation.summary.get("failed_runs", 0)) + 1
    # Unless another run has stored a map meanwhile (then there is nothing to retry).
    noted = Conversation.objects.filter(pk=conversation_id, analysed_at=conversation.analysed_at).update(
        summary={**conversation.summary, "failed_runs": failed}
    )
    if noted and failed < MAX_FAILED_RUNS:
        services.analysis_request(conversation=conversation)


def _map_update(conversation_id: int) -> Conversation:
    # Votes that arrive while this runs queue the next analysis.
    Conversation.objects.filter(pk=conversation_id).update(analysis_queued_at=None)
    snapshot = time.time_ns() // 1000  # before the votes are read
    conversation = Conversation.objects.get(pk=conversation_id)
    votes = votes_of(conversation)
    digest = fingerprint(votes)
    not_newer = Q(summary__snapshot__isnull=True) | Q(summary__snapshot__lt=snapshot)
    now = timezone.now()
    if conversation.analysis and conversation.summary.get("fingerprint") == digest:
        # The same votes as the stored map: it is up to date as of now, and stays as it is (its
        # report digest too).
        summary = {**conversation.summary, "snapshot": snapshot, "failed_runs": 0}
        Conversation.objects.filter(not_newer, pk=conversation_id).update(summary=summary, analysed_at=now)
        conversation.refresh_from_db()
        return conversation
    previous = Analysis.from_dict(conversation.analysis) if conversation.analysis else None
    result = analyse(votes, previous=previous)
    summary = {
        "participants": result.participants_total,
        "votes": result.votes_total,
        # Every statement is in `votes`, those not shown among its excluded ones.
        "statements": len(votes.statements) - len(votes.excluded_statements),
        "votes_by_day": [[day.isoformat(), n] for day, n in selectors.votes_by_day(conversation)],
        "statement_order": result.statement_order[:5000],
        "fingerprint": digest,
        "snapshot": snapshot,
    }
    stored = result.to_dict()
    # What the report reads, made here from the map in hand rather than read back from the database.
    summary[report.REPORT_KEY] = report.report_digest_of(stored)
    # One conditional statement: a run that read the votes later and has already stored its map wins.
    Conversation.objects.filter(not_newer, pk=conversation_id).update(analysis=stored, summary=summary, analysed_at=now)
    conversation.refresh_from_db()
    return conversation
