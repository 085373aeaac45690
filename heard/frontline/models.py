"""Frontline: community partners flag potential need; flags are routed to agencies as referrals,
acted on and closed, linked when they concern the same person or household, and every read of their
personal details is audited.

Personal details (who the flag is about, where, what was noticed, how to reach the flagger, case
notes) are encrypted at rest (heard.core.crypto, keys from the environment) and are read only
through `heard.frontline.access`, which writes the audit row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.core.crypto import EncryptedJSONField, EncryptedTextField
from heard.frontline.enums import (
    OPEN_REFERRAL,
    AccessReason,
    AgencyKind,
    Category,
    FlagStatus,
    LawfulBasis,
    LinkStatus,
    Outcome,
    PartnerKind,
    PartnerStatus,
    ReferralStatus,
    SubjectAware,
    Urgency,
)
from heard.organisations.models import Area, Organisation


class Partner(models.Model):
    """A person who may flag potential need: a shopkeeper, a plumber, a driver… verified by a
    convener before their first flag, and who has read the guidance."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="frontline_partner")
    kind = models.CharField(_("what you do"), max_length=20, choices=PartnerKind)
    business = models.CharField(_("the business or organisation you work for"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("where you work")
    )
    phone = EncryptedTextField(_("a phone number we can reach you on"), blank=True)
    status = models.CharField(max_length=10, choices=PartnerStatus, default=PartnerStatus.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    guidance_read_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Partner {self.pk}"

    @property
    def may_flag(self) -> bool:
        return self.status == PartnerStatus.VERIFIED and self.guidance_read_at is not None


class Agency(models.Model):
    """An organisation that receives referrals: its caseworkers and managers work them."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="agency")
    kind = models.CharField(_("kind of agency"), max_length=20, choices=AgencyKind)

    class Meta:
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.organisation.name


class RoutingRule(models.Model):
    """Flags of this category, in this area, of this urgency go to this agency. A blank criterion
    matches anything; an area matches flags in it or in any place inside it."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="rules")
    category = models.CharField(_("category"), max_length=20, choices=Category, blank=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("area")
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["active", "category", "urgency"], name="rule_lookup")]

    def __str__(self) -> str:
        return f"{self.category or 'any'} / {self.area_id or 'anywhere'} / {self.urgency or 'any'} → {self.agency_id}"


PERSONAL_FIELDS = ("details", "location", "subject", "flagger_contact")


class FlagManager(models.Manager["Flag"]):
    """Flags without their personal details: those are read only through `heard.frontline.access`
    (which logs each read), from `Flag.with_personal`. Related access (`referral.flag`) uses this
    manager too, so no page decrypts anything by accident."""

    def get_queryset(self) -> models.QuerySet[Flag]:
        return super().get_queryset().defer(*PERSONAL_FIELDS)


class Flag(models.Model):
    partner = models.ForeignKey(Partner, null=True, on_delete=models.SET_NULL, related_name="flags")
    # Given to the flagger; it says nothing about the person.
    reference = models.CharField(max_length=12, unique=True)
    category = models.CharField(_("what you noticed"), max_length=20, choices=Category)
    urgency = models.CharField(_("how urgent"), max_length=10, choices=Urgency)
    # Personal details, encrypted. Emptied (set to None) by the retention command after closing.
    details = EncryptedTextField(_("what you saw or heard"), null=True, blank=True)
    location = EncryptedJSONField(null=True, blank=True)  # {"address", "place", "postcode"}
    subject = EncryptedJSONField(null=True, blank=True)  # {"name", "approx_age", "description"}
    flagger_contact = EncryptedTextField(null=True, blank=True)
    # Coarse and not personal on its own: for routing, statistics and blocking linkage candidates.
    postcode_district = models.CharField(max_length=4, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    postcode_unknown = models.BooleanField(default=False)
    subject_aware = models.CharField(_("does the person know?"), max_length=15, choices=SubjectAware)
    lawful_basis = models.CharField(max_length=25, choices=LawfulBasis, blank=True)
    status = models.CharField(max_length=10, choices=FlagStatus, default=FlagStatus.RECEIVED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    personal_erased_at = models.DateTimeField(null=True, blank=True)

    with_personal = models.Manager()  # for heard.frontline.access only
    objects = FlagManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_manager_name = "objects"
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["status", "closed_at"], name="flag_retention"),
            models.Index(fields=["postcode_district"], name="flag_district"),
        ]

    def __str__(self) -> str:
        return f"Flag {self.reference}"

    def get_absolute_url(self) -> str:
        return reverse("frontline:my_flag", kwargs={"reference": self.reference})


class Referral(models.Model):
    """A flag routed to one agency. Its caseworkers see it; no other agency's do."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="referrals")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=15, choices=ReferralStatus, default=ReferralStatus.ROUTED)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    transferred_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="transferred_from"
    )

    class Meta:
        ordering = ["acknowledge_by", "pk"]
        constraints = [models.UniqueConstraint(fields=["flag", "agency"], name="refer_a_flag_to_an_agency_once")]
        indexes = [
            models.Index(fields=["agency", "status", "acknowledge_by", "id"], name="referral_inbox"),
            models.Index(fields=["status", "acknowledge_by"], name="referral_deadlines"),
            # One per view of the inbox, each in the view's order, so a page's ids are read in
            # order and the count reads only that view's entries (docs/performance.md).
            models.Index(
                fields=["agency", "acknowledge_by", "id"],
                condition=models.Q(status__in=OPEN_REFERRAL),
                name="referral_open",
            ),
            models.Index(
                fields=["agency", "acknowledge_by", "id"],
                condition=models.Q(status=ReferralStatus.ROUTED, escalated_at__isnull=False),
                name="referral_escalated",
            ),
            models.Index(
                fields=["agency", "-closed_at", "-id"],
                condition=~models.Q(status__in=OPEN_REFERRAL),
                name="referral_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} of {self.flag_id} to {self.agency_id}"

    def get_absolute_url(self) -> str:
        return reverse("frontline:referral", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL

    @property
    def is_overdue(self) -> bool:
        return self.status == ReferralStatus.ROUTED and self.acknowledge_by < timezone.now()


class ReferralEvent(models.Model):
    """What an agency did with a referral: acknowledged, accepted, an action, transferred, declined,
    closed. The note may hold personal details, so it is encrypted; only the agency sees it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15)
    note = EncryptedTextField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} on referral {self.referral_id}"


class FlagUpdate(models.Model):
    """What the flagger is told: a status from fixed words, and perhaps a thank-you. Never personal
    details or what an agency did."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=10, choices=FlagStatus)
    thanks = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.status} for {self.flag_id}"


class FlagLink(models.Model):
    """Two flags that probably concern the same person or household (record linkage), with the
    match weight and the evidence: which fields agreed and how much each counted. No names."""

    first = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="+")
    # "person": probably the same person; "household": the same address, one flag without a name.
    kind = models.CharField(max_length=10, default="person")
    match_weight = models.FloatField()
    probability = models.FloatField()
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=LinkStatus, default=LinkStatus.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="link_two_flags_once"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="link_in_order"),
        ]

    def __str__(self) -> str:
        return f"Link {self.first_id}–{self.second_id} ({self.status})"


class PersonalDataAccess(models.Model):
    """Append-only: who read or exported which flag's personal details, when, and why. Rows are
    never changed or deleted by Heard (save refuses an update, delete refuses)."""

    # Plain references, not enforced by the database: the log outlives what it names, and is never
    # updated when a flag, referral or account goes (PostgreSQL refuses any change to it).
    flag = models.ForeignKey(Flag, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(max_length=10)  # read, export, linkage, erase
    reason = models.CharField(max_length=12, choices=AccessReason, blank=True)
    # Written by Heard only (counts, dates, a chosen purpose), never free text: the log is kept
    # after retention erases the flag's personal details, so it must hold none.
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("personal data access log")

    def __str__(self) -> str:
        return f"{self.action} of {self.flag_id} by {self.user_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("The personal data access log is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("The personal data access log is append-only.")


class LinkageModel(models.Model):
    """A record-linkage model trained on all flags (`manage.py flags_link`): new flags are scored
    with the latest one. Parameters only: no personal data."""

    parameters = models.JSONField()
    flags = models.PositiveIntegerField()
    candidate_pairs = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Linkage model {self.pk}"
