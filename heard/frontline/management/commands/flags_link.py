"""Nightly: train the record-linkage model on all flags and propose the links it finds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from heard.frontline.linking import links_refresh


class Command(BaseCommand):
    help = "Link flags that probably concern the same person or household (proposals for caseworkers)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = links_refresh()
        self.stdout.write(
            f"{result['flags']} flags, {result['links']} likely links, {result['proposed']} newly proposed."
        )
