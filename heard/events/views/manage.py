"""PLACEHOLDER: being written."""

from django.http import Http404, HttpRequest, HttpResponse

from heard.core.permissions import public


@public
def events_manage(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def event_manage(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def rooms_manage(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def call_manage(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def checkin(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
