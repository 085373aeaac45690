"""Import a Pol.is export (the openData layout) as a conversation of an organisation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from heard.conversations import interchange
from heard.organisations.models import Organisation


class Command(BaseCommand):
    help = "Import a Pol.is export directory (comments.csv, votes.csv, ...) as a conversation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--polis-dir", required=True, help="the export's directory")
        parser.add_argument("--organisation", required=True, help="the slug of the organisation it belongs to")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation {options['organisation']!r}.")
        try:
            conversation = interchange.import_directory(
                directory=options["polis_dir"], organisation=organisation, by=None
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Imported “{conversation.topic}” as /conversations/{conversation.slug}/")
