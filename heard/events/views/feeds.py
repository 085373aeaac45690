"""The released schedule for other software (JSON and XML for conference apps, iCalendar files),
and each person's own agenda: the sessions they mean to go to."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import login_required, public
from heard.events import exports, feeds
from heard.events.selectors import agenda as agenda_selectors
from heard.events.selectors import events as selectors
from heard.events.services import agenda as services

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _released(request: HttpRequest, slug: str) -> exports.ReleasedSchedule:
    schedule = exports.released_schedule(selectors.published_event(request, slug))
    if schedule is None:
        raise Http404(_("This event has no published schedule yet."))
    return schedule


@public
def schedule_json(request: HttpRequest, slug: str) -> HttpResponse:
    return JsonResponse(exports.schedule_json(_released(request, slug)))


@public
def schedule_xml(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(exports.schedule_xml(_released(request, slug)), content_type="application/xml; charset=utf-8")


def _calendar_file(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public
def session_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = selectors.scheduled_session(request, slug, pk)
    return _calendar_file(feeds.session_calendar(found), f"{found.event.slug}-{found.pk}.ics")


def _next_url(request: HttpRequest, slug: str) -> str:
    """Where to go back to: the page the button was on, if it is one of ours, else the agenda."""
    wanted = request.POST.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("events:agenda", kwargs={"slug": slug})


@login_required
@require_POST
def agenda_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    session = agenda_selectors.agenda_session(request, slug, pk)
    action = request.POST.get("action")
    # A button may say what it does ("add", "remove"), which a second click or a stale page
    # cannot turn into its opposite; without that, it switches the session in or out.
    if action not in ("add", "remove"):
        action = "remove" if agenda_selectors.in_agenda(user=request.user, session=session) else "add"
    removing = action == "remove"
    problem = ""
    try:
        if removing:
            services.agenda_remove(session=session, by=request.user)
        else:
            services.agenda_add(session=session, by=request.user)
    except ValidationError as error:
        problem = " ".join(error.messages)
    next_url = _next_url(request, slug)
    if request.headers.get("HX-Request"):
        # Only the button is swapped; always 200, so htmx shows a refusal in its place.
        context = {
            "session": session,
            "event": session.event,
            "in_agenda": agenda_selectors.in_agenda(user=request.user, session=session),
            "next": next_url,
            "problem": problem,
            "changed": not problem,
        }
        return render(request, "events/_agenda_button.html", context)
    if problem:
        messages.error(request, problem)
    elif removing:
        messages.success(request, _("“%(title)s” is out of your agenda.") % {"title": session.title})
    else:
        messages.success(request, _("“%(title)s” is in your agenda.") % {"title": session.title})
    return see_other(next_url)


@login_required
def agenda(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    page = paginate(request, agenda_selectors.agenda_items(user=request.user, event=found))
    response = render(
        request,
        "events/agenda.html",
        {
            "event": found,
            "page": page,
            "days": agenda_selectors.agenda_by_day(list(page.object_list)),
            "query": page_query(request),
        },
    )
    # Someone's own choices: never kept by a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def agenda_ics(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.published_event(request, slug)
    response = _calendar_file(feeds.agenda_calendar(request.user, found), f"{found.slug}-agenda.ics")
    patch_cache_control(response, private=True, no_store=True)
    return response
