"""The demo world's conversation: housing repairs in Millbrook, with a few hundred participants
who fall into three clear groups (tenants waiting on repairs, people who want value for money,
older residents who want a person to talk to) and some things nearly everyone agrees on.

Deterministic: a seeded generator gives the same votes on every run."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import numpy as np
from django.utils import timezone

from heard.conversations import mapping, services
from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.models import Conversation, Participant, Statement, Vote

TOPIC = "How should housing repairs work in Millbrook?"

# (statement, chance of agreeing in each of the three groups)
STATEMENTS = [
    ("Every repair should get a date and time slot when it is reported.", (0.9, 0.8, 0.9)),
    ("Tenants should be able to see where their repair is up to online.", (0.9, 0.7, 0.4)),
    ("Damp and mould should be treated as an emergency.", (0.95, 0.5, 0.8)),
    ("The council should fine contractors who miss appointments.", (0.85, 0.3, 0.6)),
    ("Repairs cost too much because of contractors' overheads.", (0.4, 0.9, 0.5)),
    ("Money for repairs should go first to the homes in worst condition.", (0.8, 0.4, 0.7)),
    ("Tenants should be able to arrange small repairs themselves and be paid back.", (0.3, 0.85, 0.2)),
    ("There should be a phone number answered by a person, not a menu.", (0.6, 0.3, 0.95)),
    ("Letters about repairs are hard to understand.", (0.5, 0.3, 0.85)),
    ("Repair workers should show identification before coming in.", (0.6, 0.5, 0.95)),
    ("Residents should help decide which contractors the council uses.", (0.8, 0.6, 0.5)),
    ("The repairs service is improving.", (0.15, 0.5, 0.35)),
    ("Evening and weekend appointments should be available.", (0.85, 0.75, 0.3)),
    ("The council should publish how long each repair takes.", (0.9, 0.9, 0.7)),
    ("Rent should be reduced while serious repairs are outstanding.", (0.9, 0.2, 0.6)),
    ("It would be better to bring repairs back in house.", (0.7, 0.2, 0.6)),
    ("Older residents should get a named person for their repairs.", (0.6, 0.4, 0.95)),
    ("Photos sent with a report should be enough to diagnose simple faults.", (0.75, 0.85, 0.3)),
]
GROUPS = (0.45, 0.33, 0.22)
PARTICIPANTS = 320


def seed(world: dict[str, Any]) -> None:
    if Conversation.objects.filter(topic=TOPIC).exists():
        return
    convener = world["people"]["convener"]
    now = timezone.now()
    conversation = services.conversation_create(
        organisation=world["organisations"]["collaborative"],
        by=convener,
        topic=TOPIC,
        description=(
            "Repairs are the thing tenants tell us about most. Say where you stand on each statement, "
            "add your own, and see where people agree."
        ),
        participation=Participation.OPEN,
        opens_at=now - dt.timedelta(days=21),
        closes_at=now + dt.timedelta(days=30),
        seed_statements=[text for text, _chances in STATEMENTS],
    )
    statements = list(Statement.objects.filter(conversation=conversation).order_by("pk"))
    chances = np.array([c for _text, c in STATEMENTS])  # statements x groups
    rng = np.random.default_rng(311)
    groups = rng.choice(len(GROUPS), size=PARTICIPANTS, p=GROUPS)
    participants = Participant.objects.bulk_create(
        Participant(conversation=conversation, key=secrets.token_urlsafe(24)) for _n in range(PARTICIPANTS)
    )
    votes = []
    for participant, group in zip(participants, groups, strict=True):
        seen = rng.random(len(statements)) < rng.uniform(0.5, 1.0)
        for j, statement in enumerate(statements):
            if not seen[j]:
                continue
            draw = rng.random()
            p_agree = chances[j, group]
            value = 1 if draw < p_agree * 0.9 else (0 if draw < p_agree * 0.9 + 0.1 else -1)
            when = now - dt.timedelta(days=int(rng.integers(0, 21)), minutes=int(rng.integers(0, 1440)))
            votes.append(
                Vote(participant=participant, statement=statement, value=value, created_at=when, updated_at=when)
            )
    Vote.objects.bulk_create(votes, batch_size=5000)
    Statement.objects.create(
        conversation=conversation,
        text="Repairs should be booked through an app.",
        author=participants[0],
        status=StatementStatus.PENDING,
    )
    mapping.map_update(conversation_id=conversation.pk)
    world["conversation"] = conversation
