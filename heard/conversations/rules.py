"""Who may do what with conversations (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.conversations.enums import Participation
from heard.conversations.models import Participant
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
def is_open_to_everyone(user: Any, conversation: Any) -> bool:
    return conversation is not None and conversation.participation == Participation.OPEN


@rules.predicate
def is_for_signed_in_people(user: Any, conversation: Any) -> bool:
    return conversation is not None and conversation.participation == Participation.SIGNED_IN


@rules.predicate
def is_by_invitation(user: Any, conversation: Any) -> bool:
    return conversation is not None and conversation.participation == Participation.INVITED


@rules.predicate
def already_takes_part(user: Any, conversation: Any) -> bool:
    """An account that already has a participant in it (for invitation-only conversations, one
    that came in through an invitation). Anonymous participants are known by their cookie, which
    only the views can see, so the views let those in themselves."""
    if conversation is None or not getattr(user, "is_authenticated", False):
        return False
    return Participant.objects.filter(conversation=conversation, user=user).exists()


rules.add_perm("conversations.view_manage", convenes_anywhere | is_site_admin)
rules.add_perm("conversations.manage", convenes | is_site_admin)
# Who may vote and add statements (whether the conversation is open now is a separate matter).
rules.add_perm(
    "conversations.take_part",
    is_open_to_everyone | (is_for_signed_in_people & rules.is_authenticated) | (is_by_invitation & already_takes_part),
)
