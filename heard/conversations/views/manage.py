"""Conveners set up conversations, moderate statements, invite people, and import or export
Pol.is data."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.conversations import imports, interchange, selectors, services
from heard.conversations.enums import StatementStatus
from heard.conversations.forms import (
    ConversationForm,
    ImportForm,
    InvitationLinksForm,
    ModerationForm,
    SeedStatementsForm,
)
from heard.conversations.models import Conversation, Statement
from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.organisations import roles
from heard.organisations.enums import Role

# The conversation page's list of statements: those waiting to be checked (the default), or
# those shown to participants (`?show=shown`), each paginated by the page's one `page` parameter.
SHOWN = "shown"


def _convened(user: object) -> Any:
    return roles.organisations_with(user, Role.CONVENER)


def _list_page(
    request: HttpRequest, *, form: ConversationForm, import_form: ImportForm, status: int = 200
) -> HttpResponse:
    """The conversations list with the set-up and import forms, either of them perhaps bound with
    errors: both views re-render it."""
    return render(
        request,
        "conversations/manage/list.html",
        {
            "page": paginate(request, selectors.conversations_for_manage(request.user)),
            "imports": selectors.polis_imports_for_manage(request.user),
            "query": page_query(request),
            "form": form,
            "import_form": import_form,
        },
        status=status,
    )


@permission_required("conversations.view_manage")
def conversations_manage(request: HttpRequest) -> HttpResponse:
    organisations = _convened(request.user)
    form = ConversationForm(request.POST if request.method == "POST" else None, organisations=organisations)
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
            return see_other("conversations:manage_conversation", slug=conversation.slug)
    return _list_page(
        request,
        form=form,
        import_form=ImportForm(organisations=organisations),
        status=400 if form.errors else 200,
    )


def _manage_url(conversation: Conversation, *, show: str = "") -> str:
    url = reverse("conversations:manage_conversation", kwargs={"slug": conversation.slug})
    return f"{url}?show={SHOWN}#statements" if show == SHOWN else url


def _challenge_of(conversation: Conversation) -> Any:
    """The co-design challenge this conversation maps the shortlist of, if any (one query)."""
    try:
        return conversation.challenge
    except ObjectDoesNotExist:
        return None


def _conversation_page(
    request: HttpRequest,
    conversation: Conversation,
    *,
    seed_form: SeedStatementsForm,
    invite_form: InvitationLinksForm,
    tokens: list[str],
) -> HttpResponse:
    show = SHOWN if request.GET.get("show") == SHOWN else ""
    statements = selectors.shown_statements(conversation) if show else selectors.pending_statements(conversation)
    response = render(
        request,
        "conversations/manage/conversation.html",
        {
            "conversation": conversation,
            "challenge": _challenge_of(conversation),
            "show": show,
            "page": paginate(request, statements),
            "query": page_query(request),
            "counts": selectors.conversation_counts(conversation),
            "seed_form": seed_form,
            "invite_form": invite_form,
            "invitation_links": [
                request.build_absolute_uri(reverse("conversations:invitation", kwargs={"token": token}))
                for token in tokens
            ],
        },
        status=400 if seed_form.errors or invite_form.errors else 200,
    )
    if tokens:
        response["Cache-Control"] = "no-store"
    return response


@permission_required("conversations.manage", obj=selectors.conversation_by_slug)
def conversation_manage(request: HttpRequest, slug: str) -> HttpResponse:
    conversation: Conversation = request.permission_object
    seed_form = SeedStatementsForm()
    invite_form = InvitationLinksForm()
    tokens: list[str] = []
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "seed":
        seed_form = SeedStatementsForm(request.POST)
        if seed_form.is_valid():
            try:
                services.statements_seed(
                    conversation=conversation, by=request.user, texts=seed_form.cleaned_data["statements"]
                )
            except ValidationError as error:
                # The service names the problem with one statement; it belongs beside the box.
                add_validation_errors(seed_form, ValidationError({"statements": error.messages}))
            else:
                messages.success(request, _("The statements are added."))
                return see_other(_manage_url(conversation))
    elif action == "invite":
        invite_form = InvitationLinksForm(request.POST)
        if invite_form.is_valid():
            try:
                tokens = services.invitations_create(
                    conversation=conversation, by=request.user, count=invite_form.cleaned_data["count"]
                )
            except ValidationError as error:
                add_validation_errors(invite_form, error)
            else:
                # The links are shown once, on this page, so it is rendered rather than redirected to.
                invite_form = InvitationLinksForm()
    elif action == "analyse":
        if services.analysis_request(conversation=conversation, by=request.user):
            messages.success(request, _("The map is being worked out again."))
        else:
            messages.info(request, _("The map is already being worked out: it will be ready shortly."))
        return see_other(_manage_url(conversation))
    elif request.method == "POST":
        return see_other(_manage_url(conversation))
    return _conversation_page(request, conversation, seed_form=seed_form, invite_form=invite_form, tokens=tokens)


@permission_required("conversations.manage", obj=selectors.conversation_by_slug)
@require_POST
def statement_moderate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    conversation: Conversation = request.permission_object
    statement = get_object_or_404(Statement, conversation=conversation, pk=pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "conversations/manage/statement.html",
            {"conversation": conversation, "statement": statement, "form": form},
            status=400,
        )
    was_shown = statement.status == StatementStatus.ACCEPTED
    services.statement_moderate(statement=statement, by=request.user, accept=form.accept)
    if form.accept:
        messages.success(request, _("The statement is shown to participants."))
    elif was_shown:
        messages.success(request, _("The statement is taken out: participants no longer see it."))
    else:
        messages.success(request, _("The statement is not shown."))
    # Back to the list the decision was made from.
    return see_other(_manage_url(conversation, show=SHOWN if was_shown else ""))


@permission_required("conversations.manage", obj=selectors.conversation_by_slug)
def polis_export(request: HttpRequest, slug: str) -> HttpResponseBase:
    conversation: Conversation = request.permission_object
    return interchange.export_zip(conversation=conversation, by=request.user)


@permission_required("conversations.view_manage")
def polis_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # The list re-rendered here after a bad import links to its other pages from this address.
        query = request.GET.urlencode()
        return see_other(reverse("conversations:manage") + (f"?{query}" if query else ""))
    organisations = _convened(request.user)
    form = ImportForm(request.POST, request.FILES, organisations=organisations)
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        check(request.user, "conversations.manage", organisation)
        try:
            polis_import = imports.polis_import_create(
                upload=form.cleaned_data["export"], organisation=organisation, by=request.user
            )
        except ValidationError as error:
            # What is wrong with the file (which file inside, which line, why) goes beside it.
            add_validation_errors(form, ValidationError({"export": error.messages}))
        else:
            # Checked, and written in the background: its page says how it is going.
            return see_other("conversations:manage_import_status", import_id=polis_import.pk)
    return _list_page(request, form=ConversationForm(organisations=organisations), import_form=form, status=400)
