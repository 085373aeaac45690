"""Background tasks of Events: they take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from heard.events.services import review


@task()
def send_decision_emails(*, event_id: int) -> int:
    """Email the hosts of an event's decided proposals that have not been emailed yet."""
    return review.decision_emails_deliver(event_id=event_id)
