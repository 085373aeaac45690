"""Background tasks of Events: they take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from heard.events.services import review


@task()
def send_decision_emails(*, event_id: int) -> int:
    """Email the hosts of an event's decided proposals that have not been emailed yet."""
    return review.decision_emails_deliver(event_id=event_id)


@task()
def release_notify(*, release_id: int) -> int:
    """Email the people whose agenda or booking a published release of the schedule changes."""
    # Imported here: the schedule services enqueue this task, so they import this module.
    from heard.events.services import schedule

    return schedule.release_notify(release_id=release_id)
