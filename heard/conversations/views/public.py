"""Taking part in a conversation: one statement at a time, agree / disagree / pass, without an
account; adding statements; the report with the opinion map."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.conversations import report as report_module
from heard.conversations import selectors, services
from heard.conversations.forms import StatementForm
from heard.conversations.models import Conversation, ConversationInvitation, Participant, Statement
from heard.core.cookies import recalled_key, remember_key, usable_by
from heard.core.crypto import token_digest
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import public
from heard.core.ratelimit import rate_limit_exceeded

COOKIE_SALT = "heard.conversations.participant"
COOKIE_AGE = 60 * 60 * 24 * 365


def _cookie_name(conversation: Conversation) -> str:
    return f"heard_conv_{conversation.pk}"


def _participant(request: HttpRequest, conversation: Conversation) -> Participant | None:
    if request.user.is_authenticated:
        found = Participant.objects.filter(conversation=conversation, user=request.user).first()
        if found is not None:
            return found
    key = recalled_key(request, _cookie_name(conversation), salt=COOKIE_SALT)
    found = Participant.objects.filter(conversation=conversation, key=key).first() if key else None
    return found if found is not None and usable_by(request, found.user_id) else None


def _remember(response: HttpResponse, participant: Participant) -> HttpResponse:
    return remember_key(
        response, _cookie_name(participant.conversation), participant.key, salt=COOKIE_SALT, max_age=COOKIE_AGE
    )


def _participant_or_join(request: HttpRequest, conversation: Conversation) -> tuple[Participant, bool]:
    """This person's participant, made on their first vote or statement. Raises ValidationError
    when they may not take part, or have made too many participants from one address."""
    participant = _participant(request, conversation)
    if participant is not None:
        return participant, False
    if rate_limit_exceeded(
        request, action="conversation_join", limit=settings.HEARD_CONVERSATION_JOINS_PER_HOUR, period_seconds=3600
    ):
        raise ValidationError(_("Many people have joined from your connection in the last hour. Try again later."))
    return services.participant_join(conversation=conversation, user=request.user), True


def _voting_context(request: HttpRequest, conversation: Conversation, participant: Participant | None) -> dict:
    voted, total = selectors.participant_progress(conversation=conversation, participant=participant)
    return {
        "conversation": conversation,
        "statement": selectors.next_statement(conversation=conversation, participant=participant)
        if conversation.is_open
        else None,
        "voted": voted,
        "total": total,
    }


@public
def conversation_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.open_conversations())
    return render(request, "conversations/list.html", {"page": page, "query": page_query(request)})


@public
def conversation(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    participant = _participant(request, found)
    return render(
        request,
        "conversations/conversation.html",
        {**_voting_context(request, found, participant), "statement_form": StatementForm(), "participant": participant},
    )


@public
@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    statement_id = request.POST.get("statement", "")
    if not re.fullmatch(r"[0-9]{1,18}", statement_id):
        raise Http404
    statement = get_object_or_404(Statement, conversation=found, pk=int(statement_id))
    statement.conversation = found  # already loaded: not fetched again to check it
    problem, joined = "", False
    value = {"1": 1, "-1": -1, "0": 0}.get(request.POST.get("vote", ""), 99)
    participant = None
    try:
        # Everything that could refuse the vote is checked before anyone is made a participant.
        services.vote_check(statement=statement, value=value)
        participant, joined = _participant_or_join(request, found)
        if rate_limit_exceeded(
            request,
            action="conversation_vote",
            limit=settings.HEARD_VOTES_PER_MINUTE,
            period_seconds=60,
            who=f"participant:{participant.pk}",
        ):
            raise ValidationError(_("That is a lot of votes in a minute. Take a breath and try again."))
        services.vote_cast(participant=participant, statement=statement, value=value)
    except ValidationError as error:
        problem = " ".join(error.messages)
        participant = _participant(request, found)
    if request.headers.get("HX-Request"):
        context = {**_voting_context(request, found, participant), "problem": problem}
        # Always 200, so htmx shows a refusal in place as well as the next statement.
        response = render(request, "conversations/_voting.html", context)
    else:
        if problem:
            messages.error(request, problem)
        response = see_other(found.get_absolute_url() + "#vote")
    return _remember(response, participant) if joined and participant else response


@public
@require_POST
def statement_add(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    form = StatementForm(request.POST)
    joined = False
    participant = _participant(request, found)
    if form.is_valid():
        try:
            services.statement_check(conversation=found)
            if rate_limit_exceeded(request, action="conversation_statement", limit=10, period_seconds=3600):
                raise ValidationError(_("You have added several statements in the last hour. Try again later."))
            participant, joined = _participant_or_join(request, found)
            services.statement_submit(participant=participant, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error("text" if hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, _("Thank you. Your statement will be shown once it has been checked."))
            response = redirect(found.get_absolute_url())
            return _remember(response, participant) if joined else response
    context = {**_voting_context(request, found, participant), "statement_form": form, "participant": participant}
    return render(request, "conversations/conversation.html", context, status=400)


@public
def my_votes(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    participant = _participant(request, found)
    if participant is None:
        return redirect(found)
    page = paginate(request, selectors.votes_of_participant(participant))
    return render(
        request, "conversations/my_votes.html", {"conversation": found, "page": page, "query": page_query(request)}
    )


@public
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link asks first (so a mail scanner opening it uses nothing up), then makes
    one participant. After that it lets in only the browser or account it was used by."""
    invited = (
        ConversationInvitation.objects.select_related("conversation", "participant")
        .filter(token_hash=token_digest(token))
        .first()
    )
    if invited is None:
        raise Http404
    conversation = invited.conversation
    mine = _participant(request, conversation)
    if invited.participant_id is not None:
        if mine is not None and mine.pk == invited.participant_id:
            return redirect(conversation)
        return render(
            request,
            "conversations/invitation.html",
            {"conversation": conversation, "problem": _("This invitation has already been used.")},
            status=400,
        )
    if request.method == "POST":
        try:
            participant = services.invitation_accept(invitation=invited, user=request.user, participant=mine)
        except ValidationError as error:
            return render(
                request,
                "conversations/invitation.html",
                {"conversation": conversation, "problem": " ".join(error.messages)},
                status=400,
            )
        return _remember(redirect(conversation), participant)
    return render(request, "conversations/invitation.html", {"conversation": conversation})


@public
def report(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_with_map(slug)
    return render(request, "conversations/report.html", report_module.report_context(found))


@public
def report_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The report as one self-contained HTML file (styles inline, no scripts), to keep or print."""
    found = selectors.conversation_with_map(slug)
    response = render(request, "conversations/report_file.html", report_module.report_context(found))
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-report.html"'
    return response


@public
def statements_csv(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    return report_module.statements_csv(found)
