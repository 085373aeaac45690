from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from heard.directory.openreferral import service_to_oruk
from heard.directory.selectors import services_for_export


class Command(BaseCommand):
    help = "Print every public service as Open Referral UK JSON (a list of services)."

    def handle(self, *args: Any, **options: Any) -> None:
        services = [service_to_oruk(service) for service in services_for_export().iterator(chunk_size=500)]
        self.stdout.write(json.dumps(services, indent=2, ensure_ascii=False))
