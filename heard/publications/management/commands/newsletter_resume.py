"""Every 15 minutes: pick up newsletter issues whose sending stopped part way."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from heard.publications.services.sending import deliveries_resume


class Command(BaseCommand):
    help = (
        "Resume newsletter issues still being sent: retry deliveries that are due, mark those a crash "
        "interrupted as unknown (never sent twice), and mark finished issues as sent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = deliveries_resume()
        self.stdout.write(
            f"{result['issues']} issue(s) being sent; {result['batches']} batch(es) enqueued; "
            f"{result['interrupted']} interrupted delivery(ies) marked unknown."
        )
