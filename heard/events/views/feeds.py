"""PLACEHOLDER: being written."""

from django.http import Http404, HttpRequest, HttpResponse

from heard.core.permissions import public


@public
def schedule_json(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def schedule_xml(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def session_ics(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def agenda_toggle(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def agenda(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def agenda_ics(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
