"""How django-axes finds the account an attempt was for: allauth signs in by email."""

from __future__ import annotations

from typing import Any


def username_from_credentials(request: Any, credentials: dict[str, Any] | None) -> str | None:
    credentials = credentials or {}
    for key in ("email", "username", "login"):
        value = credentials.get(key)
        if value:
            return str(value).strip().lower()
    if request is not None and hasattr(request, "POST"):
        value = request.POST.get("login")
        if value:
            return str(value).strip().lower()
    return None
