"""Every 15 minutes: see to Pol.is imports a worker missed or dropped, and delete uploads left behind."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from heard.conversations.imports import polis_imports_tidy


class Command(BaseCommand):
    help = (
        "Queue again the Pol.is imports a worker missed, end as failed those whose worker stopped, delete "
        "uploads left behind, and forget imports finished more than 30 days ago."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(polis_imports_tidy(timezone.now()))
