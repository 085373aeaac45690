"""One rate-limit helper for actions anyone can take without an account.

A fixed window counter in the cache (Redis in production, so it holds across web processes),
keyed by the action and a hash of the client's address, so no address is stored in clear.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from heard.core.client_ip import client_ip


def client_fingerprint(request: HttpRequest) -> str:
    address = client_ip(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def rate_limit_exceeded(
    request: HttpRequest,
    *,
    action: str,
    limit: int,
    period_seconds: int,
    now: float | None = None,
    who: str | None = None,
) -> bool:
    """Count one use of `action` by this client (or by `who`, such as an API token, when given);
    True if it is over `limit` in this window."""
    window = int((time.time() if now is None else now) // period_seconds)
    key = f"ratelimit:{action}:{who or client_fingerprint(request)}:{window}"
    added = cache.add(key, 1, timeout=period_seconds + 5)
    if added:
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=period_seconds + 5)
        count = 1
    return count > limit


def rate_limited(*, action: str, limit: int, period_seconds: int, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorate a view: over the limit, answer 429 with a page that says when to try again."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and rate_limit_exceeded(
                request, action=action, limit=limit, period_seconds=period_seconds
            ):
                response = TemplateResponse(
                    request,
                    "errors/429.html",
                    {"retry_minutes": max(1, period_seconds // 60)},
                    status=429,
                )
                response["Retry-After"] = str(period_seconds)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
