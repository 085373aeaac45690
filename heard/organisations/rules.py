"""Who may do what with organisations, roles and areas (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role


@rules.predicate
def is_site_admin(user: Any) -> bool:
    return roles.is_site_admin(user)


@rules.predicate
def holds_any_role(user: Any) -> bool:
    return roles.holds_any_role(user)


@rules.predicate
def manages_organisation(user: Any, organisation: Any) -> bool:
    return roles.has_role(user, organisation, Role.MANAGER, Role.ADMINISTRATOR)


@rules.predicate
def administers_organisation(user: Any, organisation: Any) -> bool:
    return roles.has_role(user, organisation, Role.ADMINISTRATOR)


@rules.predicate
def is_member_of(user: Any, organisation: Any) -> bool:
    return organisation is not None and organisation.pk in roles.roles_by_organisation(user)


rules.add_perm("organisations.view_manage", holds_any_role | is_site_admin)
rules.add_perm("organisations.manage_members", manages_organisation | is_site_admin)
# Only administrators give or take away the administrator role, so a manager cannot raise
# themselves (administrators of the organisation running the site administer the whole site).
rules.add_perm("organisations.manage_administrators", administers_organisation | is_site_admin)
rules.add_perm("organisations.change_organisation", manages_organisation | is_site_admin)
rules.add_perm("organisations.view_activity", manages_organisation | is_site_admin)
rules.add_perm("organisations.manage_areas", is_site_admin)
rules.add_perm("organisations.manage_organisations", is_site_admin)
