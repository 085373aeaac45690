"""PLACEHOLDER: being written."""

from django.http import Http404, HttpRequest, HttpResponse

from heard.core.permissions import public


@public
def schedule(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def schedule_changes(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def schedule_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def schedule_release(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def schedule_place(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
