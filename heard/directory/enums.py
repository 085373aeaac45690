from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceCategory(models.TextChoices):
    HOUSING = "housing", _("Housing")
    EMPLOYMENT = "employment", _("Employment")
    INCOME = "income_and_living_costs", _("Income and living costs")
    HEALTH = "health", _("Health")
    SOCIAL_CARE = "social_care", _("Social care")
    CHILDREN_AND_FAMILIES = "children_and_families", _("Children and families")
    EDUCATION = "education", _("Education")
    TRANSPORT = "transport", _("Transport")
    ENVIRONMENT = "environment", _("Environment")
    COMMUNITY_SAFETY = "community_safety", _("Community safety")
    OTHER = "other", _("Other")


class ServiceStatus(models.TextChoices):
    """The statuses of Open Referral UK (HSDS)."""

    ACTIVE = "active", _("Open")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")
    INACTIVE = "inactive", _("Not running")
    DEFUNCT = "defunct", _("Closed for good")


# The vocabulary name under which Heard's categories travel in Open Referral UK taxonomy terms.
CATEGORY_VOCABULARY = "heard-service-category"
