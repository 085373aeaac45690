"""The contact form's writes: a message sent to a team, read by it, marked as handled, and deleted
a year after it arrived.

A message is personal data (who wrote, their address, and whatever they chose to tell us), so it
is stored encrypted and read only in Manage, where each reading (of the list, which names the
senders, and of a message) is logged. Emails never carry it: the team is told that a message
arrived, with a link; a signed-in sender writing from one of their verified addresses is told we
have it. Nobody else is emailed at an address typed into the form, so the form cannot be used to
send mail to a stranger's address."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import required_text
from heard.publications.models import ContactMessage, ContactTopic

MAX_MESSAGE = 5_000
MAX_NAME = 120
# Messages are deleted this long after they arrive (docs/data-protection.md).
RETENTION = dt.timedelta(days=365)


@transaction.atomic
def contact_submit(*, topic: ContactTopic, name: str, email: str, message: str, by: Any) -> ContactMessage:
    """Store a message for the team behind `topic`, tell the team it arrived and, when the sender
    is signed in and wrote from one of their verified addresses, tell them we have it. `by` is the
    signed-in person, or an anonymous user."""
    if not topic.active:
        raise ValidationError({"topic": _("Choose what your message is about.")})
    name = required_text(name, field="name", empty=_("Enter your name."), limit=MAX_NAME)
    message = required_text(message, field="message", empty=_("Write your message."), limit=MAX_MESSAGE)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter an email address, like name@example.com.")}) from None
    signed_in = getattr(by, "is_authenticated", False)
    stored = ContactMessage.objects.create(
        topic=topic, name=name, email=email, message=message, user=by if signed_in else None
    )
    team = topic.organisation.name
    link = settings.HEARD_SITE_URL.rstrip("/") + reverse("publications:contact_message", kwargs={"pk": stored.pk})
    # Only that a message arrived, and where to read it: the message stays encrypted in Heard.
    email_queue(
        to=topic.team_email,
        subject=_("New message about “%(topic)s”") % {"topic": topic.name},
        text_body=_(
            "Hello,\n\nA message about “%(topic)s” has arrived through the contact form on Heard.\n\n"
            "Read it and reply in Manage (you need to sign in):\n%(link)s\n\n"
            "For the sender's privacy, the message is not included in this email.\n\nFrom the Heard team"
        )
        % {"topic": topic.name, "link": link},
        kind="contact_notification",
    )
    # Only to an address we know belongs to the sender: mail to any address typed into a public
    # form would reach strangers (backscatter), and its delivery record would keep that address.
    # Everyone else sees the "sent" page, which says the same. Nothing the sender typed goes into
    # this email.
    if signed_in and email.lower() in _verified_addresses(by):
        email_queue(
            to=email,
            subject=_("We have your message"),
            text_body=_(
                "Hello,\n\nThank you for getting in touch. We have your message about “%(topic)s”, "
                "and the team at %(team)s will reply to you at this address.\n\nFrom the Heard team"
            )
            % {"topic": topic.name, "team": team},
            kind="contact_acknowledgement",
            user=by,
        )
    log_action(
        action="contact.message_received",
        by=by,
        target=stored,
        organisation_id=topic.organisation_id,
        data={"topic": topic.pk},
    )
    return stored


def _verified_addresses(user: Any) -> set[str]:
    from allauth.account.models import EmailAddress

    return {
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }


def contact_messages_listed(*, messages: Sequence[ContactMessage], by: Any) -> None:
    """Record that `by` saw a list of messages: the list names the senders, so who saw whose name,
    and when, is kept (by the messages' ids; never a name)."""
    if not messages:
        return
    organisations = {message.topic.organisation_id for message in messages}
    log_action(
        action="contact.messages_listed",
        by=by,
        organisation_id=organisations.pop() if len(organisations) == 1 else None,
        data={"messages": [message.pk for message in messages]},
    )


def contact_read(*, message: ContactMessage, by: Any) -> None:
    """Record that `by` opened a message: who read whose words, and when, is kept (the words are
    not)."""
    log_action(
        action="contact.message_read",
        by=by,
        target=message,
        organisation_id=message.topic.organisation_id,
        data={"topic": message.topic_id},
    )


@transaction.atomic
def contact_mark_handled(*, message: ContactMessage, by: Any) -> ContactMessage:
    """The team has dealt with the message (replied, or passed it on)."""
    message = ContactMessage.objects.select_for_update().select_related("topic").get(pk=message.pk)
    if message.handled_at is not None:
        raise ValidationError(_("This message is already marked as handled."))
    message.handled_at = timezone.now()
    message.handled_by = by
    message.save(update_fields=["handled_at", "handled_by"])
    log_action(
        action="contact.message_handled",
        by=by,
        target=message,
        organisation_id=message.topic.organisation_id,
        data={"topic": message.topic_id},
    )
    return message


@transaction.atomic
def contact_retention_apply(*, now: dt.datetime | None = None) -> int:
    """Delete every message that arrived more than a year ago, handled or not. Run daily
    (`manage.py contact_retention`); returns how many were deleted."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _counts = ContactMessage.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        log_action(action="contact.retention_deleted", data={"messages": deleted})
    return deleted
