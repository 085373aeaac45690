"""Taking part in a conversation: the list, one statement at a time, agree / disagree / pass,
without an account; adding statements; a participant's own votes and statements; invitation links.
(The report is in `reports`.)"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.conversations import selectors, services
from heard.conversations.forms import StatementForm
from heard.conversations.models import Conversation, ConversationInvitation, Participant
from heard.core.cookies import recalled_key, remember_key, usable_by
from heard.core.crypto import token_digest
from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import allowed, public
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


def _check_join_limit(request: HttpRequest) -> None:
    if rate_limit_exceeded(
        request, action="conversation_join", limit=settings.HEARD_CONVERSATION_JOINS_PER_HOUR, period_seconds=3600
    ):
        raise ValidationError(_("Many people have joined from your connection in the last hour. Try again later."))


def _as_participant(
    request: HttpRequest, conversation: Conversation, act: Callable[[Participant], object]
) -> tuple[Participant, bool]:
    """Do `act` as this person's participant or, on their first vote or statement, as a new one;
    says whether the participant is new. Raises ValidationError when they may not take part or
    `act` refuses. A new participant and its first act stand or fall together (one transaction):
    a refusal on the way would otherwise leave a participant behind that no cookie points to."""
    participant = _participant(request, conversation)
    if participant is not None:
        act(participant)
        return participant, False
    _check_join_limit(request)
    with transaction.atomic():
        participant = services.participant_join(conversation=conversation, user=request.user)
        act(participant)
    return participant, True


def _may_take_part(request: HttpRequest, conversation: Conversation, participant: Participant | None) -> bool:
    """Whether to offer the vote buttons and the statement form. Someone already taking part goes
    on (an anonymous participant who came through an invitation is known only by the cookie);
    anyone else as the rule says. The vote and statement views refuse the others in any case."""
    # Strict: being a superuser lets no one past an invitation the server would then ask for.
    return participant is not None or allowed(request.user, "conversations.take_part", conversation, strict=True)


def _voting_context(request: HttpRequest, conversation: Conversation, participant: Participant | None) -> dict:
    context = {
        "conversation": conversation,
        "participant": participant,
        "may_take_part": conversation.is_open and _may_take_part(request, conversation, participant),
        "statement": None,
        "voted": 0,
        "total": 0,
    }
    # Statements are put to people only while it is open: none are published before it opens, and
    # once it has closed its report shows them.
    if conversation.is_open:
        context["voted"], context["total"] = selectors.participant_progress(
            conversation=conversation, participant=participant
        )
        context["statement"] = selectors.next_statement(conversation=conversation, participant=participant)
    return context


@public
def conversation_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.listed_conversations())
    return render(request, "conversations/list.html", {"page": page, "query": page_query(request)})


@public
def conversation(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    participant = _participant(request, found)
    return render(
        request,
        "conversations/conversation.html",
        {**_voting_context(request, found, participant), "statement_form": StatementForm()},
    )


@public
@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    statement_id = request.POST.get("statement", "")
    if not re.fullmatch(r"[0-9]{1,18}", statement_id):
        raise Http404
    statement = selectors.statement_to_vote_on(slug, int(statement_id))
    found = statement.conversation
    value = {"1": 1, "-1": -1, "0": 0}.get(request.POST.get("vote", ""), 99)

    def cast(participant: Participant) -> None:
        if rate_limit_exceeded(
            request,
            action="conversation_vote",
            limit=settings.HEARD_VOTES_PER_MINUTE,
            period_seconds=60,
            who=f"participant:{participant.pk}",
        ):
            raise ValidationError(_("That is a lot of votes in a minute. Take a breath and try again."))
        services.vote_cast(participant=participant, statement=statement, value=value)

    problem, joined = "", False
    participant: Participant | None = None
    try:
        # Checked before anyone is made a participant, so a vote that cannot count makes none.
        services.vote_check(statement=statement, value=value)
        participant, joined = _as_participant(request, found, cast)
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
    participant = _participant(request, found)
    if form.is_valid():
        try:
            services.statement_check(conversation=found)
            if rate_limit_exceeded(
                request,
                action="conversation_statement",
                limit=settings.HEARD_CONVERSATION_STATEMENTS_PER_HOUR,
                period_seconds=3600,
            ):
                raise ValidationError(_("You have added several statements in the last hour. Try again later."))
            author, joined = _as_participant(
                request,
                found,
                lambda someone: services.statement_submit(participant=someone, text=form.cleaned_data["text"]),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your statement will be shown once it has been checked."))
            response = see_other(found.get_absolute_url())
            return _remember(response, author) if joined else response
    context = {**_voting_context(request, found, participant), "statement_form": form}
    return render(request, "conversations/conversation.html", context, status=400)


# Enough for anyone: statements are limited per hour, and each waits for a moderator.
STATEMENTS_SHOWN = 20


@public
def my_votes(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.conversation_by_slug(request, slug)
    participant = _participant(request, found)
    if participant is None:
        return redirect(found)
    page = paginate(request, selectors.votes_of_participant(participant))
    # One query, capped rather than paginated: the page's pagination is the votes'.
    statements = list(selectors.statements_of_participant(participant)[: STATEMENTS_SHOWN + 1])
    return render(
        request,
        "conversations/my_votes.html",
        {
            "conversation": found,
            "page": page,
            "query": page_query(request),
            "statements": statements[:STATEMENTS_SHOWN],
            "more_statements": len(statements) > STATEMENTS_SHOWN,
            "statements_shown": STATEMENTS_SHOWN,
        },
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
    if mine is not None:
        if invited.participant_id != mine.pk:
            # Another link of theirs, or a way in without one: this link stays unused, for someone else.
            messages.info(request, _("You are already taking part."))
        return redirect(conversation)
    if invited.participant_id is not None:
        return render(
            request,
            "conversations/invitation.html",
            {"conversation": conversation, "problem": _("This invitation has already been used.")},
            status=400,
        )
    if request.method == "POST":
        try:
            participant = services.invitation_accept(invitation=invited, user=request.user)
        except ValidationError as error:
            if getattr(error, "code", None) == "already_taking_part":
                messages.info(request, " ".join(error.messages))
                return redirect(conversation)
            return render(
                request,
                "conversations/invitation.html",
                {"conversation": conversation, "problem": " ".join(error.messages)},
                status=400,
            )
        return _remember(redirect(conversation), participant)
    return render(request, "conversations/invitation.html", {"conversation": conversation})
