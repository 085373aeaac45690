"""A person's own account: overview, public name, "about you", data download and deletion."""

from __future__ import annotations

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from heard.accounts import selectors, services
from heard.accounts.forms import DeleteAccountForm, DemographicsForm, ProfileForm
from heard.core import personal_data
from heard.core.permissions import permission_required, public

MANAGE_OWN = "accounts.manage_own_account"


@permission_required(MANAGE_OWN)
def profile(request: HttpRequest) -> HttpResponse:
    demographics = selectors.demographics_for(user=request.user)
    return render(
        request,
        "accounts/profile.html",
        {"demographics": demographics, "has_totp": selectors.has_totp(user=request.user)},
    )


@permission_required(MANAGE_OWN)
def details(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST if request.method == "POST" else None, initial={"display_name": request.user.display_name}
    )
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, display_name=form.cleaned_data["display_name"], by=request.user)
        messages.success(request, _("Your public name has been saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/details.html", {"form": form})


@sensitive_post_parameters()
@permission_required(MANAGE_OWN)
def about_you(request: HttpRequest) -> HttpResponse:
    demographics = selectors.demographics_for(user=request.user)
    initial = DemographicsForm.initial_from(demographics.answers if demographics else None)
    form = DemographicsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if any(answers.values()):
            services.demographics_save(user=request.user, answers=answers, by=request.user)
            messages.success(request, _("Thank you. Your answers have been saved."))
        else:
            services.demographics_withdraw(user=request.user, by=request.user)
            messages.success(request, _("You have not answered any questions, so we hold no answers about you."))
        return redirect("accounts:profile")
    return render(request, "accounts/about_you.html", {"form": form, "demographics": demographics})


@permission_required(MANAGE_OWN)
@require_POST
def about_you_withdraw(request: HttpRequest) -> HttpResponse:
    if services.demographics_withdraw(user=request.user, by=request.user):
        messages.success(request, _("You have withdrawn your consent and we have deleted your answers."))
    return redirect("accounts:profile")


@permission_required(MANAGE_OWN)
@reauthentication_required(allow_get=True)
def data_download(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "accounts/data.html")
    data = services.account_export(user=request.user, by=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False, default=str), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="heard-my-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required(MANAGE_OWN)
@reauthentication_required(allow_get=True)
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    blockers = personal_data.erasure_blockers(request.user)
    if request.method == "POST" and form.is_valid() and not blockers:
        user = request.user
        services.account_erase(user=user, by=user)
        logout(request)
        return redirect("accounts:deleted")
    return render(request, "accounts/delete.html", {"form": form, "blockers": blockers})


@public
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")
