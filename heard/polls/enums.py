from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    LIKERT = "likert", _("Agree–disagree (5 points)")
    SCALE = "scale", _("Scale from 0 to 10")
    TEXT = "text", _("Free text")
    MATRIX = "matrix", _("Grid: several statements on the same 5-point scale")
    PROFILE = "profile", _("About the respondent (used for weighting)")


# Kinds whose answer is one or more of the question's options.
CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.LIKERT, QuestionKind.PROFILE}

LIKERT_OPTIONS = [
    ("5", _("Strongly agree")),
    ("4", _("Tend to agree")),
    ("3", _("Neither agree nor disagree")),
    ("2", _("Tend to disagree")),
    ("1", _("Strongly disagree")),
]


class RespondentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETE = "complete", _("Complete")


class Channel(models.TextChoices):
    PUBLIC_LINK = "public", _("Public link")
    INVITATION = "invitation", _("Personal invitation")
    PANEL = "panel", _("Residents' panel")
