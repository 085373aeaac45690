"""Who may do what with publications, newsletters and contact messages (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import is_site_admin

# The roles that publish for an organisation, send its newsletter and read its contact messages.
PUBLISHING_ROLES = (Role.CONVENER, Role.MANAGER)


def organisation_of(thing: Any) -> Any:
    """The organisation behind a publication, newsletter, issue, contact topic or message."""
    if thing is None:
        return None
    for path in ("organisation", "newsletter.organisation", "topic.organisation"):
        current = thing
        for part in path.split("."):
            current = getattr(current, part, None)
        if current is not None:
            return current
    return None


@rules.predicate
def publishes_for(user: Any, thing: Any) -> bool:
    organisation = organisation_of(thing)
    return organisation is not None and roles.has_role(user, organisation, *PUBLISHING_ROLES)


@rules.predicate
def publishes_anywhere(user: Any) -> bool:
    return any(held.intersection(PUBLISHING_ROLES) for held in roles.roles_by_organisation(user).values())


rules.add_perm("publications.view_manage", publishes_anywhere | is_site_admin)
rules.add_perm("publications.manage_publication", publishes_for | is_site_admin)
rules.add_perm("publications.manage_newsletter", publishes_for | is_site_admin)
rules.add_perm("publications.read_contact", publishes_for | is_site_admin)
