"""Every 15 minutes: referrals past their acknowledgement deadline are escalated to the agency's managers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from heard.frontline.casework import escalations_send


class Command(BaseCommand):
    help = "Email agency managers about referrals not acknowledged in time (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{escalations_send(site_url=settings.HEARD_SITE_URL)} referral(s) escalated.")
