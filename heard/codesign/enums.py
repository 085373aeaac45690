from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    """Where a challenge stands; the dates set on the challenge decide it."""

    UPCOMING = "upcoming", _("Not open yet")
    IDEAS = "ideas", _("Ideas")
    DELIBERATION = "deliberation", _("Deliberation")
    DECISION = "decision", _("Decision")
    DELIVERY = "delivery", _("Delivery")


class Participation(models.TextChoices):
    OPEN = "open", _("Anyone signed in to Heard")
    INVITED = "invited", _("Only people we invite by email")


class IdeaStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by a moderator")
    MERGED = "merged", _("Merged into another idea")


class CommentStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for a moderator after reports")
    HIDDEN = "hidden", _("Hidden by a moderator")


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    ADAPTED = "adapted", _("Accepted with changes")
    DECLINED = "declined", _("Declined")


OUTCOME_TONES = {Outcome.ACCEPTED: "success", Outcome.ADAPTED: "success", Outcome.DECLINED: "neutral"}


class CommitmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    KEPT = "kept", _("Kept")
    DROPPED = "dropped", _("Dropped")


OPEN_COMMITMENT = (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)


class CommitmentEventKind(models.TextChoices):
    CREATED = "created", _("Commitment made")
    PROGRESS = "progress", _("Progress update")
    STATUS = "status", _("Status changed")
    DUE_DATE = "due_date", _("Due date changed")
    MILESTONE = "milestone", _("Milestone reached")
    LATE = "late", _("Went past its due date")


class ReportReason(models.TextChoices):
    ABUSIVE = "abusive", _("Abusive or hateful")
    PERSONAL = "personal", _("Shares someone's personal details")
    SPAM = "spam", _("Spam or advertising")
    OFF_TOPIC = "off_topic", _("Off topic")
