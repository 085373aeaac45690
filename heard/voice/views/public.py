"""Telling a story about a service, confirming it, and reading published stories."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required, public
from heard.core.ratelimit import rate_limit_exceeded
from heard.directory.selectors import service_detail
from heard.organisations.models import Organisation
from heard.voice import selectors, services
from heard.voice.forms import ReportForm, StoryFilterForm, StoryForm


@public
@sensitive_post_parameters("author_email", "author_name", "text")
def story_new(request: HttpRequest, slug: str) -> HttpResponse:
    service = service_detail(slug=slug)
    signed_in = request.user.is_authenticated
    form = StoryForm(request.POST if request.method == "POST" else None, signed_in=signed_in)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Stories one address may send in an hour (HEARD_STORIES_PER_HOUR; the load test in benchmarks/
        # raises it). Only stories that pass the form's checks count, and a refused one stays on the
        # page, so a person who makes mistakes loses nothing.
        if rate_limit_exceeded(
            request, action="story_submit", limit=settings.HEARD_STORIES_PER_HOUR, period_seconds=3600
        ):
            form.add_error(
                None,
                _(
                    "You have sent several stories in the last hour. Wait a while and send this one again; "
                    "what you wrote is still here."
                ),
            )
            return render(request, "voice/story_form.html", {"form": form, "service": service}, status=429)
        try:
            story = services.story_submit(
                service=service,
                by=request.user,
                title=data["title"],
                text=data["text"],
                rating_overall=data["rating_overall"],
                listened=data["listened"],
                rating_access=data["rating_access"],
                rating_respect=data["rating_respect"],
                rating_outcome=data["rating_outcome"],
                author_email=data.get("author_email", ""),
                author_name=data.get("author_name", ""),
                site_url=settings.HEARD_SITE_URL,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            return render(request, "voice/story_submitted.html", {"story": story, "service": service})
    return render(request, "voice/story_form.html", {"form": form, "service": service})


@public
def story_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        story = services.story_confirm(token=token)
    except ValidationError as error:
        return render(request, "voice/story_confirm_failed.html", {"problem": " ".join(error.messages)}, status=400)
    messages.success(request, _("Thank you. Your story is confirmed, and we will check it soon."))
    return redirect("voice:service_stories", slug=story.service.slug)


@public
def service_stories(request: HttpRequest, slug: str) -> HttpResponse:
    service = service_detail(slug=slug)
    filters = StoryFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    stories = selectors.published_stories(
        service=service, rating=chosen.get("rating"), answer=chosen.get("answer") or ""
    )
    page = paginate(request, stories)
    figures = selectors.service_figures(service=service)
    return render(
        request,
        "voice/service_stories.html",
        {
            "service": service,
            "page": page,
            "query": page_query(request),
            "filters": filters,
            "filtered": bool(chosen.get("rating") or chosen.get("answer")),
            **_figures_context(figures),
            "changes": selectors.latest_changes(service=service),
            "can_record_change": request.user.has_perm("voice.record_change", service),
        },
    )


def _figures_context(figures: selectors.ServiceFigures) -> dict[str, object]:
    return {
        "figures": figures,
        "distribution_max": max((count for _, count in figures.distribution), default=0),
        "distribution_rows": [(_("%(n)s out of 5") % {"n": n}, count) for n, count in figures.distribution],
    }


@public
def organisation_stories(request: HttpRequest, slug: str) -> HttpResponse:
    """What people say about all of an organisation's services."""
    organisation = get_object_or_404(Organisation, slug=slug)
    page = paginate(request, selectors.organisation_services_figures(organisation=organisation))
    return render(
        request,
        "voice/organisation_stories.html",
        {
            "organisation": organisation,
            "page": page,
            "query": page_query(request),
            **_figures_context(selectors.organisation_figures(organisation=organisation)),
            "changes": selectors.latest_changes(organisation=organisation),
        },
    )


REPORTS_PER_HOUR = 10


@public
def story_report(request: HttpRequest, pk: int) -> HttpResponse:
    story = selectors.published_story(request, pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if rate_limit_exceeded(request, action="story_report", limit=REPORTS_PER_HOUR, period_seconds=3600):
            form.add_error(None, _("You have sent several reports in the last hour. Try again later."))
            return render(request, "voice/story_report.html", {"story": story, "form": form}, status=429)
        services.story_report(
            story=story, by=request.user, reason=form.cleaned_data["reason"], detail=form.cleaned_data["detail"]
        )
        messages.success(request, _("Thank you. We will look at this story again."))
        return redirect(story)
    return render(request, "voice/story_report.html", {"story": story, "form": form})


@public
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    story = selectors.story_detail(pk=pk)
    return render(
        request,
        "voice/story_detail.html",
        {
            "story": story,
            "following": selectors.is_following(story=story, user=request.user),
            "can_respond": request.user.has_perm("voice.respond", story),
        },
    )


@permission_required("voice.follow", obj=selectors.published_story)
@require_POST
def story_follow(request: HttpRequest, pk: int) -> HttpResponse:
    story = request.permission_object
    if request.POST.get("follow") == "no":
        services.story_unfollow(story=story, by=request.user)
        messages.success(request, _("You will no longer be emailed about this story."))
    else:
        services.story_follow(story=story, by=request.user)
        messages.success(request, _("We will email you when this story is answered."))
    return redirect(story)
