"""Pol.is compatibility for the app: import an export (the openData layout) as a conversation, and
export a conversation in the same layout. The reading and writing of the files is in `polis`.

Statuses map one to one (see `polis`): Pol.is's moderated 1 / 0 / -1 is accepted / pending / rejected
here, both ways; a meta statement (which Pol.is keeps out of its math) is imported as rejected.

An import is read and checked (`read_zip`, `read_directory`) apart from being written
(`import_export`), so that an upload is checked in the request and written in the background
(see `imports`).

Both ways stream: the import copies each file out of the archive in blocks and writes votes in
batches from the export's arrays; the export reads the votes into arrays (`mapping.vote_columns`)
and writes each file's rows straight into the archive, which is a temporary file on disk.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.conversations import services
from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.mapping import vote_columns
from heard.conversations.models import Conversation, Participant, Statement, Vote
from heard.conversations.polis import (
    ACCEPTED,
    MODERATED_OUT,
    UNMODERATED,
    PolisExport,
    PolisFormatError,
    PolisStatement,
    PolisVotes,
    export_tables,
    read_export,
    write_csv_rows,
)
from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.core.text import without_control_characters

MAX_UPLOAD = 200 * 1024 * 1024  # bytes, unpacked
# Rows written per INSERT when importing (participants, votes).
BATCH = 5000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SECOND = dt.timedelta(seconds=1)
STATUS_OF_MODERATED = {
    ACCEPTED: StatementStatus.ACCEPTED,
    UNMODERATED: StatementStatus.PENDING,
    MODERATED_OUT: StatementStatus.REJECTED,
}
MODERATED_OF_STATUS = {status: moderated for moderated, status in STATUS_OF_MODERATED.items()}


def _moment(timestamp: int) -> dt.datetime:
    """A Pol.is timestamp (milliseconds since 1970, any year from 1 to 9999) as a datetime."""
    return _EPOCH + dt.timedelta(milliseconds=timestamp)


def _status(statement: PolisStatement, voted_on_by_others: set[int]) -> StatementStatus:
    """A statement's status here. Pol.is's `moderated` 0 means not checked yet: under its strict
    moderation such a statement was never shown (only its author's own vote is in the export), and it
    comes in waiting to be checked; without strict moderation it was shown and voted on, and it comes
    in shown, so that the map here is the one Pol.is's math made (which keeps those statements)."""
    if statement.is_meta:
        return StatementStatus.REJECTED
    if statement.moderated == UNMODERATED and statement.id in voted_on_by_others:
        return StatementStatus.ACCEPTED
    return STATUS_OF_MODERATED[statement.moderated]


def _voted_on_by_others(export: PolisExport, statement_ids: np.ndarray, at: np.ndarray) -> set[int]:
    """The statements someone other than their author voted on; `statement_ids` sorted, and `at` each
    vote's statement's position in them."""
    votes = export.votes
    if not len(votes):
        return set()
    author_of = {s.id: s.author_id for s in export.statements if s.author_id is not None}
    authors = np.asarray([author_of.get(sid, -1) for sid in statement_ids.tolist()], dtype=np.int64)
    return {int(sid) for sid in np.unique(votes.statement_ids[votes.participant_ids != authors[at]])}


@transaction.atomic
def import_export(*, export: PolisExport, organisation: Any, by: Any) -> Conversation:
    """Make a (closed) conversation from a Pol.is export: its statements, participants and votes.
    All or nothing. It runs from the first timestamp to a second after the last (0 is a time: 1970);
    without any, it closes now, having opened a second before."""
    votes = export.votes
    times = [s.timestamp for s in export.statements if s.timestamp is not None]
    if votes.timed.any():
        timed = votes.timestamps[votes.timed]
        times += [int(timed.min()), int(timed.max())]
    if times:
        opened = _moment(min(times))
        closed = max(_moment(max(times)), opened) + _SECOND
    else:
        closed = timezone.now()
        opened = closed - _SECOND
    statement_ids = np.asarray(sorted(s.id for s in export.statements), dtype=np.int64)
    at = np.minimum(np.searchsorted(statement_ids, votes.statement_ids), max(len(statement_ids) - 1, 0))
    if len(votes) and (not len(statement_ids) or np.any(statement_ids[at] != votes.statement_ids)):
        raise ValidationError(_("The export has a vote on a statement it does not have."))

    topic = (export.topic or _("Imported conversation"))[:200]
    conversation = Conversation.objects.create(
        organisation=organisation,
        topic=topic,
        slug=unique_slug(Conversation.objects.all(), topic, fallback="conversation"),
        description=export.description,
        participation=Participation.INVITED,
        participants_can_add=False,
        opens_at=opened,
        closes_at=closed,
        source_url=export.url[:200] if export.url.startswith(("http://", "https://")) else "",
        created_by=by,
    )
    voted_on_by_others = _voted_on_by_others(export, statement_ids, at)
    authors = np.asarray([s.author_id for s in export.statements if s.author_id is not None], dtype=np.int64)
    participant_ids = np.union1d(votes.participant_ids, authors)
    participants = Participant.objects.bulk_create(
        (
            Participant(conversation=conversation, key=secrets.token_urlsafe(24), external_id=str(pid))
            for pid in participant_ids.tolist()
        ),
        batch_size=BATCH,
    )
    participant_pks = np.asarray([p.pk for p in participants], dtype=np.int64)
    participant_of = dict(zip(participant_ids.tolist(), participants, strict=True))
    statements = Statement.objects.bulk_create(
        (
            Statement(
                conversation=conversation,
                text=without_control_characters(s.text)[:2000],
                status=_status(s, voted_on_by_others),
                is_seed=s.author_id is None,
                author=participant_of.get(s.author_id) if s.author_id is not None else None,
                external_id=str(s.id),
                created_at=opened if s.timestamp is None else _moment(s.timestamp),
            )
            for s in export.statements
        ),
        batch_size=BATCH,
    )
    pk_of_statement = {s.id: created.pk for s, created in zip(export.statements, statements, strict=True)}
    statement_pks = np.asarray([pk_of_statement[i] for i in statement_ids.tolist()], dtype=np.int64)
    _insert_votes(
        participants=participant_pks[np.searchsorted(participant_ids, votes.participant_ids)],
        statements=statement_pks[at],
        votes=votes,
        untimed=opened,
    )
    log_action(
        action="conversation.imported",
        by=by,
        target=conversation,
        organisation_id=organisation.pk,
        data={"statements": len(statements), "participants": len(participants), "votes": len(votes)},
    )
    # The map is worked out in the background, like any other (an import can be large).
    services.analysis_request(conversation=conversation)
    return conversation


def _insert_votes(*, participants: np.ndarray, statements: np.ndarray, votes: PolisVotes, untimed: dt.datetime) -> None:
    """Insert the votes (with these participant and statement pks), a batch of rows at a time.

    Plain parametrised INSERTs, as `services.vote_cast` writes a vote, and COPY on PostgreSQL: with
    `bulk_create`, four fifths of an import went on preparing model instances and their values one by
    one (a million votes: about 45 s, against 11 s now, on SQLite and on PostgreSQL)."""
    ops = connection.ops
    table = ops.quote_name(Vote._meta.db_table)
    columns = ", ".join(
        ops.quote_name(c) for c in ("participant_id", "statement_id", "value", "created_at", "updated_at")
    )
    default = ops.adapt_datetimefield_value(untimed)
    with connection.cursor() as cursor:
        for start in range(0, len(votes), BATCH):
            part = slice(start, start + BATCH)
            times = [
                ops.adapt_datetimefield_value(_moment(t)) if has else default
                for t, has in zip(votes.timestamps[part].tolist(), votes.timed[part].tolist(), strict=True)
            ]
            rows = zip(
                participants[part].tolist(),
                statements[part].tolist(),
                votes.values[part].tolist(),
                times,
                times,
                strict=True,
            )
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608 - names from the model
                    list(rows),
                )


def polis_error_message(error: PolisFormatError) -> str:
    """What is wrong with the export, in the reader's language: the file, the line and the reason
    (which names columns and values as they are in the files)."""
    where = {"file": error.file, "line": error.line, "reason": error.message(_)}
    if error.line is None:
        return _("%(file)s: %(reason)s") % where
    return _("%(file)s, line %(line)s: %(reason)s") % where


def read_directory(directory: str | Path) -> PolisExport:
    """The export in `directory`, checked; ValidationError saying what is wrong with it."""
    try:
        return read_export(directory)
    except PolisFormatError as error:
        raise ValidationError(polis_error_message(error)) from error


def import_directory(*, directory: str | Path, organisation: Any, by: Any) -> Conversation:
    return import_export(export=read_directory(directory), organisation=organisation, by=by)


# What reading a damaged or unsupported member raises: a bad CRC or size (BadZipFile), corrupt
# deflate data (zlib.error), a truncated bz2/lzma stream (EOFError), an encrypted member
# (RuntimeError: a password is required), an unknown compression method (NotImplementedError).
_UNREADABLE_MEMBER = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


def read_zip(upload: Any) -> PolisExport:
    """The export in a .zip holding its CSV files (at its top or in one folder), checked;
    ValidationError saying what is wrong with it. Nothing is written: `import_export` does that."""
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError) as error:
        raise ValidationError(_("The file is not a .zip archive.")) from error
    with archive, tempfile.TemporaryDirectory() as folder:
        if sum(member.file_size for member in archive.infolist()) > MAX_UPLOAD:
            raise ValidationError(_("The archive is too big to import here; use manage.py import_polis."))
        seen: set[str] = set()
        for member in archive.infolist():
            name = member.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if not name.endswith(".csv") or member.is_dir():
                continue
            if name in seen:
                raise ValidationError(
                    _("The archive holds two files called %(name)s: put one export in it.") % {"name": name}
                )
            seen.add(name)
            try:
                with archive.open(member) as source, (Path(folder) / name).open("wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
            except _UNREADABLE_MEMBER as error:
                raise ValidationError(
                    _("%(name)s in the archive cannot be unpacked: it is damaged or encrypted.")
                    % {"name": member.filename}
                ) from error
        return read_directory(folder)


def export_of(conversation: Conversation) -> PolisExport:
    """A conversation in the Pol.is layout, with the groups of its last map (by their stable ids)."""

    def millis(moment: dt.datetime) -> int:
        return (moment - _EPOCH) // dt.timedelta(milliseconds=1)

    statements = tuple(
        PolisStatement(
            id=s.pk,
            text=s.text,
            author_id=s.author_id,
            moderated=MODERATED_OF_STATUS[StatementStatus(s.status)],
            timestamp=millis(s.created_at),
        )
        for s in Statement.objects.filter(conversation=conversation).order_by("pk")
    )
    participants, statement_ids, values, times = vote_columns(conversation, times=True)
    groups: dict[int, int | None] = {}
    for group in conversation.analysis.get("groups", []):
        for member in group.get("members", []):
            groups[int(member)] = int(group["id"])
    summary = {"topic": conversation.topic}
    if conversation.source_url:
        summary["url"] = conversation.source_url
    summary["conversation-description"] = conversation.description
    return PolisExport(
        statements=statements,
        votes=PolisVotes(participants, statement_ids, values, times),
        groups=groups,
        summary=summary,
    )


def export_archive(*, conversation: Conversation, by: Any) -> IO[bytes]:
    """The conversation's Pol.is export as a .zip (one folder named after it), in a temporary file
    that is removed when closed, positioned at its start. Each file's rows go straight into the
    archive, so only the votes' arrays are held in memory."""
    export = export_of(conversation)
    participants = len(np.unique(export.votes.participant_ids)) + len(export.groups)
    # Zip64 headers only where a member could pass 2 GB (they are less widely read).
    large = len(export.votes) * 100 + participants * (3 * len(export.statements) + 100) >= zipfile.ZIP64_LIMIT
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    try:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, rows in export_tables(export):
                with (
                    archive.open(f"{conversation.slug}/{name}", "w", force_zip64=large) as member,
                    io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
                ):
                    write_csv_rows(text, rows)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    log_action(action="conversation.exported", by=by, target=conversation, organisation_id=conversation.organisation_id)
    return handle


def export_zip(*, conversation: Conversation, by: Any) -> FileResponse:
    """The export as a download, streamed from the temporary file (closed, so removed, when sent)."""
    return FileResponse(
        export_archive(conversation=conversation, by=by),
        as_attachment=True,
        filename=f"{conversation.slug}-polis.zip",
        content_type="application/zip",
    )
