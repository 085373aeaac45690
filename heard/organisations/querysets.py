from __future__ import annotations

from typing import Any

from django.db import models


class AreaQuerySet(models.QuerySet):
    def of_kind(self, kind: str) -> AreaQuerySet:
        return self.filter(kind=kind)


def serving_area(area: Any, *, through: str = "areas") -> models.Q:
    """Rows whose areas (the relation `through`) serve `area`: the area itself, a place that
    contains it, or a place inside it. Use with .distinct()."""
    related = [area.pk]
    if area.parent_id:
        related.append(area.parent_id)
        if area.parent.parent_id:
            related.append(area.parent.parent_id)
    return (
        models.Q(**{f"{through}__in": related})
        | models.Q(**{f"{through}__parent": area})
        | models.Q(**{f"{through}__parent__parent": area})
    )


class OrganisationQuerySet(models.QuerySet):
    def in_sector(self, sector: str) -> OrganisationQuerySet:
        return self.filter(sector=sector) if sector else self

    def serving(self, area: Any) -> OrganisationQuerySet:
        """Organisations serving the area, or a place that contains it, or a place inside it."""
        return self if area is None else self.filter(serving_area(area)).distinct()

    def managed_by(self, user: Any) -> OrganisationQuerySet:
        from heard.organisations.enums import Role

        return self.filter(memberships__user=user, memberships__role__in=[Role.MANAGER, Role.ADMINISTRATOR]).distinct()


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> MembershipQuerySet:
        return self.filter(user=user)
