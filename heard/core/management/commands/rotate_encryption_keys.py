"""After adding a new key first in FIELD_ENCRYPTION_KEYS: encrypt every stored value with it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from heard.core.crypto import rotate_all
from heard.core.services import log_action


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key (the first in FIELD_ENCRYPTION_KEYS)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_all()
        log_action(action="encryption.keys_rotated", data=counts)
        for column, count in counts.items():
            self.stdout.write(f"{column}: {count}")
