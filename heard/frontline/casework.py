"""What agencies do with referrals: acknowledge, accept, record actions, transfer or decline with a
reason, close with an outcome; what the flagger hears (status words only); and the deadline check
that escalates unacknowledged referrals to the agency's managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.frontline.enums import (
    ACKNOWLEDGE_WITHIN,
    OPEN_REFERRAL,
    FlagStatus,
    LawfulBasis,
    Outcome,
    ReferralStatus,
    Urgency,
)
from heard.frontline.models import PERSONAL_FIELDS, Agency, Flag, FlagUpdate, Referral, ReferralEvent
from heard.organisations.enums import Role
from heard.organisations.models import Membership


def _locked(referral: Referral) -> Referral:
    """The referral, locked; and its flag, locked too (status changes of one flag's referrals
    are serialised), without its personal details."""
    Flag.objects.select_for_update().filter(pk=referral.flag_id).values_list("pk", flat=True).first()
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("flag", "agency__organisation")
        .defer(*(f"flag__{name}" for name in PERSONAL_FIELDS))
        .get(pk=referral.pk)
    )


def _note(value: str, *, field: str = "note", required: str = "") -> str:
    cleaned = without_control_characters(value or "").strip()
    if required and not cleaned:
        raise ValidationError({field: required})
    return cleaned[:4000]


def _event(referral: Referral, kind: str, by: Any, note: str = "") -> ReferralEvent:
    return ReferralEvent.objects.create(referral=referral, kind=kind, by=by, note=note or None)


def _check_open(referral: Referral) -> None:
    if referral.status not in OPEN_REFERRAL:
        raise ValidationError(
            _("This referral is %(status)s; nothing more can be done with it.")
            % {"status": referral.get_status_display().lower()}
        )


def _tell_flagger(flag: Flag, status: str, thanks: str = "", site_url: str = "") -> None:
    """The flagger hears the flag's status in fixed words, and perhaps a thank-you: never who, what
    was found, or what was done."""
    flag = Flag.objects.select_related("partner__user").defer("partner__phone").get(pk=flag.pk)
    if flag.status == status and not thanks:
        return
    flag.status = status
    flag.closed_at = timezone.now() if status == FlagStatus.CLOSED else None
    flag.save(update_fields=["status", "closed_at"])
    FlagUpdate.objects.create(flag=flag, status=status, thanks=thanks)
    partner = flag.partner
    if partner is None or not partner.user.is_active:
        return
    email_queue(
        to=partner.user.email,
        subject=_("Your flag %(reference)s: %(status)s")
        % {"reference": flag.reference, "status": flag.get_status_display()},
        text_body=render_to_string(
            "frontline/email/flag_update.txt",
            {"flag": flag, "thanks": thanks, "link": site_url + flag.get_absolute_url()},
        ),
        kind="flag_update",
        user=partner.user,
    )


def _flag_status_after(flag: Flag) -> str:
    statuses = list(Referral.objects.filter(flag=flag).values_list("status", flat=True))
    if any(status in OPEN_REFERRAL for status in statuses):
        moved = any(status != ReferralStatus.ROUTED for status in statuses)
        return FlagStatus.LOOKED_AT if moved else FlagStatus.RECEIVED
    return FlagStatus.CLOSED


@transaction.atomic
def referral_acknowledge(*, referral: Referral, by: Any, site_url: str = "") -> Referral:
    referral = _locked(referral)
    if referral.status != ReferralStatus.ROUTED:
        raise ValidationError(_("This referral has already been acknowledged."))
    referral.status = ReferralStatus.ACKNOWLEDGED
    referral.acknowledged_at = timezone.now()
    referral.save(update_fields=["status", "acknowledged_at"])
    _event(referral, "acknowledged", by)
    log_action(action="referral.acknowledged", by=by, target=referral, organisation_id=referral.agency.organisation_id)
    _tell_flagger(referral.flag, _flag_status_after(referral.flag), site_url=site_url)
    return referral


@transaction.atomic
def referral_accept(*, referral: Referral, by: Any, site_url: str = "") -> Referral:
    referral = _locked(referral)
    _check_open(referral)
    if referral.status == ReferralStatus.ACCEPTED:
        raise ValidationError(_("This referral is already accepted."))
    referral.status = ReferralStatus.ACCEPTED
    referral.acknowledged_at = referral.acknowledged_at or timezone.now()
    referral.save(update_fields=["status", "acknowledged_at"])
    _event(referral, "accepted", by)
    log_action(action="referral.accepted", by=by, target=referral, organisation_id=referral.agency.organisation_id)
    _tell_flagger(referral.flag, _flag_status_after(referral.flag), site_url=site_url)
    return referral


@transaction.atomic
def referral_record_action(*, referral: Referral, by: Any, note: str) -> ReferralEvent:
    referral = _locked(referral)
    _check_open(referral)
    event = _event(referral, "action", by, _note(note, required=_("Say what was done.")))
    log_action(action="referral.action", by=by, target=referral, organisation_id=referral.agency.organisation_id)
    return event


@transaction.atomic
def referral_transfer(*, referral: Referral, by: Any, to: Agency, reason: str, site_url: str = "") -> Referral:
    """Pass the referral to another agency, with the reason; the new agency's deadline starts now."""
    referral = _locked(referral)
    _check_open(referral)
    if to.pk == referral.agency_id:
        raise ValidationError({"agency": _("Choose another agency than your own.")})
    if Referral.objects.filter(flag=referral.flag, agency=to, status__in=OPEN_REFERRAL).exists():
        raise ValidationError({"agency": _("That agency already has this flag.")})
    reason = _note(reason, field="reason", required=_("Give the reason for the transfer."))
    now = timezone.now()
    new = Referral.objects.filter(flag=referral.flag, agency=to).first()
    if new is None:
        new = Referral.objects.create(
            flag=referral.flag,
            agency=to,
            acknowledge_by=now + ACKNOWLEDGE_WITHIN[Urgency(referral.flag.urgency)],
        )
    else:  # it had this flag before and closed it: it opens again
        new.status = ReferralStatus.ROUTED
        new.acknowledge_by = now + ACKNOWLEDGE_WITHIN[Urgency(referral.flag.urgency)]
        new.acknowledged_at = new.closed_at = new.escalated_at = None
        new.transferred_to = None
        new.outcome = ""
        new.save()
    referral.status = ReferralStatus.TRANSFERRED
    referral.transferred_to = new
    referral.closed_at = now
    referral.save(update_fields=["status", "transferred_to", "closed_at"])
    _event(referral, "transferred", by, reason)
    _event(new, "received", None, _("Transferred from %(agency)s.") % {"agency": referral.agency.organisation.name})
    log_action(
        action="referral.transferred",
        by=by,
        target=referral,
        organisation_id=referral.agency.organisation_id,
        data={"to_agency": to.pk},
    )
    _tell_flagger(referral.flag, _flag_status_after(referral.flag), site_url=site_url)
    return new


@transaction.atomic
def referral_decline(*, referral: Referral, by: Any, reason: str, site_url: str = "") -> Referral:
    referral = _locked(referral)
    _check_open(referral)
    referral.status = ReferralStatus.DECLINED
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "closed_at"])
    _event(referral, "declined", by, _note(reason, field="reason", required=_("Give the reason for declining.")))
    log_action(action="referral.declined", by=by, target=referral, organisation_id=referral.agency.organisation_id)
    _hand_on_if_nobody_holds(referral)
    _tell_flagger(referral.flag, _flag_status_after(referral.flag), site_url=site_url)
    return referral


def _hand_on_if_nobody_holds(declined: Referral) -> None:
    """A flag every agency declined, and none acted on, goes to the duty desk rather than being
    closed with nobody holding it (unless the duty desk itself declined it)."""
    from heard.frontline.services import duty_desk

    others = Referral.objects.filter(flag_id=declined.flag_id).exclude(pk=declined.pk)
    if others.filter(status__in=OPEN_REFERRAL).exists() or others.filter(status=ReferralStatus.CLOSED).exists():
        return
    desk = duty_desk()
    if desk is None or desk.pk == declined.agency_id:
        return
    existing = Referral.objects.filter(flag_id=declined.flag_id, agency=desk).first()
    if existing is None:
        existing = Referral.objects.create(
            flag_id=declined.flag_id,
            agency=desk,
            acknowledge_by=timezone.now() + ACKNOWLEDGE_WITHIN[Urgency(declined.flag.urgency)],
        )
    _event(
        existing,
        "received",
        None,
        _("Declined by %(agency)s; nobody else holds it.") % {"agency": declined.agency.organisation.name},
    )


@transaction.atomic
def referral_close(
    *, referral: Referral, by: Any, outcome: str, note: str = "", thanks: str = "", site_url: str = ""
) -> Referral:
    """Close with an outcome. An optional thank-you reaches the flagger, so it must say nothing
    about the person or what was done."""
    referral = _locked(referral)
    _check_open(referral)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    referral.status = ReferralStatus.CLOSED
    referral.outcome = outcome
    referral.acknowledged_at = referral.acknowledged_at or timezone.now()
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "outcome", "acknowledged_at", "closed_at"])
    _event(referral, "closed", by, _note(note))
    log_action(
        action="referral.closed",
        by=by,
        target=referral,
        organisation_id=referral.agency.organisation_id,
        data={"outcome": outcome},
    )
    _tell_flagger(referral.flag, _flag_status_after(referral.flag), thanks=_note(thanks)[:300], site_url=site_url)
    return referral


def escalations_send(*, now: dt.datetime | None = None, site_url: str = "") -> int:
    """Referrals past their acknowledgement deadline, not yet escalated: email the agency's
    managers once and mark them (the inbox shows them as overdue). Run every 15 minutes."""
    now = now or timezone.now()
    overdue = list(
        Referral.objects.filter(status=ReferralStatus.ROUTED, acknowledge_by__lt=now, escalated_at__isnull=True)
        .select_related("agency__organisation", "flag")
        .defer(*(f"flag__{name}" for name in PERSONAL_FIELDS))
        .order_by("acknowledge_by")[:500]
    )
    for referral in overdue:
        with transaction.atomic():
            updated = Referral.objects.filter(pk=referral.pk, escalated_at__isnull=True).update(escalated_at=now)
            if not updated:
                continue
            managers = Membership.objects.filter(
                organisation=referral.agency.organisation, role=Role.MANAGER, user__is_active=True
            ).select_related("user")
            for membership in managers:
                email_queue(
                    to=membership.user.email,
                    subject=_("A referral is waiting past its deadline: %(reference)s")
                    % {"reference": referral.flag.reference},
                    text_body=render_to_string(
                        "frontline/email/escalation.txt",
                        {"referral": referral, "link": site_url + referral.get_absolute_url()},
                    ),
                    kind="referral_escalation",
                    user=membership.user,
                )
            log_action(action="referral.escalated", target=referral, organisation_id=referral.agency.organisation_id)
    return len(overdue)


@transaction.atomic
def flag_set_lawful_basis(*, referral: Referral, by: Any, basis: str) -> Flag:
    """Whoever triages records the lawful basis for handling the flag (it starts as consent when the
    person agreed, otherwise vital interests)."""
    if basis not in LawfulBasis.values:
        raise ValidationError({"basis": _("Choose the lawful basis.")})
    _check_open(referral)
    flag = Flag.objects.select_for_update().get(pk=referral.flag_id)
    before = flag.lawful_basis
    flag.lawful_basis = basis
    flag.save(update_fields=["lawful_basis"])
    _event(referral, "lawful basis", by, f"{before} → {basis}")
    log_action(
        action="flag.lawful_basis",
        by=by,
        target=flag,
        organisation_id=referral.agency.organisation_id,
        data={"before": before, "after": basis},
    )
    return flag
