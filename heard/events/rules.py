"""Who may do what with events (django-rules). Dates (a call's deadline, a session's state) are
checked by the services, which say why something cannot be done now; these say who may do it."""

from __future__ import annotations

from typing import Any

import rules

from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.rules import is_site_admin

# The roles that run an organisation's events.
RUNNING_ROLES = (Role.CONVENER, Role.MANAGER)


def event_of(thing: Any) -> Any:
    """The event behind an event, call, session or registration."""
    if thing is None:
        return None
    if hasattr(thing, "kind") and hasattr(thing, "capacity") and hasattr(thing, "slug"):
        return thing
    return getattr(thing, "event", None)


@rules.predicate
def runs(user: Any, thing: Any) -> bool:
    """A convener or manager of the organisation holding the event."""
    event = event_of(thing)
    return event is not None and roles.has_role(user, event.organisation, *RUNNING_ROLES)


@rules.predicate
def runs_anywhere(user: Any) -> bool:
    return any(held.intersection(RUNNING_ROLES) for held in roles.roles_by_organisation(user).values())


def hosts(user: Any, session: Any) -> bool:
    """The proposer of a session, or one of its hosts (see querysets.hosted_by_q)."""
    if session is None or not getattr(user, "is_authenticated", False):
        return False
    if session.proposer_id == user.pk:
        return True
    return type(session).objects.hosted_by(user).filter(pk=session.pk).exists()


@rules.predicate
def is_host(user: Any, session: Any) -> bool:
    return hosts(user, session)


def reviews_for(user: Any, call: Any) -> bool:
    """A member of one of the call's review teams."""
    return call is not None and call.teams.filter(members=user).exists()


def team_covers(user: Any, session: Any) -> bool:
    """One of the reviewer's teams reviews this session's theme (a team with no themes reviews all)."""
    teams = session.call.teams.filter(members=user) if session.call_id else None
    if teams is None:
        return False
    return teams.filter(themes__isnull=True).exists() or (
        session.theme_id is not None and teams.filter(themes=session.theme_id).exists()
    )


def conflicted(user: Any, session: Any) -> bool:
    """Nobody reviews a proposal from their own organisation, or one they host."""
    if session.organisation_id is not None and session.organisation_id in roles.roles_by_organisation(user):
        return True
    return hosts(user, session)


@rules.predicate
def is_reviewer(user: Any, thing: Any) -> bool:
    event = event_of(thing)
    return event is not None and reviews_for(user, getattr(event, "call", None))


@rules.predicate
def may_review(user: Any, session: Any) -> bool:
    return session is not None and team_covers(user, session) and not conflicted(user, session)


rules.add_perm("events.view_manage", runs_anywhere | is_site_admin)
rules.add_perm("events.manage_event", runs | is_site_admin)
rules.add_perm("events.take_part", rules.is_authenticated)
rules.add_perm("events.host_session", is_host)
# Reviewing is decided by the review teams and conflicts alone: being an administrator does not
# let someone review their own organisation's proposal (the views check it strictly).
rules.add_perm("events.review", is_reviewer)
rules.add_perm("events.review_session", may_review)
