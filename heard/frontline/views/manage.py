"""Running Frontline: conveners verify and suspend partners; site administrators keep the routing
rules. And the public, anonymous statistics."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required, public
from heard.frontline import selectors, services
from heard.frontline.forms import AgencyForm, RuleForm, SuspendForm
from heard.frontline.models import Partner, RoutingRule
from heard.organisations.models import Organisation


@permission_required("frontline.verify_partners")
def partners(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "waiting")
    found = selectors.partners_waiting() if show == "waiting" else selectors.partners_all()
    return render(
        request,
        "frontline/manage/partners.html",
        {"page": paginate(request, found), "query": page_query(request), "show": show, "suspend_form": SuspendForm()},
    )


@permission_required("frontline.verify_partners")
@require_POST
def partner_decide(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.select_related("user").defer("phone"), pk=pk)
    if request.POST.get("action") == "suspend":
        form = SuspendForm(request.POST)
        if form.is_valid():
            services.partner_suspend(partner=partner, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The partner is suspended: they cannot flag until verified again."))
        else:
            messages.error(request, _("Say why the partner is suspended."))
    elif request.POST.get("action") == "verify":
        services.partner_verify(partner=partner, by=request.user)
        messages.success(request, _("The partner is verified and has been emailed."))
    return see_other("frontline:manage_partners")


@permission_required("frontline.manage_rules")
def routing_rules(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST if request.POST.get("action") == "add" else None)
    agency_form = AgencyForm(
        request.POST if request.POST.get("action") == "agency" else None,
        organisations=Organisation.objects.order_by("name"),
    )
    if request.method == "POST" and request.POST.get("action") == "agency":
        if agency_form.is_valid():
            services.agency_set(by=request.user, **agency_form.cleaned_data)
            messages.success(request, _("The organisation now receives referrals."))
            return redirect("frontline:manage_rules")
    elif request.method == "POST":
        if request.POST.get("action") == "remove":
            rule_id = request.POST.get("rule", "")
            rule = get_object_or_404(
                RoutingRule.objects.select_related("agency"), pk=int(rule_id) if rule_id.isdigit() else 0
            )
            services.rule_remove(rule=rule, by=request.user)
            messages.success(request, _("The rule no longer routes flags."))
            return redirect("frontline:manage_rules")
        if form.is_valid():
            services.rule_add(by=request.user, **form.cleaned_data)
            messages.success(request, _("The rule is added."))
            return redirect("frontline:manage_rules")
    return render(
        request,
        "frontline/manage/rules.html",
        {
            "page": paginate(request, selectors.rules_list().filter(active=True)),
            "query": page_query(request),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@public
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "frontline/statistics.html", {"figures": selectors.safe_statistics()})
