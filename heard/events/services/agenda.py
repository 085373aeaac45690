"""A person's agenda: the sessions of a festival they mean to go to, kept for them alone."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heard.core.services import log_action
from heard.events.models import AgendaItem, Session


@transaction.atomic
def agenda_add(*, session: Session, by: Any) -> AgendaItem:
    """Put a session in someone's agenda. Only sessions of the released schedule of a published
    event: the working schedule still moves, and an agenda promises a time and a room. Adding a
    session twice (a double click, two tabs) leaves one item."""
    if session.event.published_at is None or session.published_starts_at is None:
        raise ValidationError(
            _("This session is not in the published schedule yet, so it cannot go in your agenda."),
            code="not_scheduled",
        )
    # get_or_create creates inside a savepoint and reads again if a concurrent request won the
    # race for the unique (user, session) constraint, so the person never sees an error for it.
    item, created = AgendaItem.objects.get_or_create(user=by, session=session)
    if created:
        log_action(action="agenda.added", by=by, target=session, organisation_id=session.event.organisation_id)
    return item


@transaction.atomic
def agenda_remove(*, session: Session, by: Any) -> bool:
    """Take a session out of someone's agenda; True if it was in it. Always allowed, even for a
    session that has since left the schedule, so nobody is stuck with it."""
    deleted, _rows = AgendaItem.objects.filter(user=by, session=session).delete()
    if deleted:
        log_action(action="agenda.removed", by=by, target=session, organisation_id=session.event.organisation_id)
    return bool(deleted)
