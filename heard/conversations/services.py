"""Setting up a conversation, taking part in it (statements and votes), moderating statements,
invitations, and keeping its opinion map up to date."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.models import (
    MAX_STATEMENT_LENGTH,
    Conversation,
    ConversationInvitation,
    Participant,
    Statement,
    Vote,
)
from heard.core.crypto import token_digest
from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.core.text import without_control_characters

# A burst of votes queues one analysis, run this long after the first of them.
ANALYSIS_DEBOUNCE = dt.timedelta(seconds=30)
STALE_QUEUE = dt.timedelta(minutes=15)


@transaction.atomic
def conversation_create(
    *,
    organisation: Any,
    by: Any,
    topic: str,
    description: str = "",
    participation: str = Participation.OPEN,
    participants_can_add: bool = True,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    service: Any = None,
    seed_statements: list[str] | None = None,
) -> Conversation:
    if opens_at >= closes_at:
        raise ValidationError({"closes_at": _("The conversation must close after it opens.")})
    # A conversation is about a service its own organisation runs. (The set-up form offers only those
    # still running; a challenge's map may be about one that has since closed, what replaces it, say.)
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError(
            {
                "service": _(
                    "Choose a service of %(organisation)s, the organisation that runs the conversation, or none."
                )
                % {"organisation": organisation.name}
            }
        )
    conversation = Conversation(
        organisation=organisation,
        topic=topic.strip(),
        slug=unique_slug(Conversation.objects.all(), topic, fallback="conversation"),
        description=description.strip(),
        participation=participation,
        participants_can_add=participants_can_add,
        opens_at=opens_at,
        closes_at=closes_at,
        service=service,
        created_by=by,
    )
    conversation.full_clean()
    conversation.save()
    statements_seed(conversation=conversation, by=by, texts=seed_statements or [])
    log_action(action="conversation.created", by=by, target=conversation, organisation_id=organisation.pk)
    return conversation


def _clean_text(text: str) -> str:
    text = " ".join(without_control_characters(text).split())
    if not text:
        raise ValidationError({"text": _("Write the statement.")})
    if len(text) > MAX_STATEMENT_LENGTH:
        raise ValidationError(
            {"text": _("A statement can be up to %(limit)d characters.") % {"limit": MAX_STATEMENT_LENGTH}}
        )
    return text


@transaction.atomic
def statements_seed(*, conversation: Conversation, by: Any, texts: list[str]) -> list[Statement]:
    """Statements from the convener: shown straight away."""
    cleaned = [_clean_text(text) for text in texts if text.strip()]
    now = timezone.now()
    statements = Statement.objects.bulk_create(
        Statement(
            conversation=conversation,
            text=text,
            status=StatementStatus.ACCEPTED,
            is_seed=True,
            moderated_by=by,
            moderated_at=now,
        )
        for text in cleaned
    )
    if statements:
        log_action(
            action="conversation.statements_added",
            by=by,
            target=conversation,
            organisation_id=conversation.organisation_id,
            data={"count": len(statements)},
        )
    return statements


def _check_open(conversation: Conversation) -> None:
    if conversation.has_not_opened:
        raise ValidationError(_("This conversation has not opened yet: it takes no votes or statements before then."))
    if not conversation.is_open:
        raise ValidationError(_("This conversation is closed: it takes no more votes or statements."))


def take_part_refusal(conversation: Conversation, *, signed_in: bool, invited: bool) -> str | None:
    """Why someone who does not take part yet may not join the conversation, or None if they may.
    The one place this is decided: `participant_join` refuses with it, and the rule
    `conversations.take_part` (which the pages ask, for anyone not yet taking part) allows by it."""
    if conversation.participation == Participation.SIGNED_IN and not signed_in:
        return _("Sign in to take part in this conversation.")
    if conversation.participation == Participation.INVITED and not invited:
        return _("This conversation is by invitation only.")
    return None


@transaction.atomic
def participant_join(
    *, conversation: Conversation, user: Any = None, invitation: ConversationInvitation | None = None
) -> Participant:
    """A new participant (or the one this account already is). Who may take part is checked here."""
    signed_in = bool(getattr(user, "is_authenticated", False))
    if signed_in:
        existing = Participant.objects.filter(conversation=conversation, user=user).first()
        if existing is not None:
            return existing
    refusal = take_part_refusal(conversation, signed_in=signed_in, invited=invitation is not None)
    if refusal is not None:
        raise ValidationError(refusal)
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                conversation=conversation, user=user if signed_in else None, key=secrets.token_urlsafe(24)
            )
    except IntegrityError:  # the same account's first two votes at once
        return Participant.objects.get(conversation=conversation, user=user)
    return participant


@transaction.atomic
def invitation_accept(*, invitation: ConversationInvitation, user: Any = None) -> Participant:
    """Use an invitation: it makes this person a participant. An account that already takes part
    leaves the link unused, for someone else, and is refused with the code "already_taking_part" (a
    browser taking part without an account never gets this far: the view sends it on). Locked, so
    two people following the same link at once cannot both get in."""
    invitation = ConversationInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.participant_id is not None:
        raise ValidationError(_("This invitation has already been used."))
    conversation = invitation.conversation
    already = _("You are already taking part.")
    if (
        getattr(user, "is_authenticated", False)
        and Participant.objects.filter(conversation=conversation, user=user).exists()
    ):
        raise ValidationError(already, code="already_taking_part")
    participant = participant_join(conversation=conversation, user=user, invitation=invitation)
    invitation.participant = participant
    try:
        with transaction.atomic():
            invitation.save(update_fields=["participant"])
    except IntegrityError:
        # The account's participant was made a moment ago through another link, and is bound to it.
        raise ValidationError(already, code="already_taking_part") from None
    return participant


def vote_check(*, statement: Statement, value: int) -> None:
    """Whether a vote of `value` on `statement` can be taken now (before anyone is made a participant)."""
    if value not in (-1, 0, 1):
        raise ValidationError(_("Choose agree, disagree or pass."))
    _check_open(statement.conversation)
    if statement.status != StatementStatus.ACCEPTED:
        raise ValidationError(_("This statement has been taken out of the conversation."))


def statement_check(*, conversation: Conversation) -> None:
    _check_open(conversation)
    if not conversation.participants_can_add:
        raise ValidationError(_("In this conversation, only the organisers add statements."))


def vote_cast(*, participant: Participant, statement: Statement, value: int) -> None:
    """Agree (+1), disagree (-1) or pass (0); a second vote on the same statement replaces the
    first. One row per participant and statement, by a database constraint, written in one
    statement (insert, or update on conflict), so concurrent votes are neither lost nor doubled."""
    if statement.conversation_id != participant.conversation_id:
        raise ValidationError(_("This statement belongs to another conversation."))
    vote_check(statement=statement, value=value)
    conversation = statement.conversation
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Vote._meta.db_table)
    # One statement, in autocommit: insert the vote, or replace the participant's earlier vote on
    # this statement (PostgreSQL and SQLite both speak this). Without a transaction around it there
    # is no BEGIN and COMMIT to wait for; the unique constraint keeps it one row per pair.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (participant_id, statement_id, value, created_at, updated_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (participant_id, statement_id) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            [participant.pk, statement.pk, value, now, now],
        )
    analysis_request(conversation=conversation)


@transaction.atomic
def statement_submit(*, participant: Participant, text: str) -> Statement:
    """A participant's statement, checked by a moderator before anyone sees it."""
    conversation = participant.conversation
    statement_check(conversation=conversation)
    statement = Statement.objects.create(
        conversation=conversation, text=_clean_text(text), author=participant, status=StatementStatus.PENDING
    )
    log_action(
        action="conversation.statement_submitted", target=statement, organisation_id=conversation.organisation_id
    )
    return statement


@transaction.atomic
def statement_moderate(*, statement: Statement, by: Any, accept: bool) -> Statement:
    """Show a statement to participants, or take it out (its votes then no longer count)."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    statement.status = StatementStatus.ACCEPTED if accept else StatementStatus.REJECTED
    statement.moderated_by = by
    statement.moderated_at = timezone.now()
    statement.save(update_fields=["status", "moderated_by", "moderated_at"])
    log_action(
        action="conversation.statement_accepted" if accept else "conversation.statement_rejected",
        by=by,
        target=statement,
        organisation_id=statement.conversation.organisation_id,
    )
    transaction.on_commit(lambda: analysis_request(conversation=statement.conversation))
    return statement


@transaction.atomic
def invitations_create(*, conversation: Conversation, by: Any, count: int) -> list[str]:
    """`count` single-person links; returns their tokens (shown once, to share however suits)."""
    if not 1 <= count <= 1000:
        raise ValidationError({"count": _("Make between 1 and 1,000 invitations at a time.")})
    tokens = [secrets.token_urlsafe(18) for _n in range(count)]
    ConversationInvitation.objects.bulk_create(
        ConversationInvitation(conversation=conversation, token_hash=token_digest(token)) for token in tokens
    )
    log_action(
        action="conversation.invitations_made",
        by=by,
        target=conversation,
        organisation_id=conversation.organisation_id,
        data={"count": count},
    )
    return tokens


def analysis_request(*, conversation: Conversation, by: Any = None) -> bool:
    """Queue a new opinion map unless one is already queued: a burst of votes makes one. Votes wait
    a short while so that one run covers the burst; a convener asking for it (`by`) gets it at once,
    and the request is logged. Returns whether a run was queued (False: one is already waiting)."""
    if by is None:
        # After every vote: one UPDATE in autocommit, no transaction of its own.
        return _analysis_queue(conversation, debounce=True)
    with transaction.atomic():
        if not _analysis_queue(conversation, debounce=False):
            return False
        log_action(
            action="conversation.analysis_requested",
            by=by,
            target=conversation,
            organisation_id=conversation.organisation_id,
        )
    return True


def _analysis_queue(conversation: Conversation, *, debounce: bool) -> bool:
    from heard.conversations.tasks import analyse_conversation

    now = timezone.now()
    # A queued analysis that never ran (a worker lost it) stops blocking new ones after a while.
    not_queued = Q(analysis_queued_at__isnull=True) | Q(analysis_queued_at__lt=now - STALE_QUEUE)
    if not Conversation.objects.filter(not_queued, pk=conversation.pk).update(analysis_queued_at=now):
        return False
    task = analyse_conversation
    if debounce and task.get_backend().supports_defer:
        task = task.using(run_after=now + ANALYSIS_DEBOUNCE)
    transaction.on_commit(lambda: task.enqueue(conversation_id=conversation.pk))
    return True
