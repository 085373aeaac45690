"""Building a poll: the poll, its questions and options, its waves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.organisations.models import Organisation
from heard.polls import variables
from heard.polls.enums import CHOICE_KINDS, LIKERT_OPTIONS, QuestionKind
from heard.polls.models import MatrixItem, Option, Poll, Question, Theme, Wave


@transaction.atomic
def poll_create(*, organisation: Organisation, by: Any, title: str, introduction: str = "") -> Poll:
    poll = Poll(
        organisation=organisation,
        title=title.strip(),
        introduction=introduction.strip(),
        slug=unique_slug(Poll.objects.all(), title, fallback="poll"),
        created_by=by,
    )
    poll.full_clean()
    poll.save()
    log_action(action="poll.created", by=by, target=poll, organisation_id=organisation.pk)
    return poll


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def questions_locked(poll: Poll) -> bool:
    """Once anyone has answered, the questions stay as they are, so waves remain comparable."""
    return poll.waves.filter(respondents__isnull=False).exists()


@transaction.atomic
def question_add(
    *,
    poll: Poll,
    by: Any,
    kind: str,
    text: str,
    page: int = 1,
    help_text: str = "",
    required: bool = True,
    options: str = "",
    items: str = "",
    weighting_variable: str = "",
    show_if_question: Question | None = None,
    show_if_values: list[str] | None = None,
) -> Question:
    """Add a question at the end. Choices are one per line; a 5-point question and a grid use the
    agree–disagree scale; a profile question takes the answers of its weighting variable."""
    if questions_locked(poll):
        raise ValidationError(_("People have answered this poll, so its questions can no longer change."))
    errors: dict[str, str] = {}
    choice_lines = _lines(options)
    item_lines = _lines(items)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choice_lines) < 2:
        errors["options"] = _("Give at least two answers to choose from, one per line.")
    if len(set(choice_lines)) != len(choice_lines):
        errors["options"] = _("Each answer can be listed only once.")
    if kind == QuestionKind.MATRIX and len(item_lines) < 2:
        errors["items"] = _("Give at least two statements, one per line.")
    if kind == QuestionKind.PROFILE:
        if weighting_variable not in variables.LABELS:
            errors["weighting_variable"] = _("Choose the weighting variable this question gives.")
        elif Question.objects.filter(poll=poll, weighting_variable=weighting_variable).exists():
            errors["weighting_variable"] = _("Another question already gives this weighting variable.")
    values = [str(value) for value in (show_if_values or [])]
    if show_if_question is not None:
        if show_if_question.poll_id != poll.pk or show_if_question.kind not in CHOICE_KINDS:
            errors["show_if_question"] = _("Choose an earlier choice question of this poll.")
        elif show_if_question.page >= page:
            errors["show_if_question"] = _(
                "A question can depend only on a question on an earlier page, so the page works without scripts."
            )
        else:
            options = list(show_if_question.options.values_list("code", "label"))
            if not values or not set(values) <= {code for code, _label in options}:
                errors["show_if_values"] = _(
                    "Give the answers to the earlier question that lead to this one, from: %(answers)s."
                ) % {"answers": "; ".join(f"{code} = {label}" for code, label in options)}
    elif values:
        errors["show_if_question"] = _("Choose the earlier question these answers belong to.")
    if errors:
        raise ValidationError(errors)

    position = (poll.questions.aggregate(last=Max("position"))["last"] or 0) + 1
    question = Question(
        poll=poll,
        position=position,
        page=page,
        code=f"q{position}",
        kind=kind,
        text=text.strip(),
        help_text=help_text.strip(),
        required=required,
        weighting_variable=weighting_variable if kind == QuestionKind.PROFILE else "",
        show_if_question=show_if_question,
        show_if_values=values,
    )
    question.full_clean()
    question.save()
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        choices = [(str(n), label) for n, label in enumerate(choice_lines, start=1)]
    elif kind in (QuestionKind.LIKERT, QuestionKind.MATRIX):
        choices = [(code, str(label)) for code, label in LIKERT_OPTIONS]
    elif kind == QuestionKind.PROFILE:
        choices = variables.options(weighting_variable)
    else:
        choices = []
    Option.objects.bulk_create(
        Option(question=question, code=code, label=label[:200], position=n) for n, (code, label) in enumerate(choices)
    )
    if kind == QuestionKind.MATRIX:
        MatrixItem.objects.bulk_create(
            MatrixItem(question=question, code=str(n), label=label[:300], position=n)
            for n, label in enumerate(item_lines, start=1)
        )
    log_action(action="poll.question_added", by=by, target=question, organisation_id=poll.organisation_id)
    return question


@transaction.atomic
def question_delete(*, question: Question, by: Any) -> None:
    poll = question.poll
    if questions_locked(poll):
        raise ValidationError(_("People have answered this poll, so its questions can no longer change."))
    if Question.objects.filter(show_if_question=question).exists():
        raise ValidationError(_("Another question depends on this one. Change or remove that question first."))
    log_action(action="poll.question_removed", by=by, target=question, organisation_id=poll.organisation_id)
    question.delete()


@transaction.atomic
def wave_create(*, poll: Poll, by: Any, label: str, opens_at: dt.datetime, closes_at: dt.datetime) -> Wave:
    if opens_at >= closes_at:
        raise ValidationError({"closes_at": _("The poll must close after it opens.")})
    number = (poll.waves.aggregate(last=Max("number"))["last"] or 0) + 1
    wave = Wave(poll=poll, number=number, label=label.strip(), opens_at=opens_at, closes_at=closes_at)
    wave.full_clean()
    wave.save()
    log_action(action="poll.wave_created", by=by, target=wave, organisation_id=poll.organisation_id)
    return wave


@transaction.atomic
def wave_publish(*, wave: Wave, by: Any) -> Wave:
    """Publish a wave: from its opening date, people can answer through its links."""
    poll = wave.poll
    if not poll.questions.exists():
        raise ValidationError(_("Add questions before publishing the poll."))
    if wave.closes_at <= timezone.now():
        raise ValidationError(_("This wave's closing date has passed. Change the dates first."))
    if wave.published_at is None:
        wave.published_at = timezone.now()
        wave.save(update_fields=["published_at"])
        log_action(action="poll.wave_published", by=by, target=wave, organisation_id=poll.organisation_id)
    return wave


@transaction.atomic
def results_publish(*, poll: Poll, by: Any, public: bool) -> Poll:
    """Let everyone read the results of the poll's closed waves, or only its conveners and analysts."""
    poll.results_public = public
    poll.save(update_fields=["results_public"])
    log_action(
        action="poll.results_public" if public else "poll.results_private",
        by=by,
        target=poll,
        organisation_id=poll.organisation_id,
    )
    return poll


@transaction.atomic
def theme_code(*, question: Question, answer: Any, by: Any, label: str, remove: bool = False) -> None:
    """Code a free-text answer into a theme (made if new), or take it out of one."""
    label = label.strip()[:100]
    if not label:
        raise ValidationError(_("Give the theme a name."))
    theme, _created = Theme.objects.get_or_create(question=question, label=label)
    if remove:
        theme.answers.remove(answer)
    else:
        theme.answers.add(answer)
    log_action(
        action="poll.answer_coded",
        by=by,
        target=theme,
        organisation_id=question.poll.organisation_id,
        data={"answer": answer.pk, "removed": remove},
    )
