"""Reads for the organisations and areas pages, each with a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from heard.core import postcodes
from heard.core.models import ActivityLog
from heard.organisations.models import Area, Membership, Organisation, PostcodePrefix


def organisation_list(*, sector: str = "", area: Area | None = None) -> QuerySet[Organisation]:
    return Organisation.objects.in_sector(sector).serving(area).order_by("name")


def organisation_detail(*, slug: str) -> Organisation:
    return get_object_or_404(
        Organisation.objects.prefetch_related(Prefetch("areas", queryset=Area.objects.select_related("parent"))),
        slug=slug,
    )


def organisation_for_manage(request: Any, slug: str, **_: Any) -> Organisation:
    """The object getter that staff views hand to the permission check."""
    return get_object_or_404(Organisation, slug=slug)


def area_list(*, kind: str = "") -> QuerySet[Area]:
    areas = Area.objects.select_related("parent").annotate(child_count=Count("children"))
    return (areas.filter(kind=kind) if kind else areas).order_by("kind", "name")


def area_detail(*, slug: str) -> Area:
    return get_object_or_404(Area.objects.select_related("parent__parent"), slug=slug)


def area_children(*, area: Area) -> QuerySet[Area]:
    return area.children.order_by("name")


def area_for_postcode(*, postcode: str) -> Area | None:
    """The area whose postcode prefix is the longest match, in one query."""
    candidates = postcodes.prefixes(postcode)
    if not candidates:
        return None
    matches = {
        match.prefix: match.area
        for match in PostcodePrefix.objects.filter(prefix__in=candidates).select_related("area")
    }
    for prefix in candidates:  # longest first
        if prefix in matches:
            return matches[prefix]
    return None


def memberships_of(*, user: Any) -> QuerySet[Membership]:
    return Membership.objects.for_user(user).select_related("organisation").order_by("organisation__name", "role")


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__email", "role")


def organisation_activity(*, organisation: Organisation) -> QuerySet[ActivityLog]:
    return ActivityLog.objects.filter(organisation_id=organisation.pk).select_related("actor")


def sole_administrator_of(*, user: Any) -> list[Organisation]:
    """Organisations where this person is the only administrator."""
    from heard.organisations.enums import Role

    administered = Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).values("organisation_id")
    # Counted in a separate filter from the one that finds this person's organisations, so the
    # count sees every administrator, not only this person's row.
    return list(
        Organisation.objects.filter(pk__in=administered)
        .annotate(administrators=Count("memberships", filter=Q(memberships__role=Role.ADMINISTRATOR)))
        .filter(administrators=1)
        .order_by("name")
    )
