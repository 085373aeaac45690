"""Telling the people behind an idea (its author and every supporter) what became of it: a merge,
a decision or its correction, a commitment and its progress, a commitment gone late.

A service calls `notify_followers`, which queues one background task once the transaction commits;
the task writes one email per person, so a decision on an idea with thousands of supporters does not
hold up the page that published it."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from heard.core.services import email_queue

EVENTS = ("merged", "decision", "correction", "commitment", "progress", "late")
STOP_SALT = "heard.codesign.stop-emails"


def stop_token(*, user_id: int, idea_id: int) -> str:
    """A link's key that lets one person stop the emails about one idea without signing in."""
    return signing.dumps([user_id, idea_id], salt=STOP_SALT, compress=True)


def read_stop_token(token: str) -> tuple[int, int] | None:
    try:
        user_id, idea_id = signing.loads(token, salt=STOP_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(user_id), int(idea_id)


def notify_followers(*, idea: Any, event: str, object_id: int, site_url: str = "") -> None:
    from heard.codesign.tasks import tell_followers

    if event not in EVENTS:
        raise ValueError(event)
    idea_id = idea.pk
    transaction.on_commit(
        lambda: tell_followers.enqueue(idea_id=idea_id, event=event, object_id=object_id, site_url=site_url)
    )


def _subject(event: str, idea: Any) -> str:
    subjects = {
        "merged": _("An idea you back was joined with a similar one: “%(title)s”"),
        "decision": _("A decision on “%(title)s”"),
        "correction": _("A corrected decision on “%(title)s”"),
        "commitment": _("A commitment was made on “%(title)s”"),
        "progress": _("Progress on “%(title)s”"),
        "late": _("A commitment on “%(title)s” is late"),
    }
    return subjects[event] % {"title": idea.title}


def followers_tell(*, idea_id: int, event: str, object_id: int, site_url: str = "") -> int:
    """Email the idea's author and supporters about `event`; returns how many were emailed."""
    from heard.codesign.models import Commitment, CommitmentEvent, Decision, Idea, IdeaMute, Support

    idea = Idea.objects.select_related("challenge", "challenge__organisation", "author").filter(pk=idea_id).first()
    if idea is None:
        return 0
    context: dict[str, Any] = {"idea": idea, "event": event, "link": site_url + idea.get_absolute_url()}
    if event in ("decision", "correction"):
        context["decision"] = Decision.objects.filter(pk=object_id).first()
    elif event == "merged":
        context["merged"] = Idea.objects.filter(pk=object_id).first()
    elif event in ("commitment", "late"):
        context["commitment"] = Commitment.objects.filter(pk=object_id).first()
    elif event == "progress":
        update = CommitmentEvent.objects.select_related("commitment").filter(pk=object_id).first()
        context["update"] = update
        context["commitment"] = update.commitment if update else None
    if event in ("commitment", "late", "progress") and context.get("commitment"):
        context["link"] = site_url + context["commitment"].get_absolute_url()

    people: dict[str, Any] = {}
    author = idea.author
    if author is not None and author.is_active:
        people[author.email.lower()] = author
    owner = getattr(context.get("commitment"), "owner", None)
    if event == "late" and owner is not None and owner.is_active:
        people[owner.email.lower()] = owner  # the person who answers for it hears first
    supporters = Support.objects.filter(idea_id=idea_id, user__is_active=True).select_related("user").order_by("pk")
    for support in supporters.iterator(chunk_size=2000):
        people.setdefault(support.user.email.lower(), support.user)
    muted = set(IdeaMute.objects.filter(idea_id=idea_id).values_list("user_id", flat=True))
    people = {address: person for address, person in people.items() if person.pk not in muted}
    subject = _subject(event, idea)
    for address, person in people.items():
        stop = reverse(
            "codesign:stop_emails",
            kwargs={"token": stop_token(user_id=person.pk, idea_id=idea.pk)},
        )
        email_queue(
            to=address,
            subject=subject,
            text_body=render_to_string(
                "codesign/email/followers.txt",
                {**context, "is_author": person.pk == idea.author_id, "stop_link": site_url + stop},
            ),
            kind=f"idea_{event}",
            user=person,
        )
    return len(people)
