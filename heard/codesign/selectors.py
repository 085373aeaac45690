"""Reads for co-design screens: each returns what one page needs, in a fixed number of queries."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.codesign.enums import OPEN_COMMITMENT, CommentStatus, CommitmentStatus, IdeaStatus, Outcome
from heard.codesign.models import (
    Challenge,
    Comment,
    CommentReport,
    Commitment,
    CommitmentEvent,
    Decision,
    Idea,
    IdeaMute,
    IdeaReport,
    Support,
)
from heard.core.pagination import InOrder
from heard.organisations import roles

SIMILAR_LIMIT = 5
# How alike two titles must be (trigram similarity, 0-1) to be suggested as a possible duplicate.
SIMILARITY_THRESHOLD = 0.25


def _runs(user: Any, challenge: Challenge) -> bool:
    return bool(user.has_perm("codesign.manage_challenge", challenge))


def public_challenges() -> QuerySet[Challenge]:
    return (
        Challenge.objects.filter(published_at__isnull=False)
        .select_related("organisation", "service", "area")
        .annotate(idea_total=Count("ideas", filter=Q(ideas__status=IdeaStatus.PUBLISHED)))
        .order_by("-ideas_from", "-pk")
    )


def challenge_for_viewer(request: Any, slug: str, **_: Any) -> Challenge:
    """A published challenge, or a draft for the people who run it; 404 for anyone else."""
    challenge = get_object_or_404(
        Challenge.objects.select_related("organisation", "service", "area", "conversation"), slug=slug
    )
    if not challenge.is_published and not _runs(request.user, challenge):
        raise Http404
    return challenge


def challenge_for_manage(request: Any, slug: str, **_: Any) -> Challenge:
    return get_object_or_404(Challenge.objects.select_related("organisation", "conversation"), slug=slug)


def _idea_list(challenge: Challenge) -> QuerySet[Idea]:
    latest = Decision.objects.order_by("idea_id", "-version")
    return (
        Idea.objects.filter(challenge=challenge, status=IdeaStatus.PUBLISHED)
        .select_related("challenge", "author", "commitment")
        .prefetch_related(Prefetch("decisions", queryset=latest, to_attr="decision_versions"))
    )


def ideas(*, challenge: Challenge, order: str = "support", shortlisted: bool = False) -> InOrder:
    """The challenge's ideas people can see: most supported first, or newest first."""
    found = _idea_list(challenge)
    if shortlisted:
        found = found.filter(shortlisted=True)
    if order == "new":
        return InOrder(found.order_by("-created_at", "-id"))
    return InOrder(found.order_by("-support_count", "-id"))


def supported_ids(*, user: Any, ideas: list[Idea]) -> set[int]:
    """Which of these ideas this person supports (one query, none when signed out)."""
    if not getattr(user, "is_authenticated", False) or not ideas:
        return set()
    return set(
        Support.objects.filter(user=user, idea__in=[idea.pk for idea in ideas]).values_list("idea_id", flat=True)
    )


def idea_for_viewer(request: Any, slug: str, pk: int, **_: Any) -> Idea:
    idea = get_object_or_404(
        Idea.objects.select_related(
            "challenge", "challenge__organisation", "challenge__conversation", "author", "merged_into", "commitment"
        ),
        challenge__slug=slug,
        pk=pk,
    )
    challenge = idea.challenge
    if not challenge.is_published and not _runs(request.user, challenge):
        raise Http404
    return idea


def idea_for_manage(request: Any, slug: str, pk: int, **_: Any) -> Idea:
    return get_object_or_404(
        Idea.objects.select_related("challenge", "challenge__organisation", "author", "commitment"),
        challenge__slug=slug,
        pk=pk,
    )


def decisions_of(idea: Idea) -> list[Decision]:
    """Every version of the decision, the current one first."""
    return list(idea.decisions.select_related("organisation").order_by("-version"))


def comment_threads(*, idea: Idea) -> QuerySet[Comment]:
    """Top-level comments on show, oldest first, each with its replies on show (paginate this)."""
    shown = Comment.objects.filter(status=CommentStatus.PUBLISHED).select_related("author").order_by("created_at", "pk")
    return (
        Comment.objects.filter(idea=idea, parent__isnull=True, status=CommentStatus.PUBLISHED)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=shown, to_attr="shown_replies"))
        .order_by("created_at", "pk")
    )


def comment_on(idea: Idea, pk: int) -> Comment:
    """A comment on show on this idea (replies and reports reach only those)."""
    return get_object_or_404(
        Comment.objects.select_related("idea__challenge__organisation"),
        idea=idea,
        pk=pk,
        status=CommentStatus.PUBLISHED,
    )


def reported_ideas(*, challenge: Challenge) -> QuerySet[Idea]:
    """Ideas on show with reports a moderator has not yet looked at, the most reported first."""
    waiting = IdeaReport.objects.filter(idea=OuterRef("pk"), resolved_at__isnull=True)
    return (
        Idea.objects.filter(Exists(waiting), challenge=challenge, status=IdeaStatus.PUBLISHED)
        .select_related("challenge")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .order_by("-open_reports", "pk")
    )


def is_muted(*, idea: Idea, user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and IdeaMute.objects.filter(idea=idea, user=user).exists()


def challenge_decisions(*, challenge: Challenge) -> QuerySet[Decision]:
    """The current version of each decision on the challenge's ideas."""
    newer = Decision.objects.filter(idea_id=OuterRef("idea_id"), version__gt=OuterRef("version"))
    return (
        Decision.objects.filter(idea__challenge=challenge)
        .exclude(Exists(newer))
        .select_related("idea", "idea__challenge")
        .order_by("-published_at", "-pk")
    )


def challenge_commitments(*, challenge: Challenge) -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(idea__challenge=challenge)
        .select_related("idea", "idea__challenge")
        .order_by("due_on", "pk")
    )


def commitment_for_viewer(request: Any, pk: int, **_: Any) -> Commitment:
    commitment = get_object_or_404(
        Commitment.objects.select_related("idea", "idea__challenge", "organisation", "owner"), pk=pk
    )
    if not commitment.idea.challenge.is_published and not _runs(request.user, commitment.idea.challenge):
        raise Http404
    return commitment


def commitment_history(*, commitment: Commitment) -> QuerySet[CommitmentEvent]:
    return commitment.events.select_related("by").order_by("-created_at", "-pk")


def challenges_for_manage(user: Any) -> QuerySet[Challenge]:
    found = Challenge.objects.select_related("organisation").order_by("-created_at", "-pk")
    from heard.codesign.rules import RUNNING_ROLES

    return roles.within_organisations_with(found, user, *RUNNING_ROLES)


def reported_comments(*, challenge: Challenge) -> QuerySet[Comment]:
    """Comments with reports a moderator has not yet looked at, the most reported first."""
    waiting = CommentReport.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True)
    return (
        Comment.objects.filter(Exists(waiting), idea__challenge=challenge)
        .select_related("idea", "idea__challenge", "author")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .order_by("-open_reports", "pk")
    )


def open_report_reasons(*, comments: list[Comment]) -> dict[int, list[str]]:
    reasons: dict[int, list[str]] = {}
    for comment_id, reason in CommentReport.objects.filter(comment__in=comments, resolved_at__isnull=True).values_list(
        "comment_id", "reason"
    ):
        reasons.setdefault(comment_id, []).append(reason)
    return reasons


# --- similar ideas -------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def _trigrams(text: str) -> set[str]:
    """The trigrams of each word, padded as PostgreSQL's pg_trgm pads them."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(first: str, second: str) -> float:
    a, b = _trigrams(first), _trigrams(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def similar_ideas(*, challenge: Challenge, text: str, exclude: int | None = None) -> list[Idea]:
    """Ideas of the challenge whose titles look like `text`, most alike first: possible duplicates
    to show someone while they type a new idea, and to conveners looking for ideas to merge.

    On PostgreSQL this is pg_trgm's similarity, the nearest titles found by a trigram index on the
    challenge's titles; on other databases the same measure is computed here over the ideas sharing
    a word with `text`."""
    text = " ".join(text.split())[:200]
    if len(text) < 4:
        return []
    base = Idea.objects.filter(challenge=challenge, status=IdeaStatus.PUBLISHED)
    if exclude is not None:
        base = base.exclude(pk=exclude)
    if connection.vendor == "postgresql":
        return _similar_on_postgresql(challenge, text, exclude)
    words = sorted({w for w in _WORD.findall(text.lower()) if len(w) > 3}, key=len, reverse=True)[:6]
    if not words:
        return []
    matches = Q()
    for word in words:
        matches |= Q(title__icontains=word)
    candidates = list(base.filter(matches).order_by("-support_count")[:500])
    scored = [(trigram_similarity(text, idea.title), idea) for idea in candidates]
    scored = [pair for pair in scored if pair[0] >= SIMILARITY_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].support_count))
    for _score, idea in scored[:SIMILAR_LIMIT]:
        idea.challenge = challenge
    return [idea for _score, idea in scored[:SIMILAR_LIMIT]]


def _similar_on_postgresql(challenge: Challenge, text: str, exclude: int | None) -> list[Idea]:
    # The nearest titles by trigram distance (<->), walked in order by the GiST index on
    # (challenge, title), so the answer costs the same however many titles look alike; then those
    # not alike enough are dropped. The challenge's id is cast so the index's first column is used.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, similarity(title, %s) FROM codesign_idea"
            " WHERE challenge_id = %s::bigint AND status = %s AND id <> %s"
            " ORDER BY title <-> %s LIMIT %s",
            [text, challenge.pk, IdeaStatus.PUBLISHED, exclude or 0, text, SIMILAR_LIMIT],
        )
        nearest = [(pk, likeness) for pk, likeness in cursor.fetchall() if likeness >= SIMILARITY_THRESHOLD]
    found = Idea.objects.in_bulk([pk for pk, _likeness in nearest])
    ideas = [found[pk] for pk, _likeness in nearest if pk in found]
    for idea in ideas:
        idea.challenge = challenge  # already loaded: links need its slug
    return ideas


# --- accountability ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accountability:
    challenges: int
    ideas: int
    decisions: int
    accepted: int
    declined: int
    commitments: int
    kept: int
    kept_late: int
    in_progress: int
    late: int
    dropped: int
    median_days_to_decision: float | None

    @property
    def due(self) -> int:
        """Commitments whose time has come: kept, dropped, or late."""
        return self.kept + self.dropped + self.late


def organisation_accountability(*, organisation: Any) -> Accountability:
    """An organisation's record in co-design, for its public page and the Index (four queries)."""
    today = timezone.localdate()
    published = Challenge.objects.filter(organisation=organisation, published_at__isnull=False)
    challenges = published.count()
    ideas_received = Idea.objects.filter(challenge__in=published).exclude(status=IdeaStatus.MERGED).count()
    first_versions = list(
        Decision.objects.filter(organisation=organisation, version=1).values_list(
            "idea__created_at", "published_at", "idea_id"
        )
    )
    newer = Decision.objects.filter(idea_id=OuterRef("idea_id"), version__gt=OuterRef("version"))
    outcomes = (
        Decision.objects.filter(organisation=organisation)
        .exclude(Exists(newer))
        .aggregate(
            accepted=Count("pk", filter=Q(outcome__in=[Outcome.ACCEPTED, Outcome.ADAPTED])),
            declined=Count("pk", filter=Q(outcome=Outcome.DECLINED)),
        )
    )
    commitments = Commitment.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"),
        kept=Count("pk", filter=Q(status=CommitmentStatus.KEPT)),
        kept_late=Count("pk", filter=Q(status=CommitmentStatus.KEPT, finished_on__gt=F("due_on"))),
        dropped=Count("pk", filter=Q(status=CommitmentStatus.DROPPED)),
        late=Count("pk", filter=Q(status__in=OPEN_COMMITMENT, due_on__lt=today)),
        in_progress=Count("pk", filter=Q(status__in=OPEN_COMMITMENT, due_on__gte=today)),
    )
    days = [(decided - proposed).total_seconds() / 86400 for proposed, decided, _idea in first_versions]
    return Accountability(
        challenges=challenges,
        ideas=ideas_received,
        decisions=len(first_versions),
        accepted=outcomes["accepted"],
        declined=outcomes["declined"],
        commitments=commitments["total"],
        kept=commitments["kept"],
        kept_late=commitments["kept_late"],
        in_progress=commitments["in_progress"],
        late=commitments["late"],
        dropped=commitments["dropped"],
        median_days_to_decision=round(statistics.median(days), 1) if days else None,
    )


# Ideas anyone may read: on show, or merged (pointing to the idea they joined).
READABLE_IDEAS = (IdeaStatus.PUBLISHED, IdeaStatus.MERGED)


def public_idea(*, pk: int) -> Idea:
    return get_object_or_404(
        Idea.objects.filter(challenge__published_at__isnull=False, status__in=READABLE_IDEAS).select_related(
            "challenge", "challenge__organisation", "commitment"
        ),
        pk=pk,
    )


def public_decisions(*, organisation: Any = None, all_versions: bool = False) -> QuerySet[Decision]:
    """Decisions on published challenges, newest first: the current version of each, or every version."""
    decisions = Decision.objects.filter(idea__challenge__published_at__isnull=False)
    if organisation is not None:
        decisions = decisions.filter(organisation=organisation)
    if not all_versions:
        newer = Decision.objects.filter(idea_id=OuterRef("idea_id"), version__gt=OuterRef("version"))
        decisions = decisions.exclude(Exists(newer))
    return decisions.select_related("organisation", "idea__challenge").order_by("-published_at", "-pk")


def public_commitments(*, organisation: Any = None) -> QuerySet[Commitment]:
    """Commitments on published challenges, soonest due first."""
    commitments = Commitment.objects.filter(idea__challenge__published_at__isnull=False)
    if organisation is not None:
        commitments = commitments.filter(organisation=organisation)
    return commitments.select_related("organisation", "idea__challenge__organisation").order_by("due_on", "pk")
