from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from heard.core.enums import EmailStatus
from heard.core.models import OutboundEmail


@pytest.mark.django_db
def test_housekeeping_resends_stuck_email_and_deletes_old_delivery_records() -> None:
    stuck = OutboundEmail.objects.create(recipient="a@example.org", subject="Stuck", text_body="x")
    old = OutboundEmail.objects.create(recipient="b@example.org", status=EmailStatus.SENT)
    recent = OutboundEmail.objects.create(recipient="c@example.org", status=EmailStatus.SENT)
    OutboundEmail.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    OutboundEmail.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))

    call_command("housekeeping", stdout=io.StringIO())

    stuck.refresh_from_db()
    assert stuck.status == EmailStatus.SENT
    assert [m.subject for m in mail.outbox] == ["Stuck"]
    assert not OutboundEmail.objects.filter(pk=old.pk).exists()
    assert OutboundEmail.objects.filter(pk=recent.pk).exists()
