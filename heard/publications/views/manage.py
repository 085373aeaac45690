"""Publishers' pages: their organisations' publications, writing one (with a preview that saves
nothing), publishing, scheduling and unpublishing it, and its PDF files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from heard.core.files import deleted_on_error
from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.publications.enums import PublicationKind
from heard.publications.forms.publications import AttachmentForm, PublicationForm, initial_of
from heard.publications.markdown import render as render_markdown
from heard.publications.models import Publication
from heard.publications.selectors import publications as selectors
from heard.publications.services import publishing as services

ACTIONS = ("save", "preview", "publish", "publish_now")


def _edit_url(publication: Publication) -> str:
    return reverse("publications:publication_edit", kwargs={"slug": publication.slug})


def _preview(request: HttpRequest) -> dict[str, Any]:
    """The submitted text as it would read, rendered and sanitised, saving nothing."""
    return {
        "title": request.POST.get("title", "")[:200],
        "summary": request.POST.get("summary", "")[:300],
        # render() sanitises what it renders: nothing outside its allow-list reaches the page.
        "body_html": mark_safe(render_markdown(request.POST.get("body", ""))),
    }


def _asked(request: HttpRequest) -> dict[str, Any]:
    """A report asked for in the address (`?responds_to=<id>`, from a report's page): offered in
    the select, and chosen, even when it is not among the most recent."""
    value = request.GET.get("responds_to", "")
    return {"responds_to": int(value)} if value.isdigit() and len(value) < 12 else {}


def _sent_back(request: HttpRequest, form: PublicationForm) -> None:
    """The page goes back to the publisher (an error, a preview): a chosen picture is not kept."""
    if request.FILES.get("lead_image"):
        form.ask_for_the_picture_again()


def _published_message(publication: Publication) -> str:
    if publication.published_at and publication.published_at > timezone.now():
        when = formats.date_format(timezone.localtime(publication.published_at), "j F Y, H:i")
        return _("The publication is scheduled: it will be public from %(when)s.") % {"when": when}
    return _("The publication is published.")


@permission_required("publications.view_manage")
def publications_manage(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.publications_for_manage(request.user))
    return render(
        request,
        "publications/manage/list.html",
        {"page": page, "query": page_query(request), "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
@permission_required("publications.view_manage")
def publication_new(request: HttpRequest) -> HttpResponse:
    organisations = selectors.publishing_organisations(request.user)
    action = request.POST.get("action", "save")
    action = action if action in ("save", "preview", "publish") else "save"
    asked = _asked(request) if request.method == "GET" else {}
    choices = selectors.link_choices(organisations=organisations, asked=asked)
    preview = None
    if request.method == "POST" and action == "preview":
        # The input comes back as it was typed, unchecked: a preview saves nothing and refuses nothing.
        form = PublicationForm(initial=request.POST.dict(), organisations=organisations, choices=choices)
        preview = _preview(request)
    else:
        form = PublicationForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            initial={**asked, "kind": PublicationKind.RESPONSE} if asked else None,
            organisations=organisations,
            choices=choices,
        )
    if request.method == "POST" and action != "preview" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        check(request.user, "publications.manage_publication", Publication(organisation=organisation))
        try:
            # Saved and published together, or neither: a refusal leaves no draft behind to post
            # twice, and no picture behind in storage.
            with deleted_on_error(), transaction.atomic():
                created = services.publication_create(
                    organisation=organisation, by=request.user, **form.service_fields()
                )
                if action == "publish":
                    created = services.publication_publish(
                        publication=created, by=request.user, at=form.cleaned_data["published_at"]
                    )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _published_message(created)
                if action == "publish"
                else _("The draft is saved. Only publishers see it."),
            )
            return see_other(_edit_url(created))
    _sent_back(request, form)
    return render(
        request,
        "publications/manage/edit.html",
        {"form": form, "publication": None, "preview": preview},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required("publications.manage_publication", obj=selectors.publication_for_manage)
def publication_edit(request: HttpRequest, slug: str) -> HttpResponse:
    publication = request.permission_object  # type: ignore[attr-defined]
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "unpublish":
        services.publication_unpublish(publication=publication, by=request.user)
        messages.success(request, _("The publication is a draft again: only publishers see it."))
        return see_other(request.path)
    action = action if action in ACTIONS else "save"
    organisations = selectors.publishing_organisations(request.user)
    choices = selectors.link_choices(organisations=organisations, publication=publication)
    preview = None
    if request.method == "POST" and action == "preview":
        form = PublicationForm(
            initial=request.POST.dict(), organisations=organisations, choices=choices, publication=publication
        )
        preview = _preview(request)
    else:
        form = PublicationForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            initial=initial_of(publication),
            organisations=organisations,
            choices=choices,
            publication=publication,
        )
    if request.method == "POST" and action != "preview" and form.is_valid():
        fields = form.service_fields()
        if action == "publish_now":
            fields.pop("published_at", None)  # a scheduled piece goes public now, whatever its date
        try:
            with deleted_on_error(), transaction.atomic():
                updated = services.publication_update(publication=publication, by=request.user, **fields)
                if action == "publish":
                    updated = services.publication_publish(
                        publication=updated, by=request.user, at=form.cleaned_data["published_at"]
                    )
                elif action == "publish_now":
                    updated = services.publication_publish(publication=updated, by=request.user)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _published_message(updated) if action in ("publish", "publish_now") else _("Your changes are saved."),
            )
            return see_other(request.path)
    _sent_back(request, form)
    return render(
        request,
        "publications/manage/edit.html",
        {"form": form, "publication": publication, "preview": preview, "now": timezone.now()},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required("publications.manage_publication", obj=selectors.publication_for_manage)
def attachments_manage(request: HttpRequest, slug: str) -> HttpResponse:
    publication = request.permission_object  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    form = AttachmentForm(
        request.POST if action == "add" else None,
        request.FILES if action == "add" else None,
    )
    if request.method == "POST":
        if action == "remove":
            pk = request.POST.get("pk", "")
            attachment = selectors.attachments_of(publication).filter(pk=pk).first() if pk.isdigit() else None
            if attachment is None:
                raise Http404
            services.attachment_remove(attachment=attachment, by=request.user)
            messages.success(request, _("“%(title)s” is removed.") % {"title": attachment.title})
            return see_other(request.path)
        if action == "add" and form.is_valid():
            try:
                added = services.attachment_add(publication=publication, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” is added.") % {"title": added.title})
                return see_other(request.path)
    return render(
        request,
        "publications/manage/attachments.html",
        {"publication": publication, "attachments": list(selectors.attachments_of(publication)), "form": form},
        status=400 if form.errors else 200,
    )
