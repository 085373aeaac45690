"""Staff pages of the directory: an organisation's services, and importing Open Referral data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required
from heard.directory import selectors, services
from heard.directory.forms import OpenReferralImportForm, ServiceForm
from heard.directory.models import Service
from heard.organisations.models import Organisation
from heard.organisations.selectors import organisation_for_manage


@permission_required("directory.manage_services", obj=organisation_for_manage)
def organisation_services(request: HttpRequest, slug: str) -> HttpResponse:
    organisation: Organisation = request.permission_object
    page = paginate(request, selectors.services_of(organisation=organisation))
    return render(
        request,
        "directory/manage/services.html",
        {"organisation": organisation, "page": page, "query": page_query(request)},
    )


@permission_required("directory.manage_services", obj=organisation_for_manage)
def service_add(request: HttpRequest, slug: str) -> HttpResponse:
    organisation: Organisation = request.permission_object
    form = ServiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                organisation=organisation,
                areas=list(form.cleaned_data["areas"]),
                by=request.user,
                **form.service_fields(),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("%(name)s is now in the directory.") % {"name": service.name})
            return redirect("directory:manage_services", slug=organisation.slug)
    return render(request, "directory/manage/service_form.html", {"organisation": organisation, "form": form})


@permission_required("directory.change_service", obj=selectors.service_for_manage)
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service: Service = request.permission_object
    initial = {name: getattr(service, name) for name in services.SERVICE_FIELDS}
    initial["areas"] = list(service.areas.values_list("pk", flat=True))
    form = ServiceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                service=service, areas=list(form.cleaned_data["areas"]), by=request.user, **form.service_fields()
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The service has been saved."))
            return redirect("directory:manage_services", slug=service.organisation.slug)
    return render(
        request,
        "directory/manage/service_form.html",
        {"organisation": service.organisation, "service": service, "form": form},
    )


@permission_required("directory.import")
def openreferral_import(request: HttpRequest) -> HttpResponse:
    form = OpenReferralImportForm(
        request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.openreferral_import(
                services=form.cleaned_data["file"], default_sector=form.cleaned_data["sector"], by=request.user
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Imported: %(created)s new services, %(updated)s updated, %(orgs)s new organisations.")
                % {"created": result.created, "updated": result.updated, "orgs": result.organisations_created},
            )
            if result.unknown_areas:
                messages.warning(
                    request,
                    _("These service areas are not on Heard yet, so were left out: %(areas)s.")
                    % {"areas": ", ".join(result.unknown_areas)},
                )
            return redirect("directory:list")
    return render(request, "directory/manage/import.html", {"form": form})
