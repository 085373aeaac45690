"""The one way Heard remembers an anonymous person in a browser: a signed, HTTP-only cookie
holding a random key (a poll respondent's, a conversation participant's)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def remember_key(response: HttpResponse, name: str, key: str, *, salt: str, max_age: int) -> HttpResponse:
    response.set_signed_cookie(
        name, key, salt=salt, max_age=max_age, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
    )
    return response


def recalled_key(request: HttpRequest, name: str, *, salt: str) -> str:
    """The key this browser holds, or "" (also when the cookie was tampered with)."""
    return request.get_signed_cookie(name, default="", salt=salt)


def usable_by(request: HttpRequest, owner_id: int | None) -> bool:
    """Whether what a cookie points to may be used by this request: something tied to an account is
    that account's alone, never the next person on the same browser."""
    return owner_id is None or owner_id == request.user.pk
