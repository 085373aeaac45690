"""Answering a poll: its public page, the start, each page of questions, invitations, the
residents' panel, and published results."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.cookies import recalled_key, remember_key, usable_by
from heard.core.crypto import token_digest
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, login_required, public
from heard.core.ratelimit import client_fingerprint, rate_limit_exceeded
from heard.polls import fielding, selectors
from heard.polls.enums import RespondentStatus
from heard.polls.forms import PageForm, initial_from
from heard.polls.models import PanelMember, Respondent, Wave
from heard.polls.results import results_context

COOKIE_SALT = "heard.polls.respondent"
COOKIE_AGE = 60 * 60 * 24 * 60  # a respondent can come back for two months
# Starts of an open link one address may make in an hour.
STARTS_PER_HOUR = 20


def _cookie_name(wave: Wave) -> str:
    return f"heard_poll_{wave.pk}"


def _respondent(request: HttpRequest, wave: Wave) -> Respondent | None:
    """This person's response to the wave: by their account, or by the key in their cookie."""
    if request.user.is_authenticated:
        found = Respondent.objects.filter(wave=wave, user=request.user).first()
        if found is not None:
            return found
    key = recalled_key(request, _cookie_name(wave), salt=COOKIE_SALT)
    found = Respondent.objects.filter(wave=wave, resume_key=key).first() if key else None
    return found if found is not None and usable_by(request, found.user_id) else None


def _remember(response: HttpResponse, respondent: Respondent) -> HttpResponse:
    return remember_key(
        response, _cookie_name(respondent.wave), respondent.resume_key, salt=COOKIE_SALT, max_age=COOKIE_AGE
    )


@public
def poll_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.open_polls())
    return render(request, "polls/poll_list.html", {"page": page, "query": page_query(request)})


@public
def poll_detail(request: HttpRequest, slug: str) -> HttpResponse:
    poll = selectors.poll_by_slug(request, slug)
    wave = selectors.current_wave(poll)
    if wave is None:
        raise Http404
    respondent = _respondent(request, wave)
    return render(
        request,
        "polls/poll_detail.html",
        {
            "poll": poll,
            "wave": wave,
            "respondent": respondent,
            "can_see_results": request.user.has_perm("polls.view_results", poll),
        },
    )


@public
@require_POST
def poll_start(request: HttpRequest, slug: str) -> HttpResponse:
    poll = selectors.poll_by_slug(request, slug)
    wave = selectors.current_wave(poll)
    if wave is None or not wave.is_open:
        raise Http404
    respondent = _respondent(request, wave)
    if respondent is None:
        if rate_limit_exceeded(request, action="poll_start", limit=STARTS_PER_HOUR, period_seconds=3600):
            messages.error(request, _("Many answers have come from your connection in the last hour. Try again later."))
            return redirect(poll)
        fingerprint = token_digest(f"{client_fingerprint(request)}:{request.headers.get('user-agent', '')}")
        try:
            respondent = fielding.respondent_start(wave=wave, user=request.user, fingerprint=fingerprint)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(poll)
    return _remember(redirect("polls:answer", slug=poll.slug), respondent)


@public
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = fielding.invitation_for(token)
    if found is None:
        return render(request, "polls/invitation_problem.html", {"problem": _("This link is not right.")}, status=404)
    try:
        respondent = fielding.respondent_start(wave=found.wave, user=request.user, invitation=found)
    except ValidationError as error:
        return render(request, "polls/invitation_problem.html", {"problem": " ".join(error.messages)}, status=400)
    return _remember(redirect("polls:answer", slug=found.wave.poll.slug), respondent)


@public
def answer(request: HttpRequest, slug: str) -> HttpResponse:
    poll = selectors.poll_by_slug(request, slug)
    wave = selectors.current_wave(poll)
    respondent = _respondent(request, wave) if wave else None
    if respondent is None:
        return redirect(poll)
    if respondent.status == RespondentStatus.COMPLETE:
        return redirect("polls:done", slug=poll.slug)
    questions = selectors.questions_of(poll)
    respondent = selectors.respondent_with_answers(respondent.pk)
    answers = fielding.answers_of(respondent)
    # A respondent may go back to an earlier page; never past the one they have reached.
    asked = request.GET.get("page") or request.POST.get("page") or ""
    page = int(asked) if re.fullmatch(r"[0-9]{1,4}", asked) and int(asked) <= respondent.page else respondent.page
    on_page = fielding.shown_on_page(questions, page, answers)
    if not on_page:
        page, on_page = respondent.page, fielding.shown_on_page(questions, respondent.page, answers)
    form = PageForm(
        request.POST if request.method == "POST" else None, questions=on_page, initial=initial_from(answers, on_page)
    )
    if request.method == "POST" and form.is_valid():
        try:
            following = fielding.page_save(respondent=respondent, page=page, given=form.given(), questions=questions)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            if following is None:
                return redirect("polls:done", slug=poll.slug)
            return redirect(f"{request.path}?page={following}")
    all_pages = fielding.pages(questions)
    earlier = [p for p in all_pages if p < page and fielding.shown_on_page(questions, p, answers)]
    return render(
        request,
        "polls/answer.html",
        {
            "poll": poll,
            "wave": wave,
            "form": form,
            "page": page,
            "page_number": all_pages.index(page) + 1 if page in all_pages else 1,
            "page_count": len(all_pages),
            "previous_page": earlier[-1] if earlier else None,
            "is_last": fielding.next_page(questions, page, answers) is None,
        },
    )


@public
def done(request: HttpRequest, slug: str) -> HttpResponse:
    poll = selectors.poll_by_slug(request, slug)
    if selectors.current_wave(poll) is None:
        raise Http404
    return render(request, "polls/done.html", {"poll": poll})


@login_required
def panel(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("join") == "yes":
            fielding.panel_join(user=request.user)
            messages.success(request, _("You have joined the residents' panel. We will invite you to polls by email."))
        else:
            fielding.panel_leave(user=request.user)
            messages.success(request, _("You have left the residents' panel. We will not invite you to polls."))
        return redirect("polls:panel")
    member = PanelMember.objects.filter(user=request.user).first()
    return render(request, "polls/panel.html", {"member": member})


@public
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """Published results for everyone; analysts and conveners see them before they are published."""
    poll = selectors.poll_by_slug(request, slug)
    check(request.user, "polls.view_results", poll)
    return render(request, "polls/results.html", results_context(request, poll))
