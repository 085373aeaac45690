"""The page that tells developers how to use Heard's APIs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from heard.api.enums import Scope
from heard.api.services import DEMO_OPEN311_KEY
from heard.core.permissions import public


@public
def developers(request: HttpRequest) -> HttpResponse:
    site = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "api/developers.html",
        {
            "site": site,
            "openapi_url": site + reverse("api-v1:openapi-json"),
            "rest_base": site + "/api/v1",
            "open311_base": site + reverse("open311:root"),
            "scopes": Scope.choices,
            "demo_key": DEMO_OPEN311_KEY if settings.HEARD_DEMO else "",
        },
    )
