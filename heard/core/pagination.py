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


def page_query(request: HttpRequest) -> str:
    """The current query string without `page`, for building pagination links that keep filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
