"""A festival's call for hosts as hosts meet it: the call, proposing a session (as a draft or sent
in), their own proposals, and confirming or withdrawing one the organisers accepted."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import login_required, permission_required, public
from heard.events.enums import SessionState
from heard.events.forms.call import ProposalForm
from heard.events.selectors import proposals as selectors
from heard.events.services import proposals as services


@public
def call(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.open_call(request, slug)
    return render(
        request,
        "events/call/call.html",
        {"call": found, "event": found.event, "is_open": found.is_open(), "now": timezone.now()},
    )


@sensitive_post_parameters("access_needs")
@permission_required("events.take_part")
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.open_call(request, slug)
    form = ProposalForm(request.POST if request.method == "POST" else None, call=found, user=request.user)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") != "draft"
        try:
            session = services.session_propose(
                call=found,
                by=request.user,
                fields=form.session_fields(),
                answers=form.answers(),
                cohosts=form.cleaned_data["cohosts"],
                submit=submit,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Your proposal is sent in. We have emailed you a confirmation.")
                if submit
                else _("Your draft is saved. Send it in before the deadline."),
            )
            return see_other(reverse("events:proposal", kwargs={"slug": found.event.slug, "pk": session.pk}))
    return render(
        request,
        "events/call/propose.html",
        {"call": found, "event": found.event, "form": form, "is_open": found.is_open()},
        status=400 if form.errors else 200,
    )


@login_required
def proposals(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.open_call(request, slug)
    services.hosts_link(user=request.user)
    page = paginate(request, selectors.hosted_by(event=found.event, user=request.user))
    return render(
        request,
        "events/call/proposals.html",
        {"call": found, "event": found.event, "page": page, "query": page_query(request)},
    )


@sensitive_post_parameters("access_needs")
@permission_required("events.host_session", obj=selectors.proposal_for_host)
def proposal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    session = request.permission_object  # type: ignore[attr-defined]
    editable = session.state in services.EDITABLE_STATES and session.call.is_open()
    form = ProposalForm(
        request.POST if request.method == "POST" else None, call=session.call, user=request.user, session=session
    )
    if request.method == "POST" and editable and form.is_valid():
        try:
            services.session_update(
                session=session,
                by=request.user,
                fields=form.session_fields(),
                answers=form.answers(),
                cohosts=form.cleaned_data["cohosts"],
                submit=request.POST.get("action") == "submit",
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your proposal is saved."))
            return see_other(request.path)
    elif request.method == "POST" and not editable:
        form.add_error(None, _("This proposal can no longer be changed."))
    return render(
        request,
        "events/call/proposal.html",
        {
            "session": session,
            "event": session.event,
            "call": session.call,
            "form": form,
            "editable": editable,
            "may_confirm": session.state == SessionState.ACCEPTED,
            "may_withdraw": session.state not in (SessionState.WITHDRAWN, SessionState.REJECTED),
        },
        status=400 if form.errors else 200,
    )


@permission_required("events.host_session", obj=selectors.proposal_for_host)
@require_POST
def proposal_respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    session = request.permission_object  # type: ignore[attr-defined]
    confirm = request.POST.get("action") == "confirm"
    try:
        services.session_respond(session=session, by=request.user, confirm=confirm)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Thank you: you have confirmed that you will host it.")
            if confirm
            else _("The session is withdrawn. We have told the organisers."),
        )
    return see_other(reverse("events:proposal", kwargs={"slug": slug, "pk": pk}))
