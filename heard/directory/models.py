from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heard.core.models import TimestampedModel
from heard.directory.enums import ServiceCategory, ServiceStatus
from heard.directory.querysets import ServiceQuerySet
from heard.organisations.models import Area, Organisation


class Service(TimestampedModel):
    """A service provided to the public, with the fields of Open Referral UK that fit."""

    uid = models.UUIDField(_("Open Referral id"), default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name for web addresses"), max_length=220, unique=True)
    description = models.TextField(_("what the service does"), blank=True)
    category = models.CharField(_("category"), max_length=30, choices=ServiceCategory, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=ServiceStatus, default=ServiceStatus.ACTIVE)
    eligibility = models.TextField(_("who can use it"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    fees = models.CharField(_("cost"), max_length=300, blank=True, help_text=_("For example: free, or £5 a visit."))
    url = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("where to go"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    areas = models.ManyToManyField(Area, verbose_name=_("areas served"), blank=True, related_name="services")
    # A private service is never listed by the public APIs (Open311), nor readable without a key.
    is_private = models.BooleanField(_("private"), default=False)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(minimum_age__lte=models.F("maximum_age")),
                name="service_ages_in_order",
            )
        ]
        indexes = [models.Index(fields=["organisation", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:service", kwargs={"slug": self.slug})
