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
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heard.conversations import interchange
from heard.conversations.enums import ImportStatus
from heard.conversations.models import PolisImport
from heard.core.files import deleted_on_error, file_written
from heard.core.services import log_action

logger = logging.getLogger(__name__)

# A queued import older than this was missed by its task (a worker down, say) and is queued again.
STALE_QUEUED = dt.timedelta(minutes=15)
# An import still running after this never will finish: its worker stopped. A million votes take
# about 10 s.
STALE_RUNNING = dt.timedelta(hours=1)


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
    transaction.on_commit(lambda: import_polis_export.enqueue(import_id=polis_import.pk))
    return polis_import


def polis_import_run(*, import_id: int) -> None:
    """Write a queued import's conversation, all or nothing, and delete its upload. Runs once: the
    same task run again (a worker retrying it) finds the import no longer queued and does nothing."""
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


def _write(polis_import: PolisImport) -> None:
    try:
        with polis_import.file.open("rb") as upload:
            export = interchange.read_zip(upload)
        with transaction.atomic():
            conversation = interchange.import_export(
                export=export, organisation=polis_import.organisation, by=polis_import.by
            )
            polis_import.status = ImportStatus.DONE
            polis_import.conversation = conversation
            polis_import.finished_at = timezone.now()
            polis_import.save(update_fields=["status", "conversation", "finished_at"])
    except ValidationError as error:
        # Checked when uploaded, so the stored file was changed or damaged since.
        _fail(polis_import, " ".join(error.messages))
    except OSError:
        logger.warning("Pol.is import %s: the upload cannot be read", polis_import.pk, exc_info=True)
        _fail(polis_import, _("The uploaded file could not be read again. Upload the export again."))
    except Exception:
        _fail(
            polis_import,
            _(
                "Something went wrong on our side while importing the export. Upload it again; if that "
                "fails too, tell the team that runs this site."
            ),
        )
        raise  # for the task's record and the logs


def _fail(polis_import: PolisImport, error: str) -> None:
    """Nothing of the conversation was kept (its transaction was rolled back); say why."""
    polis_import.status = ImportStatus.FAILED
    polis_import.error = error
    polis_import.finished_at = timezone.now()
    with transaction.atomic():
        polis_import.save(update_fields=["status", "error", "finished_at"])
        log_action(
            action="conversation.import_failed",
            by=polis_import.by,
            target=polis_import,
            organisation_id=polis_import.organisation_id,
        )


def _delete_upload(polis_import: PolisImport) -> None:
    """The export (statements, and every participant's votes) is kept no longer than it is needed."""
    if not polis_import.file:
        return
    try:
        polis_import.file.delete(save=False)
    except OSError:  # the import's outcome matters more than a file we could not remove
        logger.warning("Pol.is import %s: could not delete the upload", polis_import.pk, exc_info=True)
        return
    PolisImport.objects.filter(pk=polis_import.pk).update(file="")


def polis_imports_tidy(now: dt.datetime) -> str:
    """Housekeeping (see heard.core.housekeeping): queue again the imports whose task was missed, and
    end as failed, with their upload deleted, those whose worker stopped while it ran, so that no
    convener waits for ever and no export is kept longer than it is needed. Running a task twice
    imports once (see `polis_import_run`)."""
    from heard.conversations.tasks import import_polis_export

    queued = list(
        PolisImport.objects.filter(status=ImportStatus.QUEUED, created_at__lt=now - STALE_QUEUED).values_list(
            "pk", flat=True
        )[:100]
    )
    for import_id in queued:
        import_polis_export.enqueue(import_id=import_id)
    ended = 0
    for polis_import in PolisImport.objects.filter(status=ImportStatus.RUNNING, started_at__lt=now - STALE_RUNNING)[
        :100
    ]:
        with translation.override(polis_import.language or settings.LANGUAGE_CODE):
            reason = _("The import stopped before it finished. Upload the export again.")
        # Only if it is still running: a late finish is not overwritten.
        with transaction.atomic():
            if not PolisImport.objects.filter(pk=polis_import.pk, status=ImportStatus.RUNNING).update(
                status=ImportStatus.FAILED, error=reason, finished_at=now
            ):
                continue
            log_action(
                action="conversation.import_failed",
                by=None,  # ended by housekeeping, not by the uploader
                target=polis_import,
                organisation_id=polis_import.organisation_id,
            )
        _delete_upload(polis_import)
        ended += 1
    return f"Requeued {len(queued)} Pol.is imports; ended {ended} that had stopped."
