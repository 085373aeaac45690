"""The one way lists are paginated: every list page shows at most HEARD_PAGE_SIZE rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, items: QuerySet | list[Any], *, per_page: int | None = None) -> Page:
    """Return the page asked for in `?page=`; a bad or out-of-range number gives the nearest page."""
    paginator = Paginator(items, per_page or settings.HEARD_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


class InOrder:
    """A long ordered list for the paginator, read in two steps inside one query: a page's ids from
    an index alone, then only those rows with their joins. (With OFFSET on the joined query, the
    database joins every row it skips, so deep pages, and even page 1 of a list of 100,000, cost far
    more than the 20 rows shown.) The queryset must be ordered by indexed columns."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Any]:
        page_ids = self.queryset.values("pk")[index]
        return list(self.queryset.filter(pk__in=page_ids))


def page_query(request: HttpRequest) -> str:
    """The current query string without `page`, for building pagination links that keep filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
