"""Events as people meet them: what is coming up, one event, and registering or cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.pagination import page_query, paginate
from heard.core.permissions import login_required, public
from heard.events import feeds
from heard.events.selectors import events as selectors
from heard.events.services import registration as services


@public
def event_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.upcoming_events())
    return render(request, "events/list.html", {"page": page, "query": page_query(request)})


@public
def event(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    registration = selectors.registration_of(event=found, user=request.user)
    position = (
        selectors.waiting_position(registration=registration)
        if registration and registration.status == "waiting"
        else None
    )
    return render(request, "events/event.html", {"event": found, "registration": registration, "position": position})


@public
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    response = HttpResponse(feeds.event_calendar(found), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.slug}.ics"'
    return response


@login_required
@require_POST
def register(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    try:
        if request.POST.get("action") == "cancel":
            registration = selectors.registration_of(event=found, user=request.user)
            if registration is None:
                raise ValidationError(_("You are not registered for this event."))
            services.registration_cancel(registration=registration, by=request.user)
            messages.success(request, _("Your registration is cancelled. Thank you for letting us know."))
        else:
            made = services.registration_create(
                event=found, by=request.user, access_needs=request.POST.get("access_needs", "")
            )
            messages.success(
                request,
                _("You have a place. We look forward to seeing you.")
                if made.status == "booked"
                else _("The event is full, so you are on the waiting list. We will email you if a place comes up."),
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    response = redirect("events:event", slug=found.slug)
    response.status_code = 303
    return response


@public
def session(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    raise Http404


@public
def session_register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    raise Http404
