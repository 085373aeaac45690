from django.db import models
from django.utils.translation import gettext_lazy as _


class Participation(models.TextChoices):
    OPEN = "open", _("Anyone, with or without an account")
    SIGNED_IN = "signed_in", _("People signed in to Heard")
    INVITED = "invited", _("Only people with an invitation")


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    ACCEPTED = "accepted", _("Shown to participants")
    REJECTED = "rejected", _("Not shown")


class VoteValue(models.IntegerChoices):
    """As in Pol.is exports: +1 agree, -1 disagree, 0 pass."""

    AGREE = 1, _("Agree")
    DISAGREE = -1, _("Disagree")
    PASS = 0, _("Pass / unsure")


class ImportStatus(models.TextChoices):
    """Where an uploaded Pol.is export is on its way to becoming a conversation."""

    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


# An import in either of these has run, and will not run again.
IMPORT_FINISHED = (ImportStatus.DONE, ImportStatus.FAILED)
