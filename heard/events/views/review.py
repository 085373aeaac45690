"""PLACEHOLDER: being written."""

from django.http import Http404, HttpRequest, HttpResponse

from heard.core.permissions import public


@public
def review_queue(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def review_session(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def proposals_manage(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def decisions_send(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def proposal_manage(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
