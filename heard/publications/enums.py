from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicationKind(models.TextChoices):
    REPORT = "report", _("Report")
    ARTICLE = "article", _("Article")
    RESPONSE = "response", _("Response")


class PublicationStatus(models.TextChoices):
    """A draft is seen only by the people who publish for its organisation. A published piece is
    public from its publish date on (a date in the future schedules it)."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SubscriberStatus(models.TextChoices):
    """Nothing is sent to a subscriber until they follow the link in the confirmation email."""

    PENDING = "pending", _("Waiting for confirmation")
    SUBSCRIBED = "subscribed", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")


class IssueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class DeliveryStatus(models.TextChoices):
    """One recipient of one issue. `sending` is claimed by a batch and committed before the mail
    goes out; a row left in it by a crash is never sent again automatically (at most once)."""

    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    UNKNOWN = "unknown", _("Interrupted")


class UndeliverableReason(models.TextChoices):
    BOUNCE = "bounce", _("The address bounced")
    COMPLAINT = "complaint", _("Marked as spam")
