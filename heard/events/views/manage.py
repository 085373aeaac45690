"""Organisers' pages: their events, one event's details, its venue and rooms, its call for hosts
(questions, review criteria and review teams), and the check-in list for the door."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.core.services import log_action
from heard.events.forms.manage import (
    CallForm,
    CriterionForm,
    EventForm,
    MemberForm,
    QuestionForm,
    RoomForm,
    TeamForm,
    VenueForm,
)
from heard.events.models import Event, Registration, Session
from heard.events.selectors import events as event_selectors
from heard.events.selectors import manage as selectors
from heard.events.services import manage as services
from heard.events.services.registration import registration_check_in


def _url(name: str, event: Event) -> str:
    return reverse(f"events:{name}", kwargs={"slug": event.slug})


@permission_required("events.view_manage")
def events_manage(request: HttpRequest) -> HttpResponse:
    organisations = selectors.running(request.user)
    form = EventForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check(request.user, "events.manage_event", Event(organisation=data["organisation"]))
        try:
            event = services.event_create(organisation=data["organisation"], by=request.user, fields=data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The event is saved. Check it, then publish it."))
            return see_other(_url("event_manage", event))
    page = paginate(request, selectors.events_for_manage(request.user))
    return render(
        request,
        "events/manage/list.html",
        {"page": page, "query": page_query(request), "form": form},
        status=400 if form.errors else 200,
    )


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
def event_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = request.permission_object  # type: ignore[attr-defined]
    action = request.POST.get("action", "save")
    form = EventForm(request.POST if request.method == "POST" and action == "save" else None, instance=event)
    if request.method == "POST":
        if action in ("publish", "unpublish"):
            services.event_publish(event=event, by=request.user, publish=action == "publish")
            messages.success(
                request, _("The event is published.") if action == "publish" else _("The event is hidden.")
            )
            return see_other(request.path)
        if form.is_valid():
            try:
                services.event_update(event=event, by=request.user, fields=form.cleaned_data)
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("The event is saved."))
                return see_other(request.path)
    return render(
        request,
        "events/manage/event.html",
        {"event": event, "form": form},
        status=400 if form.errors else 200,
    )


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
def rooms_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = request.permission_object  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    venue_form = VenueForm(request.POST if action == "venue" else None, prefix="venue")
    room_form = RoomForm(request.POST if action == "room" else None, prefix="room")
    if request.method == "POST":
        try:
            if action == "venue" and venue_form.is_valid():
                services.venue_create(event=event, by=request.user, **venue_form.cleaned_data)
                messages.success(request, _("The venue is saved. Now add its rooms."))
                return see_other(request.path)
            if action == "room" and event.venue is not None and room_form.is_valid():
                services.room_add(venue=event.venue, by=request.user, **room_form.cleaned_data)
                messages.success(request, _("The room is added."))
                return see_other(request.path)
            if action == "remove_room" and event.venue is not None:
                room = event.venue.rooms.filter(pk=request.POST.get("room")).first()
                if room is None:
                    raise Http404
                services.room_remove(room=room, by=request.user)
                messages.success(request, _("The room is removed."))
                return see_other(request.path)
        except ValidationError as error:
            if action == "remove_room":
                messages.error(request, " ".join(error.messages))
                return see_other(request.path)
            add_validation_errors(venue_form if action == "venue" else room_form, error)
    rooms = list(event.venue.rooms.all()) if event.venue is not None else []
    errors = venue_form.errors or room_form.errors
    return render(
        request,
        "events/manage/rooms.html",
        {"event": event, "venue_form": venue_form, "room_form": room_form, "rooms": rooms},
        status=400 if errors else 200,
    )


def _call_forms(request: HttpRequest, event: Event, call: Any, action: str) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else None
    return {
        "call_form": CallForm(data if action == "call" else None, instance=call, prefix="call"),
        "question_form": QuestionForm(data if action == "question" else None, prefix="question"),
        "criterion_form": CriterionForm(data if action == "criterion" else None, prefix="criterion"),
        "team_form": TeamForm(data if action == "team" else None, prefix="team", event=event),
        "member_form": MemberForm(data if action == "member" else None, prefix="member", call=call),
    }


@require_http_methods(["GET", "POST"])
@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
def call_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = request.permission_object  # type: ignore[attr-defined]
    call = selectors.call_for_manage(event)
    action = request.POST.get("action", "")
    forms = _call_forms(request, event, call, action)
    form = forms.get(f"{action}_form")
    if request.method == "POST":
        try:
            done = _call_action(request, event, call, action, form)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return see_other(request.path)
            add_validation_errors(form, error)
        else:
            if done:
                messages.success(request, done)
                return see_other(request.path)
    errors = any(f.errors for f in forms.values())
    return render(
        request,
        "events/manage/call.html",
        {"event": event, "call": call, "all_forms": list(forms.values()), **forms},
        status=400 if errors else 200,
    )


def _call_action(request: HttpRequest, event: Event, call: Any, action: str, form: Any) -> str:
    """Carry out one of the call page's forms; the message to show, or "" when the form is invalid."""
    by = request.user
    if action == "call":
        if not form.is_valid():
            return ""
        services.call_save(event=event, by=by, fields=form.cleaned_data)
        return _("The call for hosts is saved.")
    if call is None:
        raise ValidationError(_("Open the call first."))
    if action in ("question", "criterion", "team", "member") and not form.is_valid():
        return ""
    if action == "question":
        services.question_add(call=call, by=by, **form.cleaned_data)
        return _("The question is added to the proposal form.")
    if action == "criterion":
        services.criterion_add(call=call, by=by, **form.cleaned_data)
        return _("The criterion is added.")
    if action == "team":
        services.team_add(call=call, by=by, **form.cleaned_data)
        return _("The review team is added. Now add its reviewers.")
    if action == "member":
        person = services.team_member_add(team=form.cleaned_data["team"], by=by, email=form.cleaned_data["email"])
        return _("%(name)s is now a reviewer.") % {"name": person.display_name or person.email}
    pk = request.POST.get("pk")
    if action == "remove_question":
        services.question_remove(question=_found(call.questions.filter(pk=pk)), by=by)
        return _("The question is removed.")
    if action == "remove_criterion":
        services.criterion_remove(criterion=_found(call.criteria.filter(pk=pk)), by=by)
        return _("The criterion is removed.")
    if action == "remove_member":
        team = _found(call.teams.filter(pk=pk))
        person = _found(team.members.filter(pk=request.POST.get("user")))
        services.team_member_remove(team=team, by=by, user=person)
        return _("The reviewer is removed from the team.")
    raise Http404


def _found(queryset: Any) -> Any:
    found = queryset.first()
    if found is None:
        raise Http404
    return found


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
def checkin(request: HttpRequest, slug: str) -> HttpResponse:
    event = request.permission_object  # type: ignore[attr-defined]
    session = None
    if request.GET.get("session") or request.POST.get("session"):
        session = Session.objects.filter(
            event=event, pk=request.GET.get("session") or request.POST.get("session")
        ).first()
        if session is None:
            raise Http404
    if request.method == "POST":
        registration = Registration.objects.filter(
            event=event, session=session, pk=request.POST.get("registration")
        ).first()
        if registration is None:
            raise Http404
        try:
            registration_check_in(registration=registration, by=request.user, undo=request.POST.get("undo") == "1")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        url = request.get_full_path()
        return see_other(url)
    search = request.GET.get("q", "")
    page = paginate(request, selectors.door_list(event=event, session=session, search=search), per_page=50)
    # The organisers need people's access needs at the door; reading them is logged.
    if any(registration.access_needs for registration in page.object_list):
        log_action(
            action="events.access_needs_read",
            by=request.user,
            target=event,
            organisation_id=event.organisation_id,
            data={"registrations": [registration.pk for registration in page.object_list if registration.access_needs]},
        )
    return render(
        request,
        "events/manage/door.html",
        {
            "event": event,
            "session": session,
            "page": page,
            "query": page_query(request),
            "search": search,
            "counts": selectors.door_counts(event=event, session=session),
            "sessions": selectors.sessions_taking_registrations(event)[:200],
        },
    )
