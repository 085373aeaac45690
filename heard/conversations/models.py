"""Conversations: statements, participants and their votes, and the opinion map computed from them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.conversations.enums import IMPORT_FINISHED, ImportStatus, Participation, StatementStatus, VoteValue
from heard.core.models import TimestampedModel
from heard.directory.models import Service
from heard.organisations.models import Organisation

MAX_STATEMENT_LENGTH = 280
# Statements imported from Pol.is can be longer than participants here may write.
MAX_STORED_STATEMENT_LENGTH = 2000


class Conversation(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="conversations")
    topic = models.CharField(_("topic"), max_length=200)
    slug = models.SlugField(_("short name for web addresses"), max_length=220, unique=True)
    description = models.TextField(_("what it is about"), blank=True)
    participation = models.CharField(
        _("who may take part"), max_length=12, choices=Participation, default=Participation.OPEN
    )
    participants_can_add = models.BooleanField(
        _("participants may add statements (checked before anyone sees them)"), default=True
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("about the service"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where a conversation came from when imported from a Pol.is export.
    source_url = models.URLField(_("imported from"), blank=True)
    # The opinion map, computed in the background (heard.conversations.analysis), and when.
    analysis = models.JSONField(default=dict, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    # Small figures worked out with the map (counts, votes per day), so pages need not count votes.
    summary = models.JSONField(default=dict, blank=True)
    # Set when a new analysis is queued, so a burst of votes queues one, not one per vote.
    analysis_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="conversation_opens_before_closing"
            )
        ]

    def __str__(self) -> str:
        return self.topic

    def get_absolute_url(self) -> str:
        return reverse("conversations:conversation", kwargs={"slug": self.slug})

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.closes_at

    @property
    def has_not_opened(self) -> bool:
        return timezone.now() < self.opens_at


class Participant(models.Model):
    """Someone taking part: an account, or a key kept in a signed cookie."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation_participations",
    )
    key = models.CharField(max_length=64, unique=True)
    # The participant's id in a Pol.is export this conversation was imported from.
    external_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"],
                condition=models.Q(user__isnull=False),
                name="participate_once_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"Participant {self.pk} in {self.conversation_id}"


class Statement(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="statements")
    text = models.CharField(_("statement"), max_length=MAX_STORED_STATEMENT_LENGTH)
    status = models.CharField(max_length=10, choices=StatementStatus, default=StatementStatus.PENDING)
    is_seed = models.BooleanField(default=False)
    author = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements")
    external_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "pk"]
        indexes = [models.Index(fields=["conversation", "status"])]

    def __str__(self) -> str:
        return self.text


class Vote(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=VoteValue)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="one_vote_per_statement"),
            models.CheckConstraint(condition=models.Q(value__in=[-1, 0, 1]), name="vote_is_agree_disagree_or_pass"),
        ]
        indexes = [models.Index(fields=["statement", "value"])]

    def __str__(self) -> str:
        return f"{self.participant_id} on {self.statement_id}: {self.value}"


class ConversationInvitation(models.Model):
    """A link that lets one person take part in an invitation-only conversation."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    participant = models.OneToOneField(Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.conversation_id}"


# Where uploaded Pol.is exports wait for their import, all in one folder.
POLIS_UPLOADS = "conversations/imports"


def polis_upload_path(polis_import: PolisImport, filename: str) -> str:
    # A random name, never the uploader's: the file is read only by the import task, never served.
    return f"{POLIS_UPLOADS}/{secrets.token_hex(16)}.zip"


class PolisImport(models.Model):
    """An uploaded Pol.is export on its way to becoming a conversation: checked when uploaded, then
    written by a background task (`tasks.import_polis_export`). The upload is kept only until then."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="polis_imports")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=polis_upload_path, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus, default=ImportStatus.QUEUED)
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Why it failed, in the language of the person who uploaded it (`language`).
    error = models.TextField(blank=True)
    language = models.CharField(max_length=15, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When its task was last queued: housekeeping queues a missed one again, at most every 15 minutes.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"Pol.is import {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in IMPORT_FINISHED
