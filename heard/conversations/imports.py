"""Pol.is exports imported in the background.

Writing a large export takes seconds (about 10 s for a million votes), too long for a request. So
the upload is read and checked in the request, where what is wrong with it (the file, the line, the
reason) can be said beside the field at once; then it is kept, unserved and under a random name, in
the default storage, and a task (`tasks.import_polis_export`) reads it again and writes the
conversation in one transaction. The convener follows a `PolisImport` record on a status page. The
upload is deleted once the task has run, whether the import worked or not.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heard.conversations import interchange
from heard.conversations.enums import IMPORT_FINISHED, ImportStatus
from heard.conversations.models import POLIS_UPLOADS, PolisImport
from heard.core.files import deleted_on_error, file_written
from heard.core.services import log_action

logger = logging.getLogger(__name__)

# A queued import older than this was missed by its task (a worker down, say) and is queued again.
STALE_QUEUED = dt.timedelta(minutes=15)
# An import still running after this never will finish: its worker stopped. A million votes take
# about 10 s.
STALE_RUNNING = dt.timedelta(hours=1)
# How long the record of a finished import (its status, and why it failed) is kept.
RETENTION = dt.timedelta(days=30)
# How old a file among the uploads (models.POLIS_UPLOADS) that no import refers to must be before it
# is deleted (one being saved has no row yet).
ORPHAN_AGE = dt.timedelta(days=1)
# At most this many of each kind of thing per tidying run: the work of a run stays bounded.
TIDY_BATCH = 100


def polis_import_create(*, organisation: Any, by: Any, upload: Any) -> PolisImport:
    """Check an uploaded export (ValidationError naming what is wrong, and nothing kept), keep it
    and queue its import. The reason for a later failure is written in the uploader's language."""
    interchange.read_zip(upload)  # before the transaction: it takes a second or two for a large one
    return _polis_import_keep(organisation=organisation, by=by, upload=upload)


@deleted_on_error()
@transaction.atomic
def _polis_import_keep(*, organisation: Any, by: Any, upload: Any) -> PolisImport:
    from heard.conversations.tasks import import_polis_export

    polis_import = PolisImport(organisation=organisation, by=by, language=translation.get_language() or "")
    polis_import.file.save("export.zip", upload, save=False)
    file_written(polis_import.file)
    polis_import.save()
    log_action(action="conversation.import_queued", by=by, target=polis_import, organisation_id=organisation.pk)
    # Robust: the import is kept even if the queue cannot be reached just now; housekeeping queues it.
    transaction.on_commit(lambda: import_polis_export.enqueue(import_id=polis_import.pk), robust=True)
    return polis_import


def polis_import_run(*, import_id: int) -> None:
    """Write a queued import's conversation, all or nothing, and delete its upload. Runs once: the
    same task run again (a worker retrying it, or `polis_imports_tidy` queueing it again) finds the import no
    longer queued and does nothing."""
    claimed = PolisImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    polis_import = PolisImport.objects.select_related("organisation", "by").get(pk=import_id)
    try:
        with translation.override(polis_import.language or settings.LANGUAGE_CODE):
            _write(polis_import)
    finally:
        _delete_upload(polis_import)


class _NoLongerRunning(Exception):
    """Housekeeping ended the import as stopped while it ran: its conversation is not kept."""


def _write(polis_import: PolisImport) -> None:
    try:
        with polis_import.file.open("rb") as upload:
            export = interchange.read_zip(upload)
        with transaction.atomic():
            conversation = interchange.import_export(
                export=export, organisation=polis_import.organisation, by=polis_import.by
            )
            # Only while still running, in the same transaction as the conversation: an import that
            # `polis_imports_tidy` has meanwhile said failed (telling the convener to upload it again) must
            # not come back as done, with a second conversation after the new upload.
            if not PolisImport.objects.filter(pk=polis_import.pk, status=ImportStatus.RUNNING).update(
                status=ImportStatus.DONE, conversation=conversation, finished_at=timezone.now()
            ):
                raise _NoLongerRunning
    except _NoLongerRunning:
        logger.warning("Pol.is import %s was ended as stopped while it ran; nothing kept", polis_import.pk)
    except ValidationError as error:
        # Checked when uploaded, so the stored file was changed or damaged since.
        _fail(polis_import, " ".join(error.messages), by=polis_import.by)
    except OSError:
        logger.warning("Pol.is import %s: the upload cannot be read", polis_import.pk, exc_info=True)
        _fail(
            polis_import, _("The uploaded file could not be read again. Upload the export again."), by=polis_import.by
        )
    except BaseException:
        # Anything else, a worker told to stop included: say so now rather than after an hour.
        try:
            _fail(polis_import, _on_our_side(), by=polis_import.by)
        except Exception:  # the original error matters more
            logger.warning("Pol.is import %s: could not record its failure", polis_import.pk, exc_info=True)
        raise  # for the task's record and the logs


def _on_our_side() -> str:
    return _(
        "Something went wrong on our side while importing the export. Upload it again; if that "
        "fails too, tell the team that runs this site."
    )


def _fail(polis_import: PolisImport, error: str, *, by: Any, now: dt.datetime | None = None) -> bool:
    """End a running import as failed, saying why (nothing of its conversation was kept: its
    transaction was rolled back). Only if it is still running, so that a finish is never overwritten;
    says whether it was."""
    with transaction.atomic():
        ended = PolisImport.objects.filter(pk=polis_import.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED, error=error, finished_at=now or timezone.now()
        )
        if ended:
            log_action(
                action="conversation.import_failed",
                by=by,
                target=polis_import,
                organisation_id=polis_import.organisation_id,
            )
    return bool(ended)


def _delete_upload(polis_import: PolisImport) -> bool:
    """The export (statements, and every participant's votes) is kept no longer than it is needed.
    A file that cannot be deleted now is tried again by `polis_imports_tidy`. Says whether it is gone."""
    if not polis_import.file:
        return True
    try:
        polis_import.file.delete(save=False)
    except OSError:  # the import's outcome matters more than a file we could not remove
        logger.warning("Pol.is import %s: could not delete the upload", polis_import.pk, exc_info=True)
        return False
    PolisImport.objects.filter(pk=polis_import.pk).update(file="")
    return True


def polis_imports_tidy(now: dt.datetime) -> str:
    """Every 15 minutes (`manage.py polis_imports_tidy`), so that no convener waits for ever and no
    export is kept longer than it is needed:

    - queue again an import whose task was missed (a worker down), at most every `STALE_QUEUED`;
    - end as failed an import whose worker stopped while it ran;
    - delete the uploads of finished imports still stored (a worker killed just after its commit,
      or a delete that failed), and uploads no import refers to (an organisation deleted with its
      imports);
    - delete the records of imports finished more than `RETENTION` ago.

    The web and worker processes and this command must share `MEDIA_ROOT` (docs/operations.md).
    """
    from heard.conversations.tasks import import_polis_export

    requeued = 0
    for import_id in PolisImport.objects.filter(
        status=ImportStatus.QUEUED, queued_at__lt=now - STALE_QUEUED
    ).values_list("pk", flat=True)[:TIDY_BATCH]:
        if PolisImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(queued_at=now):
            import_polis_export.enqueue(import_id=import_id)
            requeued += 1
    ended = 0
    for polis_import in PolisImport.objects.filter(status=ImportStatus.RUNNING, started_at__lt=now - STALE_RUNNING)[
        :TIDY_BATCH
    ]:
        with translation.override(polis_import.language or settings.LANGUAGE_CODE):
            reason = _("The import stopped before it finished. Upload the export again.")
        if _fail(polis_import, reason, by=None, now=now):  # ended by this command, not by the uploader
            _delete_upload(polis_import)
            ended += 1
    finished = PolisImport.objects.filter(status__in=IMPORT_FINISHED).exclude(file="")[:TIDY_BATCH]
    left_behind = sum(_delete_upload(polis_import) for polis_import in finished)
    orphans = _orphans_delete(now)
    forgotten, _counts = PolisImport.objects.filter(
        status__in=IMPORT_FINISHED, finished_at__lt=now - RETENTION
    ).delete()
    return (
        f"Requeued {requeued} Pol.is imports; ended {ended} that had stopped; deleted {left_behind} uploads of "
        f"finished imports, {orphans} uploads no import refers to and {forgotten} records of old imports."
    )


def _orphans_delete(now: dt.datetime) -> int:
    """Delete uploads older than `ORPHAN_AGE` that no import refers to (at most `TIDY_BATCH`)."""
    try:
        _folders, names = default_storage.listdir(POLIS_UPLOADS)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    paths = [f"{POLIS_UPLOADS}/{name}" for name in names[: TIDY_BATCH * 10]]
    kept = set(PolisImport.objects.filter(file__in=paths).values_list("file", flat=True))
    deleted = 0
    for path in paths:
        if path in kept:
            continue
        try:
            if default_storage.get_modified_time(path) < now - ORPHAN_AGE:
                default_storage.delete(path)
                deleted += 1
        except OSError:
            logger.warning("Could not delete the orphaned upload %s", path, exc_info=True)
        if deleted >= TIDY_BATCH:
            break
    return deleted
