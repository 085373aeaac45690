from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heard.accounts.models import User
from heard.demo import world
from heard.demo.people import PEOPLE


class Command(BaseCommand):
    help = "Load the demo world (the borough of Millbrook). Run again, it keeps the data it has."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.HEARD_DEMO):
            # The demo accounts' password and two-factor secrets are published: on a real site
            # they would hand anyone the keys.
            raise CommandError("The demo world loads only in debug or demo mode (DEBUG=true or HEARD_DEMO=true).")
        if User.objects.filter(email=PEOPLE[0].email).exists():
            self.stdout.write("The demo world is already loaded; nothing changed.")
            return
        built = world.build()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo world: {len(built['people'])} people, "
                f"{len(built['organisations'])} organisations, {len(built['areas'])} areas, "
                f"{len(built['services'])} services."
            )
        )
