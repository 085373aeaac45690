"""Hourly (or daily): remind people with a place at an event or session starting within two days."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from heard.events.services.registration import reminders_send


class Command(BaseCommand):
    help = "Email a reminder, once, to everyone with a place at an event or session starting in the next 48 hours."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reminders_send(site_url=settings.HEARD_SITE_URL)
        self.stdout.write(f"{count} reminder(s) sent.")
