"""Joining flags up: when a flag arrives, the earlier flags of its postcode district are scored
against it by record linkage (`heard.frontline.linkage`, Fellegi–Sunter); likely matches become
proposed links, with their match weight and evidence, for a caseworker to confirm or reject. A
nightly `manage.py flags_link` runs the whole set. The linkage reads personal details only inside
this worker, and each read is logged."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import log_action
from heard.frontline import linkage
from heard.frontline.access import system_read
from heard.frontline.enums import LinkStatus
from heard.frontline.models import Flag, FlagLink, LinkageModel

# Earlier flags compared with a new one: those of its postcode district, newest first.
CANDIDATES_PER_FLAG = 5000


def _records(flags: list[Flag]) -> linkage.Records:
    rows = []
    for flag in flags:
        subject, location = flag.subject or {}, flag.location or {}
        first, surname = linkage.split_name(subject.get("name") or "")
        rows.append(
            {
                "id": flag.pk,
                "first_name": first,
                "surname": surname,
                "approx_age": subject.get("approx_age"),
                "address": location.get("address") or location.get("place") or "",
                "postcode": location.get("postcode") or "",
            }
        )
    return linkage.Records.from_rows(rows)


def _parameters(records: int) -> linkage.Parameters:
    latest = LinkageModel.objects.first()
    return linkage.Parameters.from_dict(latest.parameters) if latest else linkage.Parameters.default(records=records)


def _propose(found: list[linkage.Link]) -> int:
    """New proposals for pairs not linked before (a rejected pair is not proposed again)."""
    known = set()
    if found:
        pairs = {(item.id_a, item.id_b) for item in found}
        known = set(
            FlagLink.objects.filter(
                first_id__in={a for a, _b in pairs}, second_id__in={b for _a, b in pairs}
            ).values_list("first_id", "second_id")
        )
    made = FlagLink.objects.bulk_create(
        FlagLink(
            first_id=item.id_a,
            second_id=item.id_b,
            kind=item.kind,
            match_weight=round(item.match_weight, 3),
            probability=round(item.probability, 6),
            evidence={name: dict(part) for name, part in item.evidence.items()},
        )
        for item in found
        if (item.id_a, item.id_b) not in known
    )
    return len(made)


def _linkable() -> QuerySet[Flag]:
    """Flags that still have their details, with only the fields linkage compares."""
    return Flag.with_personal.filter(personal_erased_at__isnull=True).only(
        "pk", "subject", "location", "postcode_district", "created_at"
    )


def links_for_new_flag(*, flag_id: int) -> int:
    """Score a new flag against the earlier flags of its postcode district (or, without one, the
    most recent flags) and propose the likely links. Returns how many were proposed."""
    flag = _linkable().filter(pk=flag_id).first()
    if flag is None:
        return 0
    earlier = _linkable().exclude(pk=flag.pk).order_by("-created_at")
    if flag.postcode_district:
        earlier = earlier.filter(postcode_district=flag.postcode_district)
    candidates = list(earlier[:CANDIDATES_PER_FLAG])
    if not candidates:
        return 0
    system_read(
        flag_id=flag.pk,
        purpose="linkage",
        detail=f"compared with {len(candidates)} earlier flags of {flag.postcode_district or 'recent flags'}",
    )
    found = linkage.links_for(_records([flag]), _records(candidates), _parameters(len(candidates) + 1))
    with transaction.atomic():
        return _propose(found)


def links_refresh(*, seed: int = 0) -> dict[str, int]:
    """The nightly run: train the model on every flag that still has its details, keep it, and
    propose the links it finds that are not proposed yet."""
    flags = list(_linkable().order_by("pk"))
    if len(flags) < 2:
        return {"flags": len(flags), "links": 0, "proposed": 0}
    system_read(flag_id=None, purpose="linkage", detail=f"the nightly run over {len(flags)} flags")
    result = linkage.link(_records(flags), seed=seed)
    with transaction.atomic():
        LinkageModel.objects.create(
            parameters=result.parameters.to_dict(), flags=len(flags), candidate_pairs=result.candidate_pairs
        )
        proposed = _propose(result.links)
        log_action(
            action="frontline.linkage_run", data={"flags": len(flags), "links": len(result.links), "proposed": proposed}
        )
    return {"flags": len(flags), "links": len(result.links), "proposed": proposed}


@transaction.atomic
def link_decide(*, link: FlagLink, by: Any, confirm: bool) -> FlagLink:
    if link.status != LinkStatus.PROPOSED:
        raise ValidationError(_("This link has already been decided."))
    link.status = LinkStatus.CONFIRMED if confirm else LinkStatus.REJECTED
    link.decided_by = by
    link.decided_at = timezone.now()
    link.save(update_fields=["status", "decided_by", "decided_at"])
    log_action(action="flag_link.confirmed" if confirm else "flag_link.rejected", by=by, target=link)
    return link
