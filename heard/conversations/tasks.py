"""Background work of conversations: the opinion map, and importing a Pol.is export."""

from __future__ import annotations

from django_tasks import task

from heard.conversations import imports, mapping


@task()
def analyse_conversation(*, conversation_id: int) -> None:
    # The map is stored with the report's bounded digest of it (see `mapping.map_update`).
    mapping.map_update(conversation_id=conversation_id)


@task()
def import_polis_export(*, import_id: int) -> None:
    # The upload was checked when it came; this writes it (see `imports`).
    imports.polis_import_run(import_id=import_id)
