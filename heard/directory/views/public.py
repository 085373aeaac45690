"""Public pages and the Open Referral UK feed of the service directory."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from heard.core.pagination import page_query, paginate
from heard.core.permissions import public
from heard.directory import selectors
from heard.directory.forms import ServiceSearchForm
from heard.directory.models import Service
from heard.directory.openreferral import page_of_services, service_to_oruk
from heard.organisations.models import Organisation
from heard.organisations.selectors import area_for_postcode


@public
def service_list(request: HttpRequest) -> HttpResponse:
    form = ServiceSearchForm(request.GET or None)
    text, category, area, organisation = "", "", None, None
    if form.is_valid():
        text, category = form.cleaned_data["q"], form.cleaned_data["category"]
        if form.cleaned_data["postcode"]:
            area = area_for_postcode(postcode=form.cleaned_data["postcode"])
            if area is None:
                messages.warning(
                    request,
                    _("We could not find an area for %(postcode)s, so these services are from everywhere.")
                    % {"postcode": form.cleaned_data["postcode"]},
                )
    if request.GET.get("organisation"):
        organisation = get_object_or_404(Organisation, slug=request.GET["organisation"])
    page = paginate(
        request, selectors.service_search(text=text, category=category, area=area, organisation=organisation)
    )
    return render(
        request,
        "directory/service_list.html",
        {"form": form, "page": page, "query": page_query(request), "area": area, "organisation": organisation},
    )


@public
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_detail(slug=slug)
    return render(request, "directory/service_detail.html", {"service": service})


MAX_PER_PAGE = 100


@public
def openreferral_services(request: HttpRequest) -> JsonResponse:
    """Open Referral UK API: `GET /openreferral/services?text=&page=&per_page=`."""
    try:
        page_number = max(1, int(request.GET.get("page") or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(request.GET.get("per_page") or 50)))
    except ValueError:
        return JsonResponse({"error": "page and per_page must be whole numbers"}, status=400)
    services = selectors.services_for_export(text=request.GET.get("text", ""))
    total = services.count()
    items = list(services[(page_number - 1) * per_page : page_number * per_page])
    return JsonResponse(page_of_services(items, total=total, page=page_number, per_page=per_page))


@public
def openreferral_service(request: HttpRequest, uid: str) -> JsonResponse:
    service = (
        Service.objects.listed()
        .not_private()
        .select_related("organisation")
        .prefetch_related("areas")
        .filter(uid=uid)
        .first()
    )
    if service is None:
        raise Http404
    return JsonResponse(service_to_oruk(service))
