from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What an API token may do. Reading public data needs no token."""

    OPEN311 = "open311", _("Post Open311 service requests (they become stories waiting to be checked)")
    STORIES_WRITE = "stories:write", _("Tell stories through the REST API (they wait to be checked)")
    RESPONSES_WRITE = "responses:write", _("Answer stories about your organisation's services")
    CHANGES_WRITE = "changes:write", _("Record changes to your organisation's services")
    CODESIGN = "codesign:write", _("Publish decisions and commitment progress on your organisation's challenges")
