"""Test mail backends that go wrong the ways a real mail server does, chosen by settings."""

from __future__ import annotations

from collections.abc import Sequence
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend


class FailingEmailBackend(EmailBackend):
    """Like the locmem backend (messages land in `mail.outbox`), but:

    - NEWSLETTER_TEST_FAILING_ADDRESSES: refuses messages to these addresses, before taking them,
      with the SMTP code NEWSLETTER_TEST_FAILING_CODE (451, "try again later", unless set);
    - NEWSLETTER_TEST_DISCONNECTING_ADDRESSES: takes the message (it lands in the outbox), then
      the connection drops before the server's answer arrives (SMTPServerDisconnected), and
      sends nothing more until it is opened again;
    - NEWSLETTER_TEST_SERVER_DOWN: the connection cannot be opened at all.
    """

    dropped = False

    def open(self) -> bool:
        if getattr(settings, "NEWSLETTER_TEST_SERVER_DOWN", False):
            raise ConnectionRefusedError(111, "Connection refused")
        self.dropped = False
        return True

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if self.dropped:
            # As smtplib does: a dropped connection sends nothing more until it is opened again.
            raise SMTPServerDisconnected("please run connect() first")
        failing = set(getattr(settings, "NEWSLETTER_TEST_FAILING_ADDRESSES", ()))
        code = getattr(settings, "NEWSLETTER_TEST_FAILING_CODE", 451)
        disconnecting = set(getattr(settings, "NEWSLETTER_TEST_DISCONNECTING_ADDRESSES", ()))
        for message in messages:
            refused = [address for address in message.to if address in failing]
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (code, b"Not now")))
        sent = super().send_messages(messages)
        if any(address in disconnecting for message in messages for address in message.to):
            self.dropped = True
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return sent


class UnconfiguredEmailBackend(EmailBackend):
    """A backend whose set-up fails (a bad setting, a missing certificate): no connection at all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise OSError("The mail settings cannot be read")


class StoppingEmailBackend(EmailBackend):
    """Sends, until a message to NEWSLETTER_TEST_STOP_AT: then the worker is told to stop
    (SystemExit) in the middle of handing it over."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        stop_at = getattr(settings, "NEWSLETTER_TEST_STOP_AT", "")
        if any(address == stop_at for message in messages for address in message.to):
            raise SystemExit("the worker is stopping")
        return super().send_messages(messages)
