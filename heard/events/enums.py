from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion event")
    FESTIVAL = "festival", _("Festival")


class RegistrationStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class SessionKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    SEMINAR = "seminar", _("Seminar")
    TALK = "talk", _("Talk")
    PANEL = "panel", _("Panel")


class SessionState(models.TextChoices):
    """A proposed session's life: written (draft), sent in (submitted), decided by the organisers
    (accepted, waitlisted or rejected), then confirmed or withdrawn by its hosts."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("On the reserve list")
    REJECTED = "rejected", _("Not accepted")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The states in which a session may be put in the schedule.
SCHEDULABLE_STATES = (SessionState.ACCEPTED, SessionState.CONFIRMED)
# The states an organiser may decide a submitted proposal into.
DECISION_STATES = (SessionState.ACCEPTED, SessionState.WAITLISTED, SessionState.REJECTED)

SESSION_DURATIONS = (30, 45, 60, 90, 120, 180)
SCORE_MAX = 4
