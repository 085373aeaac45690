"""Reads for Frontline screens. None of them decrypts personal details: that is `access`'s job."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from heard.core.pagination import InOrder
from heard.frontline.access import referrals_without_personal, without_personal
from heard.frontline.enums import OPEN_REFERRAL, Category, LinkStatus, Outcome, PartnerStatus, ReferralStatus
from heard.frontline.models import Agency, Flag, FlagLink, Partner, Referral, ReferralEvent, RoutingRule
from heard.frontline.rules import CASE_ROLES
from heard.organisations import roles
from heard.organisations.models import Area

# Counts below this are shown as "fewer than 5", so no small group can be singled out.
SUPPRESS_BELOW = 5


def agencies_of(user: Any) -> QuerySet[Agency]:
    held = roles.organisation_ids_with(user, *CASE_ROLES)
    return Agency.objects.filter(organisation_id__in=held).select_related("organisation").order_by("organisation__name")


def agency_for(request: Any, agency_id: int | None) -> Agency:
    """The agency whose inbox to show: one the person works at (the first, unless they chose one);
    any other agency is not found."""
    mine = agencies_of(request.user)
    chosen = mine.filter(pk=agency_id).first() if agency_id else mine.first()
    if chosen is None:
        raise Http404
    return chosen


def inbox(*, agency: Agency, show: str = "open") -> InOrder:
    """The agency's referrals, soonest deadline first; personal details are not loaded. Paged from
    the (agency, status, deadline) index, so a page costs the same with 100,000 referrals."""
    found = Referral.objects.filter(agency=agency)
    if show == "closed":
        found = found.exclude(status__in=OPEN_REFERRAL).order_by("-closed_at", "-pk")
    elif show == "overdue":
        found = found.filter(status=ReferralStatus.ROUTED, escalated_at__isnull=False).order_by("acknowledge_by", "id")
    else:
        found = found.filter(status__in=OPEN_REFERRAL).order_by("acknowledge_by", "id")
    return InOrder(referrals_without_personal(found.select_related("flag", "flag__area")))


def referral_for_case(request: Any, pk: int, **_: Any) -> Referral:
    return get_object_or_404(
        referrals_without_personal(
            Referral.objects.select_related(
                "flag", "flag__area", "agency__organisation", "transferred_to__agency__organisation"
            )
        ),
        pk=pk,
    )


def referral_events(*, referral: Referral) -> QuerySet[ReferralEvent]:
    """The referral's history, without the notes (they are personal: read through `access`)."""
    return referral.events.defer("note").select_related("by").order_by("-created_at", "-pk")


def referral_notes(*, referral: Referral) -> list[ReferralEvent]:
    return list(referral.events.select_related("by").order_by("-created_at", "-pk")[:100])


def other_agencies(*, referral: Referral) -> QuerySet[Agency]:
    return Agency.objects.exclude(pk=referral.agency_id).select_related("organisation").order_by("organisation__name")


def links_of(*, flag: Flag, agency: Agency | None = None) -> list[FlagLink]:
    """Proposed and confirmed links of this flag, strongest first (without personal details). For
    an agency, only links to flags it holds too: what other agencies hold is for coordinators."""
    found = FlagLink.objects.filter(Q(first=flag) | Q(second=flag)).exclude(status=LinkStatus.REJECTED)
    if agency is not None:
        held = Referral.objects.filter(agency=agency).values("flag_id")
        found = found.filter(first_id__in=held, second_id__in=held)
    return list(found.select_related("first", "second").order_by("-match_weight")[:20])


def linked_case(*, flag: Flag) -> list[Flag]:
    """The flags confirmed as one person or household with this one (following confirmed links),
    each with its referrals: for coordinators, across agencies."""
    seen = {flag.pk}
    frontier = [flag.pk]
    while frontier and len(seen) < 200:
        pairs = (
            FlagLink.objects.filter(status=LinkStatus.CONFIRMED)
            .filter(Q(first_id__in=frontier) | Q(second_id__in=frontier))
            .values_list("first_id", "second_id")
        )
        frontier = [pk for pair in pairs for pk in pair if pk not in seen]
        seen.update(frontier)
    return list(
        without_personal(Flag.objects.filter(pk__in=seen))
        .select_related("area")
        .prefetch_related("referrals__agency__organisation")
        .order_by("created_at")
    )


def flags_of(*, partner: Partner) -> QuerySet[Flag]:
    return without_personal(Flag.objects.filter(partner=partner)).order_by("-created_at", "-pk")


def flag_of(*, partner: Partner, reference: str) -> Flag:
    return get_object_or_404(
        without_personal(Flag.objects.filter(partner=partner)).prefetch_related("updates"), reference=reference
    )


def partners_waiting() -> QuerySet[Partner]:
    return (
        Partner.objects.filter(status=PartnerStatus.PENDING)
        .select_related("user", "area")
        .defer("phone")
        .order_by("created_at")
    )


def partners_all() -> QuerySet[Partner]:
    return Partner.objects.select_related("user", "area").defer("phone").order_by("-created_at", "-pk")


def rules_list() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("agency__organisation", "area").order_by(
        "agency__organisation__name", "pk"
    )


# --- safe statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A count as published: 1–4 as "<5", anything else rounded to the nearest 5, so neither a small
    group nor one hidden by subtracting from a total can be worked out."""

    count: int

    @property
    def suppressed(self) -> bool:
        return 0 < self.count < SUPPRESS_BELOW

    def __str__(self) -> str:
        if self.suppressed:
            return "<5"
        return str(5 * round(self.count / 5))


@dataclass(frozen=True)
class FrontlineFigures:
    categories: list[tuple[str, str]]
    rows: list[tuple[str, list[Cell], Cell]]  # area name, a cell per category, total
    flags: Cell
    median_hours_to_acknowledge: float | None
    closed: int
    closed_with_action: int

    @property
    def percent_closed_with_action(self) -> int | None:
        """Rounded to 5 points, and only over 20 or more closed referrals."""
        if self.closed < 20:
            return None
        return 5 * round(100 * self.closed_with_action / self.closed / 5)


def safe_statistics() -> FrontlineFigures:
    """Flags by area and category, counts under 5 shown as "<5"; the median time to acknowledge;
    the share of closed referrals closed with action. Anonymous; for the public page and the Index."""
    counts = Flag.objects.values("area__name", "category").annotate(n=Count("pk")).order_by()
    by_area: dict[str, dict[str, int]] = {}
    for row in counts:
        by_area.setdefault(row["area__name"] or "", {})[row["category"]] = row["n"]
    categories = list(Category.choices)
    rows = []
    for area in sorted(by_area, key=lambda name: (name == "", name)):
        cells = [Cell(by_area[area].get(value, 0)) for value, _label in categories]
        rows.append((area, cells, Cell(sum(by_area[area].values()))))
    waits = [
        (acknowledged - created).total_seconds() / 3600  # type: ignore[operator]  # filtered: never None
        for created, acknowledged in Referral.objects.filter(acknowledged_at__isnull=False)
        .order_by("-acknowledged_at")
        .values_list("created_at", "acknowledged_at")[:5000]
    ]
    closed = Referral.objects.filter(status=ReferralStatus.CLOSED).aggregate(
        closed=Count("pk"), with_action=Count("pk", filter=Q(outcome=Outcome.ACTION_TAKEN))
    )
    return FrontlineFigures(
        categories=[(value, str(label)) for value, label in categories],
        rows=rows,
        flags=Cell(sum(sum(cells.values()) for cells in by_area.values())),
        median_hours_to_acknowledge=round(statistics.median(waits), 1) if waits else None,
        closed=closed["closed"],
        closed_with_action=closed["with_action"],
    )


def areas_for_rules() -> QuerySet[Area]:
    return Area.objects.order_by("name")


def all_agencies() -> list[Agency]:
    return list(Agency.objects.select_related("organisation").order_by("organisation__name")[:200])
