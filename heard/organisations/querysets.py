from __future__ import annotations

from typing import Any

from django.db import models


class AreaQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> AreaQuerySet:
        return self.filter(kind=kind)


class OrganisationQuerySet(models.QuerySet):
    def in_sector(self, sector: str) -> OrganisationQuerySet:
        return self.filter(sector=sector) if sector else self

    def serving(self, area: Any) -> OrganisationQuerySet:
        """Organisations serving the area, or a place that contains it, or a place inside it."""
        if area is None:
            return self
        related = [area.pk]
        if area.parent_id:
            related.append(area.parent_id)
            if area.parent.parent_id:
                related.append(area.parent.parent_id)
        return self.filter(
            models.Q(areas__in=related) | models.Q(areas__parent=area) | models.Q(areas__parent__parent=area)
        ).distinct()

    def managed_by(self, user: Any) -> OrganisationQuerySet:
        from heard.organisations.enums import Role

        return self.filter(memberships__user=user, memberships__role__in=[Role.MANAGER, Role.ADMINISTRATOR]).distinct()


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> MembershipQuerySet:
        return self.filter(user=user)
