"""Who may do what with stories (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import holds_any_role, is_site_admin


@rules.predicate
def is_site_convener(user: Any) -> bool:
    return roles.has_site_role(user, Role.CONVENER)


rules.add_perm("voice.moderate", is_site_convener | is_site_admin)


@rules.predicate
def responds_for_story(user: Any, story: Any) -> bool:
    """A responder of the organisation that runs the story's service."""
    return story is not None and roles.has_role(user, story.service.organisation, Role.RESPONDER)


@rules.predicate
def responds_for_organisation(user: Any, organisation: Any) -> bool:
    return roles.has_role(user, organisation, Role.RESPONDER, Role.MANAGER)


rules.add_perm("voice.respond", responds_for_story)
rules.add_perm("voice.view_organisation_stories", responds_for_organisation | is_site_admin)
rules.add_perm("voice.follow", rules.is_authenticated)


@rules.predicate
def speaks_for_service(user: Any, service: Any) -> bool:
    """A responder or manager of the organisation that runs the service."""
    return service is not None and roles.has_role(user, service.organisation, Role.RESPONDER, Role.MANAGER)


rules.add_perm("voice.record_change", speaks_for_service)

rules.add_perm("voice.subscribe", holds_any_role)
rules.add_perm("voice.manage_own_notifications", rules.is_authenticated)
