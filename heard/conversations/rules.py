"""Who may do what with conversations (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import is_site_admin


@rules.predicate
def convenes(user: Any, conversation: Any) -> bool:
    organisation = getattr(conversation, "organisation", conversation)
    return conversation is not None and roles.has_role(user, organisation, Role.CONVENER)


@rules.predicate
def convenes_anywhere(user: Any) -> bool:
    return any(Role.CONVENER in held for held in roles.roles_by_organisation(user).values())


rules.add_perm("conversations.view_manage", convenes_anywhere | is_site_admin)
rules.add_perm("conversations.manage", convenes | is_site_admin)
