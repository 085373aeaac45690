"""Publications (reports, articles, responses), the newsletter and the contact form."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.codesign.models import Challenge
from heard.conversations.models import Conversation
from heard.core.crypto import EncryptedTextField
from heard.core.models import TimestampedModel
from heard.events.models import Event
from heard.organisations.models import Organisation
from heard.polls.models import Poll
from heard.publications.enums import (
    DeliveryStatus,
    IssueStatus,
    PublicationKind,
    PublicationStatus,
    SubscriberStatus,
    UndeliverableReason,
)
from heard.publications.querysets import PublicationQuerySet, SubscriberQuerySet

MAX_BODY = 100_000


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(max_length=70, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    """Someone who writes for a publication, named as they wish to be credited. Authors are
    often not users of Heard at all (an invited expert), so this is a byline, not an account."""

    name = models.CharField(_("name"), max_length=120)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)

    class Meta:
        ordering = ["name", "affiliation"]
        constraints = [models.UniqueConstraint(fields=["name", "affiliation"], name="author_name_affiliation_unique")]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self) -> str:
        return f"{self.name}, {self.affiliation}" if self.affiliation else self.name


def publication_image_path(publication: Publication, filename: str) -> str:
    # The name is ours, never the uploader's (which can carry personal details).
    extension = filename.rsplit(".", 1)[-1].lower()[:5]
    return f"publications/{publication.organisation_id}/{secrets.token_hex(12)}.{extension}"


class Publication(TimestampedModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="publications"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PublicationKind, default=PublicationKind.ARTICLE)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Markdown as written; body_html is rendered from it and sanitised by the service that saves it.
    body = models.TextField(_("text"), max_length=MAX_BODY)
    body_html = models.TextField(blank=True)
    authors = models.ManyToManyField(Author, through="Authorship", related_name="publications", blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="publications", blank=True)
    lead_image = models.ImageField(_("lead picture"), upload_to=publication_image_path, blank=True)
    lead_image_alt = models.CharField(_("what the picture shows"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PublicationStatus, default=PublicationStatus.DRAFT)
    # Public from this moment: a date in the future schedules a published piece.
    published_at = models.DateTimeField(_("publish date"), null=True, blank=True)
    responds_to = models.ForeignKey(
        "self",
        verbose_name=_("in response to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    poll = models.ForeignKey(
        Poll, verbose_name=_("poll"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    challenge = models.ForeignKey(
        Challenge, verbose_name=_("challenge"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "published_at"], name="publication_public_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=PublicationStatus.DRAFT) | models.Q(published_at__isnull=False),
                name="publication_published_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(responds_to__isnull=True) | models.Q(kind=PublicationKind.RESPONSE),
                name="publication_only_responses_respond",
            ),
        ]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return (
            self.status == PublicationStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


class Authorship(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "author"], name="authorship_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.author} – {self.publication}"


def attachment_path(attachment: Attachment, filename: str) -> str:
    return f"publications/{attachment.publication.organisation_id}/files/{secrets.token_hex(12)}.pdf"


class Attachment(models.Model):
    """A PDF that goes with a publication (the full report, say)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("PDF file"), upload_to=attachment_path)
    size = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


# --- The newsletter -----------------------------------------------------------------------------

# Words the newsletter's own pages use after /newsletters/: a newsletter with one of them as its
# slug would be hidden behind that page.
RESERVED_NEWSLETTER_SLUGS = frozenset({"manage", "confirm", "preferences", "unsubscribe", "webhooks"})


def validate_newsletter_slug(value: str) -> None:
    if value in RESERVED_NEWSLETTER_SLUGS:
        raise ValidationError(_("This web address is used by the site itself. Choose another."), code="reserved")


class Newsletter(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="newsletters")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True, validators=[validate_newsletter_slug])
    description = models.TextField(_("what it is about"), blank=True)
    reply_to = models.EmailField(_("replies go to"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["newsletter", "slug"], name="topic_slug_unique")]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    """One address on one newsletter. The address is encrypted; `email_digest` (a keyed hash of
    the address, lower-cased) finds it again without storing it in clear."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="subscribers")
    email = EncryptedTextField(_("email address"))
    email_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=14, choices=SubscriberStatus, default=SubscriberStatus.PENDING)
    topics = models.ManyToManyField(Topic, related_name="subscribers", blank=True)
    # The topics asked for through the form, kept apart until the confirmation link is used: the
    # form is open to anyone, so it must not change what a subscriber chose.
    pending_topics = models.ManyToManyField(Topic, related_name="+", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The SHA-256 of the confirmation link's secret, cleared once it is used.
    confirm_digest = models.CharField(max_length=64, blank=True)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    undeliverable_reason = models.CharField(max_length=10, choices=UndeliverableReason, blank=True)
    soft_bounces = models.PositiveSmallIntegerField(default=0)
    # When the last temporary bounce was reported: the count starts again only once an email sent
    # after it has gone without bouncing.
    soft_bounced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "email_digest"], name="subscriber_address_unique"),
        ]
        indexes = [
            models.Index(fields=["newsletter", "status"], name="subscriber_status_idx"),
            # Bounces and complaints find an address on every newsletter at once.
            models.Index(fields=["email_digest"], name="subscriber_email_digest_idx"),
            # Confirmation links; most rows have none.
            models.Index(
                fields=["confirm_digest"],
                condition=~models.Q(confirm_digest=""),
                name="subscriber_confirm_digest_idx",
            ),
        ]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return f"subscriber #{self.pk} ({self.status})"


class NewsletterIssue(TimestampedModel):
    """One issue: an introduction, then the publications and events chosen for it. Numbered when
    it is sent, so the numbers of the archive have no gaps."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField(null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    intro = models.TextField(_("introduction"), max_length=20_000, blank=True)
    intro_html = models.TextField(blank=True)
    # Sent to the subscribers who chose this topic; with none, to every subscriber.
    topic = models.ForeignKey(
        Topic, verbose_name=_("only for the topic"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publications = models.ManyToManyField(Publication, verbose_name=_("publications"), blank=True, related_name="+")
    events = models.ManyToManyField(Event, verbose_name=_("events"), blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=IssueStatus, default=IssueStatus.DRAFT)
    recipients = models.PositiveIntegerField(default=0)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "number"],
                condition=models.Q(number__isnull=False),
                name="issue_number_unique",
            ),
        ]
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """That one issue went (or is going) to one subscriber: the record that makes a resumed send
    skip everyone already reached."""

    issue = models.ForeignKey(NewsletterIssue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    retry_after = models.DateTimeField(null=True, blank=True)
    # When a batch task was last enqueued for this row, so the resume command does not enqueue
    # another while that one may still run.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The random token of the batch that claimed the row: two workers can never both take it.
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="delivery_once_per_issue")]
        indexes = [models.Index(fields=["issue", "status"], name="delivery_issue_status_idx")]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"delivery #{self.pk} ({self.status})"


# --- The contact form ---------------------------------------------------------------------------


class ContactTopic(models.Model):
    """What a message is about, and so which team reads it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contact_topics")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # The team's shared address: told of each new message (the message itself stays in Heard).
    team_email = models.EmailField(_("team's email address"))
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("contact topic")
        verbose_name_plural = _("contact topics")

    def __str__(self) -> str:
        return self.name


class ContactMessage(models.Model):
    topic = models.ForeignKey(ContactTopic, on_delete=models.PROTECT, related_name="messages")
    name = EncryptedTextField(_("your name"))
    email = EncryptedTextField(_("your email address"))
    message = EncryptedTextField(_("your message"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The newest first in Manage, and the oldest found by the retention command.
        indexes = [models.Index(fields=["created_at"], name="contactmessage_created_idx")]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")

    def __str__(self) -> str:
        return f"message #{self.pk} about {self.topic}"
