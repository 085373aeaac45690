"""What organisers set up: events, their venue and rooms, and a festival's call for hosts with its
questions, review criteria and review teams."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.accounts.models import User
from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.core.text import required_text, without_control_characters
from heard.events.models import Call, CallQuestion, Event, ReviewCriterion, ReviewTeam, Room, Venue

EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "venue",
    "online_url",
    "opens",
    "closes",
    "capacity",
)


def _check_event(event: Event) -> None:
    if event.starts_at >= event.ends_at:
        raise ValidationError({"ends_at": _("The event must end after it starts.")})
    if event.opens >= event.closes:
        raise ValidationError({"closes": _("The doors must close after they open.")})
    if event.capacity < event.booked:
        raise ValidationError(
            {
                "capacity": _("%(n)d people already have a place: the event needs at least that many.")
                % {"n": event.booked}
            }
        )
    if event.venue is not None and event.venue.organisation_id != event.organisation_id:
        raise ValidationError({"venue": _("Choose one of your organisation's venues.")})


@transaction.atomic
def event_create(*, organisation: Any, by: Any, fields: dict[str, Any]) -> Event:
    """An organisation plans an event; it stays unpublished until they publish it."""
    event = Event(organisation=organisation, created_by=by)
    for name in EVENT_FIELDS:
        if name in fields:
            setattr(event, name, fields[name])
    event.title = required_text(event.title, field="title", limit=200, empty=_("Give the event a title."))
    event.description = without_control_characters(event.description or "").strip()
    event.slug = unique_slug(Event.objects.all(), event.title, fallback="event")
    _check_event(event)
    event.save()
    if "themes" in fields:
        event.themes.set(fields["themes"])
    log_action(action="event.created", by=by, target=event, organisation_id=organisation.pk)
    return event


@transaction.atomic
def event_update(*, event: Event, by: Any, fields: dict[str, Any]) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    for name in EVENT_FIELDS:
        if name in fields:
            setattr(event, name, fields[name])
    event.title = required_text(event.title, field="title", limit=200, empty=_("Give the event a title."))
    event.description = without_control_characters(event.description or "").strip()
    _check_event(event)
    event.save()
    if "themes" in fields:
        event.themes.set(fields["themes"])
    log_action(action="event.updated", by=by, target=event, organisation_id=event.organisation_id)
    return event


@transaction.atomic
def event_publish(*, event: Event, by: Any, publish: bool = True) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.published_at = timezone.now() if publish else None
    event.save(update_fields=["published_at", "updated_at"])
    log_action(
        action="event.published" if publish else "event.unpublished",
        by=by,
        target=event,
        organisation_id=event.organisation_id,
    )
    return event


@transaction.atomic
def venue_create(*, event: Event, by: Any, name: str, address: str = "", access: str = "") -> Venue:
    """A venue of the event's organisation, used by this event."""
    venue = Venue.objects.create(
        organisation=event.organisation,
        name=required_text(name, field="name", limit=200, empty=_("Give the venue a name.")),
        address=without_control_characters(address).strip(),
        access=without_control_characters(access).strip(),
    )
    Event.objects.filter(pk=event.pk).update(venue=venue)
    event.venue = venue
    log_action(action="venue.created", by=by, target=venue, organisation_id=event.organisation_id)
    return venue


@transaction.atomic
def room_add(*, venue: Venue, by: Any, name: str, capacity: int) -> Room:
    name = required_text(name, field="name", limit=120, empty=_("Give the room a name."))
    if venue.rooms.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This venue already has a room with that name.")})
    if capacity < 1:
        raise ValidationError({"capacity": _("A room needs at least one seat.")})
    room = Room.objects.create(venue=venue, name=name, capacity=capacity, position=venue.rooms.count())
    log_action(action="room.added", by=by, target=room, organisation_id=venue.organisation_id)
    return room


@transaction.atomic
def room_remove(*, room: Room, by: Any) -> None:
    from heard.events.models import Session

    if Session.objects.filter(room=room).exists() or Session.objects.filter(published_room=room).exists():
        raise ValidationError(_("Sessions are scheduled in this room: move them first."))
    log_action(action="room.removed", by=by, target=room, organisation_id=room.venue.organisation_id)
    room.delete()


@transaction.atomic
def call_save(*, event: Event, by: Any, fields: dict[str, Any]) -> Call:
    """Open (or change) the event's call for hosts."""
    opens_at: dt.datetime = fields["opens_at"]
    deadline: dt.datetime = fields["deadline"]
    if opens_at >= deadline:
        raise ValidationError({"deadline": _("The deadline must come after the call opens.")})
    if deadline > event.starts_at:
        raise ValidationError({"deadline": _("The deadline must come before the event starts.")})
    call, created = Call.objects.select_for_update().get_or_create(
        event=event, defaults={"opens_at": opens_at, "deadline": deadline}
    )
    for name in (
        "guidance",
        "opens_at",
        "deadline",
        "anonymised_review",
        "accept_template",
        "waitlist_template",
        "reject_template",
    ):
        if name in fields:
            value = fields[name]
            setattr(call, name, without_control_characters(value).strip() if isinstance(value, str) else value)
    call.save()
    log_action(
        action="call.opened" if created else "call.changed", by=by, target=call, organisation_id=event.organisation_id
    )
    return call


@transaction.atomic
def question_add(*, call: Call, by: Any, text: str, help_text: str = "", required: bool = False) -> CallQuestion:
    question = CallQuestion.objects.create(
        call=call,
        text=required_text(text, field="text", limit=300, empty=_("Write the question.")),
        help_text=without_control_characters(help_text).strip()[:300],
        required=required,
        position=call.questions.count(),
    )
    log_action(action="call.question_added", by=by, target=call, organisation_id=call.event.organisation_id)
    return question


@transaction.atomic
def question_remove(*, question: CallQuestion, by: Any) -> None:
    call = question.call
    if question.answers.exclude(text="").exists():
        raise ValidationError(_("People have answered this question, so it stays."))
    question.delete()
    log_action(action="call.question_removed", by=by, target=call, organisation_id=call.event.organisation_id)


@transaction.atomic
def criterion_add(*, call: Call, by: Any, name: str, description: str = "", weight: int = 1) -> ReviewCriterion:
    if call.criteria.filter(scores__isnull=False).exists():
        raise ValidationError(_("Reviews have begun, so the criteria are fixed: scores would not compare."))
    if not 1 <= weight <= 10:
        raise ValidationError({"weight": _("Give a weight from 1 to 10.")})
    criterion = ReviewCriterion.objects.create(
        call=call,
        name=required_text(name, field="name", limit=120, empty=_("Name the criterion.")),
        description=without_control_characters(description).strip()[:300],
        weight=weight,
        position=call.criteria.count(),
    )
    log_action(action="call.criterion_added", by=by, target=call, organisation_id=call.event.organisation_id)
    return criterion


@transaction.atomic
def criterion_remove(*, criterion: ReviewCriterion, by: Any) -> None:
    call = criterion.call
    if criterion.scores.exists():
        raise ValidationError(_("Reviews have begun, so the criteria are fixed: scores would not compare."))
    criterion.delete()
    log_action(action="call.criterion_removed", by=by, target=call, organisation_id=call.event.organisation_id)


@transaction.atomic
def team_add(*, call: Call, by: Any, name: str, themes: Any = ()) -> ReviewTeam:
    team = ReviewTeam.objects.create(
        call=call, name=required_text(name, field="name", limit=120, empty=_("Name the team."))
    )
    team.themes.set(themes)
    log_action(action="call.team_added", by=by, target=call, organisation_id=call.event.organisation_id)
    return team


@transaction.atomic
def team_member_add(*, team: ReviewTeam, by: Any, email: str) -> User:
    """Add a reviewer, who must already have an account."""
    person = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if person is None:
        raise ValidationError(
            {"email": _("Nobody has an account with that email address. Ask them to create one first.")}
        )
    team.members.add(person)
    log_action(action="call.reviewer_added", by=by, target=team.call, organisation_id=team.call.event.organisation_id)
    return person


@transaction.atomic
def team_member_remove(*, team: ReviewTeam, by: Any, user: Any) -> None:
    team.members.remove(user)
    log_action(action="call.reviewer_removed", by=by, target=team.call, organisation_id=team.call.event.organisation_id)
