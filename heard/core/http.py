"""Responses every app's views share."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import resolve_url


def see_other(to: Any, *args: Any, **kwargs: Any) -> HttpResponseRedirect:
    """After a form is posted, send the browser on with 303 See Other, so it asks for the next page
    with GET and a refresh never posts the form again. `to` is anything `redirect()` takes: a URL,
    a view name with its arguments, or a model with `get_absolute_url()`."""
    response = HttpResponseRedirect(resolve_url(to, *args, **kwargs))
    response.status_code = 303
    return response


def serve_file(
    field_file: Any,
    *,
    content_type: str | None = None,
    public: bool = True,
    download_name: str | None = None,
) -> FileResponse:
    """An uploaded file (a picture, a PDF) served through a view, so the view decides who may see
    it. `public` files may be kept by shared caches, briefly, so taking the thing down takes its
    file down too; anything else is never cached. With `download_name` the browser saves it under
    that name (never the uploader's); 404 when the file is missing from storage."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = content_type or mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    if download_name:
        response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=download_name)
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
