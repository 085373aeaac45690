"""The one way every view (and, later, every API endpoint) checks who may do what.

Permissions themselves are named django-rules predicates in each app's `rules.py`. A view says
which permission it needs with `@permission_required`, or that it is open to everyone with
`@public`. A test walks every URL pattern and fails if a view of ours carries neither, so no page
can be added without a decision about who may see it.

An anonymous visitor who lacks a permission is sent to sign in; a signed-in person who lacks it
gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])
ObjectGetter = Callable[..., Any]

ACCESS_ATTRIBUTE = "heard_access"


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    """Send someone who is not signed in to sign in, and back afterwards. For a request htmx made
    (a button or a drop on a page), htmx is told to take the whole page there, and back to the
    page they were on, rather than swapping the sign-in page into a part of it."""
    if request.headers.get("HX-Request") != "true":
        return redirect_to_login(request.get_full_path())
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = request.get_full_path()
    if current.path.startswith("/") and url_has_allowed_host_and_scheme(
        current.geturl(), allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = current.path + (f"?{current.query}" if current.query else "")
    response = HttpResponse(status=204)
    response["HX-Redirect"] = redirect_to_login(back)["Location"]
    return response


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view as open to everyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def login_required(view: ViewFunc) -> ViewFunc:
    """Any signed-in person; anonymous visitors are sent to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _to_sign_in(request)
        return view(request, *args, **kwargs)

    setattr(wrapper, ACCESS_ATTRIBUTE, "login")
    return wrapper  # type: ignore[return-value]


def _holds(user: Any, permission: str, target: Any, strict: bool) -> bool:
    # Django lets a superuser hold every permission. `strict` permissions are decided by their rule
    # alone, superuser or not: who may read a vulnerable person's case is not an admin privilege.
    return bool(rules.has_perm(permission, user, target)) if strict else bool(user.has_perm(permission, target))


def permission_required(
    permission: str, *, obj: ObjectGetter | None = None, strict: bool = False
) -> Callable[[ViewFunc], ViewFunc]:
    """Require a django-rules permission, optionally on an object that `obj(request, **kwargs)`
    loads (it should raise Http404 when there is no such object). The loaded object is passed to
    the view as `request.permission_object`, so the view does not load it twice. With `strict`,
    being a superuser grants nothing: only the rule decides."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                # No permission is ever given to anonymous visitors (open pages use @public), and
                # sending them to sign in before loading anything tells them nothing about what exists.
                return _to_sign_in(request)
            target = obj(request, *args, **kwargs) if obj is not None else None
            if not _holds(request.user, permission, target, strict):
                raise PermissionDenied
            request.permission_object = target  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_ATTRIBUTE, f"permission:{permission}")
        return wrapper  # type: ignore[return-value]

    return decorator


def allowed(user: Any, permission: str, target: Any = None, *, strict: bool = False) -> bool:
    """Whether `user` holds `permission` (to choose what a page offers; `check` to refuse)."""
    return _holds(user, permission, target, strict)


def check(user: Any, permission: str, target: Any = None, *, strict: bool = False) -> None:
    """Raise PermissionDenied unless `user` holds `permission` (for checks inside a view)."""
    if not allowed(user, permission, target, strict=strict):
        raise PermissionDenied


def access_of(view: Callable[..., Any]) -> str | None:
    """What access rule a view declared, or None if it declared none (a test uses this)."""
    return getattr(view, ACCESS_ATTRIBUTE, None)
