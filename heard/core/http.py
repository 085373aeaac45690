"""Responses every app's views share."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url


def see_other(to: Any, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
    """After a form is posted, send the browser on with 303 See Other, so it asks for the next page
    with GET and a refresh never posts the form again. `to` is anything `redirect()` takes: a URL,
    a view name with its arguments, or a model with `get_absolute_url()`."""
    response = HttpResponseRedirect(resolve_url(to, *args, **kwargs))
    response.status_code = 303
    return response
