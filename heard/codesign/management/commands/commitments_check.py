"""Daily: record commitments that went past their due date and tell the people behind them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from heard.codesign.delivery import commitments_mark_late


class Command(BaseCommand):
    help = "Mark commitments past their due date as late, once each, and email the people behind their ideas."

    def handle(self, *args: Any, **options: Any) -> None:
        count = commitments_mark_late(site_url=settings.HEARD_SITE_URL)
        self.stdout.write(f"{count} commitment(s) went late.")
