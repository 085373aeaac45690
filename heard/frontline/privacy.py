"""Retention: the personal details of closed flags are erased after a set time, leaving anonymous
figures. (Key rotation covers every encrypted field of every app: `manage.py rotate_encryption_keys`.)"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from heard.core.services import log_action
from heard.frontline.access import system_read
from heard.frontline.enums import FlagStatus
from heard.frontline.models import Flag, FlagUpdate, ReferralEvent


def retention_erase(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Erase the personal details of flags closed more than FRONTLINE_RETENTION_DAYS ago: what was
    noticed, who, where and how to reach the flagger, and the case notes. Category, urgency, area,
    dates and outcomes stay, for the anonymous figures. Returns how many flags were erased."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FRONTLINE_RETENTION_DAYS)
    erased = 0
    while True:
        with transaction.atomic():
            ids = list(
                Flag.objects.filter(status=FlagStatus.CLOSED, closed_at__lt=cutoff, personal_erased_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return erased
            Flag.objects.filter(pk__in=ids).update(
                details=None, location=None, subject=None, flagger_contact=None, personal_erased_at=now
            )
            ReferralEvent.objects.filter(referral__flag_id__in=ids).update(note=None)
            FlagUpdate.objects.filter(flag_id__in=ids).update(thanks="")
            system_read(flag_id=None, purpose="erase", detail=f"{len(ids)} flags closed before {cutoff:%Y-%m-%d}")
            log_action(action="frontline.retention_erased", data={"flags": len(ids)})
            erased += len(ids)
