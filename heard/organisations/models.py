from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heard.core.models import TimestampedModel
from heard.organisations.enums import AreaKind, Role, Sector
from heard.organisations.querysets import AreaQuerySet, MembershipQuerySet, OrganisationQuerySet


class Area(models.Model):
    """A place: a region, a local authority in it, or a ward in that."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name for web addresses"), max_length=140, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind)
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(
        _("ONS code"), max_length=9, blank=True, help_text=_("The Office for National Statistics code, like E05009367.")
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=AreaKind.REGION, parent__isnull=True)
                | (~models.Q(kind=AreaKind.REGION) & models.Q(parent__isnull=False)),
                name="area_only_regions_have_no_parent",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:area_detail", kwargs={"slug": self.slug})


class PostcodePrefix(models.Model):
    """A postcode district ("E8") or sector ("E8 1") that lies in an area. The longest matching
    prefix wins, so a district can point at a local authority and its sectors at wards."""

    prefix = models.CharField(
        _("postcode prefix"), max_length=8, unique=True, help_text=_("A district like E8 or a sector like E8 1.")
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="postcode_prefixes")

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("postcode prefix")
        verbose_name_plural = _("postcode prefixes")

    def __str__(self) -> str:
        return f"{self.prefix} → {self.area}"


class Organisation(TimestampedModel):
    """A provider of services to the public, from any sector, or a convener such as a council."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name for web addresses"), max_length=200, unique=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector)
    description = models.TextField(_("what the organisation does"), blank=True)
    website = models.URLField(_("website"), blank=True)
    public_email = models.EmailField(_("public contact email"), blank=True)
    areas = models.ManyToManyField(Area, verbose_name=_("areas served"), blank=True, related_name="organisations")
    # The organisation that runs this Heard site; its administrators administer the whole site.
    is_operator = models.BooleanField(_("runs this site"), default=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A person holding one role in one organisation. A person can hold several roles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_one_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organisation}"
