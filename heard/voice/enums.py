from django.db import models
from django.utils.translation import gettext_lazy as _


class Listened(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class StoryStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for the email link")
    PENDING = "pending", _("Waiting to be checked")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Not published")


class ModerationReason(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("It names or describes other people")
    ABUSE = "abuse", _("It is abusive")
    OFF_TOPIC = "off_topic", _("It is not about this service")
    LEGAL = "legal", _("It could break the law")


class ResponseStatus(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    LOOKING_INTO_IT = "looking_into_it", _("Looking into it")
    CHANGE_PLANNED = "change_planned", _("Change planned")
    CHANGE_MADE = "change_made", _("Change made")


RESPONSE_STATUS_TONE = {
    ResponseStatus.ACKNOWLEDGED: "neutral",
    ResponseStatus.LOOKING_INTO_IT: "info",
    ResponseStatus.CHANGE_PLANNED: "warning",
    ResponseStatus.CHANGE_MADE: "success",
}


class ReportReason(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("It names or describes someone")
    ABUSE = "abuse", _("It is abusive or hateful")
    FALSE = "false", _("It is not true or is misleading")
    OTHER = "other", _("Something else")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Straight away, one email per story")
    DAILY = "daily", _("Once a day, in one email")
