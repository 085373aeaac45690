"""Who may do what in Frontline (django-rules). Case views are for the agency a referral was routed
to, and nobody else; partners and the public never see a case."""

from __future__ import annotations

from typing import Any

import rules

from heard.frontline.enums import AgencyKind, PartnerStatus
from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import is_site_admin

CASE_ROLES = (Role.CASEWORKER, Role.MANAGER)


def _agency_kinds(user: Any) -> dict[int, str]:
    """{organisation id: agency kind} for the agencies where this person is a caseworker or
    manager, read once per request."""
    cached = getattr(user, "_heard_agency_kinds", None)
    if cached is None:
        from heard.frontline.models import Agency

        held = roles.organisation_ids_with(user, *CASE_ROLES)
        cached = (
            dict(Agency.objects.filter(organisation_id__in=held).values_list("organisation_id", "kind")) if held else {}
        )
        user._heard_agency_kinds = cached
    return cached


@rules.predicate
def works_at_an_agency(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(_agency_kinds(user))


@rules.predicate
def works_the_referral(user: Any, referral: Any) -> bool:
    """A caseworker or manager of the agency the referral was routed to."""
    return referral is not None and roles.has_role(user, referral.agency.organisation, *CASE_ROLES)


@rules.predicate
def manages_the_agency(user: Any, agency: Any) -> bool:
    organisation = getattr(agency, "organisation", agency)
    return agency is not None and roles.has_role(user, organisation, Role.MANAGER)


@rules.predicate
def coordinates(user: Any) -> bool:
    """A caseworker or manager of the duty desk: authorised to see linked cases across agencies."""
    return bool(getattr(user, "is_authenticated", False)) and AgencyKind.DUTY in _agency_kinds(user).values()


@rules.predicate
def is_verified_partner(user: Any) -> bool:
    partner = getattr(user, "frontline_partner", None) if getattr(user, "is_authenticated", False) else None
    return partner is not None and partner.status == PartnerStatus.VERIFIED


@rules.predicate
def is_site_convener(user: Any) -> bool:
    return roles.has_site_role(user, Role.CONVENER)


rules.add_perm("frontline.flag", is_verified_partner)
rules.add_perm("frontline.view_inbox", works_at_an_agency)
rules.add_perm("frontline.work_referral", works_the_referral)
rules.add_perm("frontline.export", manages_the_agency)
rules.add_perm("frontline.coordinate", coordinates)
rules.add_perm("frontline.verify_partners", is_site_convener | is_site_admin)
rules.add_perm("frontline.manage_rules", is_site_admin)
rules.add_perm("frontline.register", rules.is_authenticated)
