"""Pol.is compatibility for the app: import an export (the openData layout) as a conversation, and
export a conversation in the same layout. The reading and writing of the files is in `polis`."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.conversations import services
from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.models import Conversation, Participant, Statement, Vote
from heard.conversations.polis import (
    MODERATED_OUT,
    PolisExport,
    PolisFormatError,
    PolisStatement,
    PolisVote,
    read_export,
    write_export,
)
from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.core.text import without_control_characters

MAX_UPLOAD = 200 * 1024 * 1024  # bytes, unpacked


def _when(timestamp: int | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp / 1000, tz=dt.UTC) if timestamp else timezone.now()


@transaction.atomic
def import_export(*, export: PolisExport, organisation: Any, by: Any) -> Conversation:
    """Make a (closed) conversation from a Pol.is export: its statements, participants and votes.
    All or nothing."""
    times = [s.timestamp for s in export.statements if s.timestamp] + [v.timestamp for v in export.votes if v.timestamp]
    opened = _when(min(times)) if times else timezone.now()
    closed = max(_when(max(times)) + dt.timedelta(seconds=1), opened + dt.timedelta(seconds=1)) if times else opened
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
    participant_ids = sorted(
        {v.participant_id for v in export.votes} | {s.author_id for s in export.statements if s.author_id is not None}
    )
    participants = dict(
        zip(
            participant_ids,
            Participant.objects.bulk_create(
                Participant(conversation=conversation, key=secrets.token_urlsafe(24), external_id=str(pid))
                for pid in participant_ids
            ),
            strict=True,
        )
    )
    statements = {
        s.id: created
        for s, created in zip(
            export.statements,
            Statement.objects.bulk_create(
                Statement(
                    conversation=conversation,
                    text=without_control_characters(s.text)[:2000],
                    status=StatementStatus.REJECTED if s.moderated == MODERATED_OUT else StatementStatus.ACCEPTED,
                    is_seed=s.author_id is None,
                    author=participants.get(s.author_id) if s.author_id is not None else None,
                    external_id=str(s.id),
                    created_at=_when(s.timestamp),
                )
                for s in export.statements
            ),
            strict=True,
        )
    }
    Vote.objects.bulk_create(
        (
            Vote(
                participant=participants[v.participant_id],
                statement=statements[v.statement_id],
                value=v.vote,
                created_at=_when(v.timestamp),
                updated_at=_when(v.timestamp),
            )
            for v in export.votes
        ),
        batch_size=10000,
    )
    log_action(
        action="conversation.imported",
        by=by,
        target=conversation,
        organisation_id=organisation.pk,
        data={"statements": len(statements), "participants": len(participants), "votes": len(export.votes)},
    )
    # The map is worked out in the background, like any other (an import can be large).
    services.analysis_request(conversation=conversation)
    return conversation


def import_directory(*, directory: str | Path, organisation: Any, by: Any) -> Conversation:
    try:
        export = read_export(directory)
    except PolisFormatError as error:
        raise ValidationError(str(error)) from error
    except UnicodeDecodeError as error:
        raise ValidationError(_("The export's files are not UTF-8 text.")) from error
    return import_export(export=export, organisation=organisation, by=by)


def import_zip(*, upload: Any, organisation: Any, by: Any) -> Conversation:
    """A .zip holding the export's CSV files (at its top or in one folder)."""
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile as error:
        raise ValidationError(_("The file is not a .zip archive.")) from error
    if sum(member.file_size for member in archive.infolist()) > MAX_UPLOAD:
        raise ValidationError(_("The archive is too big to import here; use manage.py import_polis."))
    with tempfile.TemporaryDirectory() as folder:
        seen: set[str] = set()
        for member in archive.infolist():
            name = Path(member.filename).name
            if name.endswith(".csv") and not member.is_dir():
                if name in seen:
                    raise ValidationError(
                        _("The archive holds two files called %(name)s: put one export in it.") % {"name": name}
                    )
                seen.add(name)
                (Path(folder) / name).write_bytes(archive.read(member))
        return import_directory(directory=folder, organisation=organisation, by=by)


def export_of(conversation: Conversation) -> PolisExport:
    """A conversation in the Pol.is layout, with the groups of its last map."""

    def millis(moment: dt.datetime) -> int:
        return int(moment.timestamp() * 1000)

    statements = tuple(
        PolisStatement(
            id=s.pk,
            text=s.text,
            author_id=s.author_id,
            moderated=-1 if s.status == StatementStatus.REJECTED else (0 if s.status == StatementStatus.PENDING else 1),
            timestamp=millis(s.created_at),
        )
        for s in Statement.objects.filter(conversation=conversation).order_by("pk")
    )
    votes = tuple(
        PolisVote(participant_id=participant, statement_id=statement, vote=value, timestamp=millis(when))
        for participant, statement, value, when in Vote.objects.filter(statement__conversation=conversation)
        .order_by("updated_at", "pk")
        .values_list("participant_id", "statement_id", "value", "updated_at")
        .iterator(chunk_size=20000)
    )
    groups: dict[int, int | None] = {}
    for number, group in enumerate(conversation.analysis.get("groups", [])):
        for member in group.get("members", []):
            groups[int(member)] = number
    return PolisExport(
        statements=statements,
        votes=votes,
        groups=groups,
        summary={"topic": conversation.topic, "conversation-description": conversation.description},
    )


def export_zip(*, conversation: Conversation, by: Any) -> HttpResponse:
    with tempfile.TemporaryDirectory() as folder:
        write_export(folder, export_of(conversation))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).iterdir()):
                archive.write(path, arcname=f"{conversation.slug}/{path.name}")
    log_action(action="conversation.exported", by=by, target=conversation, organisation_id=conversation.organisation_id)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{conversation.slug}-polis.zip"'
    return response
