from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from heard.voice.enums import StoryStatus
from heard.voice.models import Story


def published_stories(*, service: Any) -> QuerySet[Story]:
    return (
        Story.objects.filter(service=service, status=StoryStatus.PUBLISHED)
        .select_related("author")
        .order_by("-published_at", "-pk")
    )


def story_detail(*, pk: int) -> Story:
    return get_object_or_404(
        Story.objects.filter(status=StoryStatus.PUBLISHED).select_related("service__organisation", "author"), pk=pk
    )


def moderation_queue() -> QuerySet[Story]:
    return (
        Story.objects.filter(status=StoryStatus.PENDING)
        .select_related("service__organisation")
        .order_by("created_at", "pk")
    )


def story_for_moderation(request: Any, pk: int, **_: Any) -> Story:
    return get_object_or_404(Story.objects.select_related("service__organisation", "author"), pk=pk)
