from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    """Who provides a service to the public: state, market or society."""

    PUBLIC = "public", _("Public sector")
    PRIVATE = "private", _("Private sector")
    VOLUNTARY = "voluntary", _("Voluntary sector")
    COMMUNITY = "community", _("Community group")


class Role(models.TextChoices):
    """A person's role in an organisation. Every role is a staff role: it needs two-factor sign-in."""

    RESPONDER = "responder", _("Responder")
    CASEWORKER = "caseworker", _("Caseworker")
    MANAGER = "manager", _("Manager")
    CONVENER = "convener", _("Convener")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")


ROLE_DESCRIPTIONS = {
    Role.RESPONDER: _("Answers feedback about the organisation's services in public."),
    Role.CASEWORKER: _("Handles flags of potential need routed to the organisation."),
    Role.MANAGER: _("Runs the organisation's work on Heard and manages its people."),
    Role.CONVENER: _("Runs polls, conversations, challenges and events; moderates; publishes."),
    Role.ANALYST: _("Reads weighted poll results and exports data for research."),
    Role.ADMINISTRATOR: _("Looks after the organisation's details and people."),
}


class AreaKind(models.TextChoices):
    REGION = "region", _("Region")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    WARD = "ward", _("Ward")


# Which kind of area may contain which.
AREA_PARENT_KIND: dict[str, str | None] = {
    AreaKind.REGION: None,
    AreaKind.LOCAL_AUTHORITY: AreaKind.REGION,
    AreaKind.WARD: AreaKind.LOCAL_AUTHORITY,
}
