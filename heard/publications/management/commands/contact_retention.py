"""Daily: delete contact messages that arrived more than a year ago."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from heard.publications.services.contact import contact_retention_apply


class Command(BaseCommand):
    help = "Delete contact messages that arrived more than 365 days ago, handled or not."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{contact_retention_apply()} contact message(s) deleted.")
