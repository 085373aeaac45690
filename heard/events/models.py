"""Events: discussion events and festivals; the venues and rooms they use; a festival's call for
hosts, the sessions proposed to it, their review and their place in the schedule; registration
for an event or a session, with a capacity and a waiting list; and people's personal agendas."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.core.crypto import EncryptedTextField
from heard.core.models import TimestampedModel
from heard.events.enums import SCORE_MAX, EventKind, RegistrationStatus, SessionKind, SessionState
from heard.events.querysets import SessionQuerySet
from heard.organisations.models import Organisation


class Theme(models.Model):
    """What events and sessions are about (youth resilience, an ageing population…)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Venue(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    access = models.TextField(
        _("getting in and around"), blank=True, help_text=_("Step-free access, hearing loops, quiet rooms, toilets.")
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=120)
    capacity = models.PositiveIntegerField(_("seats"))
    position = models.PositiveSmallIntegerField(default=0)
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["venue_id", "position", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="room_name_unique_in_venue")]

    def __str__(self) -> str:
        return self.name


class Event(TimestampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind, default=EventKind.DISCUSSION)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(_("what it is about"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("where"), max_length=300, blank=True)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    # Shown only to people with a place: a public joining link invites trouble.
    online_url = models.URLField(_("joining link for online events"), blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="events")
    # The doors, each day of the event; the schedule warns about sessions outside them.
    opens = models.TimeField(_("doors open (each day)"), default=dt.time(9, 0))
    closes = models.TimeField(_("doors close (each day)"), default=dt.time(18, 0))
    capacity = models.PositiveIntegerField(_("places"), help_text=_("How many people can come."))
    # Kept by the registration services under a row lock, so a full event is never overbooked.
    booked = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="event_starts_before_ending"
            ),
            models.CheckConstraint(condition=models.Q(booked__lte=models.F("capacity")), name="event_never_overbooked"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def is_festival(self) -> bool:
        return self.kind == EventKind.FESTIVAL


DEFAULT_ACCEPT_TEMPLATE = _(
    "Hello,\n\nThank you for proposing “{title}” for {event}. We are glad to tell you it has been "
    "accepted.\n\nPlease confirm that you will host it, or withdraw it, here:\n{link}\n\nFrom the {organiser} team"
)
DEFAULT_WAITLIST_TEMPLATE = _(
    "Hello,\n\nThank you for proposing “{title}” for {event}. We had more good proposals than "
    "room, so it is on our reserve list: if a place comes up we will ask you first.\n\n{link}\n\n"
    "From the {organiser} team"
)
DEFAULT_REJECT_TEMPLATE = _(
    "Hello,\n\nThank you for proposing “{title}” for {event}. We are sorry that we cannot include it "
    "this time. We hope you will come, and propose again.\n\n{link}\n\nFrom the {organiser} team"
)


class Call(TimestampedModel):
    """A festival's call for hosts: who may propose what, until when, and how proposals are reviewed."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="call")
    guidance = models.TextField(_("what we are looking for"), blank=True)
    opens_at = models.DateTimeField(_("opens"))
    deadline = models.DateTimeField(_("deadline"), help_text=_("Proposals can be sent in and edited until then."))
    anonymised_review = models.BooleanField(
        _("anonymised review"),
        default=False,
        help_text=_("Reviewers do not see who proposed a session, or for which organisation."),
    )
    accept_template = models.TextField(_("email when accepted"), default=DEFAULT_ACCEPT_TEMPLATE)
    waitlist_template = models.TextField(_("email when on the reserve list"), default=DEFAULT_WAITLIST_TEMPLATE)
    reject_template = models.TextField(_("email when not accepted"), default=DEFAULT_REJECT_TEMPLATE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("deadline")), name="call_opens_before_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"Call for {self.event_id}"

    def is_open(self, at: object = None) -> bool:
        now = at or timezone.now()
        return self.opens_at <= now < self.deadline  # type: ignore[operator]


class CallQuestion(models.Model):
    """A question the organisers add to the proposal form of one call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("hint"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ReviewCriterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("what to look for"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class ReviewTeam(models.Model):
    """People who review the proposals of some themes (of all, when no theme is chosen)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="+")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewers"), related_name="review_teams", through="ReviewerMembership"
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ReviewerMembership(models.Model):
    """A reviewer in a review team (its own table, so erasing a person removes them from teams)."""

    team = models.ForeignKey(ReviewTeam, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="review_in_a_team_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"


class Session(TimestampedModel):
    """A session proposed to a festival's call (or added by its organisers): reviewed, decided,
    confirmed by its hosts, then placed in a room and a time. `room`/`starts_at` are the schedule
    being worked on; the `published_*` fields are what the last released schedule says."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=SessionKind, default=SessionKind.WORKSHOP)
    duration = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    description = models.TextField(_("what happens in it"))
    audience = models.CharField(_("who it is for"), max_length=300, blank=True)
    expected_audience = models.PositiveIntegerField(_("how many people you expect"), default=20)
    # The hosts' own access needs (a hearing loop, step-free access): they can say something about
    # someone's health, so they are encrypted and shown to organisers only.
    access_needs = EncryptedTextField(_("what you need to host it"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_sessions",
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposed_sessions"
    )
    state = models.CharField(_("state"), max_length=10, choices=SessionState, default=SessionState.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_emailed_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # Places of the session's own (fewer than the room's seats, for a hands-on workshop); when
    # empty, the seats of the room it is in in the released schedule. Derived, never copied, so a
    # session moved to a smaller room has the smaller room's seats.
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    booked = models.PositiveIntegerField(default=0)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Raised by every move in the schedule, so two organisers moving the same session at once
    # cannot overwrite each other unseen.
    schedule_version = models.PositiveIntegerField(default=0)
    published_room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_starts_at = models.DateTimeField(null=True, blank=True)
    published_ends_at = models.DateTimeField(null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["event_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(booked__lte=models.F("capacity")),
                name="session_never_overbooked",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True) | models.Q(starts_at__lt=models.F("ends_at")),
                name="session_starts_before_ending",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "state"], name="session_event_state"),
            models.Index(fields=["event", "published_starts_at"], name="session_published_time"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places(self) -> int | None:
        """How many people can register: its own places, else its released room's seats (None
        when it is not in a room, and so takes no registrations)."""
        if self.capacity is not None:
            return self.capacity
        return self.published_room.capacity if self.published_room_id and self.published_room else None

    @property
    def places_left(self) -> int | None:
        places = self.places
        return None if places is None else max(0, places - self.booked)


class SessionHost(models.Model):
    """Someone who hosts a session: its proposer, or a co-host invited by email address, who is
    linked to their account when they sign in with that address."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="hosts")
    email = models.EmailField(_("email address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosted_sessions"
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_proposer = models.BooleanField(default=False)
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_proposer", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "email"], name="host_a_session_once")]

    def __str__(self) -> str:
        return self.name or self.email


class Answer(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(CallQuestion, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "question"], name="answer_a_question_once")]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class Review(TimestampedModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_reviews")
    comment = models.TextField(_("comment"), blank=True)
    # The weighted mean of the scores, kept with them so the ranking is one aggregate query.
    overall = models.FloatField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "reviewer"], name="review_a_session_once")]


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ReviewCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCORE_MAX)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_a_criterion_once"),
            models.CheckConstraint(condition=models.Q(score__lte=SCORE_MAX), name="score_within_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.score} for {self.criterion_id}"


class ScheduleRelease(models.Model):
    """A published version of a festival's schedule, with what changed since the one before."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="releases")
    version = models.PositiveIntegerField()
    note = models.CharField(_("note for attendees"), max_length=300, blank=True)
    # [{"session": id, "title": …, "change": "added"|"moved"|"removed", "before": …, "after": …}]
    changes = models.JSONField(default=list)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["event", "version"], name="release_version_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} v{self.version}"


class Registration(models.Model):
    """A place at an event, or at one session of it (when `session` is set)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=10, choices=RegistrationStatus)
    # What someone needs to take part (step-free access, a BSL interpreter…): encrypted, as it can
    # say something about their health.
    access_needs = EncryptedTextField(_("anything we should arrange for you"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], condition=models.Q(session__isnull=True), name="register_for_an_event_once"
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=models.Q(session__isnull=False),
                name="register_for_a_session_once",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "created_at", "id"], name="registration_queue"),
            models.Index(fields=["session", "status", "created_at", "id"], name="session_registration_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} for {self.event_id}/{self.session_id}"


class AgendaItem(models.Model):
    """A session someone has put in their personal agenda."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agenda")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "session"], name="agenda_a_session_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.session_id}"
