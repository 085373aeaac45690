from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion event")
    FESTIVAL = "festival", _("Festival")


class RegistrationStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
