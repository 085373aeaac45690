from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.organisations import roles
from heard.polls.enums import RespondentStatus
from heard.polls.models import Answer, Option, Poll, Question, Respondent, Wave


def open_polls() -> QuerySet[Poll]:
    now = timezone.now()
    return (
        Poll.objects.filter(waves__published_at__isnull=False, waves__opens_at__lte=now, waves__closes_at__gt=now)
        .select_related("organisation")
        .distinct()
        .order_by("title", "pk")
    )


def poll_by_slug(request: Any, slug: str, **_: Any) -> Poll:
    return get_object_or_404(Poll.objects.select_related("organisation"), slug=slug)


def current_wave(poll: Poll) -> Wave | None:
    """The wave open now, or else the latest published one."""
    now = timezone.now()
    published = poll.waves.filter(published_at__isnull=False)
    return (
        published.filter(opens_at__lte=now, closes_at__gt=now).order_by("-number").first()
        or published.order_by("-number").first()
    )


def wave_of(poll: Poll, number: int) -> Wave:
    return get_object_or_404(Wave.objects.select_related("poll__organisation"), poll=poll, number=number)


def questions_of(poll: Poll) -> list[Question]:
    """Every question with its options and statements, in two more queries."""
    return list(
        poll.questions.select_related("show_if_question").prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("position", "pk")), "items"
        )
    )


def respondent_with_answers(respondent_id: int) -> Respondent:
    return Respondent.objects.select_related("wave__poll").prefetch_related("answers").get(pk=respondent_id)


def polls_for_manage(user: Any) -> QuerySet[Poll]:
    polls = Poll.objects.select_related("organisation").annotate(wave_count=Count("waves", distinct=True))
    if not roles.is_site_admin(user):
        polls = polls.filter(organisation_id__in=list(roles.roles_by_organisation(user)))
    return polls.order_by("-created_at", "-pk")


def waves_with_counts(poll: Poll) -> QuerySet[Wave]:
    return (
        poll.waves.defer("results")
        .annotate(
            complete=Count("respondents", filter=Q(respondents__status=RespondentStatus.COMPLETE)),
            started=Count("respondents"),
        )
        .order_by("number")
    )


def text_answers(question: Question, wave: Wave | None = None, theme: str = "") -> QuerySet[Answer]:
    answers = Answer.objects.filter(question=question, respondent__status=RespondentStatus.COMPLETE).exclude(text="")
    if wave is not None:
        answers = answers.filter(respondent__wave=wave)
    if theme == "_none":
        answers = answers.filter(themes__isnull=True)
    elif theme:
        answers = answers.filter(themes__label=theme)
    return answers.select_related("respondent__wave").prefetch_related("themes").order_by("-pk")


def panel_size() -> int:
    from heard.polls.models import PanelMember

    return PanelMember.objects.filter(user__is_active=True).count()


def theme_counts(question: Question) -> list[tuple[str, int]]:
    return list(question.themes.annotate(n=Count("answers")).order_by("label").values_list("label", "n"))
