"""Background tasks of the core app. Tasks take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from heard.core import services


@task(queue_name="email")
def deliver_email(*, message_id: int) -> str:
    message = services.email_deliver(message_id=message_id)
    return message.status if message is not None else "missing"
