from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from heard.directory.enums import ServiceStatus
from heard.directory.models import Service
from heard.voice.enums import Listened, StoryStatus
from heard.voice.models import Change, Response, Story, StoryFollow, StoryReport


def published_stories(*, service: Any, rating: int | None = None, answer: str = "") -> QuerySet[Story]:
    """A service's published stories, newest first; `answer` is "unanswered" or a response
    status (stories with an answer in that status)."""
    stories = Story.objects.filter(service=service, status=StoryStatus.PUBLISHED)
    if rating:
        stories = stories.filter(rating_overall=rating)
    if answer == "unanswered":
        stories = stories.filter(~Exists(Response.objects.filter(story=OuterRef("pk"))))
    elif answer:
        stories = stories.filter(Exists(Response.objects.filter(story=OuterRef("pk"), status=answer)))
    return stories.select_related("author").order_by("-published_at", "-pk")


def _public_stories() -> QuerySet[Story]:
    """Published stories about services the public can see (not private, not closed for good)."""
    return Story.objects.filter(status=StoryStatus.PUBLISHED, service__is_private=False).exclude(
        service__status=ServiceStatus.DEFUNCT
    )


def story_detail(*, pk: int) -> Story:
    return get_object_or_404(
        _public_stories()
        .select_related("service__organisation", "author")
        .prefetch_related(Prefetch("responses", queryset=Response.objects.select_related("organisation", "author"))),
        pk=pk,
    )


def published_story(request: Any, pk: int, **_: Any) -> Story:
    """The object getter for actions on a published story."""
    return get_object_or_404(_public_stories().select_related("service__organisation"), pk=pk)


def is_following(*, story: Story, user: Any) -> bool:
    return bool(user.is_authenticated) and StoryFollow.objects.filter(story=story, user=user).exists()


def organisation_stories(*, organisation: Any) -> QuerySet[Story]:
    """Published stories about an organisation's services, those not yet answered first."""
    return (
        Story.objects.filter(service__organisation=organisation, status=StoryStatus.PUBLISHED)
        .select_related("service")
        .annotate(response_count=Count("responses"))
        .order_by("response_count", "-published_at", "-pk")
    )


def moderation_queue() -> QuerySet[Story]:
    return (
        Story.objects.filter(status=StoryStatus.PENDING)
        .select_related("service__organisation")
        .order_by("created_at", "pk")
    )


def story_for_moderation(request: Any, pk: int, **_: Any) -> Story:
    return get_object_or_404(Story.objects.select_related("service__organisation", "author"), pk=pk)


def reported_stories() -> QuerySet[Story]:
    """Published stories with reports not yet looked at, most reported first."""
    return (
        Story.objects.filter(status=StoryStatus.PUBLISHED, reports__resolved_at__isnull=True)
        .select_related("service")
        .annotate(open_reports=Count("reports"))
        .order_by("-open_reports", "pk")
    )


def open_reports(*, story: Story) -> QuerySet[StoryReport]:
    return StoryReport.objects.filter(story=story, resolved_at__isnull=True)


def latest_changes(*, service: Any = None, organisation: Any = None, limit: int = 5) -> list[Change]:
    changes = Change.objects.all()
    if service is not None:
        changes = changes.filter(service=service)
    if organisation is not None:
        changes = changes.filter(service__organisation=organisation, service__is_private=False).exclude(
            service__status=ServiceStatus.DEFUNCT
        )
    return list(
        changes.select_related("service").annotate(story_count=Count("stories")).order_by("-changed_on", "-pk")[:limit]
    )


def organisation_services_figures(*, organisation: Any) -> QuerySet[Any]:
    """An organisation's public services, each with its number of published stories and their
    average rating, in one query."""
    published = Q(stories__status=StoryStatus.PUBLISHED)
    return (
        Service.objects.listed()
        .not_private()
        .filter(organisation=organisation)
        .annotate(
            story_count=Count("stories", filter=published), average=Avg("stories__rating_overall", filter=published)
        )
        .order_by("-story_count", "name", "pk")
    )


# The median time to a first answer is taken over this many of the latest answered stories, so
# the page does a bounded amount of work whatever the service's history.
MEDIAN_SAMPLE = 1000


@dataclass(frozen=True)
class ServiceFigures:
    stories: int
    average: float | None
    distribution: list[tuple[int, int]]  # (rating, count), 5 down to 1
    listened: list[tuple[str, int, float]]  # (label, count, share)
    answered_share: float | None
    median_days_to_answer: float | None
    months: list[tuple[dt.date, int, float]]  # (month, stories, average)


def service_figures(*, service: Any) -> ServiceFigures:
    """What people say about a service, in numbers, in a fixed number of queries."""
    return _figures(Story.objects.filter(service=service, status=StoryStatus.PUBLISHED))


def organisation_figures(*, organisation: Any) -> ServiceFigures:
    """The same figures over every public service an organisation runs."""
    return _figures(_public_stories().filter(service__organisation=organisation))


def _figures(published: QuerySet[Story]) -> ServiceFigures:
    answered = Exists(Response.objects.filter(story=OuterRef("pk")))
    totals = published.annotate(has_answer=answered).aggregate(
        stories=Count("pk"),
        average=Avg("rating_overall"),
        answered=Count("pk", filter=Q(has_answer=True)),
        **{f"r{n}": Count("pk", filter=Q(rating_overall=n)) for n in range(1, 6)},
        **{f"l_{value}": Count("pk", filter=Q(listened=value)) for value in Listened.values},
    )
    count = totals["stories"]
    # The first answer of each of the latest answered stories, read from an index per story.
    first_answer = Response.objects.filter(story=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    first_answers = list(
        published.filter(answered)
        .annotate(first=Subquery(first_answer))
        .order_by("-published_at")
        .values_list("published_at", "first")[:MEDIAN_SAMPLE]
    )
    waits = [max(0.0, (first - published_at).total_seconds() / 86400) for published_at, first in first_answers]
    since = (timezone.localdate().replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    since_moment = timezone.make_aware(dt.datetime.combine(since, dt.time.min))  # a range an index can use
    months = [
        (row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"], row["n"], row["avg"])
        for row in published.filter(published_at__gte=since_moment)
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(n=Count("pk"), avg=Avg("rating_overall"))
        .order_by("month")
    ]
    return ServiceFigures(
        stories=count,
        average=totals["average"],
        distribution=[(n, totals[f"r{n}"]) for n in range(5, 0, -1)],
        listened=[
            (str(label), totals[f"l_{value}"], totals[f"l_{value}"] / count if count else 0.0)
            for value, label in Listened.choices
        ],
        answered_share=totals["answered"] / count if count else None,
        median_days_to_answer=statistics.median(waits) if waits else None,
        months=months,
    )


# Reads for the APIs: only what anyone may read on the site.


def public_stories(*, service: Any = None, rating: int | None = None) -> QuerySet[Story]:
    """Published stories about public services, newest first, with their answers."""
    stories = _public_stories()
    if service is not None:
        stories = stories.filter(service=service)
    if rating:
        stories = stories.filter(rating_overall=rating)
    return (
        stories.select_related("service", "author")
        .prefetch_related(Prefetch("responses", queryset=Response.objects.select_related("organisation")))
        .order_by("-published_at", "-pk")
    )


def public_responses(*, service: Any = None, status: str = "") -> QuerySet[Response]:
    responses = Response.objects.filter(story__in=_public_stories())
    if service is not None:
        responses = responses.filter(story__service=service)
    if status:
        responses = responses.filter(status=status)
    return responses.select_related("organisation").order_by("-created_at", "-pk")


def public_changes(*, service: Any = None) -> QuerySet[Change]:
    """Changes to public services, each with the published stories that led to it."""
    changes = Change.objects.filter(service__is_private=False).exclude(service__status=ServiceStatus.DEFUNCT)
    if service is not None:
        changes = changes.filter(service=service)
    return (
        changes.select_related("service")
        .prefetch_related(Prefetch("stories", queryset=_public_stories().only("pk")))
        .order_by("-changed_on", "-pk")
    )


def stories_told_by(user: Any) -> QuerySet[Story]:
    """Stories told with the account, or without one from any of the person's verified addresses
    (their current one included)."""
    from allauth.account.models import EmailAddress

    addresses = {user.email.lower()}
    addresses |= {
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }
    return Story.objects.filter(Q(author=user) | Q(author_email__in=addresses))
