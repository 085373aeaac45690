"""Background work of conversations: the opinion map."""

from __future__ import annotations

from django_tasks import task

from heard.conversations import mapping, report


@task()
def analyse_conversation(*, conversation_id: int) -> None:
    mapping.map_update(conversation_id=conversation_id)
    # The report reads a bounded digest of the map, never the map itself (which grows with every
    # participant): keep it now, so the first reader does not wait for it.
    report.report_digest_store(conversation_id=conversation_id)
