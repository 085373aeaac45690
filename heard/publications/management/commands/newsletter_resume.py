"""Every 15 minutes: pick up newsletter issues whose sending stopped part way."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from heard.publications.models import NewsletterIssue
from heard.publications.services.sending import deliveries_resume, deliveries_retry_failed


class Command(BaseCommand):
    help = (
        "Resume newsletter issues still being sent: retry deliveries that are due, mark those a crash "
        "interrupted as unknown (never sent twice), and mark finished issues as sent. With --retry-failed "
        "ISSUE_ID, first put that issue's failed deliveries back in the queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry-failed",
            type=int,
            metavar="ISSUE_ID",
            help="Put the failed deliveries of this issue back in the queue (after a mail server problem is fixed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        issue_id = options.get("retry_failed")
        if issue_id is not None:
            issue = NewsletterIssue.objects.filter(pk=issue_id).first()
            if issue is None:
                raise CommandError(f"There is no newsletter issue {issue_id}.")
            try:
                retried = deliveries_retry_failed(issue=issue, by=None)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(f"Issue {issue_id}: {retried} failed delivery(ies) queued again.")
        result = deliveries_resume()
        self.stdout.write(
            f"{result['issues']} issue(s) being sent; {result['batches']} batch(es) enqueued; "
            f"{result['interrupted']} interrupted delivery(ies) marked unknown."
        )
