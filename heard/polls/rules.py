"""Who may do what with polls (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import is_site_admin


def _organisation(target: Any) -> Any:
    """A poll's organisation, or the organisation itself."""
    return getattr(target, "organisation", target)


@rules.predicate
def convenes(user: Any, target: Any) -> bool:
    return target is not None and roles.has_role(user, _organisation(target), Role.CONVENER)


@rules.predicate
def analyses(user: Any, target: Any) -> bool:
    return target is not None and roles.has_role(user, _organisation(target), Role.ANALYST, Role.CONVENER)


@rules.predicate
def convenes_anywhere(user: Any) -> bool:
    return any(Role.CONVENER in held for held in roles.roles_by_organisation(user).values())


@rules.predicate
def analyses_anywhere(user: Any) -> bool:
    return any(held & {Role.CONVENER, Role.ANALYST} for held in roles.roles_by_organisation(user).values())


@rules.predicate
def results_are_public(user: Any, poll: Any) -> bool:
    return poll is not None and poll.results_public


rules.add_perm("polls.view_manage", analyses_anywhere | is_site_admin)
rules.add_perm("polls.create", convenes_anywhere | is_site_admin)
rules.add_perm("polls.manage", convenes | is_site_admin)
rules.add_perm("polls.analyse", analyses | is_site_admin)
rules.add_perm("polls.view_results", results_are_public | analyses | is_site_admin)
rules.add_perm("polls.join_panel", rules.is_authenticated)
