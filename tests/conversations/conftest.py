from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest
from django.utils import timezone

from heard.conversations import services
from heard.conversations.enums import StatementStatus
from heard.conversations.models import Conversation, Statement


def conversation_with(provider: Any, convener: Any, seeds: list[str], **fields: Any) -> Conversation:
    """A conversation of `provider`'s, set up by `convener` with `seeds` as its first statements: open
    since yesterday for ten days, about "Bins", unless `fields` say otherwise."""
    now = timezone.now()
    values = {"topic": "Bins", "opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=10)}
    return services.conversation_create(organisation=provider, by=convener, seed_statements=seeds, **(values | fields))


def two_camps_vote(conversation: Conversation, *, people: int = 12, statements: Iterable[Statement] = ()) -> None:
    """`people` participants in two camps vote on every statement (those given, else every shown one,
    oldest first): the even-numbered people agree with the even-positioned statements and disagree
    with the others; the odd-numbered people the other way round."""
    statements = list(statements) or list(
        conversation.statements.filter(status=StatementStatus.ACCEPTED).order_by("pk")
    )
    for n in range(people):
        participant = services.participant_join(conversation=conversation)
        for position, statement in enumerate(statements):
            value = 1 if n % 2 == position % 2 else -1
            services.vote_cast(participant=participant, statement=statement, value=value)


@pytest.fixture
def conversation(provider, convener):
    return conversation_with(
        provider, convener, ["Bins should be collected weekly.", "Recycling is confusing.", "Fortnightly is fine."]
    )
