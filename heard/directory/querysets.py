from __future__ import annotations

from typing import Any

from django.db import models

from heard.directory.enums import ServiceStatus
from heard.organisations.querysets import serving_area


class ServiceQuerySet(models.QuerySet):
    def listed(self) -> ServiceQuerySet:
        """Services the public directory shows: not closed for good."""
        return self.exclude(status=ServiceStatus.DEFUNCT)

    def not_private(self) -> ServiceQuerySet:
        return self.filter(is_private=False)

    def in_category(self, category: str) -> ServiceQuerySet:
        return self.filter(category=category) if category else self

    def of_organisation(self, organisation: Any) -> ServiceQuerySet:
        return self.filter(organisation=organisation) if organisation is not None else self

    def serving(self, area: Any) -> ServiceQuerySet:
        """Services serving the area, a place containing it, or a place inside it."""
        return self if area is None else self.filter(serving_area(area)).distinct()
