"""Recurring work, run every 15 minutes by cron or a systemd timer (see docs/operations.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.utils import timezone

from heard.core.enums import EmailStatus
from heard.core.models import OutboundEmail
from heard.core.tasks import deliver_email

# How long a record that an email was sent (address, kind, time; never its content) is kept.
SENT_EMAIL_RETENTION = dt.timedelta(days=30)
# A queued email older than this was missed by its task (a worker down, say) and is sent again.
STALE_QUEUED_EMAIL = dt.timedelta(minutes=10)


class Command(BaseCommand):
    help = "Resend stuck email, and delete expired sessions, sign-in attempts and old delivery records."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        stale = list(
            OutboundEmail.objects.filter(
                status=EmailStatus.QUEUED, created_at__lt=now - STALE_QUEUED_EMAIL
            ).values_list("pk", flat=True)[:1000]
        )
        for message_id in stale:
            deliver_email.enqueue(message_id=message_id)
        old_sent, _ = OutboundEmail.objects.filter(
            status__in=[EmailStatus.SENT, EmailStatus.FAILED], created_at__lt=now - SENT_EMAIL_RETENTION
        ).delete()
        sessions, _ = Session.objects.filter(expire_date__lt=now).delete()

        from axes.models import AccessAttempt

        cool_off = dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
        attempts, _ = AccessAttempt.objects.filter(attempt_time__lt=now - cool_off).delete()
        self.stdout.write(
            f"Requeued {len(stale)} emails; deleted {old_sent} delivery records, {sessions} sessions, "
            f"{attempts} sign-in attempt records."
        )
