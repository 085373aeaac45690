"""Reads for reviewing proposals: a reviewer's queue, one proposal as a reviewer sees it, and the
organisers' ranking with its scores aggregated in the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from heard.events.enums import SessionState
from heard.events.models import (
    Answer,
    Call,
    Event,
    Review,
    ReviewCriterion,
    ReviewScore,
    ReviewTeam,
    Session,
)
from heard.events.querysets import hosted_by_q
from heard.organisations import roles

# What a reviewer never sees in their queue: proposals still being written, or taken back.
NOT_FOR_REVIEW = (SessionState.DRAFT, SessionState.WITHDRAWN)

# Why someone may not review a proposal (shown to them beside its title).
CONFLICT_ORGANISATION = "organisation"
CONFLICT_HOST = "host"


def event_with_call(request: Any, slug: str, **_: Any) -> Event:
    """An event with a call for hosts, for the permission check of the reviewers' and the
    organisers' proposal pages."""
    event = get_object_or_404(Event.objects.select_related("organisation", "call"), slug=slug)
    if getattr(event, "call", None) is None:
        raise Http404
    return event


def _sent_in(slug: str, pk: int, *, hidden: tuple[str, ...]) -> Session:
    """A proposal sent in to the event's call, without its hosts' access needs (not even
    decrypted in memory): services.review.access_needs_read reads and logs them."""
    return get_object_or_404(
        Session.objects.select_related("event__organisation", "call", "theme", "organisation", "proposer")
        .defer("access_needs")
        .exclude(state__in=hidden)
        .filter(call__isnull=False),
        event__slug=slug,
        pk=pk,
    )


def proposal_for_review(request: Any, slug: str, pk: int, **_: Any) -> Session:
    """As a reviewer may see it: never a draft or a withdrawn one."""
    return _sent_in(slug, pk, hidden=NOT_FOR_REVIEW)


def proposal_for_manage(request: Any, slug: str, pk: int, **_: Any) -> Session:
    """For its organisers: every state but a draft, which stays private to its hosts."""
    return _sent_in(slug, pk, hidden=(SessionState.DRAFT,))


def _covered_themes(*, call: Call, user: Any) -> tuple[bool, set[int]]:
    """(reviews every theme, the themes reviewed) through the reviewer's teams, in one query."""
    every, themes = False, set()
    for theme_id in ReviewTeam.objects.filter(call=call, members=user).values_list("themes", flat=True):
        if theme_id is None:
            every = True
        else:
            themes.add(theme_id)
    return every, themes


@dataclass
class ReviewQueue:
    reviewable: QuerySet[Session]
    conflicted: QuerySet[Session]


def review_queue(*, event: Event, user: Any) -> ReviewQueue:
    """The proposals of the call that the reviewer's teams cover: those they may review, each
    marked `reviewed` when they have (the open ones not reviewed yet first), and those they may
    not because of a conflict of interest, each with its `conflict` reason. The same rules as
    rules.may_review, in the database."""
    call = event.call
    every, themes = _covered_themes(call=call, user=user)
    covered = (
        Session.objects.filter(call=call)
        .exclude(state__in=NOT_FOR_REVIEW)
        .select_related("theme", "organisation")
        .defer("access_needs")
    )
    if not every:
        covered = covered.filter(theme_id__in=themes)
    own_organisations = list(roles.roles_by_organisation(user))
    from_own = Q(organisation_id__in=own_organisations)
    hosted = hosted_by_q(user)
    reviewable = (
        covered.exclude(from_own)
        .exclude(hosted)
        .annotate(
            reviewed=Exists(Review.objects.filter(session=OuterRef("pk"), reviewer=user)),
            # Those still open for review first; among them, those the reviewer has not done yet.
            closed=Case(When(state=SessionState.SUBMITTED, then=Value(0)), default=Value(1)),
        )
        .order_by("closed", "reviewed", "submitted_at", "pk")
    )
    conflicted = (
        covered.filter(from_own | hosted)
        .annotate(
            conflict=Case(
                When(from_own, then=Value(CONFLICT_ORGANISATION)),
                default=Value(CONFLICT_HOST),
                output_field=CharField(),
            )
        )
        .order_by("title", "pk")
    )
    return ReviewQueue(reviewable=reviewable, conflicted=conflicted)


@dataclass
class ProposalForReview:
    hosts: list[Any]
    answers: list[Answer]
    criteria: list[ReviewCriterion]
    review: Review | None


def proposal_details(*, session: Session, reviewer: Any, anonymised: bool) -> ProposalForReview:
    """What a reviewer reads beside the form: the hosts (unless the review is anonymised), the
    answers to the call's questions, the criteria, and their own review so far."""
    hosts = [] if anonymised else list(session.hosts.only("pk", "name", "email", "is_proposer", "session_id"))
    answers = list(session.answers.select_related("question"))
    criteria = criteria_of(call_id=session.call_id)
    review = Review.objects.filter(session=session, reviewer=reviewer).prefetch_related("scores").first()
    return ProposalForReview(hosts=hosts, answers=answers, criteria=criteria, review=review)


def criteria_of(*, call_id: int | None) -> list[ReviewCriterion]:
    return [] if call_id is None else list(ReviewCriterion.objects.filter(call_id=call_id))


def _criterion_key(criterion: ReviewCriterion) -> str:
    return f"criterion_mean_{criterion.pk}"


def proposals_ranked(
    *, event: Event, criteria: list[ReviewCriterion], state: str = "", theme: Any = None
) -> QuerySet[Session]:
    """Every proposal sent in to the event's call, with its number of reviews, mean overall score
    and mean score per criterion, best first and the unreviewed last. Each figure is a subquery
    grouped by session, so one row's reviews never multiply another figure's rows."""
    reviews = Review.objects.filter(session=OuterRef("pk")).order_by().values("session")
    ranked = (
        Session.objects.filter(event=event, call__isnull=False)
        .exclude(state=SessionState.DRAFT)
        .select_related("theme", "organisation")
        .defer("access_needs")
        .annotate(
            review_count=Coalesce(
                Subquery(reviews.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0)
            ),
            mean_overall=Subquery(reviews.annotate(mean=Avg("overall")).values("mean"), output_field=FloatField()),
        )
    )
    for criterion in criteria:
        scores = (
            ReviewScore.objects.filter(review__session=OuterRef("pk"), criterion=criterion)
            .order_by()
            .values("review__session")
            .annotate(mean=Avg("score"))
            .values("mean")
        )
        ranked = ranked.annotate(**{_criterion_key(criterion): Subquery(scores, output_field=FloatField())})
    if state:
        ranked = ranked.filter(state=state)
    if theme is not None:
        ranked = ranked.filter(theme=theme)
    return ranked.order_by(F("mean_overall").desc(nulls_last=True), "pk")


def with_criterion_means(rows: Any, criteria: list[ReviewCriterion]) -> None:
    """Give each row of a page its means in the criteria's order, for the table's columns."""
    for row in rows:
        row.criterion_means = [getattr(row, _criterion_key(criterion)) for criterion in criteria]


@dataclass
class DecisionsToSend:
    proposals: int
    emails: int


def decisions_unsent(*, event: Event) -> DecisionsToSend:
    """Decided proposals whose hosts have not been emailed yet, and how many emails that makes."""
    counts = (
        Session.objects.filter(event=event)
        .decided_not_emailed()
        .aggregate(proposals=Count("pk", distinct=True), emails=Count("hosts"))
    )
    return DecisionsToSend(proposals=counts["proposals"], emails=counts["emails"])


def reviews_of(session: Session) -> QuerySet[Review]:
    """Every review of a proposal with its reviewer and scores, for its organisers."""
    return (
        Review.objects.filter(session=session)
        .select_related("reviewer")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=ReviewScore.objects.select_related("criterion").order_by(
                    "criterion__position", "criterion__pk"
                ),
            )
        )
        .order_by("created_at", "pk")
    )


def proposal_summary(session: Session) -> dict[str, Any]:
    """The hosts and answers of a proposal, for its organisers."""
    return {
        "hosts": list(session.hosts.select_related("user")),
        "answers": list(session.answers.select_related("question")),
    }


def review_means(session: Session) -> dict[str, Any]:
    """How many reviews a proposal has, and their mean overall score (None without reviews)."""
    return Review.objects.filter(session=session).aggregate(count=Count("pk"), overall=Avg("overall"))


def with_score_rows(reviews: list[Review], criteria: list[ReviewCriterion]) -> list[Review]:
    """Each review's scores in the criteria's order (blank for a criterion added after it)."""
    for review in reviews:
        by_criterion = {score.criterion_id: score.score for score in review.scores.all()}
        review.score_row = [by_criterion.get(criterion.pk) for criterion in criteria]  # type: ignore[attr-defined]
    return reviews
