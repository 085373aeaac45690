"""A test mail backend that fails for chosen addresses, as a mail server refusing them would."""

from __future__ import annotations

from collections.abc import Sequence
from smtplib import SMTPRecipientsRefused

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend


class FailingEmailBackend(EmailBackend):
    """Like the locmem backend (messages land in `mail.outbox`), but raises for any message to an
    address in the setting NEWSLETTER_TEST_FAILING_ADDRESSES."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        failing = set(getattr(settings, "NEWSLETTER_TEST_FAILING_ADDRESSES", ()))
        for message in messages:
            refused = [address for address in message.to if address in failing]
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"No such mailbox")))
        return super().send_messages(messages)
