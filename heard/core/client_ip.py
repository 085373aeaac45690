"""The address a request came from, as the one place that knows about proxies.

Behind PROXY_COUNT trusted proxies, each appends the address it saw to X-Forwarded-For, so the
client is the entry PROXY_COUNT places from the right; anything further left was written by the
client and cannot be trusted. With no proxies, it is REMOTE_ADDR.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    proxies = settings.HEARD_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
