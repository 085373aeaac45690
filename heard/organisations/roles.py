"""A person's roles, loaded once per request and kept on the user object.

Every permission check about organisations reads from here, so a page that checks ten
permissions still runs one query for roles.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from heard.organisations.enums import Role

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from heard.organisations.models import Organisation

_CACHE_ATTRIBUTE = "_heard_roles"


def roles_by_organisation(user: Any) -> dict[int, frozenset[str]]:
    """{organisation id: {role, ...}} for a signed-in person; empty for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        from heard.organisations.models import Membership

        found: dict[int, set[str]] = defaultdict(set)
        operator_roles: set[str] = set()
        for organisation_id, role, is_operator in Membership.objects.filter(user=user).values_list(
            "organisation_id", "role", "organisation__is_operator"
        ):
            found[organisation_id].add(role)
            if is_operator:
                operator_roles.add(role)
        cached = {org_id: frozenset(roles) for org_id, roles in found.items()}
        setattr(user, _CACHE_ATTRIBUTE, cached)
        user._heard_site_admin = Role.ADMINISTRATOR in operator_roles
        user._heard_operator_roles = frozenset(operator_roles)
    return cached


def organisation_ids_with(user: Any, *roles: str) -> list[int]:
    """The organisations in which this person holds any of `roles` (from the cached roles)."""
    return [pk for pk, held in roles_by_organisation(user).items() if held.intersection(roles)]


def within_organisations_with(queryset: QuerySet, user: Any, *roles: str, field: str = "organisation") -> QuerySet:
    """`queryset` narrowed to the rows whose `field` (an organisation) is one where this person
    holds any of `roles`: all of it for a site administrator. What every manage list covers."""
    if is_site_admin(user):
        return queryset
    return queryset.filter(**{f"{field}__in": organisation_ids_with(user, *roles)})


def organisations_with(user: Any, *roles: str) -> QuerySet[Organisation]:
    """The organisations in which this person holds any of `roles`, by name: every organisation for
    a site administrator. What a "new …" form offers to act for, and what a manage list covers."""
    from heard.organisations.models import Organisation

    if is_site_admin(user):
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(pk__in=organisation_ids_with(user, *roles)).order_by("name")


def forget_roles(user: Any) -> None:
    """Drop the cached roles after they change (a service calls this)."""
    for attribute in (_CACHE_ATTRIBUTE, "_heard_site_admin", "_heard_operator_roles"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def holds_any_role(user: Any) -> bool:
    return bool(roles_by_organisation(user))


def is_site_admin(user: Any) -> bool:
    """A superuser, or an administrator of the organisation that runs this site."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles_by_organisation(user)
    return bool(getattr(user, "_heard_site_admin", False))


def has_site_role(user: Any, *roles: str) -> bool:
    """Holds one of `roles` in the organisation that runs the site (its conveners work site-wide)."""
    roles_by_organisation(user)
    return bool(getattr(user, "_heard_operator_roles", frozenset()).intersection(roles))


def has_role(user: Any, organisation: Any, *roles: str) -> bool:
    if organisation is None:
        return False
    held = roles_by_organisation(user).get(organisation.pk, frozenset())
    return bool(held.intersection(roles))


def is_staff_person(user: Any) -> bool:
    """Anyone who holds a role, can use the admin site, or administers the site: they must use
    two-factor authentication."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_staff or user.is_superuser or holds_any_role(user)
    )
