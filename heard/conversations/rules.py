"""Who may do what with conversations (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.conversations.services import take_part_refusal
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


@rules.predicate
def may_join(user: Any, conversation: Any) -> bool:
    """Whether someone not yet taking part may join (see `services.take_part_refusal`). Those who
    already take part are let in by the views, which know anonymous participants by their cookie;
    so no query here."""
    if conversation is None:
        return False
    signed_in = bool(getattr(user, "is_authenticated", False))
    return take_part_refusal(conversation, signed_in=signed_in, invited=False) is None


rules.add_perm("conversations.view_manage", convenes_anywhere | is_site_admin)
rules.add_perm("conversations.manage", convenes | is_site_admin)
# Who may vote and add statements, for someone not taking part yet (whether the conversation is open
# now is a separate matter).
rules.add_perm("conversations.take_part", may_join)
