"""Daily: each provider staff member with daily subscriptions gets one email of new stories."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from heard.voice.services import digests_send


class Command(BaseCommand):
    help = "Send the daily digest of newly published stories to subscribed staff (run once a day)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digests_send(site_url=settings.HEARD_SITE_URL)
        self.stdout.write(f"Queued {sent} digest emails.")
