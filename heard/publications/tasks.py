"""Background tasks of Publications: they take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from heard.publications.services import sending


@task()
def create_deliveries(*, issue_id: int) -> int:
    """Write a delivery row for each recipient of an issue being sent, then enqueue its batches."""
    return sending.deliveries_create(issue_id=issue_id)


@task()
def send_batch(*, issue_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """Send one batch of an issue's deliveries (ids only: the addresses stay in the database)."""
    return sending.batch_send(issue_id=issue_id, delivery_ids=delivery_ids)
