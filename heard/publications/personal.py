"""Where publications keep personal data, in the register that download and erasure go through."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from heard.core import personal_data
from heard.core.crypto import lookup_digest
from heard.core.personal_data import PersonalDataSource, for_user_field
from heard.publications.models import ContactMessage, NewsletterIssue, Publication, Subscriber


def email_key(address: str) -> str:
    """The lookup key of an email address: the same for any capitalisation of it."""
    return lookup_digest(address.strip().lower())


def _subscriptions(user: Any) -> QuerySet[Subscriber]:
    # A subscription made signed out is still the person's when it is for their address.
    return Subscriber.objects.filter(Q(user=user) | Q(email_digest=email_key(user.email or "")))


personal_data.register(
    PersonalDataSource(
        name="newsletter_subscriptions",
        model=Subscriber,
        rows_for=_subscriptions,
        fields=("newsletter", "email", "status", "created_at", "confirmed_at", "unsubscribed_at"),
        erase="delete",
    )
)
personal_data.register(
    PersonalDataSource(
        name="contact_messages",
        model=ContactMessage,
        rows_for=lambda user: ContactMessage.objects.filter(user=user),
        fields=("topic", "name", "email", "message", "created_at"),
        erase="delete",
    )
)
personal_data.register(
    PersonalDataSource(
        name="contact_messages_handled",
        model=ContactMessage,
        rows_for=for_user_field(ContactMessage, "handled_by"),
        fields=("topic", "handled_at"),
        erase="anonymise",
        anonymise_with={"handled_by": None},
    )
)
personal_data.register(
    PersonalDataSource(
        name="publications_created",
        model=Publication,
        rows_for=for_user_field(Publication, "created_by"),
        fields=("title", "status", "published_at"),
        erase="keep",
        reason="A publication belongs to its organisation; the link to who drafted it holds no personal data.",
    )
)
personal_data.register(
    PersonalDataSource(
        name="newsletter_issues_created",
        model=NewsletterIssue,
        rows_for=for_user_field(NewsletterIssue, "created_by"),
        fields=("subject", "status", "sent_at"),
        erase="keep",
        reason="A newsletter issue belongs to its newsletter; the link to who composed it holds no personal data.",
    )
)
