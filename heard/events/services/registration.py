"""Registration, for a whole event or for one session of a festival: a place while there is one,
the waiting list after that, and the first person waiting promoted (and emailed) when someone
cancels. The row holding the count (the event, or the session) is locked for each change, so
concurrent registrations for the last places never overbook (PostgreSQL; SQLite serialises
writes); a database constraint backs the count up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.events.enums import RegistrationStatus
from heard.events.models import Event, Registration, Session

# How long before the start people are reminded.
REMINDER_AHEAD = dt.timedelta(hours=48)


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y, %H:%M")


def _holder(event: Event, session: Session | None) -> tuple[Event | Session, int | None, dt.datetime, dt.datetime]:
    """Lock the row that counts the places; return it with its capacity, start and end."""
    if session is None:
        locked_event = Event.objects.select_for_update().get(pk=event.pk)
        return locked_event, locked_event.capacity, locked_event.starts_at, locked_event.ends_at
    locked = Session.objects.select_for_update(of=("self",)).select_related("published_room").get(pk=session.pk)
    if locked.published_starts_at is None or locked.published_ends_at is None:
        raise ValidationError(_("This session is not in the published schedule."))
    return locked, locked.places, locked.published_starts_at, locked.published_ends_at


def _title(event: Event, session: Session | None) -> str:
    return f"{session.title} ({event.title})" if session is not None else event.title


@transaction.atomic
def registration_create(
    *, event: Event, by: Any, access_needs: str = "", session: Session | None = None
) -> Registration:
    """Book a place, or join the waiting list when the event (or session) is full."""
    if session is not None and session.event_id != event.pk:
        raise ValidationError(_("This session is not part of this event."))
    holder, capacity, _starts, ends = _holder(event, session)
    if event.published_at is None:
        raise ValidationError(_("This event is not open for registration."))
    if capacity is None:
        raise ValidationError(_("This session does not take registrations: just come along."))
    if ends <= timezone.now():
        raise ValidationError(_("This event has ended."))
    registration = Registration.objects.filter(event=event, session=session, user=by).first()
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise ValidationError(_("You are already registered for this event."))
    status = RegistrationStatus.BOOKED if holder.booked < capacity else RegistrationStatus.WAITING
    needs = without_control_characters(access_needs).strip()[:1000]
    now = timezone.now()
    if registration is None:
        registration = Registration.objects.create(
            event=event, session=session, user=by, status=status, access_needs=needs
        )
    else:  # registering again after cancelling: the back of the queue
        registration.status, registration.access_needs = status, needs
        registration.created_at = registration.changed_at = now
        registration.reminded_at = registration.checked_in_at = None
        registration.save(
            update_fields=["status", "access_needs", "created_at", "changed_at", "reminded_at", "checked_in_at"]
        )
    if status == RegistrationStatus.BOOKED:
        type(holder).objects.filter(pk=holder.pk).update(booked=F("booked") + 1)
    log_action(
        action=f"event.{status}",
        by=by,
        target=event,
        organisation_id=event.organisation_id,
        data={"session": session.pk} if session is not None else None,
    )
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, by: Any) -> Registration | None:
    """Give up a place (or leave the waiting list). A freed place goes to the first person waiting,
    who is emailed; returns their registration, if anyone was promoted."""
    event = registration.event
    holder, _capacity, starts, _ends = _holder(event, registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration is already cancelled."))
    was_booked = registration.status == RegistrationStatus.BOOKED
    registration.status = RegistrationStatus.CANCELLED
    registration.changed_at = timezone.now()
    registration.save(update_fields=["status", "changed_at"])
    log_action(action="event.cancelled", by=by, target=event, organisation_id=event.organisation_id)
    if not was_booked:
        return None
    promoted = (
        Registration.objects.select_for_update()
        .filter(event=event, session=registration.session, status=RegistrationStatus.WAITING)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    if promoted is None:
        type(holder).objects.filter(pk=holder.pk).update(booked=F("booked") - 1)
        return None
    promoted.status = RegistrationStatus.BOOKED
    promoted.changed_at = timezone.now()
    promoted.save(update_fields=["status", "changed_at"])
    email_queue(
        to=promoted.user.email,
        subject=_("A place has come up: %(title)s") % {"title": _title(event, registration.session)},
        text_body=_(
            "Hello,\n\nSomeone cancelled, so you now have a place at “%(title)s” on %(date)s.\n"
            "If you cannot come after all, please cancel so the next person can.\n\nFrom the Heard team"
        )
        % {"title": _title(event, registration.session), "date": _when(starts)},
        kind="event_promoted",
        user=promoted.user,
    )
    log_action(action="event.promoted", target=event, organisation_id=event.organisation_id)
    return promoted


def reminders_send(*, now: dt.datetime | None = None, site_url: str = "") -> int:
    """Remind everyone with a place at an event or session starting within the next two days,
    once. Run hourly or daily (`manage.py events_remind`); returns how many were reminded."""
    now = now or timezone.now()
    horizon = now + REMINDER_AHEAD
    due = (
        Registration.objects.filter(
            status=RegistrationStatus.BOOKED, reminded_at__isnull=True, event__published_at__isnull=False
        )
        .filter(
            Q(session__isnull=True, event__starts_at__gt=now, event__starts_at__lte=horizon)
            | Q(session__isnull=False, session__published_starts_at__gt=now, session__published_starts_at__lte=horizon)
        )
        .select_related("event__venue", "session__published_room", "user")
        .order_by("pk")
    )
    sent = 0
    for registration in due.iterator(chunk_size=500):
        with transaction.atomic():
            # Claim the row first, so two runs at once remind nobody twice.
            claimed = Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            event, session = registration.event, registration.session
            starts = session.published_starts_at if session is not None else event.starts_at
            if starts is None:  # a session taken out of the schedule since: nothing to remind of
                continue
            where = session.published_room.name if session is not None and session.published_room else ""
            place = ", ".join(part for part in (where, event.venue.name if event.venue else event.place) if part)
            link = site_url + (f"/events/{event.slug}/sessions/{session.pk}/" if session else f"/events/{event.slug}/")
            email_queue(
                to=registration.user.email,
                subject=_("See you soon: %(title)s") % {"title": _title(event, session)},
                text_body=_(
                    "Hello,\n\nA reminder that you have a place at “%(title)s” on %(date)s%(place)s.\n"
                    "Details, and a way to cancel if you cannot come: %(link)s\n\nFrom the Heard team"
                )
                % {
                    "title": _title(event, session),
                    "date": _when(starts),
                    "place": f" ({place})" if place else "",
                    "link": link,
                },
                kind="event_reminder",
                user=registration.user,
            )
            sent += 1
    return sent


@transaction.atomic
def registration_check_in(*, registration: Registration, by: Any, undo: bool = False) -> Registration:
    """Mark someone as arrived at the door (or undo a mistaken tick)."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.BOOKED:
        raise ValidationError(_("Only people with a place can be checked in."))
    registration.checked_in_at = None if undo else timezone.now()
    registration.save(update_fields=["checked_in_at"])
    log_action(
        action="event.check_in_undone" if undo else "event.checked_in",
        by=by,
        target=registration.event,
        organisation_id=registration.event.organisation_id,
    )
    return registration
