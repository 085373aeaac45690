"""The one way to read a flag's personal details: each read or export writes one row to the
append-only access log (who, when, which flag, why) in the same transaction as the read.

Lists and inboxes never load the encrypted fields (`without_personal`), so a page that shows many
referrals decrypts nothing and logs nothing; a caseworker opens one flag's details by saying why."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from heard.frontline.enums import AccessReason
from heard.frontline.models import PERSONAL_FIELDS, Flag, PersonalDataAccess, Referral


def without_personal(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    return flags.defer(*PERSONAL_FIELDS)


def referrals_without_personal(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.defer(*(f"flag__{name}" for name in PERSONAL_FIELDS))


def _log(
    *, flag_id: int, user: Any, action: str, reason: str, detail: str = "", referral: Referral | None = None
) -> None:
    PersonalDataAccess.objects.create(
        flag_id=flag_id,
        referral=referral,
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        reason=reason,
        detail=detail[:300],
    )


@transaction.atomic
def personal_details(
    *, flag_id: int, user: Any, reason: str, detail: str = "", referral: Referral | None = None
) -> dict[str, Any]:
    """The flag's personal details, decrypted, for someone the caller has already checked may see
    them; logged with the reason given."""
    if reason not in AccessReason.values:
        raise ValueError(reason)
    flag = Flag.with_personal.only("pk", *PERSONAL_FIELDS, "personal_erased_at").get(pk=flag_id)
    _log(flag_id=flag_id, user=user, action="read", reason=reason, detail=detail, referral=referral)
    return {
        "details": flag.details or "",
        "location": flag.location or {},
        "subject": flag.subject or {},
        "contact": flag.flagger_contact or "",
        "erased": flag.personal_erased_at is not None,
    }


@transaction.atomic
def personal_details_for_export(*, flag_ids: list[int], user: Any, detail: str = "") -> dict[int, dict[str, Any]]:
    """Many flags' details for a manager's export: one log row per flag exported."""
    flags = Flag.with_personal.only("pk", *PERSONAL_FIELDS).filter(pk__in=flag_ids)
    found = {}
    for flag in flags:
        _log(flag_id=flag.pk, user=user, action="export", reason=AccessReason.EXPORT, detail=detail)
        found[flag.pk] = {
            "details": flag.details or "",
            "location": flag.location or {},
            "subject": flag.subject or {},
        }
    return found


def system_read(*, flag_id: int | None, purpose: str, detail: str) -> None:
    """Heard itself read flags' details (record linkage, retention): one log row per run, naming the
    flag it was for (if one) and how many flags were read, without a person."""
    PersonalDataAccess.objects.create(
        flag_id=flag_id, action=purpose, reason=AccessReason.LINK if purpose == "linkage" else "", detail=detail[:300]
    )
