"""Writes shared by every app: the activity log and the outgoing mail queue."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from heard.core.enums import EmailStatus
from heard.core.models import ActivityLog, OutboundEmail

logger = logging.getLogger(__name__)


def log_action(
    *,
    action: str,
    by: Any = None,
    target: models.Model | None = None,
    organisation_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> ActivityLog:
    """Record that `by` did `action` to `target`. Call it from inside the service's transaction so
    the log and the change stand or fall together. `data` must hold no personal data."""
    actor = by if getattr(by, "is_authenticated", False) else None
    return ActivityLog.objects.create(
        actor=actor,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        organisation_id=organisation_id,
        data=data or {},
    )


def email_queue(
    *,
    to: str,
    subject: str,
    text_body: str,
    html_body: str = "",
    kind: str = "",
    user: Any = None,
    headers: dict[str, str] | None = None,
) -> OutboundEmail:
    """Queue one email and send it from a background task once the current transaction commits.

    The row is written first, so a failure in the mail server loses nothing: the task retries
    and `manage.py housekeeping` resends what is still queued."""
    from heard.core.tasks import deliver_email

    message = OutboundEmail.objects.create(
        recipient=to,
        # One line, always: text people wrote (a story's title) can end up in a subject.
        subject=" ".join(str(subject).split())[:300],
        text_body=text_body,
        html_body=html_body,
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        headers=headers or {},
    )
    transaction.on_commit(lambda: deliver_email.enqueue(message_id=message.pk))
    return message


MAX_EMAIL_ATTEMPTS = 5


def email_deliver(*, message_id: int) -> OutboundEmail | None:
    """Send a queued email through Django's configured backend, then clear its content."""
    with transaction.atomic():
        message = OutboundEmail.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != EmailStatus.QUEUED:
            return message
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text_body,
            to=[message.recipient],
            headers=message.headers or None,
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        message.attempts += 1
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - any backend failure is recorded and retried later
            logger.warning("Email %s failed on attempt %s: %s", message.pk, message.attempts, type(exc).__name__)
            message.last_error = type(exc).__name__
            if message.attempts >= MAX_EMAIL_ATTEMPTS:
                # Given up: the content (which may hold a sign-in code or link) goes too.
                message.status = EmailStatus.FAILED
                message.subject = message.text_body = message.html_body = ""
            message.save(update_fields=["attempts", "last_error", "status", "subject", "text_body", "html_body"])
            return message
        message.status = EmailStatus.SENT
        message.sent_at = timezone.now()
        message.subject = ""
        message.text_body = ""
        message.html_body = ""
        message.save(update_fields=["attempts", "status", "sent_at", "subject", "text_body", "html_body"])
        return message
