"""Writes about partners and flags: registering and verifying partners, flagging a concern, and
routing it to agencies. What agencies do with referrals is in `heard.frontline.casework`."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core import postcodes
from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.frontline.enums import (
    ACKNOWLEDGE_WITHIN,
    AgencyKind,
    Category,
    FlagStatus,
    LawfulBasis,
    PartnerStatus,
    SubjectAware,
    Urgency,
)
from heard.frontline.models import Agency, Flag, FlagUpdate, Partner, Referral, RoutingRule
from heard.organisations.selectors import area_for_postcode

logger = logging.getLogger(__name__)

# No 0/O or 1/I/L: a reference is read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


# --- partners ------------------------------------------------------------------------------------


@transaction.atomic
def partner_register(*, user: Any, kind: str, business: str = "", area: Any = None, phone: str = "") -> Partner:
    """Someone asks to be a community partner. They can flag once a convener has verified them and
    they have read the guidance."""
    if Partner.objects.filter(user=user).exists():
        raise ValidationError(_("You have already registered as a partner."))
    partner = Partner.objects.create(
        user=user,
        kind=kind,
        business=without_control_characters(business).strip()[:200],
        area=area,
        phone=without_control_characters(phone).strip()[:40],
    )
    log_action(action="partner.registered", by=user, target=partner)
    return partner


@transaction.atomic
def partner_verify(*, partner: Partner, by: Any) -> Partner:
    if partner.status == PartnerStatus.VERIFIED:
        return partner
    partner.status = PartnerStatus.VERIFIED
    partner.verified_by = by
    partner.verified_at = timezone.now()
    partner.suspended_reason = ""
    partner.save(update_fields=["status", "verified_by", "verified_at", "suspended_reason"])
    log_action(action="partner.verified", by=by, target=partner)
    email_queue(
        to=partner.user.email,
        subject=_("You can now flag concerns on Heard"),
        text_body=_(
            "Hello,\n\nYou are now a verified community partner. Before your first flag, please read the "
            "short guidance on what to look for and what not to do.\n\nFrom the Heard team"
        ),
        kind="partner_verified",
        user=partner.user,
    )
    return partner


@transaction.atomic
def partner_suspend(*, partner: Partner, by: Any, reason: str) -> Partner:
    reason = without_control_characters(reason).strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the partner is suspended.")})
    partner.status = PartnerStatus.SUSPENDED
    partner.suspended_reason = reason[:300]
    partner.save(update_fields=["status", "suspended_reason"])
    log_action(action="partner.suspended", by=by, target=partner)
    return partner


@transaction.atomic
def guidance_read(*, partner: Partner) -> Partner:
    if partner.guidance_read_at is None:
        partner.guidance_read_at = timezone.now()
        partner.save(update_fields=["guidance_read_at"])
        log_action(action="partner.read_guidance", by=partner.user, target=partner)
    return partner


# --- flags ---------------------------------------------------------------------------------------


def _reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _lawful_basis(subject_aware: str) -> str:
    """The starting basis, from what the flagger said; whoever triages may change it."""
    return LawfulBasis.CONSENT if subject_aware == SubjectAware.AGREED else LawfulBasis.VITAL_INTERESTS


@transaction.atomic
def flag_submit(
    *,
    partner: Partner,
    category: str,
    urgency: str,
    details: str,
    address: str = "",
    place: str = "",
    postcode: str = "",
    name: str = "",
    approx_age: int | None = None,
    description: str = "",
    subject_aware: str,
    contact: str = "",
    site_url: str = "",
) -> Flag:
    """A partner flags a concern. It is stored encrypted, routed to agencies at once (or to the duty
    coordinators when no rule matches), and the partner gets a reference."""
    if not partner.may_flag:
        raise ValidationError(_("Only a verified partner who has read the guidance can flag a concern."))
    errors = {}
    if category not in Category.values:
        errors["category"] = _("Choose what you noticed.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Choose how urgent it is.")
    if subject_aware not in SubjectAware.values:
        errors["subject_aware"] = _("Say whether the person knows you are passing this on.")
    if not (address.strip() or place.strip() or postcode.strip()):
        errors["address"] = _("Say where: an address, a place, or a postcode.")
    if errors:
        raise ValidationError(errors)
    cleaned_postcode = postcodes.formatted(postcode) if postcode.strip() else ""
    known = bool(cleaned_postcode) and postcodes.is_valid(cleaned_postcode)
    area = area_for_postcode(postcode=cleaned_postcode) if known else None
    flag = Flag.objects.create(
        partner=partner,
        reference=_reference(),
        category=category,
        urgency=urgency,
        details=without_control_characters(details).strip()[:4000],
        location={
            "address": without_control_characters(address).strip()[:300],
            "place": without_control_characters(place).strip()[:200],
            "postcode": cleaned_postcode or without_control_characters(postcode).strip()[:10],
        },
        subject={
            "name": without_control_characters(name).strip()[:120],
            "approx_age": approx_age,
            "description": without_control_characters(description).strip()[:500],
        },
        flagger_contact=without_control_characters(contact).strip()[:200],
        postcode_district=postcodes.district(cleaned_postcode) if known else "",
        postcode_unknown=bool(postcode.strip()) and (not known or area is None),
        area=area,
        subject_aware=subject_aware,
        lawful_basis=_lawful_basis(subject_aware),
    )
    FlagUpdate.objects.create(flag=flag, status=FlagStatus.RECEIVED)
    log_action(action="flag.submitted", by=partner.user, target=flag, data={"category": category, "urgency": urgency})
    flag_route(flag=flag, site_url=site_url)
    transaction.on_commit(lambda: _queue_linking(flag.pk))
    return flag


def _queue_linking(flag_id: int) -> None:
    from heard.frontline.tasks import link_new_flag

    link_new_flag.enqueue(flag_id=flag_id)


def _area_and_ancestors(area: Any) -> list[int]:
    ids: list[int] = []
    while area is not None and len(ids) < 5:
        ids.append(area.pk)
        area = area.parent
    return ids


def matching_rules(*, category: str, urgency: str, area: Any) -> list[RoutingRule]:
    """The active rules a flag matches: each criterion blank (anything) or equal to the flag's, and
    the rule's area the flag's area or one containing it."""
    areas = _area_and_ancestors(area) if area is not None else []
    return list(
        RoutingRule.objects.filter(active=True)
        .filter(Q(category="") | Q(category=category))
        .filter(Q(urgency="") | Q(urgency=urgency))
        .filter(Q(area__isnull=True) | Q(area_id__in=areas))
        .select_related("agency")
        .order_by("agency_id", "pk")
    )


def duty_desk() -> Agency | None:
    return Agency.objects.filter(kind=AgencyKind.DUTY).order_by("pk").first()


@transaction.atomic
def flag_route(*, flag: Flag, site_url: str = "") -> list[Referral]:
    """Refer the flag to every agency a rule names (once each), or to the duty coordinators when
    none does. Each referral must be acknowledged within its urgency's deadline."""
    area = flag.area
    if area is not None:
        area = type(area).objects.select_related("parent__parent__parent").get(pk=area.pk)
    rules = matching_rules(category=flag.category, urgency=flag.urgency, area=area)
    by_agency: dict[int, RoutingRule | None] = {}
    for rule in rules:
        by_agency.setdefault(rule.agency_id, rule)
    if not by_agency:
        desk = duty_desk()
        if desk is None:
            # Never lose a flag: it is kept, unrouted, and the site's administrators are told.
            logger.error("Flag %s matched no routing rule and there is no duty desk.", flag.pk)
            _tell_administrators_unrouted(flag)
            log_action(action="flag.unrouted", target=flag)
            return []
        by_agency[desk.pk] = None
    due = flag.created_at + ACKNOWLEDGE_WITHIN[Urgency(flag.urgency)]
    referrals = Referral.objects.bulk_create(
        Referral(flag=flag, agency_id=agency_id, rule=rule, acknowledge_by=due)
        for agency_id, rule in by_agency.items()
        if not Referral.objects.filter(flag=flag, agency_id=agency_id).exists()
    )
    log_action(
        action="flag.routed",
        target=flag,
        data={"agencies": sorted(by_agency), "by_rule": bool(rules)},
    )
    return referrals


def _tell_administrators_unrouted(flag: Flag) -> None:
    from heard.organisations.enums import Role
    from heard.organisations.models import Membership

    for membership in Membership.objects.filter(
        organisation__is_operator=True, role=Role.ADMINISTRATOR, user__is_active=True
    ).select_related("user"):
        email_queue(
            to=membership.user.email,
            subject=_("A flag could not be routed: %(reference)s") % {"reference": flag.reference},
            text_body=_(
                "A flag matched no routing rule, and there is no duty desk to take it. Set up a duty desk "
                "(an agency of the kind “Duty coordinators”) and route it from there.\n\nFrom Heard"
            ),
            kind="flag_unrouted",
            user=membership.user,
        )


def acknowledgement_deadline(urgency: str, created_at: dt.datetime) -> dt.datetime:
    return created_at + ACKNOWLEDGE_WITHIN[Urgency(urgency)]


@transaction.atomic
def rule_add(*, by: Any, agency: Agency, category: str = "", area: Any = None, urgency: str = "") -> RoutingRule:
    rule = RoutingRule.objects.create(agency=agency, category=category, area=area, urgency=urgency)
    log_action(action="routing_rule.added", by=by, target=rule, organisation_id=agency.organisation_id)
    return rule


@transaction.atomic
def rule_remove(*, rule: RoutingRule, by: Any) -> RoutingRule:
    """A rule stops routing; it is kept, so past referrals still say which rule sent them."""
    rule.active = False
    rule.save(update_fields=["active"])
    log_action(action="routing_rule.removed", by=by, target=rule, organisation_id=rule.agency.organisation_id)
    return rule


@transaction.atomic
def agency_set(*, organisation: Any, kind: str, by: Any) -> Agency:
    """Make an organisation an agency that receives referrals (or change what kind it is). Its
    caseworkers and managers then work its inbox."""
    if kind not in AgencyKind.values:
        raise ValidationError({"kind": _("Choose the kind of agency.")})
    agency, created = Agency.objects.update_or_create(organisation=organisation, defaults={"kind": kind})
    log_action(
        action="agency.created" if created else "agency.changed",
        by=by,
        target=agency,
        organisation_id=organisation.pk,
        data={"kind": kind},
    )
    return agency
