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

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])
ObjectGetter = Callable[..., Any]

ACCESS_ATTRIBUTE = "heard_access"


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view as open to everyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, "public")
    return view


def login_required(view: ViewFunc) -> ViewFunc:
    """Any signed-in person; anonymous visitors are sent to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
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
                return redirect_to_login(request.get_full_path())
            target = obj(request, *args, **kwargs) if obj is not None else None
            if not _holds(request.user, permission, target, strict):
                raise PermissionDenied
            request.permission_object = target  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_ATTRIBUTE, f"permission:{permission}")
        return wrapper  # type: ignore[return-value]

    return decorator


def check(user: Any, permission: str, target: Any = None, *, strict: bool = False) -> None:
    """Raise PermissionDenied unless `user` holds `permission` (for checks inside a view)."""
    if not _holds(user, permission, target, strict):
        raise PermissionDenied


def access_of(view: Callable[..., Any]) -> str | None:
    """What access rule a view declared, or None if it declared none (a test uses this)."""
    return getattr(view, ACCESS_ATTRIBUTE, None)
