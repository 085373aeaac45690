"""Challenges as residents meet them: the question and where it stands, ideas to read, propose,
support and discuss, decisions with their reasons, commitments and their progress, and each
organisation's record."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.accounts.models import User
from heard.codesign import notices, selectors, services
from heard.codesign.enums import IdeaStatus, Phase
from heard.codesign.forms import CommentForm, IdeaForm, ReportForm
from heard.codesign.models import Challenge, Idea
from heard.core.forms import add_validation_errors
from heard.core.http import see_other, serve_file
from heard.core.pagination import page_query, paginate
from heard.core.permissions import login_required, public
from heard.core.ratelimit import rate_limit_exceeded
from heard.organisations.models import Organisation


def _phase_context(challenge: Challenge) -> dict:
    phase = challenge.phase
    return {
        "challenge": challenge,
        "phase": phase,
        "phases": challenge.phases(),
        "can_propose": phase in services.PROPOSING,
        "can_support": phase in services.SUPPORTING,
        "can_comment": phase in services.COMMENTING,
    }


@public
def challenge_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.public_challenges())
    return render(request, "codesign/list.html", {"page": page, "query": page_query(request)})


@public
def challenge(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.challenge_for_viewer(request, slug)
    order = "new" if request.GET.get("order") == "new" else "support"
    page = paginate(request, selectors.ideas(challenge=found, order=order))
    return render(
        request,
        "codesign/challenge.html",
        {
            **_phase_context(found),
            "page": page,
            "query": page_query(request),
            "order": order,
            "supported": selectors.supported_ids(user=request.user, ideas=list(page)),
            "may_take_part": services.may_take_part(found, request.user),
            "commitments": list(selectors.challenge_commitments(challenge=found)[:5]),
            "decision_count": selectors.challenge_decisions(challenge=found).count(),
        },
    )


@public
def outcomes(request: HttpRequest, slug: str) -> HttpResponse:
    """Every decision on the challenge's ideas (current versions), or every commitment."""
    found = selectors.challenge_for_viewer(request, slug)
    tab = "commitments" if request.GET.get("show") == "commitments" else "decisions"
    items = (
        selectors.challenge_commitments(challenge=found)
        if tab == "commitments"
        else selectors.challenge_decisions(challenge=found)
    )
    return render(
        request,
        "codesign/outcomes.html",
        {**_phase_context(found), "tab": tab, "page": paginate(request, items), "query": page_query(request)},
    )


def _idea_form(challenge: Challenge, *args: Any, **kwargs: Any) -> IdeaForm:
    form = IdeaForm(*args, **kwargs)
    # With htmx, ideas like the one being typed appear under the title as people type.
    form.fields["title"].widget.attrs.update(
        {
            "hx-get": reverse("codesign:similar", kwargs={"slug": challenge.slug}),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": "#similar",
            "hx-sync": "this:replace",
            "autocomplete": "off",
        }
    )
    return form


def _next_steps(challenge: Challenge) -> list[str]:
    return [
        _(
            "Your idea is published straight away, with the name on your account, and you become its first "
            "supporter. Readers can report anything that breaks the rules."
        ),
        _("Others can support it and comment on it until the deliberation phase ends."),
        _("If it is shortlisted, %(name)s publishes a decision with a reason, and we email you.")
        % {"name": challenge.organisation.name},
    ]


@login_required
def idea_new(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.challenge_for_viewer(request, slug)
    context = {
        **_phase_context(found),
        "next_steps": _next_steps(found),
        "may_take_part": services.may_take_part(found, request.user),
    }
    if request.method == "POST" and "check" in request.POST:
        # "Check for similar ideas" without JavaScript: the form comes back as typed, with the list.
        form = _idea_form(
            found, initial={"title": request.POST.get("title", ""), "description": request.POST.get("description", "")}
        )
        similar = selectors.similar_ideas(challenge=found, text=request.POST.get("title", ""))
        return render(
            request, "codesign/idea_form.html", {**context, "form": form, "similar": similar, "checked": True}
        )
    if request.method == "POST":
        form = _idea_form(found, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if rate_limit_exceeded(
                    request,
                    action="idea_propose",
                    limit=settings.HEARD_IDEAS_PER_HOUR,
                    period_seconds=3600,
                    who=f"user:{request.user.pk}",
                ):
                    raise ValidationError(_("You have proposed several ideas in the last hour. Try again later."))
                idea = services.idea_propose(
                    challenge=found,
                    by=request.user,
                    title=data["title"],
                    description=data["description"],
                    image=data.get("image"),
                    image_alt=data.get("image_alt", ""),
                )
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("Thank you. Your idea is published, and you are its first supporter."))
                return redirect(idea)
        if request.FILES and form.errors:
            form.add_error("image", _("Choose your picture again: browsers do not keep it after a problem."))
        similar = selectors.similar_ideas(challenge=found, text=request.POST.get("title", ""))
        return render(request, "codesign/idea_form.html", {**context, "form": form, "similar": similar}, status=400)
    # A link may carry a title to check (`?title=`).
    title = request.GET.get("title", "")
    form = _idea_form(found, initial={"title": title})
    similar = selectors.similar_ideas(challenge=found, text=title) if title else []
    return render(
        request, "codesign/idea_form.html", {**context, "form": form, "similar": similar, "checked": bool(title)}
    )


@public
def similar(request: HttpRequest, slug: str) -> HttpResponse:
    """Ideas like the one being typed (htmx fills the list under the title as people type)."""
    found = selectors.challenge_for_viewer(request, slug)
    title = request.GET.get("title", "")
    return render(
        request,
        "codesign/_similar.html",
        {
            "challenge": found,
            "similar": selectors.similar_ideas(challenge=found, text=title),
            "checked": len(title.strip()) >= 4,
        },
    )


@public
def idea(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = selectors.idea_for_viewer(request, slug, pk)
    if found.status == IdeaStatus.HIDDEN and not request.user.has_perm("codesign.moderate", found):
        return render(
            request, "codesign/idea_hidden.html", {"idea": found, **_phase_context(found.challenge)}, status=410
        )
    return _idea_page(request, found, CommentForm())


def _visible_idea(request: HttpRequest, slug: str, pk: int) -> Idea:
    """An idea people may act on or read about: a hidden one only for moderators."""
    found = selectors.idea_for_viewer(request, slug, pk)
    if found.status == IdeaStatus.HIDDEN and not request.user.has_perm("codesign.moderate", found):
        raise Http404
    return found


def _idea_page(request: HttpRequest, found: Idea, comment_form: CommentForm, status: int = 200) -> HttpResponse:
    comments = paginate(request, selectors.comment_threads(idea=found))
    return render(
        request,
        "codesign/idea.html",
        {
            **_phase_context(found.challenge),
            "idea": found,
            "decisions": selectors.decisions_of(found),
            "comments": comments,
            "query": page_query(request),
            "comment_form": comment_form,
            "supports": found.pk in selectors.supported_ids(user=request.user, ideas=[found]),
            "muted": selectors.is_muted(idea=found, user=request.user),
            "may_take_part": services.may_take_part(found.challenge, request.user),
        },
        status=status,
    )


def _back_to(idea: Idea, anchor: str = "") -> HttpResponse:
    return see_other(idea.get_absolute_url() + anchor)


@login_required
@require_POST
def support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = _visible_idea(request, slug, pk)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            services.idea_withdraw_support(idea=found, by=request.user)
        else:
            services.idea_support(idea=found, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your support is withdrawn.")
            if withdraw
            else _("Thank you for your support. We will email you what becomes of this idea."),
        )
    if request.POST.get("next") == "challenge":
        # Back to the same page of the same list, at the idea.
        back = {"order": "new"} if request.POST.get("order") == "new" else {}
        page_number = request.POST.get("page", "")
        if page_number.isdigit() and len(page_number) < 7:
            back["page"] = page_number
        query = f"?{urlencode(back)}" if back else ""
        return see_other(found.challenge.get_absolute_url() + query + f"#idea-{found.pk}")
    return _back_to(found, "#support")


@login_required
@require_POST
def comment_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = _visible_idea(request, slug, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.comment_on(found, form.cleaned_data["parent"])
        try:
            if rate_limit_exceeded(
                request,
                action="idea_comment",
                limit=settings.HEARD_COMMENTS_PER_HOUR,
                period_seconds=3600,
                who=f"user:{request.user.pk}",
            ):
                raise ValidationError(_("You have written many comments in the last hour. Try again later."))
            comment = services.comment_add(idea=found, by=request.user, text=form.cleaned_data["text"], parent=parent)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your comment is published."))
            return _back_to(found, f"#comment-{comment.pk}")
    return _idea_page(request, found, form, status=400)


@login_required
def comment_report(request: HttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    found = _visible_idea(request, slug, pk)
    comment = selectors.comment_on(found, comment_pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_report(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at the comment."))
            return _back_to(found, "#comments")
    return render(
        request,
        "codesign/comment_report.html",
        {"idea": found, "comment": comment, "form": form, "challenge": found.challenge},
        status=400 if form.errors else 200,
    )


@login_required
def idea_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = _visible_idea(request, slug, pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    form.fields["reason"].label = _("What is wrong with this idea?")
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_report(idea=found, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at the idea."))
            return _back_to(found)
    return render(
        request,
        "codesign/idea_report.html",
        {"idea": found, "form": form, "challenge": found.challenge},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def emails(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Stop (or start again) the emails about one idea, from its page."""
    found = _visible_idea(request, slug, pk)
    if request.POST.get("action") == "resume":
        services.idea_emails_resume(idea=found, by=request.user)
        messages.success(request, _("We will email you news of this idea again."))
    else:
        services.idea_emails_stop(idea=found, by=request.user)
        messages.success(request, _("We will not email you about this idea any more."))
    return _back_to(found, "#support")


@public
def stop_emails(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every email about an idea: asks first (a mail scanner opening it changes
    nothing), then stops that person's emails about that idea, without signing in."""
    read = notices.read_stop_token(token)
    if read is None:
        raise Http404
    user_id, idea_id = read
    found = get_object_or_404(Idea.objects.select_related("challenge"), pk=idea_id)
    person = get_object_or_404(User, pk=user_id, is_active=True)
    if request.method == "POST":
        services.idea_emails_stop(idea=found, by=person)
        return render(request, "codesign/stop_emails.html", {"idea": found, "stopped": True})
    return render(request, "codesign/stop_emails.html", {"idea": found, "stopped": False})


@public
def idea_image(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An idea's picture, only while the idea itself may be seen."""
    found = selectors.idea_for_viewer(request, slug, pk)
    if not found.image or (found.status == IdeaStatus.HIDDEN and not request.user.has_perm("codesign.moderate", found)):
        raise Http404
    # Shared caches may keep a picture only briefly, so hiding an idea takes its picture down too.
    return serve_file(found.image, public=found.status in selectors.READABLE_IDEAS)


@public
def commitment(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.commitment_for_viewer(request, pk)
    page = paginate(request, selectors.commitment_history(commitment=found))
    return render(
        request,
        "codesign/commitment.html",
        {
            "commitment": found,
            "challenge": found.idea.challenge,
            "milestones": list(found.milestones.all()),
            "page": page,
            "query": page_query(request),
        },
    )


@public
def accountability(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    tab = "commitments" if request.GET.get("show") == "commitments" else "decisions"
    items = (
        selectors.public_commitments(organisation=organisation)
        if tab == "commitments"
        else selectors.public_decisions(organisation=organisation, all_versions=True)
    )
    return render(
        request,
        "codesign/accountability.html",
        {
            "organisation": organisation,
            "figures": selectors.organisation_accountability(organisation=organisation),
            "tab": tab,
            "page": paginate(request, items),
            "query": page_query(request),
            "Phase": Phase,
        },
    )
