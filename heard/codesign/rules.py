"""Who may do what in co-design (django-rules). Phases are checked by the services, which say why
something cannot be done now; these say who may do it at all."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.models import Organisation
from heard.organisations.rules import is_site_admin

# The roles that pose challenges and answer for their outcomes.
RUNNING_ROLES = (Role.CONVENER, Role.MANAGER)


def _organisation_of(thing: Any) -> Any:
    """The organisation behind a challenge, idea, comment, decision or commitment."""
    if isinstance(thing, Organisation):
        return thing
    organisation = getattr(thing, "organisation", None)
    if organisation is not None:
        return organisation
    for attribute in ("challenge", "idea"):
        if hasattr(thing, attribute):
            return _organisation_of(getattr(thing, attribute))
    return None


@rules.predicate
def runs(user: Any, thing: Any) -> bool:
    """A convener or manager of the organisation behind the challenge (or idea, comment, commitment)."""
    return thing is not None and roles.has_role(user, _organisation_of(thing), *RUNNING_ROLES)


@rules.predicate
def site_convener(user: Any) -> bool:
    return roles.has_site_role(user, Role.CONVENER)


@rules.predicate
def runs_anywhere(user: Any) -> bool:
    return any(held.intersection(RUNNING_ROLES) for held in roles.roles_by_organisation(user).values())


@rules.predicate
def owns_commitment(user: Any, commitment: Any) -> bool:
    return commitment is not None and commitment.owner_id == getattr(user, "pk", None)


rules.add_perm("codesign.view_manage", runs_anywhere | site_convener | is_site_admin)
rules.add_perm("codesign.manage_challenge", runs | is_site_admin)
# Moderating comments and ideas: the organisation's own people, or the site's conveners.
rules.add_perm("codesign.moderate", runs | site_convener | is_site_admin)
rules.add_perm("codesign.decide", runs)
rules.add_perm("codesign.update_commitment", runs | owns_commitment)
rules.add_perm("codesign.take_part", rules.is_authenticated)
