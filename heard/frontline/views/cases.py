"""Agency work: the inbox, a referral (its personal details shown only after saying why, and each
look logged), acknowledge / accept / act / transfer / decline / close, proposed links, the linked
case across agencies for coordinators, and the managers' export."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

import rules
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.core.text import spreadsheet_safe
from heard.frontline import access, casework, linking, selectors
from heard.frontline.enums import ExportPurpose, LawfulBasis
from heard.frontline.forms import CloseForm, DeclineForm, NoteForm, RevealForm, TransferForm
from heard.frontline.models import Flag, Referral


@permission_required("frontline.view_inbox", strict=True)
def inbox(request: HttpRequest) -> HttpResponse:
    agency_id = request.GET.get("agency", "")
    agency = selectors.agency_for(request, int(agency_id) if agency_id.isdigit() else None)
    show = request.GET.get("show", "open")
    page = paginate(request, selectors.inbox(agency=agency, show=show))
    return render(
        request,
        "frontline/inbox.html",
        {
            "agency": agency,
            "agencies": selectors.agencies_of(request.user),
            "show": show,
            "page": page,
            "query": page_query(request),
            "now": timezone.now(),
        },
    )


def _coordinates(request: HttpRequest) -> bool:
    return bool(rules.has_perm("frontline.coordinate", request.user))


def _case_context(request: HttpRequest, referral: Referral, **extra: Any) -> dict[str, Any]:
    return {
        "referral": referral,
        "flag": referral.flag,
        "events": list(selectors.referral_events(referral=referral)[:50]),
        "links": selectors.links_of(flag=referral.flag, agency=None if _coordinates(request) else referral.agency),
        "reveal_form": RevealForm(),
        "note_form": NoteForm(),
        "transfer_form": TransferForm(agencies=selectors.other_agencies(referral=referral)),
        "decline_form": DeclineForm(),
        "close_form": CloseForm(),
        "now": timezone.now(),
        "lawful_bases": LawfulBasis.choices,
        **extra,
    }


# An agency that handed a flag on (transferred, declined, closed) can open its details for this long after.
REVEAL_AFTER_CLOSING = dt.timedelta(days=30)


def _may_reveal(referral: Referral) -> bool:
    return referral.is_open or (
        referral.closed_at is not None and timezone.now() - referral.closed_at < REVEAL_AFTER_CLOSING
    )


@permission_required("frontline.work_referral", obj=selectors.referral_for_case, strict=True)
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the referral without personal details; POST with a reason shows them (logged)."""
    found: Referral = request.permission_object
    if request.method == "POST":
        form = RevealForm(request.POST)
        if not _may_reveal(found):
            form.add_error(None, _("Your agency no longer holds this flag, so its personal details stay closed."))
        if form.is_valid():
            details = access.personal_details(
                flag_id=found.flag_id,
                user=request.user,
                reason=form.cleaned_data["reason"],
                referral=found,
            )
            notes = selectors.referral_notes(referral=found)
            response = render(
                request, "frontline/referral.html", _case_context(request, found, personal=details, notes=notes)
            )
            response["Cache-Control"] = "no-store"
            return response
        return render(request, "frontline/referral.html", _case_context(request, found, reveal_form=form), status=400)
    return render(request, "frontline/referral.html", _case_context(request, found))


@permission_required("frontline.work_referral", obj=selectors.referral_for_case, strict=True)
@require_POST
def referral_act(request: HttpRequest, pk: int) -> HttpResponse:
    found: Referral = request.permission_object
    action = request.POST.get("action", "")
    site = settings.HEARD_SITE_URL
    forms = {
        "action": NoteForm,
        "decline": DeclineForm,
        "close": CloseForm,
    }
    form: Any = None
    try:
        if action == "acknowledge":
            casework.referral_acknowledge(referral=found, by=request.user, site_url=site)
            message = _("Acknowledged. The person who flagged it now sees it is being looked at.")
        elif action == "basis":
            casework.flag_set_lawful_basis(referral=found, by=request.user, basis=request.POST.get("basis", ""))
            message = _("The lawful basis is recorded.")
        elif action == "accept":
            casework.referral_accept(referral=found, by=request.user, site_url=site)
            message = _("Accepted.")
        elif action == "transfer":
            form = TransferForm(request.POST, agencies=selectors.other_agencies(referral=found))
            if not form.is_valid():
                raise ValidationError("")
            casework.referral_transfer(
                referral=found,
                by=request.user,
                to=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
                site_url=site,
            )
            message = _("Transferred.")
        elif action in forms:
            form = forms[action](request.POST)
            if not form.is_valid():
                raise ValidationError("")
            data = form.cleaned_data
            if action == "action":
                casework.referral_record_action(referral=found, by=request.user, note=data["note"])
                message = _("The action is recorded.")
            elif action == "decline":
                casework.referral_decline(referral=found, by=request.user, reason=data["reason"], site_url=site)
                message = _("Declined.")
            else:
                casework.referral_close(
                    referral=found,
                    by=request.user,
                    outcome=data["outcome"],
                    note=data["note"],
                    thanks=data["thanks"],
                    site_url=site,
                )
                message = _("Closed. The person who flagged it has been told.")
        else:
            raise ValidationError(_("Choose what to do."))
    except ValidationError as error:
        if form is not None:
            if error.messages != [""]:
                add_validation_errors(form, error)
            key = {
                "transfer": "transfer_form",
                "action": "note_form",
                "decline": "decline_form",
                "close": "close_form",
            }[action]
            return render(request, "frontline/referral.html", _case_context(request, found, **{key: form}), status=400)
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return see_other(found.get_absolute_url())


@permission_required("frontline.work_referral", obj=selectors.referral_for_case, strict=True)
@require_POST
def link_decide(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    """A caseworker whose agency holds both flags (or a coordinator) confirms or rejects a link."""
    found: Referral = request.permission_object
    visible = selectors.links_of(flag=found.flag, agency=None if _coordinates(request) else found.agency)
    link = next((item for item in visible if item.pk == link_pk), None)
    if link is None:
        raise Http404
    try:
        linking.link_decide(link=link, by=request.user, confirm=request.POST.get("decision") == "confirm")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The link is confirmed.") if request.POST.get("decision") == "confirm" else _("The link is rejected."),
        )
    return see_other(found.get_absolute_url() + "#links")


@permission_required("frontline.coordinate", strict=True)
def linked_case(request: HttpRequest, reference: str) -> HttpResponse:
    """For coordinators: the flags confirmed as one person or household, which needs, which
    agencies hold them and where each stands. No personal details, no case notes."""
    flag = get_object_or_404(access.without_personal(Flag.objects.all()), reference=reference)
    return render(request, "frontline/linked_case.html", {"flag": flag, "flags": selectors.linked_case(flag=flag)})


@permission_required("frontline.view_inbox", strict=True)
def export(request: HttpRequest) -> HttpResponse:
    """A manager's export of the agency's open referrals with personal details (one log row per
    flag). Asked for by POST with a stated purpose, so a link cannot trigger it."""
    agency_id = request.GET.get("agency", "") or request.POST.get("agency", "")
    agency = selectors.agency_for(request, int(agency_id) if agency_id.isdigit() else None)
    check(request.user, "frontline.export", agency, strict=True)
    context = {"agency": agency, "purposes": ExportPurpose.choices}
    if request.method != "POST":
        return render(request, "frontline/export.html", context)
    purpose = request.POST.get("purpose", "")
    if purpose not in ExportPurpose.values:
        return render(
            request, "frontline/export.html", {**context, "problem": _("Choose what the export is for.")}, status=400
        )
    referrals = list(selectors.inbox(agency=agency, show="open")[:5000])
    details = access.personal_details_for_export(
        flag_ids=[r.flag_id for r in referrals], user=request.user, detail=purpose
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'attachment; filename="referrals-{timezone.localdate():%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "reference",
            "category",
            "urgency",
            "status",
            "received",
            "name",
            "approx_age",
            "address",
            "postcode",
            "details",
        ]
    )
    for r in referrals:
        d = details.get(r.flag_id, {})
        subject, location = d.get("subject") or {}, d.get("location") or {}
        writer.writerow(
            [
                spreadsheet_safe(str(value))
                for value in (
                    r.flag.reference,
                    r.flag.get_category_display(),
                    r.flag.get_urgency_display(),
                    r.get_status_display(),
                    timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
                    subject.get("name", ""),
                    subject.get("approx_age") or "",
                    location.get("address") or location.get("place", ""),
                    location.get("postcode", ""),
                    d.get("details", ""),
                )
            ]
        )
    return response
