from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heard.directory.models import Service
from heard.organisations.models import Area, Organisation
from heard.voice.enums import (
    RESPONSE_STATUS_TONE,
    Frequency,
    Listened,
    ModerationReason,
    ReportReason,
    ResponseStatus,
    StoryStatus,
)

MAX_STORY_LENGTH = 5000
# Checked in Python before saving (the database's own check constraints hold the same rule).
RATING_RANGE = [MinValueValidator(1), MaxValueValidator(5)]


class Story(models.Model):
    """A resident's account of how a service treated them, with ratings.

    Someone without an account gives an email address and confirms the story by a link; every
    story is checked before it is published, and may be published with parts taken out.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="stories")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    # For a story told without an account: where to send the confirmation link and the outcome.
    author_email = models.EmailField(_("email"), blank=True)
    # The name shown with the story; empty shows "Resident".
    author_name = models.CharField(_("name shown"), max_length=80, blank=True)
    title = models.CharField(_("in a few words"), max_length=120)
    text = models.TextField(_("what happened"), max_length=MAX_STORY_LENGTH)
    rating_overall = models.PositiveSmallIntegerField(_("overall"), validators=RATING_RANGE)
    rating_access = models.PositiveSmallIntegerField(_("getting help"), null=True, blank=True, validators=RATING_RANGE)
    rating_respect = models.PositiveSmallIntegerField(
        _("how you were treated"), null=True, blank=True, validators=RATING_RANGE
    )
    rating_outcome = models.PositiveSmallIntegerField(
        _("what came of it"), null=True, blank=True, validators=RATING_RANGE
    )
    listened = models.CharField(_("did you feel listened to?"), max_length=10, choices=Listened)
    status = models.CharField(_("status"), max_length=12, choices=StoryStatus, default=StoryStatus.PENDING)
    # What the public reads: the text with any part taken out by a moderator.
    published_text = models.TextField(_("published text"), blank=True)
    moderation_reason = models.CharField(_("reason"), max_length=20, choices=ModerationReason, blank=True)
    moderation_note = models.TextField(_("note to the author"), blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            # A service's published stories, newest first, with what its figures count: the
            # story list and the figures read this index alone.
            models.Index(
                fields=["service", "status", "-published_at", "-id", "rating_overall", "listened"],
                name="story_service_published",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_overall__gte=1, rating_overall__lte=5), name="story_overall_1_to_5"
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True})
                    | models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"story_{name}_1_to_5",
                )
                for name in ("rating_access", "rating_respect", "rating_outcome")
            ],
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:story", kwargs={"pk": self.pk})

    @property
    def shown_name(self) -> str:
        if self.author_id and self.author and self.author.is_erased:
            return str(_("Former member"))
        return self.author_name or str(_("Resident"))

    @property
    def public_text(self) -> str:
        return self.published_text or self.text


class Response(models.Model):
    """A provider's public answer to a story, with where things stand."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    text = models.TextField(_("your answer"), max_length=MAX_STORY_LENGTH)
    status = models.CharField(_("where things stand"), max_length=20, choices=ResponseStatus)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["story", "created_at"], name="response_story_first")]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.organisation} on {self.story}"

    @property
    def status_tone(self) -> str:
        return RESPONSE_STATUS_TONE[ResponseStatus(self.status)]


class StoryFollow(models.Model):
    """A resident who wants to hear when a story is answered."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["story", "user"], name="follow_a_story_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.story_id}"


class Change(models.Model):
    """ "You said, we did": something a provider changed, and the stories that led to it."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="changes")
    title = models.CharField(_("what changed"), max_length=200)
    description = models.TextField(_("more about it"), blank=True, max_length=MAX_STORY_LENGTH)
    changed_on = models.DateField(_("when it changed"))
    stories = models.ManyToManyField(
        Story, verbose_name=_("stories that led to it"), blank=True, related_name="changes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-pk"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self) -> str:
        return self.title


class StoryReport(models.Model):
    """A reader's report that a published story should not be there."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("what is wrong"), max_length=20, choices=ReportReason)
    detail = models.TextField(_("tell us more"), blank=True, max_length=1000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Report on story {self.story_id}: {self.reason}"


class Subscription(models.Model):
    """Provider staff asking to hear about new stories on a service, or on every service in an area."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_subscriptions")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency, default=Frequency.DAILY)
    created_at = models.DateTimeField(auto_now_add=True)
    # Stories published up to this moment have been sent (digests pick up from here).
    sent_up_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service__isnull=False, area__isnull=True)
                | models.Q(service__isnull=True, area__isnull=False),
                name="subscription_to_a_service_or_an_area",
            ),
            models.UniqueConstraint(fields=["user", "service"], name="subscribe_to_a_service_once"),
            models.UniqueConstraint(fields=["user", "area"], name="subscribe_to_an_area_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.service or self.area}"


class NotificationSettings(models.Model):
    """What a resident wants to be emailed about. Without a row, everything is on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_settings")
    my_story_answered = models.BooleanField(
        _("Someone answers my story, or my story helps change a service"), default=True
    )
    followed_story_answered = models.BooleanField(_("Someone answers a story I follow"), default=True)

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"
