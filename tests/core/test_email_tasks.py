"""Email is queued in the database and sent from a background task; what was sent is cleared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings

from heard.core.enums import EmailStatus
from heard.core.models import OutboundEmail
from heard.core.services import email_queue
from heard.core.tasks import deliver_email

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_queued_email_is_sent_after_commit_and_its_content_cleared(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = email_queue(to="amara@example.org", subject="Your code", text_body="Your code is 123456")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amara@example.org"]
    assert mail.outbox[0].body == "Your code is 123456"
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert message.text_body == ""
    assert message.subject == ""


@pytest.mark.django_db
def test_email_is_not_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_queue(to="amara@example.org", subject="Hello", text_body="Hello")
    assert len(callbacks) == 1
    assert mail.outbox == []


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.core.failing_email_backend.FailingBackend")
def test_failed_email_stays_queued_for_a_retry_and_keeps_its_content() -> None:
    message = OutboundEmail.objects.create(recipient="amara@example.org", subject="Hi", text_body="Body")
    deliver_email.enqueue(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == EmailStatus.QUEUED
    assert message.attempts == 1
    assert message.last_error == "ConnectionRefusedError"
    assert message.text_body == "Body"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_worker_process_sends_queued_email(tmp_path) -> None:
    """A real `manage.py db_worker` process, against PostgreSQL, picks up the task and sends."""
    if connection.vendor != "postgresql":
        pytest.skip("the task worker test runs against PostgreSQL")
    database = connection.settings_dict
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
    with override_settings(TASKS=tasks):
        message = OutboundEmail.objects.create(recipient="amara@example.org", subject="From the worker", text_body="B")
        deliver_email.enqueue(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == EmailStatus.QUEUED  # nothing sent yet: it waits for the worker

    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "TASKS_BACKEND": "database",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path),
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    sent = "".join(path.read_text() for path in tmp_path.iterdir())
    assert "Subject: From the worker" in sent
    assert "To: amara@example.org" in sent


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.core.failing_email_backend.FailingBackend")
def test_an_email_given_up_on_keeps_no_content() -> None:
    message = OutboundEmail.objects.create(
        recipient="amara@example.org", subject="Your code", text_body="123456", attempts=4
    )
    deliver_email.enqueue(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == EmailStatus.FAILED
    assert (message.subject, message.text_body) == ("", "")
