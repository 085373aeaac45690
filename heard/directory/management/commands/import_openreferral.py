from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from heard.directory import services
from heard.directory.openreferral import parse_services
from heard.organisations.enums import Sector


class Command(BaseCommand):
    help = "Import services from an Open Referral UK JSON file: all of it, or nothing if any service is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--sector",
            choices=Sector.values,
            default=Sector.VOLUNTARY,
            help="Sector of organisations not yet on Heard.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            payload = json.loads(options["path"].read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {options['path']}: {error}") from error
        parsed, errors = parse_services(payload)
        if errors:
            raise CommandError("Nothing was imported:\n" + "\n".join(errors))
        try:
            result = services.openreferral_import(services=parsed, default_sector=options["sector"], by=None)
        except ValidationError as error:
            raise CommandError("Nothing was imported:\n" + "\n".join(error.messages)) from error
        self.stdout.write(
            f"Imported {result.created} new services, updated {result.updated}, "
            f"added {result.organisations_created} organisations."
        )
        if result.unknown_areas:
            self.stdout.write("Service areas not on Heard (left out): " + ", ".join(result.unknown_areas))
