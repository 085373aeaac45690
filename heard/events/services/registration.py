"""Registration: a place while there is one, the waiting list after that, and the first person
waiting promoted (and emailed) when someone cancels. The event row is locked for each change, so
concurrent registrations for the last places never overbook (PostgreSQL; SQLite serialises writes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.events.enums import RegistrationStatus
from heard.events.models import Event, Registration


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def registration_create(*, event: Event, by: Any, access_needs: str = "") -> Registration:
    """Book a place, or join the waiting list when the event is full."""
    event = _locked(event)
    if event.published_at is None:
        raise ValidationError(_("This event is not open for registration."))
    if event.ends_at <= timezone.now():
        raise ValidationError(_("This event has ended."))
    registration = Registration.objects.filter(event=event, user=by).first()
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise ValidationError(_("You are already registered for this event."))
    status = RegistrationStatus.BOOKED if event.booked < event.capacity else RegistrationStatus.WAITING
    needs = without_control_characters(access_needs).strip()[:1000]
    now = timezone.now()
    if registration is None:
        registration = Registration.objects.create(event=event, user=by, status=status, access_needs=needs)
    else:  # registering again after cancelling: the back of the queue
        registration.status, registration.access_needs = status, needs
        registration.created_at = registration.changed_at = now
        registration.save(update_fields=["status", "access_needs", "created_at", "changed_at"])
    if status == RegistrationStatus.BOOKED:
        Event.objects.filter(pk=event.pk).update(booked=F("booked") + 1)
    log_action(action=f"event.{status}", by=by, target=event, organisation_id=event.organisation_id)
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, by: Any) -> Registration | None:
    """Give up a place (or leave the waiting list). A freed place goes to the first person waiting,
    who is emailed; returns their registration, if anyone was promoted."""
    event = _locked(registration.event)
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
        .filter(event=event, status=RegistrationStatus.WAITING)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    if promoted is None:
        Event.objects.filter(pk=event.pk).update(booked=F("booked") - 1)
        return None
    promoted.status = RegistrationStatus.BOOKED
    promoted.changed_at = timezone.now()
    promoted.save(update_fields=["status", "changed_at"])
    email_queue(
        to=promoted.user.email,
        subject=_("A place has come up: %(title)s") % {"title": event.title},
        text_body=_(
            "Hello,\n\nSomeone cancelled, so you now have a place at “%(title)s” on %(date)s.\n"
            "If you cannot come after all, please cancel so the next person can.\n\nFrom the Heard team"
        )
        % {"title": event.title, "date": timezone.localtime(event.starts_at).strftime("%-d %B %Y, %H:%M")},
        kind="event_promoted",
        user=promoted.user,
    )
    log_action(action="event.promoted", target=event, organisation_id=event.organisation_id)
    return promoted
