"""Public pages: organisations, areas and finding your area by postcode."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from heard.core.pagination import page_query, paginate
from heard.core.permissions import public
from heard.core.ratelimit import rate_limited
from heard.organisations import selectors
from heard.organisations.enums import AreaKind
from heard.organisations.forms import OrganisationFilterForm, PostcodeForm
from heard.organisations.models import Area


@public
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    sector = form.cleaned_data["sector"] if form.is_valid() else ""
    area = None
    if request.GET.get("area"):
        area = get_object_or_404(Area.objects.select_related("parent__parent"), slug=request.GET["area"])
    page = paginate(request, selectors.organisation_list(sector=sector, area=area))
    return render(
        request,
        "organisations/organisation_list.html",
        {"form": form, "page": page, "query": page_query(request), "area": area},
    )


@public
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_detail(slug=slug)
    return render(request, "organisations/organisation_detail.html", {"organisation": organisation})


@public
def area_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in AreaKind.values:
        kind = ""
    page = paginate(request, selectors.area_list(kind=kind))
    return render(
        request,
        "organisations/area_list.html",
        {
            "page": page,
            "query": page_query(request),
            "kind": kind,
            "kinds": AreaKind.choices,
            "postcode_form": PostcodeForm(),
        },
    )


@public
def area_detail(request: HttpRequest, slug: str) -> HttpResponse:
    area = selectors.area_detail(slug=slug)
    children = paginate(request, selectors.area_children(area=area))
    organisations = selectors.organisation_list(area=area)[:10]
    return render(
        request,
        "organisations/area_detail.html",
        {"area": area, "children": children, "query": page_query(request), "organisations": organisations},
    )


@public
@rate_limited(action="postcode_lookup", limit=30, period_seconds=60, methods=("GET",))
def postcode_lookup(request: HttpRequest) -> HttpResponse:
    form = PostcodeForm(request.GET or None)
    if request.GET and form.is_valid():
        area = selectors.area_for_postcode(postcode=form.cleaned_data["postcode"])
        if area is not None:
            return redirect("organisations:area_detail", slug=area.slug)
        messages.warning(
            request,
            _("We could not find an area for %(postcode)s. Heard may not cover it yet.")
            % {"postcode": form.cleaned_data["postcode"]},
        )
    return render(request, "organisations/postcode_lookup.html", {"form": form})
