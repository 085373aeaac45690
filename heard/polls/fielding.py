"""Answering a poll: starting (by public link, invitation or account), saving page by page,
routing, submitting; invitations and the residents' panel."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.crypto import token_digest
from heard.core.services import email_queue, log_action
from heard.polls.enums import Channel, QuestionKind, RespondentStatus
from heard.polls.models import Answer, Invitation, PanelMember, Question, Respondent, Wave

# Two complete responses from the same address and browser within this time are flagged.
DUPLICATE_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Given:
    """What a respondent gave to one question (or one statement of a grid)."""

    choices: tuple[str, ...] = ()
    number: float | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.choices and self.number is None and not self.text


def answers_of(respondent: Respondent) -> dict[tuple[int, int | None], Answer]:
    return {(a.question_id, a.item_id): a for a in respondent.answers.all()}


def is_shown(question: Question, answers: dict[tuple[int, int | None], Any]) -> bool:
    """Routing: a question with a condition is asked only if the earlier answer meets it."""
    if question.show_if_question_id is None:
        return True
    earlier = answers.get((question.show_if_question_id, None))
    return earlier is not None and bool(set(earlier.choices) & set(question.show_if_values))


def pages(questions: Iterable[Question]) -> list[int]:
    return sorted({question.page for question in questions})


def shown_on_page(questions: list[Question], page: int, answers: dict) -> list[Question]:
    return [q for q in questions if q.page == page and is_shown(q, answers)]


def next_page(questions: list[Question], page: int, answers: dict) -> int | None:
    """The next page with a question to ask, or None when this was the last."""
    for later in pages(questions):
        if later > page and shown_on_page(questions, later, answers):
            return later
    return None


def _check_open(wave: Wave) -> None:
    if not wave.is_open:
        raise ValidationError(_("This poll is not open for answers."))


@transaction.atomic
def respondent_start(
    *, wave: Wave, user: Any = None, invitation: Invitation | None = None, fingerprint: str = ""
) -> Respondent:
    """Begin a response, or find the one this account or invitation already began."""
    _check_open(wave)
    signed_in = bool(getattr(user, "is_authenticated", False))
    if invitation is not None:
        if invitation.used_at is not None:
            raise ValidationError(_("This invitation has already been used."))
        existing = Respondent.objects.filter(invitation=invitation).first()
        if existing is not None:
            return existing  # they began with this link and come back to finish
    if signed_in:
        existing = Respondent.objects.filter(wave=wave, user=user).first()
        if existing is not None:
            return existing
    respondent = Respondent(
        wave=wave,
        user=user if signed_in else None,
        invitation=invitation,
        channel=invitation.channel if invitation else Channel.PUBLIC_LINK,
        resume_key=secrets.token_urlsafe(32),
        fingerprint=fingerprint,
        page=min(pages(wave.poll.questions.all()), default=1),
    )
    try:
        with transaction.atomic():
            respondent.save()
    except IntegrityError:  # the same invitation or account started twice at once
        if invitation is not None:
            return Respondent.objects.get(invitation=invitation)
        return Respondent.objects.get(wave=wave, user=user)
    return respondent


def _store(respondent: Respondent, question: Question, item_id: int | None, given: Given) -> None:
    if given.is_empty:
        Answer.objects.filter(respondent=respondent, question=question, item_id=item_id).delete()
        return
    Answer.objects.update_or_create(
        respondent=respondent,
        question=question,
        item_id=item_id,
        defaults={"choices": list(given.choices), "number": given.number, "text": given.text},
    )


@transaction.atomic
def page_save(
    *, respondent: Respondent, page: int, given: dict[tuple[int, int | None], Given], questions: list[Question]
) -> int | None:
    """Save one page's answers (already checked by the page's form) and return the next page to
    show, or None if the response is now complete."""
    respondent = Respondent.objects.select_for_update(of=("self",)).select_related("wave__poll").get(pk=respondent.pk)
    if respondent.status == RespondentStatus.COMPLETE:
        raise ValidationError(_("These answers have already been sent."))
    _check_open(respondent.wave)
    answers = answers_of(respondent)
    for question in shown_on_page(questions, page, answers):
        keys = (
            [(question.pk, item.pk) for item in question.items.all()]
            if question.kind == QuestionKind.MATRIX
            else [(question.pk, None)]
        )
        for key in keys:
            _store(respondent, question, key[1], given.get(key, Given()))
    answers = answers_of(respondent)
    following = next_page(questions, page, answers)
    if following is None:
        # Answers to questions that routing no longer asks are not kept.
        for question in questions:
            if not is_shown(question, answers):
                Answer.objects.filter(respondent=respondent, question=question).delete()
        respondent.status = RespondentStatus.COMPLETE
        respondent.submitted_at = timezone.now()
        # One address and browser sending several complete responses to an open link: the later
        # ones are flagged, and left out of the results.
        respondent.possible_duplicate = (
            bool(respondent.fingerprint)
            and respondent.channel == Channel.PUBLIC_LINK
            and Respondent.objects.filter(
                wave=respondent.wave,
                fingerprint=respondent.fingerprint,
                status=RespondentStatus.COMPLETE,
                submitted_at__gte=respondent.submitted_at - DUPLICATE_WINDOW,
            )
            .exclude(pk=respondent.pk)
            .exists()
        )
        if respondent.invitation_id:
            Invitation.objects.filter(pk=respondent.invitation_id).update(used_at=respondent.submitted_at)
        log_action(action="poll.response_submitted", target=respondent, data={"wave": respondent.wave_id})
    else:
        respondent.page = following
    respondent.save(update_fields=["status", "submitted_at", "page", "possible_duplicate"])
    return following


def _send_invitation(invitation: Invitation, token: str, *, to: str, site_url: str, user: Any = None) -> None:
    wave = invitation.wave
    email_queue(
        to=to,
        subject=_("You are invited to take part: %(poll)s") % {"poll": wave.poll.title},
        text_body=render_to_string(
            "polls/email/invitation.txt",
            {"wave": wave, "link": site_url + reverse("polls:invitation", kwargs={"token": token})},
        ),
        kind="poll_invitation",
        user=user,
    )


@transaction.atomic
def invitations_send(*, wave: Wave, by: Any, emails: list[str], site_url: str) -> int:
    """One single-use link for each address."""
    for address in emails:
        token = secrets.token_urlsafe(24)
        invitation = Invitation.objects.create(wave=wave, token_hash=token_digest(token))
        _send_invitation(invitation, token, to=address, site_url=site_url)
    log_action(
        action="poll.invitations_sent",
        by=by,
        target=wave,
        organisation_id=wave.poll.organisation_id,
        data={"count": len(emails)},
    )
    return len(emails)


@transaction.atomic
def panel_invite(*, wave: Wave, by: Any, site_url: str) -> int:
    """Invite every member of the residents' panel not yet invited to this wave."""
    already = Invitation.objects.filter(wave=wave, user__isnull=False).values("user_id")
    members = PanelMember.objects.select_related("user").filter(user__is_active=True).exclude(user_id__in=already)
    count = 0
    for member in members:
        token = secrets.token_urlsafe(24)
        invitation = Invitation.objects.create(
            wave=wave, token_hash=token_digest(token), user=member.user, channel=Channel.PANEL
        )
        _send_invitation(invitation, token, to=member.user.email, site_url=site_url, user=member.user)
        count += 1
    log_action(
        action="poll.panel_invited",
        by=by,
        target=wave,
        organisation_id=wave.poll.organisation_id,
        data={"count": count},
    )
    return count


def invitation_for(token: str) -> Invitation | None:
    return Invitation.objects.select_related("wave__poll").filter(token_hash=token_digest(token)).first()


@transaction.atomic
def panel_join(*, user: Any) -> PanelMember:
    member, _created = PanelMember.objects.get_or_create(user=user, defaults={"consented_at": timezone.now()})
    return member


@transaction.atomic
def panel_leave(*, user: Any) -> None:
    PanelMember.objects.filter(user=user).delete()
