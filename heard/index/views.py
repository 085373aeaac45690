"""The front door: what Heard is, and in demo mode who you can sign in as."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from heard.core.permissions import public


@public
def home(request: HttpRequest) -> HttpResponse:
    context = {}
    if settings.HEARD_DEMO:
        from heard.demo.selectors import demo_accounts

        context["demo_accounts"] = demo_accounts()
    return render(request, "index/home.html", context)


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "index/accessibility.html")


@public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "index/privacy.html")
