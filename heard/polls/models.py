"""A poll, its waves, questions and options; invitations and the residents' panel; respondents,
their answers, their weights; and the themes an analyst codes free text into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.core.models import TimestampedModel
from heard.organisations.models import Organisation
from heard.polls.enums import Channel, QuestionKind, RespondentStatus


class Poll(TimestampedModel):
    """A survey of the public, run in one or more waves with the same questions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="polls")
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name for web addresses"), max_length=220, unique=True)
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("What the poll is for, how long it takes, and how answers are used.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Results of closed waves can be published for everyone to read.
    results_public = models.BooleanField(_("results are public"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("polls:poll", kwargs={"slug": self.slug})


class Wave(models.Model):
    """One run of a poll, open between two dates. Later waves ask the same questions, so their
    results can be compared over time."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField(_("wave"))
    label = models.CharField(_("name"), max_length=100, help_text=_("For example: Spring 2026"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Weighting: population margins {variable: {level: share}}, an optional cap on weights, and
    # what the last raking reported.
    # These hold the last weighting that worked; a failed attempt leaves them and says why.
    margins = models.JSONField(_("population margins"), default=dict, blank=True)
    weight_cap = models.FloatField(_("largest weight allowed"), null=True, blank=True)
    weighting_report = models.JSONField(_("weighting report"), default=dict, blank=True)
    weighted_at = models.DateTimeField(_("weighted"), null=True, blank=True)
    weighting_error = models.TextField(_("why the last weighting failed"), blank=True)
    # Results computed in the background from the answers and weights, read by the results page.
    results = models.JSONField(_("results"), default=dict, blank=True)
    results_computed_at = models.DateTimeField(_("results counted"), null=True, blank=True)

    class Meta:
        ordering = ["poll", "number"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "number"], name="wave_number_once_per_poll"),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="wave_opens_before_closing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.poll} – {self.label}"

    @property
    def is_closed(self) -> bool:
        return self.published_at is not None and self.closes_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.published_at is not None and self.opens_at <= now < self.closes_at


class Question(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("order"))
    page = models.PositiveSmallIntegerField(_("page"), default=1)
    code = models.SlugField(_("variable name"), max_length=30, help_text=_("Short name used in exports, like q1."))
    kind = models.CharField(_("kind of question"), max_length=12, choices=QuestionKind)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("hint"), max_length=300, blank=True)
    required = models.BooleanField(_("an answer is required"), default=True)
    # For profile questions: the weighting variable the answer gives (age_band, gender...).
    weighting_variable = models.CharField(_("weighting variable"), max_length=30, blank=True)
    # Routing: ask this question only if an earlier question was answered with one of these options.
    show_if_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("only if")
    )
    show_if_values = models.JSONField(_("was answered"), default=list, blank=True)

    class Meta:
        ordering = ["poll", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "code"], name="question_code_once_per_poll")]

    def __str__(self) -> str:
        return self.text

    @property
    def has_options(self) -> bool:
        return self.kind in {
            QuestionKind.SINGLE,
            QuestionKind.MULTIPLE,
            QuestionKind.LIKERT,
            QuestionKind.PROFILE,
            QuestionKind.MATRIX,
        }


class Option(models.Model):
    """One answer a choice question offers (and, for a grid, the scale point every statement uses)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="option_code_once_per_question")]

    def __str__(self) -> str:
        return self.label


class MatrixItem(models.Model):
    """One statement of a grid question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("statement"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "code"], name="item_code_once_per_question")]

    def __str__(self) -> str:
        return self.label


class PanelMember(models.Model):
    """A registered resident who agreed to be invited to polls."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_panel")
    consented_at = models.DateTimeField(_("joined"))

    def __str__(self) -> str:
        return f"Panel member {self.user_id}"


class Invitation(models.Model):
    """A single-use personal link to one wave. Only a hash of its token is kept."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    # A panel member's invitation is theirs; an address typed by a convener is used to send the
    # link and not kept.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="poll_invitations"
    )
    channel = models.CharField(max_length=12, choices=Channel, default=Channel.INVITATION)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "user"], condition=models.Q(user__isnull=False), name="invite_a_panel_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.wave}"


class Respondent(models.Model):
    """One person's response to one wave: answers saved page by page, then submitted."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="respondents")
    channel = models.CharField(max_length=12, choices=Channel, default=Channel.PUBLIC_LINK)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="poll_responses"
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="respondent"
    )
    # The key in the respondent's signed cookie, so they can leave and come back.
    resume_key = models.CharField(max_length=64, unique=True)
    # A hash of the address and browser, to spot one person answering an open link many times.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    possible_duplicate = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=RespondentStatus, default=RespondentStatus.IN_PROGRESS)
    page = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    weight = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["wave", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "user"], condition=models.Q(user__isnull=False), name="one_response_per_account"
            )
        ]
        indexes = [models.Index(fields=["wave", "status"])]

    def __str__(self) -> str:
        return f"Respondent {self.pk} to {self.wave}"


class Answer(models.Model):
    """A respondent's answer to one question (or to one statement of a grid)."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(MatrixItem, null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    # Option codes for choice questions and grids; a number for scales; words for free text.
    choices = models.JSONField(default=list, blank=True)
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=5000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "question"], condition=models.Q(item__isnull=True), name="answer_once"
            ),
            models.UniqueConstraint(
                fields=["respondent", "question", "item"],
                condition=models.Q(item__isnull=False),
                name="answer_each_statement_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer of {self.respondent_id} to {self.question_id}"


class Theme(models.Model):
    """A theme an analyst codes free-text answers into."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="themes")
    label = models.CharField(_("theme"), max_length=100)
    answers = models.ManyToManyField(Answer, blank=True, related_name="themes")

    class Meta:
        ordering = ["question", "label"]
        constraints = [models.UniqueConstraint(fields=["question", "label"], name="theme_once_per_question")]

    def __str__(self) -> str:
        return self.label
