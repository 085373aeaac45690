"""Background work of conversations: the opinion map."""

from __future__ import annotations

from django_tasks import task

from heard.conversations import mapping


@task()
def analyse_conversation(*, conversation_id: int) -> None:
    # The map is stored with the report's bounded digest of it (see `mapping.map_update`).
    mapping.map_update(conversation_id=conversation_id)
