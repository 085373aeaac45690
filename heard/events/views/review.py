"""Review of a festival's proposals: reviewers score the ones their teams cover (never one from
their own organisation or one they host); organisers rank them, decide, and email the hosts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required
from heard.events.enums import DECISION_STATES, SCORE_MAX
from heard.events.forms.review import DecisionForm, ProposalFilterForm, ReviewForm
from heard.events.models import Event, Session
from heard.events.selectors import review as selectors
from heard.events.services import review as services


# Reviewing is decided by the review teams and conflicts of interest alone (strict): being a
# site administrator or a superuser lets nobody review their own organisation's proposal.
@permission_required("events.review", obj=selectors.event_with_call, strict=True)
def review_queue(request: HttpRequest, slug: str) -> HttpResponse:
    event: Event = request.permission_object  # type: ignore[attr-defined]
    queue = selectors.review_queue(event=event, user=request.user)
    page = paginate(request, queue.reviewable)
    # Conflicts are few (a reviewer's own organisation's proposals): a page's worth is listed.
    conflicted = list(queue.conflicted[: settings.HEARD_PAGE_SIZE])
    conflicted_count = queue.conflicted.count()
    return render(
        request,
        "events/review/queue.html",
        {
            "event": event,
            "page": page,
            "query": page_query(request),
            "conflicted": conflicted,
            "conflicted_count": conflicted_count,
            "more_conflicted": conflicted_count - len(conflicted),
        },
    )


@permission_required("events.review_session", obj=selectors.proposal_for_review, strict=True)
def review_session(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    session: Session = request.permission_object  # type: ignore[attr-defined]
    anonymised = bool(session.call and session.call.anonymised_review)
    details = selectors.proposal_details(session=session, reviewer=request.user, anonymised=anonymised)
    form = ReviewForm(
        request.POST if request.method == "POST" else None, criteria=details.criteria, review=details.review
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_save(
                session=session, by=request.user, scores=form.scores(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Your review of “%(title)s” is saved. Thank you.") % {"title": session.title}
                if details.review is None
                else _("Your review of “%(title)s” is updated.") % {"title": session.title},
            )
            return see_other(reverse("events:review_queue", kwargs={"slug": session.event.slug}))
    return render(
        request,
        "events/review/session.html",
        {
            "event": session.event,
            "session": session,
            "anonymised": anonymised,
            "score_max": SCORE_MAX,
            "details": details,
            "form": form,
            "open_for_review": services.can_be_reviewed(session),
        },
        status=400 if form.errors else 200,
    )


@permission_required("events.manage_event", obj=selectors.event_with_call)
def proposals_manage(request: HttpRequest, slug: str) -> HttpResponse:
    event: Event = request.permission_object  # type: ignore[attr-defined]
    filters = ProposalFilterForm(request.GET or None, themes=event.themes.all())
    criteria = selectors.criteria_of(call_id=event.call.pk)
    ranked = selectors.proposals_ranked(
        event=event, criteria=criteria, state=filters.value("state") or "", theme=filters.value("theme")
    )
    page = paginate(request, ranked)
    page.object_list = list(page.object_list)
    selectors.with_criterion_means(page.object_list, criteria)
    return render(
        request,
        "events/review/proposals.html",
        {
            "event": event,
            "filters": filters,
            "filtered": bool(filters.value("state") or filters.value("theme")),
            "criteria": criteria,
            "page": page,
            "query": page_query(request),
            "unsent": selectors.decisions_unsent(event=event),
            "decision_states": DECISION_STATES,
        },
    )


@permission_required("events.manage_event", obj=selectors.event_with_call)
@require_POST
def decisions_send(request: HttpRequest, slug: str) -> HttpResponse:
    event: Event = request.permission_object  # type: ignore[attr-defined]
    try:
        count = services.decisions_send(event=event, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext("%(count)d email is being sent.", "%(count)d emails are being sent.", count) % {"count": count},
        )
    return see_other(reverse("events:proposals_manage", kwargs={"slug": event.slug}))


@permission_required("events.manage_event", obj=selectors.proposal_for_manage)
def proposal_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    session: Session = request.permission_object  # type: ignore[attr-defined]
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decided = services.session_decide(session=session, state=form.cleaned_data["state"], by=request.user)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(title)s” is now: %(state)s. Its hosts are emailed when you send the decisions.")
                % {"title": decided.title, "state": decided.get_state_display()},
            )
            return see_other(reverse("events:proposal_manage", kwargs={"slug": session.event.slug, "pk": session.pk}))
    criteria = selectors.criteria_of(call_id=session.call_id)
    reviews = paginate(request, selectors.reviews_of(session))
    reviews.object_list = selectors.with_score_rows(list(reviews.object_list), criteria)
    return render(
        request,
        "events/review/proposal.html",
        {
            "event": session.event,
            "session": session,
            "access_needs": services.access_needs_read(session=session, by=request.user),
            "criteria": criteria,
            "reviews": reviews,
            "query": page_query(request),
            "means": selectors.review_means(session),
            "form": form,
            "can_decide": services.can_be_decided(session),
            **selectors.proposal_summary(session),
        },
        status=400 if form.errors else 200,
    )
