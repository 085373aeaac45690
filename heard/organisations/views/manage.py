"""Staff pages: a person's organisations, their people, details and activity; site-wide
organisations and areas for site administrators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.organisations import selectors, services
from heard.organisations.enums import ROLE_DESCRIPTIONS, Role
from heard.organisations.forms import AreaForm, MembershipForm, OrganisationCreateForm, OrganisationForm
from heard.organisations.models import Membership, Organisation


@permission_required("organisations.view_manage")
def manage_home(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.memberships_of(user=request.user))
    return render(request, "organisations/manage/home.html", {"page": page, "query": page_query(request)})


@permission_required("organisations.manage_members", obj=selectors.organisation_for_manage)
def organisation_members(request: HttpRequest, slug: str) -> HttpResponse:
    organisation: Organisation = request.permission_object
    may_grant_administrator = request.user.has_perm("organisations.manage_administrators", organisation)
    form = MembershipForm(
        request.POST if request.method == "POST" else None, may_grant_administrator=may_grant_administrator
    )
    if request.method == "POST" and form.is_valid():
        services.membership_grant(
            organisation=organisation, user=form.person, role=form.cleaned_data["role"], by=request.user
        )
        messages.success(
            request,
            _("%(email)s is now %(role)s.")
            % {"email": form.cleaned_data["email"], "role": Role(form.cleaned_data["role"]).label.lower()},
        )
        return redirect("organisations:manage_members", slug=organisation.slug)
    page = paginate(request, selectors.organisation_members(organisation=organisation))
    return render(
        request,
        "organisations/manage/members.html",
        {
            "organisation": organisation,
            "page": page,
            "query": page_query(request),
            "form": form,
            "may_grant_administrator": may_grant_administrator,
            "role_descriptions": [(Role(role).label, text) for role, text in ROLE_DESCRIPTIONS.items()],
        },
    )


@permission_required("organisations.manage_members", obj=selectors.organisation_for_manage)
@require_POST
def membership_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organisation: Organisation = request.permission_object
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "user"), pk=membership_id, organisation=organisation
    )
    if membership.role == Role.ADMINISTRATOR:
        check(request.user, "organisations.manage_administrators", organisation)
    try:
        services.membership_revoke(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role has been removed."))
    return redirect("organisations:manage_members", slug=organisation.slug)


@permission_required("organisations.change_organisation", obj=selectors.organisation_for_manage)
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation: Organisation = request.permission_object
    initial = {
        "description": organisation.description,
        "website": organisation.website,
        "public_email": organisation.public_email,
        "areas": list(organisation.areas.values_list("pk", flat=True)),
    }
    form = OrganisationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(organisation=organisation, by=request.user, **form.cleaned_data)
        messages.success(request, _("The organisation's details have been saved."))
        return redirect("organisations:detail", slug=organisation.slug)
    return render(request, "organisations/manage/edit.html", {"organisation": organisation, "form": form})


@permission_required("organisations.view_activity", obj=selectors.organisation_for_manage)
def organisation_activity(request: HttpRequest, slug: str) -> HttpResponse:
    organisation: Organisation = request.permission_object
    page = paginate(request, selectors.organisation_activity(organisation=organisation))
    return render(
        request,
        "organisations/manage/activity.html",
        {"organisation": organisation, "page": page, "query": page_query(request)},
    )


@permission_required("organisations.manage_organisations")
def organisations_manage(request: HttpRequest) -> HttpResponse:
    form = OrganisationCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = services.organisation_create(
            name=data["name"],
            sector=data["sector"],
            description=data["description"],
            website=data["website"],
            public_email=data["public_email"],
            areas=list(data["areas"]),
            by=request.user,
        )
        messages.success(request, _("%(name)s has been added.") % {"name": organisation.name})
        return redirect("organisations:manage_members", slug=organisation.slug)
    page = paginate(request, selectors.organisation_list())
    return render(
        request, "organisations/manage/organisations.html", {"form": form, "page": page, "query": page_query(request)}
    )


@permission_required("organisations.manage_areas")
def areas_manage(request: HttpRequest) -> HttpResponse:
    form = AreaForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            area = services.area_create(
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                code=data["code"],
                postcode_prefixes=data["postcode_prefixes"],
                by=request.user,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": area.name})
            return redirect("organisations:manage_areas")
    page = paginate(request, selectors.area_list())
    return render(
        request, "organisations/manage/areas.html", {"form": form, "page": page, "query": page_query(request)}
    )
