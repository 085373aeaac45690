"""Publishers' pages of the newsletter: their newsletters, one newsletter (subscribers, topics,
issues), its topics, and composing, previewing, testing and sending an issue, then following its
delivery."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.publications.enums import IssueStatus
from heard.publications.forms.newsletter import IssueForm, NewsletterForm, TopicForm
from heard.publications.models import Newsletter, NewsletterIssue
from heard.publications.selectors import newsletter as selectors
from heard.publications.services import newsletter as services
from heard.publications.services import sending


def _manage_url(newsletter: Newsletter) -> str:
    return reverse("publications:newsletter_manage", kwargs={"slug": newsletter.slug})


def _issue_url(issue: NewsletterIssue) -> str:
    return reverse("publications:issue_edit", kwargs={"slug": issue.newsletter.slug, "pk": issue.pk})


@require_http_methods(["GET", "POST"])
@permission_required("publications.view_manage")
def newsletters_manage(request: HttpRequest) -> HttpResponse:
    organisations = selectors.publishing_organisations(request.user)
    form = NewsletterForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check(request.user, "publications.manage_newsletter", Newsletter(organisation=data["organisation"]))
        try:
            created = services.newsletter_create(organisation=data["organisation"], by=request.user, fields=data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The newsletter is ready. Add topics if you like, then write its first issue."))
            return see_other(_manage_url(created))
    page = paginate(request, selectors.newsletters_for_manage(request.user))
    return render(
        request,
        "publications/newsletter/manage/list.html",
        {"page": page, "query": page_query(request), "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required("publications.manage_newsletter", obj=selectors.newsletter_for_manage)
def newsletter_manage(request: HttpRequest, slug: str) -> HttpResponse:
    newsletter = request.permission_object  # type: ignore[attr-defined]
    name = newsletter.name
    form = NewsletterForm(request.POST if request.method == "POST" else None, instance=newsletter)
    if request.method == "POST" and form.is_valid():
        try:
            services.newsletter_update(newsletter=newsletter, by=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The newsletter's details are saved."))
            return see_other(request.path)
    page = paginate(request, selectors.issues_for_manage(newsletter))
    return render(
        request,
        "publications/newsletter/manage/newsletter.html",
        {
            "newsletter": newsletter,
            "name": name,
            "form": form,
            "counts": selectors.subscriber_counts(newsletter),
            "topics": selectors.topics_of(newsletter),
            "page": page,
            "query": page_query(request),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required("publications.manage_newsletter", obj=selectors.newsletter_for_manage)
def topics_manage(request: HttpRequest, slug: str) -> HttpResponse:
    newsletter = request.permission_object  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    posted = request.POST if request.method == "POST" else None
    topics = selectors.topics_for_manage(newsletter)
    chosen = None
    if action in ("rename", "remove"):
        chosen = next((topic for topic in topics if str(topic.pk) == request.POST.get("topic")), None)
        if chosen is None:
            raise Http404
    add_form = TopicForm(posted if action == "add" else None, prefix="add")
    rows = [(topic, _row_form(topic, posted if topic == chosen else None, action)) for topic in topics]
    if request.method == "POST":
        try:
            done = _topic_action(request, newsletter, action, chosen, add_form, rows)
        except ValidationError as error:
            # Beside the button that was pressed: the add form, or the topic's own row.
            add_validation_errors(add_form if action == "add" else dict(rows)[chosen], error)
        else:
            if done:
                messages.success(request, done)
                return see_other(request.path)
    failed = add_form if add_form.errors else next((form for _topic, form in rows if form.errors), None)
    return render(
        request,
        "publications/newsletter/manage/topics.html",
        {"newsletter": newsletter, "add_form": add_form, "rows": rows, "failed": failed},
        status=400 if failed is not None else 200,
    )


def _row_form(topic: Any, posted: Any, action: str) -> TopicForm:
    """A topic's row: its rename form, bound to what was posted for a rename, or to the topic as
    it is when it was asked to be removed (so a refusal can be shown in that row)."""
    prefix = f"topic-{topic.pk}"
    initial = {"name": topic.name, "description": topic.description}
    if posted is not None and action == "rename":
        return TopicForm(posted, prefix=prefix, initial=initial)
    if posted is not None and action == "remove":
        return TopicForm({f"{prefix}-{key}": value for key, value in initial.items()}, prefix=prefix)
    return TopicForm(prefix=prefix, initial=initial)


def _topic_action(
    request: HttpRequest, newsletter: Newsletter, action: str, chosen: Any, add_form: TopicForm, rows: list[Any]
) -> str:
    """Carry out the posted topic action; the message to show, or "" when its form is invalid."""
    if action == "add":
        if not add_form.is_valid():
            return ""
        services.topic_add(newsletter=newsletter, by=request.user, **add_form.cleaned_data)
        return _("The topic is added. Subscribers can choose it from now on.")
    if action == "rename":
        form = dict(rows)[chosen]
        if not form.is_valid():
            return ""
        services.topic_rename(topic=chosen, by=request.user, **form.cleaned_data)
        return _("The topic is saved.")
    if action == "remove":
        services.topic_remove(topic=chosen, by=request.user)
        return _("The topic is removed.")
    raise Http404


@require_http_methods(["GET", "POST"])
@permission_required("publications.manage_newsletter", obj=selectors.newsletter_for_manage)
def issue_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _compose(request, request.permission_object, None)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@permission_required("publications.manage_newsletter", obj=selectors.issue_for_manage)
def issue_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    issue = request.permission_object  # type: ignore[attr-defined]
    if issue.status != IssueStatus.DRAFT:
        if request.method == "POST":
            if request.POST.get("action") == "retry_failed":
                try:
                    retried = sending.deliveries_retry_failed(issue=issue, by=request.user)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d failed delivery is being tried again.",
                            "%(count)d failed deliveries are being tried again.",
                            retried,
                        )
                        % {"count": retried},
                    )
                return see_other(request.path)
            messages.error(request, _("This issue has been sent, so it can no longer be changed."))
            return see_other(request.path)
        return render(
            request,
            "publications/newsletter/manage/issue.html",
            {
                "issue": issue,
                "newsletter": issue.newsletter,
                "counts": selectors.delivery_counts(issue),
                **sending.issue_page_context(issue),
            },
        )
    if request.method == "POST" and request.POST.get("action") == "send_confirmed":
        try:
            sending.issue_send(issue=issue, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The issue is on its way. This page shows how far sending has got."))
        return see_other(request.path)
    return _compose(request, issue.newsletter, issue)


def _compose(request: HttpRequest, newsletter: Newsletter, issue: NewsletterIssue | None) -> HttpResponse:
    """The issue's form and its four buttons: save, preview (nothing saved), send a test to me,
    and send (which asks to confirm, with the number of recipients)."""
    action = request.POST.get("action", "save")
    form = IssueForm(
        request.POST if request.method == "POST" else None,
        newsletter=newsletter,
        instance=issue or NewsletterIssue(newsletter=newsletter),
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if action == "preview":
            preview = sending.issue_preview(newsletter=newsletter, fields=data)
        else:
            try:
                saved = sending.issue_save(newsletter=newsletter, by=request.user, fields=data, issue=issue)
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                return _after_save(request, saved, action)
    return render(
        request,
        "publications/newsletter/manage/issue_form.html",
        {"newsletter": newsletter, "issue": issue, "form": form, "preview": preview},
        status=400 if form.errors else 200,
    )


def _after_save(request: HttpRequest, issue: NewsletterIssue, action: str) -> HttpResponse:
    if action == "test":
        sending.issue_send_test(issue=issue, by=request.user, site_url=settings.HEARD_SITE_URL)
        messages.success(
            request,
            _("The issue is saved, and a test is on its way to %(email)s. It is marked [Test].")
            % {"email": request.user.email},  # type: ignore[union-attr]
        )
        return see_other(_issue_url(issue))
    if action == "send":
        return render(
            request,
            "publications/newsletter/manage/issue_send.html",
            {
                "issue": issue,
                "newsletter": issue.newsletter,
                "recipients": selectors.recipients(newsletter=issue.newsletter, topic=issue.topic).count(),
            },
        )
    messages.success(request, _("The issue is saved. It has not been sent."))
    return see_other(_issue_url(issue))
