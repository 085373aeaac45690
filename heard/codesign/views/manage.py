"""Providers and conveners pose challenges, shortlist, merge and moderate ideas, publish decisions
and keep commitments up to date."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.accounts.models import User
from heard.codesign import delivery, selectors, services
from heard.codesign.enums import IdeaStatus, Outcome, ReportReason
from heard.codesign.forms import (
    ChallengeForm,
    CommitmentForm,
    CorrectionForm,
    DecisionForm,
    DueDateForm,
    HideForm,
    InviteForm,
    MergeForm,
    ProgressForm,
)
from heard.codesign.models import Challenge, Comment, Commitment, Idea, Milestone
from heard.codesign.rules import RUNNING_ROLES
from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.organisations import roles
from heard.organisations.models import Organisation


def _site_url() -> str:
    return settings.HEARD_SITE_URL


def _running(user: Any) -> Any:
    return roles.organisations_with(user, *RUNNING_ROLES)


@permission_required("codesign.view_manage")
def challenges_manage(request: HttpRequest) -> HttpResponse:
    form = ChallengeForm(request.POST if request.method == "POST" else None, organisations=_running(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check(request.user, "codesign.manage_challenge", data["organisation"])
        try:
            challenge = services.challenge_create(
                organisation=data["organisation"],
                by=request.user,
                title=data["title"],
                context=data["context"],
                constraints=data["constraints"],
                budget=data["budget"],
                service=data["service"],
                area=data["area"],
                participation=data["participation"],
                ideas_from=data["ideas_from"],
                deliberation_from=data["deliberation_from"],
                decision_from=data["decision_from"],
                delivery_from=data["delivery_from"],
                invitees=data["invitees"],
                site_url=_site_url(),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The challenge is saved as a draft. Check it, then publish it."))
            return see_other(challenge_manage_url(challenge))
    page = paginate(request, selectors.challenges_for_manage(request.user))
    return render(
        request,
        "codesign/manage/list.html",
        {"page": page, "query": page_query(request), "form": form},
        status=400 if form.errors else 200,
    )


def challenge_manage_url(challenge: Challenge) -> str:
    return reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug})


@permission_required("codesign.manage_challenge", obj=selectors.challenge_for_manage)
def challenge_manage(request: HttpRequest, slug: str) -> HttpResponse:
    challenge: Challenge = request.permission_object
    form = ChallengeForm(instance=challenge)
    invite_form = InviteForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                services.challenge_publish(challenge=challenge, by=request.user)
                messages.success(request, _("The challenge is published."))
            elif action == "conversation":
                conversation = services.challenge_start_conversation(challenge=challenge, by=request.user)
                messages.success(request, _("The opinion map is open: “%(topic)s”.") % {"topic": conversation.topic})
            elif action == "invite":
                invite_form = InviteForm(request.POST)
                if not invite_form.is_valid():
                    raise ValidationError("")
                count = services.challenge_invite(
                    challenge=challenge,
                    by=request.user,
                    emails=invite_form.cleaned_data["emails"],
                    site_url=_site_url(),
                )
                messages.success(request, _("%(count)d people invited.") % {"count": count})
            else:
                form = ChallengeForm(request.POST, instance=Challenge.objects.get(pk=challenge.pk))
                if not form.is_valid():
                    raise ValidationError("")
                data = form.cleaned_data
                services.challenge_update(
                    challenge=challenge,
                    by=request.user,
                    **{name: data[name] for name in ChallengeForm.Meta.fields},
                )
                messages.success(request, _("The challenge is saved."))
        except ValidationError as error:
            if error.messages != [""]:
                add_validation_errors(invite_form if action == "invite" else form, error)
                if action in ("publish", "conversation"):
                    messages.error(request, " ".join(error.messages))
        else:
            return see_other(challenge_manage_url(challenge))
    show = request.GET.get("show", "")
    ideas = Idea.objects.filter(challenge=challenge).select_related("author").order_by("-support_count", "-id")
    if show == "shortlisted":
        ideas = ideas.filter(shortlisted=True, status=IdeaStatus.PUBLISHED)
    elif show == "hidden":
        ideas = ideas.exclude(status=IdeaStatus.PUBLISHED)
    else:
        ideas = ideas.filter(status=IdeaStatus.PUBLISHED)
    reported = list(selectors.reported_comments(challenge=challenge)[:20])
    reported_ideas = list(selectors.reported_ideas(challenge=challenge)[:20])
    return render(
        request,
        "codesign/manage/challenge.html",
        {
            "challenge": challenge,
            "form": form,
            "invite_form": invite_form,
            "page": paginate(request, ideas),
            "query": page_query(request),
            "show": show,
            "reported": reported,
            "reported_ideas": reported_ideas,
            "reasons": selectors.open_report_reasons(comments=reported),
            "phase": challenge.phase,
        },
        status=400 if form.errors or invite_form.errors else 200,
    )


@permission_required("codesign.moderate", obj=selectors.challenge_for_manage)
@require_POST
def comment_moderate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    challenge: Challenge = request.permission_object
    comment = get_object_or_404(Comment.objects.select_related("idea__challenge"), idea__challenge=challenge, pk=pk)
    services.comment_moderate(comment=comment, by=request.user, show=request.POST.get("action") == "keep")
    messages.success(
        request,
        _("The comment is on show again.") if request.POST.get("action") == "keep" else _("The comment is hidden."),
    )
    return see_other(challenge_manage_url(challenge) + "#reported")


def _people_of(organisation: Organisation) -> Any:
    return (
        User.objects.filter(memberships__organisation=organisation, is_active=True).distinct().order_by("display_name")
    )


@permission_required("codesign.manage_challenge", obj=selectors.idea_for_manage)
def idea_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea: Idea = request.permission_object
    challenge = idea.challenge
    decisions = selectors.decisions_of(idea)
    current = decisions[0] if decisions else None
    forms_by_action: dict[str, Any] = {
        "decide": DecisionForm(),
        "correct": CorrectionForm(initial={"outcome": current.outcome} if current else None),
        "merge": MergeForm(),
        "hide": HideForm(prefix="hide"),
        "commit": CommitmentForm(people=_people_of(challenge.organisation), initial={"owner": request.user.pk}),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class = {
            "decide": DecisionForm,
            "correct": CorrectionForm,
            "merge": MergeForm,
        }.get(action)
        form = None
        if action == "commit":
            form = CommitmentForm(request.POST, people=_people_of(challenge.organisation))
        elif action == "hide":
            form = HideForm(request.POST, prefix="hide")  # its reason field sits beside the decision's
        elif form_class is not None:
            form = form_class(request.POST)
        try:
            if form is not None:
                forms_by_action[action] = form
                if not form.is_valid():
                    raise ValidationError("")
                data = form.cleaned_data
            if action in ("decide", "correct", "commit"):
                check(request.user, "codesign.decide", idea)
            if action == "shortlist" or action == "unshortlist":
                services.idea_shortlist(idea=idea, by=request.user, shortlisted=action == "shortlist")
                message = (
                    _("The idea is on the shortlist.") if action == "shortlist" else _("The idea is off the shortlist.")
                )
            elif action == "restore":
                services.idea_restore(idea=idea, by=request.user)
                message = _("The idea is on show again.")
            elif action == "keep":
                services.idea_reports_resolve(idea=idea, by=request.user)
                message = _("The idea stays on show, and its reports are closed.")
            elif action == "hide":
                services.idea_hide(idea=idea, by=request.user, reason=data["reason"])
                message = _("The idea is hidden.")
            elif action == "merge":
                target = Idea.objects.filter(challenge=challenge, pk=data["target"]).first()
                if target is None:
                    raise ValidationError(
                        {"target": _("There is no idea %(n)d in this challenge.") % {"n": data["target"]}}
                    )
                kept = services.idea_merge(source=idea, target=target, by=request.user, site_url=_site_url())
                messages.success(
                    request, _("Merged. The idea now has %(count)d supporters.") % {"count": kept.support_count}
                )
                return see_other(idea_manage_url(kept))
            elif action == "decide":
                delivery.decision_publish(
                    idea=idea, by=request.user, outcome=data["outcome"], reason=data["reason"], site_url=_site_url()
                )
                message = _("The decision is published, and everyone behind the idea is being emailed.")
            elif action == "correct":
                delivery.decision_correct(
                    idea=idea,
                    by=request.user,
                    outcome=data["outcome"],
                    reason=data["reason"],
                    correction_note=data["correction_note"],
                    site_url=_site_url(),
                )
                message = _("The correction is published. The earlier version stays on show.")
            elif action == "commit":
                made = delivery.commitment_create(
                    idea=idea,
                    by=request.user,
                    title=data["title"],
                    description=data["description"],
                    owner=data["owner"],
                    owner_title=data["owner_title"],
                    due_on=data["due_on"],
                    milestones=data["milestones"],
                    site_url=_site_url(),
                )
                messages.success(request, _("The commitment is made and published."))
                return see_other(commitment_manage_url(made))
            else:
                raise ValidationError(_("Choose what to do."))
        except ValidationError as error:
            if error.messages != [""]:
                if form is not None:
                    add_validation_errors(form, error)
                else:
                    messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
            return see_other(idea_manage_url(idea))
    similar = selectors.similar_ideas(challenge=challenge, text=idea.title, exclude=idea.pk)
    return render(
        request,
        "codesign/manage/idea.html",
        {
            "challenge": challenge,
            "idea": idea,
            "decisions": decisions,
            "current": current,
            "forms": forms_by_action,
            "similar": similar,
            "phase": challenge.phase,
            "open_reports": [
                ReportReason(reason).label
                for reason in idea.reports.filter(resolved_at__isnull=True).values_list("reason", flat=True)
            ],
            "can_commit": current is not None and current.outcome != Outcome.DECLINED and not _has_commitment(idea),
        },
        status=400 if any(f.errors for f in forms_by_action.values()) else 200,
    )


def _has_commitment(idea: Idea) -> bool:
    try:
        return idea.commitment is not None
    except Commitment.DoesNotExist:
        return False


def idea_manage_url(idea: Idea) -> str:
    return reverse("codesign:manage_idea", kwargs={"slug": idea.challenge.slug, "pk": idea.pk})


def commitment_manage_url(commitment: Commitment) -> str:
    return reverse("codesign:manage_commitment", kwargs={"pk": commitment.pk})


def _commitment_for_manage(request: HttpRequest, pk: int, **_: Any) -> Commitment:
    return get_object_or_404(
        Commitment.objects.select_related("idea", "idea__challenge", "organisation", "owner"), pk=pk
    )


@permission_required("codesign.update_commitment", obj=_commitment_for_manage)
def commitment_manage(request: HttpRequest, pk: int) -> HttpResponse:
    commitment: Commitment = request.permission_object
    progress_form = ProgressForm(initial={"status": commitment.status})
    due_form = DueDateForm(initial={"due_on": commitment.due_on})
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "progress":
                progress_form = ProgressForm(request.POST)
                if not progress_form.is_valid():
                    raise ValidationError("")
                delivery.commitment_progress(
                    commitment=commitment,
                    by=request.user,
                    text=progress_form.cleaned_data["text"],
                    status=progress_form.cleaned_data["status"],
                    site_url=_site_url(),
                )
                message = _("The update is published, and everyone behind the idea is being emailed.")
            elif action == "due":
                due_form = DueDateForm(request.POST)
                if not due_form.is_valid():
                    raise ValidationError("")
                delivery.commitment_move_due(
                    commitment=commitment,
                    by=request.user,
                    due_on=due_form.cleaned_data["due_on"],
                    reason=due_form.cleaned_data["reason"],
                )
                message = _("The due date is moved, and the move is shown in the history.")
            elif action == "milestone":
                milestone = get_object_or_404(Milestone, commitment=commitment, pk=request.POST.get("milestone") or 0)
                delivery.milestone_reach(milestone=milestone, by=request.user)
                message = _("The milestone is marked as reached.")
            else:
                raise ValidationError(_("Choose what to do."))
        except ValidationError as error:
            if error.messages != [""]:
                target = progress_form if action == "progress" else due_form if action == "due" else None
                if target is not None:
                    add_validation_errors(target, error)
                else:
                    messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
            return see_other(commitment_manage_url(commitment))
    return render(
        request,
        "codesign/manage/commitment.html",
        {
            "commitment": commitment,
            "challenge": commitment.idea.challenge,
            "milestones": list(commitment.milestones.all()),
            "progress_form": progress_form,
            "due_form": due_form,
            "history": list(selectors.commitment_history(commitment=commitment)[:10]),
        },
        status=400 if progress_form.errors or due_form.errors else 200,
    )
