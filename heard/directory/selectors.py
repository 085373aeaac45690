"""Reads for the directory: one search for every screen and API, on any database."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from heard.directory.models import Service
from heard.organisations.models import Area

# At most this many words of a search are used, so a pasted paragraph cannot make a huge query.
MAX_SEARCH_WORDS = 8


def service_search(
    *, text: str = "", category: str = "", area: Area | None = None, organisation: Any = None, private: bool = False
) -> QuerySet[Service]:
    """Services matching the words in `text` (best first), in a category, serving an area.

    PostgreSQL ranks by full-text search (name above description above provider); SQLite, used
    for development, looks for every word in those same fields."""
    services = (
        Service.objects.listed()
        .in_category(category)
        .serving(area)
        .of_organisation(organisation)
        .select_related("organisation")
    )
    if not private:
        services = services.not_private()
    words = text.split()[:MAX_SEARCH_WORDS]
    if not words:
        return services.order_by("name", "pk")
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("name", weight="A", config="english")
            + SearchVector("description", weight="B", config="english")
            + SearchVector("organisation__name", weight="C", config="english")
        )
        query = SearchQuery(" ".join(words), search_type="websearch", config="english")
        return (
            services.annotate(document=vector, rank=SearchRank(vector, query))
            .filter(document=query)
            .order_by("-rank", "name", "pk")
        )
    for word in words:
        services = services.filter(
            Q(name__icontains=word) | Q(description__icontains=word) | Q(organisation__name__icontains=word)
        )
    return services.order_by("name", "pk")


def service_detail(*, slug: str) -> Service:
    return get_object_or_404(
        Service.objects.listed()
        .not_private()
        .select_related("organisation")
        .prefetch_related(Prefetch("areas", queryset=Area.objects.select_related("parent"))),
        slug=slug,
    )


def service_for_manage(request: Any, slug: str, **_: Any) -> Service:
    """The object getter that staff views hand to the permission check."""
    return get_object_or_404(Service.objects.select_related("organisation"), slug=slug)


def services_of(*, organisation: Any) -> QuerySet[Service]:
    return Service.objects.filter(organisation=organisation).order_by("name", "pk")


def services_for_export(*, text: str = "") -> QuerySet[Service]:
    return service_search(text=text).prefetch_related("areas")
