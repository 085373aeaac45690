"""Community partners: registering, the guidance, flagging a concern from a phone, and following
what became of their flags (status words only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import login_required, permission_required, public
from heard.core.ratelimit import rate_limit_exceeded
from heard.frontline import selectors, services
from heard.frontline.forms import FlagForm, PartnerForm
from heard.frontline.models import Partner
from heard.organisations.models import Area


def _partner(request: HttpRequest) -> Partner | None:
    return Partner.objects.filter(user=request.user).defer("phone").first() if request.user.is_authenticated else None


@public
def start(request: HttpRequest) -> HttpResponse:
    """What partners do, and where each person stands: register, wait, read the guidance, flag."""
    return render(request, "frontline/start.html", {"partner": _partner(request)})


@login_required
@sensitive_post_parameters("phone")
def register(request: HttpRequest) -> HttpResponse:
    partner = _partner(request)
    if partner is not None:
        return redirect("frontline:start")
    form = PartnerForm(request.POST if request.method == "POST" else None, areas=Area.objects.order_by("name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_register(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Thank you. We will check your details and email you when you can flag."))
            return redirect("frontline:start")
    return render(request, "frontline/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def guidance(request: HttpRequest) -> HttpResponse:
    partner = _partner(request)
    if request.method == "POST" and partner is not None and request.user.has_perm("frontline.flag"):
        services.guidance_read(partner=partner)
        messages.success(request, _("Thank you. You can flag a concern now."))
        return redirect("frontline:flag")
    return render(request, "frontline/guidance.html", {"partner": partner})


@permission_required("frontline.flag", strict=True)
@sensitive_post_parameters("details", "address", "place", "postcode", "name", "description", "contact")
def flag(request: HttpRequest) -> HttpResponse:
    partner = _partner(request)
    assert partner is not None  # noqa: S101 - the permission needs a verified partner
    if partner.guidance_read_at is None:
        return redirect("frontline:guidance")
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if rate_limit_exceeded(
                request, action="frontline_flag", limit=20, period_seconds=3600, who=f"user:{request.user.pk}"
            ):
                raise ValidationError(
                    _("You have sent many flags in the last hour. If someone is in danger, call 999.")
                )
            made = services.flag_submit(partner=partner, site_url=settings.HEARD_SITE_URL, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            return redirect("frontline:flag_sent", reference=made.reference)
    return render(request, "frontline/flag_form.html", {"form": form}, status=400 if form.errors else 200)


@permission_required("frontline.flag", strict=True)
def flag_sent(request: HttpRequest, reference: str) -> HttpResponse:
    partner = _partner(request)
    found = selectors.flag_of(partner=partner, reference=reference)  # type: ignore[arg-type]
    return render(request, "frontline/flag_sent.html", {"flag": found})


@login_required
def my_flags(request: HttpRequest) -> HttpResponse:
    partner = _partner(request)
    if partner is None:
        return redirect("frontline:start")
    page = paginate(request, selectors.flags_of(partner=partner))
    return render(request, "frontline/my_flags.html", {"page": page, "query": page_query(request)})


@login_required
def my_flag(request: HttpRequest, reference: str) -> HttpResponse:
    partner = _partner(request)
    if partner is None:
        return redirect("frontline:start")
    return render(request, "frontline/my_flag.html", {"flag": selectors.flag_of(partner=partner, reference=reference)})
