"""Conveners set up conversations, moderate statements, invite people, and import or export
Pol.is data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.conversations import interchange, selectors, services
from heard.conversations.forms import ConversationForm, ImportForm
from heard.conversations.models import Conversation, Statement
from heard.conversations.tasks import analyse_conversation
from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.organisations import roles
from heard.organisations.enums import Role
from heard.organisations.models import Organisation


def _convened(user: object) -> object:
    return roles.organisations_with(user, Role.CONVENER)


@permission_required("conversations.view_manage")
def conversations_manage(request: HttpRequest) -> HttpResponse:
    form = ConversationForm(request.POST if request.method == "POST" else None, organisations=_convened(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check(request.user, "conversations.manage", data["organisation"])
        try:
            conversation = services.conversation_create(
                organisation=data["organisation"],
                by=request.user,
                topic=data["topic"],
                description=data["description"],
                participation=data["participation"],
                participants_can_add=data["participants_can_add"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                service=data["service"],
                seed_statements=data["seed_statements"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The conversation is set up."))
            return redirect("conversations:manage_conversation", slug=conversation.slug)
    page = paginate(request, selectors.conversations_for_manage(request.user))
    return render(
        request,
        "conversations/manage/list.html",
        {"page": page, "query": page_query(request), "form": form, "import_form": ImportForm()},
    )


@permission_required("conversations.manage", obj=selectors.conversation_by_slug)
def conversation_manage(request: HttpRequest, slug: str) -> HttpResponse:
    conversation: Conversation = request.permission_object
    tokens: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "seed":
                texts = [line for line in request.POST.get("statements", "").splitlines() if line.strip()]
                services.statements_seed(conversation=conversation, by=request.user, texts=texts)
                messages.success(request, _("The statements are added."))
            elif action == "invite":
                count_text = request.POST.get("count", "")
                if not count_text.isdigit():
                    raise ValidationError(_("Give the number of links as a whole number, like 20."))
                count = int(count_text)
                tokens = services.invitations_create(conversation=conversation, by=request.user, count=count)
            elif action == "analyse":
                analyse_conversation.enqueue(conversation_id=conversation.pk)
                messages.success(request, _("The map is being worked out again."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        if not tokens:
            return redirect("conversations:manage_conversation", slug=conversation.slug)
    page = paginate(request, selectors.pending_statements(conversation))
    response = render(
        request,
        "conversations/manage/conversation.html",
        {
            "conversation": conversation,
            "page": page,
            "query": page_query(request),
            "counts": selectors.conversation_counts(conversation),
            "invitation_links": [
                request.build_absolute_uri(reverse("conversations:invitation", kwargs={"token": token}))
                for token in tokens
            ],
        },
    )
    if tokens:
        response["Cache-Control"] = "no-store"
    return response


@permission_required("conversations.manage", obj=selectors.conversation_by_slug)
@require_POST
def statement_moderate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    conversation: Conversation = request.permission_object
    statement = get_object_or_404(Statement, conversation=conversation, pk=pk)
    accept = request.POST.get("decision") == "accept"
    services.statement_moderate(statement=statement, by=request.user, accept=accept)
    messages.success(
        request, _("The statement is shown to participants.") if accept else _("The statement is not shown.")
    )
    return redirect("conversations:manage_conversation", slug=conversation.slug)


@permission_required("conversations.manage", obj=selectors.conversation_by_slug)
def polis_export(request: HttpRequest, slug: str) -> HttpResponse:
    conversation: Conversation = request.permission_object
    return interchange.export_zip(conversation=conversation, by=request.user)


@permission_required("conversations.view_manage")
@require_POST
def polis_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    organisation_id = request.POST.get("organisation", "")
    organisation = get_object_or_404(Organisation, pk=int(organisation_id) if organisation_id.isdigit() else 0)
    check(request.user, "conversations.manage", organisation)
    if form.is_valid():
        try:
            conversation = interchange.import_zip(
                upload=form.cleaned_data["export"], organisation=organisation, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The export is imported: %(topic)s.") % {"topic": conversation.topic})
            return redirect("conversations:manage_conversation", slug=conversation.slug)
    else:
        messages.error(request, _("Choose a .zip of a Pol.is export."))
    return redirect("conversations:manage")
