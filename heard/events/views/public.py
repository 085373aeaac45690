"""Events as people meet them: what is coming up, one event, and registering or cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import login_required, public
from heard.events import feeds
from heard.events.models import Event, Session
from heard.events.selectors import agenda as agenda_selectors
from heard.events.selectors import events as selectors
from heard.events.services import registration as services


@public
def event_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.upcoming_events())
    return render(request, "events/list.html", {"page": page, "query": page_query(request)})


@public
def event(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event_page(request, slug)
    registration = selectors.registration_of(event=found, user=request.user)
    position = (
        selectors.waiting_position(registration=registration)
        if registration and registration.status == "waiting"
        else None
    )
    return render(
        request,
        "events/event.html",
        {
            "event": found,
            "registration": registration,
            "position": position,
            **selectors.event_page_extras(event=found, user=request.user),
        },
    )


@public
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    response = HttpResponse(feeds.event_calendar(found), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.slug}.ics"'
    return response


def _register_or_cancel(request: HttpRequest, event: Event, session: Session | None) -> None:
    try:
        if request.POST.get("action") == "cancel":
            registration = selectors.registration_of(event=event, user=request.user, session=session)
            if registration is None:
                raise ValidationError(_("You are not registered for this event."))
            services.registration_cancel(registration=registration, by=request.user)
            messages.success(request, _("Your registration is cancelled. Thank you for letting us know."))
        else:
            made = services.registration_create(
                event=event, session=session, by=request.user, access_needs=request.POST.get("access_needs", "")
            )
            messages.success(
                request,
                _("You have a place. We look forward to seeing you.")
                if made.status == "booked"
                else _("It is full, so you are on the waiting list. We will email you if a place comes up."),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))


@sensitive_post_parameters("access_needs")
@login_required
@require_POST
def register(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    _register_or_cancel(request, found, None)
    return see_other(reverse("events:event", kwargs={"slug": found.slug}))


@public
def session(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = selectors.scheduled_session(request, slug, pk)
    registration = selectors.registration_of(event=found.event, user=request.user, session=found)
    position = (
        selectors.waiting_position(registration=registration)
        if registration and registration.status == "waiting"
        else None
    )
    return render(
        request,
        "events/session.html",
        {
            "session": found,
            "event": found.event,
            "hosts": selectors.public_hosts(found),
            "registration": registration,
            "position": position,
            "in_agenda": agenda_selectors.in_agenda(session=found, user=request.user),
        },
    )


@sensitive_post_parameters("access_needs")
@login_required
@require_POST
def session_register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = selectors.scheduled_session(request, slug, pk)
    _register_or_cancel(request, found.event, found)
    return see_other(reverse("events:session", kwargs={"slug": slug, "pk": pk}))
