"""PLACEHOLDER: being written."""

from django.http import Http404, HttpRequest, HttpResponse

from heard.core.permissions import public


@public
def call(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def propose(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def proposals(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def proposal(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


@public
def proposal_respond(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
