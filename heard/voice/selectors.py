from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from heard.voice.enums import StoryStatus
from heard.voice.models import Response, Story, StoryFollow


def published_stories(*, service: Any) -> QuerySet[Story]:
    return (
        Story.objects.filter(service=service, status=StoryStatus.PUBLISHED)
        .select_related("author")
        .order_by("-published_at", "-pk")
    )


def story_detail(*, pk: int) -> Story:
    return get_object_or_404(
        Story.objects.filter(status=StoryStatus.PUBLISHED)
        .select_related("service__organisation", "author")
        .prefetch_related(Prefetch("responses", queryset=Response.objects.select_related("organisation", "author"))),
        pk=pk,
    )


def published_story(request: Any, pk: int, **_: Any) -> Story:
    """The object getter for actions on a published story."""
    return get_object_or_404(
        Story.objects.filter(status=StoryStatus.PUBLISHED).select_related("service__organisation"), pk=pk
    )


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
