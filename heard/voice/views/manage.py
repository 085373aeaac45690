"""The moderation queue: every story is checked before it is published."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required
from heard.directory.selectors import service_for_manage
from heard.organisations.models import Organisation
from heard.organisations.selectors import organisation_for_manage
from heard.voice import selectors, services
from heard.voice.enums import StoryStatus
from heard.voice.forms import ChangeForm, ModerationForm, ResponseForm, TakeDownForm
from heard.voice.models import Story


@permission_required("voice.moderate")
def moderation_queue(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.moderation_queue())
    reported = selectors.reported_stories()[:20]
    return render(
        request, "voice/manage/queue.html", {"page": page, "query": page_query(request), "reported": reported}
    )


def _take_down(request: HttpRequest, story: Story) -> HttpResponse:
    """A published story that readers reported: keep it, or take it down."""
    form = TakeDownForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.story_reports_resolve(
                story=story,
                by=request.user,
                take_down=form.cleaned_data["decision"] == "take_down",
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                site_url=settings.HEARD_SITE_URL,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Done."))
            return redirect("voice:moderation_queue")
    return render(
        request,
        "voice/manage/moderate.html",
        {"story": story, "form": form, "reports": selectors.open_reports(story=story)},
    )


@permission_required("voice.moderate", obj=selectors.story_for_moderation)
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    story: Story = request.permission_object
    if story.status == StoryStatus.PUBLISHED:
        return _take_down(request, story)
    form = ModerationForm(request.POST if request.method == "POST" else None, initial={"published_text": story.text})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.story_moderate(
                story=story,
                by=request.user,
                publish=data["decision"] == "publish",
                reason=data["reason"],
                note=data["note"],
                published_text=data["published_text"],
                site_url=settings.HEARD_SITE_URL,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Done. The author has been told."))
            return redirect("voice:moderation_queue")
    return render(request, "voice/manage/moderate.html", {"story": story, "form": form})


@permission_required("voice.respond", obj=selectors.published_story)
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    story: Story = request.permission_object
    form = ResponseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_create(
                story=story,
                by=request.user,
                text=form.cleaned_data["text"],
                status=form.cleaned_data["status"],
                site_url=settings.HEARD_SITE_URL,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your answer is published. The author has been told."))
            return redirect(story)
    return render(request, "voice/manage/respond.html", {"story": story, "form": form})


@permission_required("voice.view_organisation_stories", obj=organisation_for_manage)
def organisation_stories(request: HttpRequest, slug: str) -> HttpResponse:
    organisation: Organisation = request.permission_object
    page = paginate(request, selectors.organisation_stories(organisation=organisation))
    return render(
        request,
        "voice/manage/organisation_stories.html",
        {"organisation": organisation, "page": page, "query": page_query(request)},
    )


@permission_required("voice.record_change", obj=service_for_manage)
def change_new(request: HttpRequest, slug: str) -> HttpResponse:
    service = request.permission_object
    form = ChangeForm(request.POST if request.method == "POST" else None, service=service)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_record(
                service=service,
                by=request.user,
                title=data["title"],
                description=data["description"],
                changed_on=data["changed_on"],
                stories=list(data["stories"]),
                site_url=settings.HEARD_SITE_URL,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The change is recorded, and the authors of the stories have been told."))
            return redirect("voice:service_stories", slug=service.slug)
    return render(request, "voice/manage/change_form.html", {"service": service, "form": form})
