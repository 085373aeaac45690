"""Co-design: challenges posed by providers, ideas and supports from residents, comments, decisions
published in public, and commitments tracked to delivery."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.codesign.enums import (
    OPEN_COMMITMENT,
    CommentStatus,
    CommitmentEventKind,
    CommitmentStatus,
    IdeaStatus,
    Outcome,
    Participation,
    Phase,
    ReportReason,
)
from heard.conversations.models import Conversation
from heard.core.models import TimestampedModel
from heard.directory.models import Service
from heard.organisations.models import Area, Organisation

MAX_IDEA_TITLE = 140
MAX_IDEA_TEXT = 4000
MAX_COMMENT_TEXT = 2000


class Challenge(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="challenges")
    title = models.CharField(_("the question"), max_length=200, help_text=_("Like “How might we fix repairs faster?”"))
    slug = models.SlugField(_("short name for web addresses"), max_length=220, unique=True)
    context = models.TextField(_("background"), help_text=_("What is happening now, and why you are asking."))
    constraints = models.TextField(
        _("limits"),
        blank=True,
        help_text=_("What ideas must fit within: money, the law, time, what you cannot change."),
    )
    budget = models.DecimalField(_("budget in pounds"), max_digits=12, decimal_places=0, null=True, blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges", verbose_name=_("service")
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges", verbose_name=_("area")
    )
    participation = models.CharField(
        _("who may take part"), max_length=10, choices=Participation, default=Participation.OPEN
    )
    ideas_from = models.DateTimeField(_("ideas open"))
    deliberation_from = models.DateTimeField(_("deliberation starts"))
    decision_from = models.DateTimeField(_("decisions start"))
    delivery_from = models.DateTimeField(_("delivery starts"))
    # A challenge is a draft, seen only by its organisation, until it is published.
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An opinion map of the shortlisted ideas (heard.conversations), when one was started.
    conversation = models.OneToOneField(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenge"
    )

    class Meta:
        ordering = ["-ideas_from", "-pk"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ideas_from__lt=models.F("deliberation_from"))
                & models.Q(deliberation_from__lte=models.F("decision_from"))
                & models.Q(decision_from__lte=models.F("delivery_from")),
                name="challenge_phases_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("codesign:challenge", kwargs={"slug": self.slug})

    def phase_at(self, when: dt.datetime) -> Phase:
        if when < self.ideas_from:
            return Phase.UPCOMING
        if when < self.deliberation_from:
            return Phase.IDEAS
        if when < self.decision_from:
            return Phase.DELIBERATION
        if when < self.delivery_from:
            return Phase.DECISION
        return Phase.DELIVERY

    @property
    def phase(self) -> Phase:
        return self.phase_at(timezone.now())

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def phases(self) -> list[tuple[Phase, dt.datetime, dt.datetime | None]]:
        """Each phase with when it starts and ends (delivery has no end)."""
        return [
            (Phase.IDEAS, self.ideas_from, self.deliberation_from),
            (Phase.DELIBERATION, self.deliberation_from, self.decision_from),
            (Phase.DECISION, self.decision_from, self.delivery_from),
            (Phase.DELIVERY, self.delivery_from, None),
        ]


class ChallengeInvitee(models.Model):
    """An email address invited to take part in an invitation-only challenge."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="invitees")
    email = models.EmailField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["challenge", "email"], name="invite_an_address_once")]

    def __str__(self) -> str:
        return f"Invitee {self.pk} of {self.challenge_id}"


def idea_image_path(idea: Idea, filename: str) -> str:
    # The name is ours, never the uploader's (which can carry personal details).
    return f"ideas/{idea.challenge_id}/{timezone.now():%Y%m}/{idea.image_key}.{filename.rsplit('.', 1)[-1]}"


class Idea(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(_("your idea in a sentence"), max_length=MAX_IDEA_TITLE)
    description = models.TextField(_("tell us more"), max_length=MAX_IDEA_TEXT)
    image = models.ImageField(_("a picture"), upload_to=idea_image_path, blank=True)
    image_key = models.CharField(max_length=32, blank=True)
    image_alt = models.CharField(_("what the picture shows"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="codesign_ideas"
    )
    status = models.CharField(max_length=10, choices=IdeaStatus, default=IdeaStatus.PUBLISHED)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_ideas"
    )
    shortlisted = models.BooleanField(_("shortlisted for a decision"), default=False)
    # Kept by the services that add and remove supports, so lists sort without counting.
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-support_count", "-pk"]
        indexes = [
            models.Index(fields=["challenge", "status", "-support_count", "-id"], name="idea_by_support"),
            models.Index(fields=["challenge", "status", "-created_at", "-id"], name="idea_by_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(merged_into=models.F("id")), name="idea_not_merged_into_itself"),
            models.CheckConstraint(
                condition=models.Q(status=IdeaStatus.MERGED, merged_into__isnull=False)
                | (~models.Q(status=IdeaStatus.MERGED) & models.Q(merged_into__isnull=True)),
                name="idea_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("codesign:idea", kwargs={"slug": self.challenge.slug, "pk": self.pk})


class Support(models.Model):
    """One person's support for one idea; withdrawing deletes it."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codesign_supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="support_an_idea_once")]
        indexes = [models.Index(fields=["user", "idea"], name="support_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.idea_id}"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    # Replies hang under a top-level comment: threads are one level deep, so they read on a phone.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="codesign_comments"
    )
    text = models.TextField(_("comment"), max_length=MAX_COMMENT_TEXT)
    status = models.CharField(max_length=10, choices=CommentStatus, default=CommentStatus.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["idea", "parent", "created_at"], name="comment_thread")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.idea_id}"


class CommentReport(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("what is wrong with it"), max_length=20, choices=ReportReason)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="report_a_comment_once")]

    def __str__(self) -> str:
        return f"Report {self.pk} on comment {self.comment_id}"


class IdeaReport(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("what is wrong with it"), max_length=20, choices=ReportReason)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "reporter"], name="report_an_idea_once")]

    def __str__(self) -> str:
        return f"Report {self.pk} on idea {self.idea_id}"


class IdeaMute(models.Model):
    """Someone who asked for no more emails about an idea they proposed or support."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="mute_an_idea_once")]

    def __str__(self) -> str:
        return f"{self.user_id} muted {self.idea_id}"


class Decision(models.Model):
    """A provider's published answer to a shortlisted idea. Never edited: a correction is a new
    version, and every version stays on show."""

    idea = models.ForeignKey(Idea, on_delete=models.PROTECT, related_name="decisions")
    version = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome)
    reason = models.TextField(_("the reason, in plain words"))
    correction_note = models.CharField(_("what this corrects"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="codesign_decisions")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["idea", "-version"]
        constraints = [models.UniqueConstraint(fields=["idea", "version"], name="one_decision_per_version")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} (version {self.version})"


class Commitment(models.Model):
    """What a provider promised to do about an accepted idea, followed to delivery."""

    idea = models.OneToOneField(Idea, on_delete=models.PROTECT, related_name="commitment")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="commitments")
    title = models.CharField(_("what we will do"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="codesign_commitments"
    )
    owner_title = models.CharField(
        _("who answers for it, by job title"), max_length=120, help_text=_("Shown in public, like “Head of Repairs”.")
    )
    due_on = models.DateField(_("due by"))
    status = models.CharField(max_length=12, choices=CommitmentStatus, default=CommitmentStatus.PLANNED)
    created_at = models.DateTimeField(default=timezone.now)
    finished_on = models.DateField(null=True, blank=True)
    # When the daily check told people it had gone late, so they are told once.
    late_noticed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["organisation", "status", "due_on"], name="commitment_by_state")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("codesign:commitment", kwargs={"pk": self.pk})

    @property
    def is_late(self) -> bool:
        return self.status in OPEN_COMMITMENT and self.due_on < timezone.localdate()

    @property
    def kept_late(self) -> bool:
        return self.status == CommitmentStatus.KEPT and self.finished_on is not None and self.finished_on > self.due_on


class Milestone(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due by"))
    reached_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_late(self) -> bool:
        return self.reached_on is None and self.due_on < timezone.localdate()


class CommitmentEvent(models.Model):
    """The commitment's history: made, progress, status changes, due-date moves, going late."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=CommitmentEventKind)
    text = models.TextField(blank=True)
    status_before = models.CharField(max_length=12, choices=CommitmentStatus, blank=True)
    status_after = models.CharField(max_length=12, choices=CommitmentStatus, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["commitment", "-created_at"], name="commitment_history")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.commitment_id}"
