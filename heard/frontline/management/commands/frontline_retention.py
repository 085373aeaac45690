"""Daily: erase the personal details of flags closed longer ago than FRONTLINE_RETENTION_DAYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from heard.frontline.privacy import retention_erase


class Command(BaseCommand):
    help = "Erase personal details of long-closed flags, keeping anonymous figures."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{retention_erase()} flag(s) erased.")
