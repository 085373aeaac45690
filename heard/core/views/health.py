"""A health check for load balancers: the database answers and the cache answers."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from heard.core.permissions import public


@public
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    cache.set("health", "ok", 5)
    return JsonResponse({"database": "ok", "cache": "ok" if cache.get("health") == "ok" else "unavailable"})
