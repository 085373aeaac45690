"""Conveners build polls and field them; analysts weight them, read results, code free text and
export the data."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.pagination import page_query, paginate
from heard.core.permissions import check, permission_required
from heard.organisations import roles
from heard.organisations.enums import Role
from heard.polls import analysis, exports, fielding, selectors, services, variables
from heard.polls.forms import InvitationsForm, PageForm, PollForm, QuestionForm, WaveForm
from heard.polls.models import Answer, Poll, Question, Wave
from heard.polls.results import results_context
from heard.polls.tasks import invite_panel, weigh_and_compute


def _wave(request: HttpRequest, slug: str, number: int, **_: object) -> Wave:
    return selectors.wave_of(selectors.poll_by_slug(request, slug), number)


def _wave_poll(request: HttpRequest, slug: str, number: int, **_: object) -> Poll:
    """The permission object of a wave's pages: its poll."""
    return selectors.poll_by_slug(request, slug)


@permission_required("polls.view_manage")
def polls_manage(request: HttpRequest) -> HttpResponse:
    may_create = request.user.has_perm("polls.create")
    organisations = roles.organisations_with(request.user, Role.CONVENER)
    form = PollForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "POST":
        check(request.user, "polls.create")
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            check(request.user, "polls.manage", organisation)
            try:
                poll = services.poll_create(
                    organisation=organisation,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    introduction=form.cleaned_data["introduction"],
                )
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("The poll is made. Now add its questions."))
                return redirect("polls:manage_poll", slug=poll.slug)
    page = paginate(request, selectors.polls_for_manage(request.user))
    return render(
        request,
        "polls/manage/polls.html",
        {"page": page, "query": page_query(request), "form": form, "may_create": may_create},
    )


@permission_required("polls.analyse", obj=selectors.poll_by_slug)
def poll_manage(request: HttpRequest, slug: str) -> HttpResponse:
    poll: Poll = request.permission_object
    may_manage = request.user.has_perm("polls.manage", poll)
    question_form = QuestionForm(poll=poll)
    wave_form = WaveForm()
    if request.method == "POST":
        check(request.user, "polls.manage", poll)
        action = request.POST.get("action")
        if action == "question":
            question_form = QuestionForm(request.POST, poll=poll)
            if question_form.is_valid():
                data = question_form.cleaned_data
                try:
                    services.question_add(
                        poll=poll,
                        by=request.user,
                        kind=data["kind"],
                        text=data["text"],
                        help_text=data["help_text"],
                        page=data["page"],
                        required=data["required"],
                        options=data["options"],
                        items=data["items"],
                        weighting_variable=data["weighting_variable"],
                        show_if_question=data["show_if_question"],
                        show_if_values=data["show_if_values"],
                    )
                except ValidationError as error:
                    add_validation_errors(question_form, error)
                else:
                    messages.success(request, _("The question is added."))
                    return redirect(reverse("polls:manage_poll", kwargs={"slug": poll.slug}) + "#questions")
        elif action == "wave":
            wave_form = WaveForm(request.POST)
            if wave_form.is_valid():
                try:
                    services.wave_create(poll=poll, by=request.user, **wave_form.cleaned_data)
                except ValidationError as error:
                    add_validation_errors(wave_form, error)
                else:
                    messages.success(request, _("The wave is added. Publish it when the questions are ready."))
                    return redirect(reverse("polls:manage_poll", kwargs={"slug": poll.slug}) + "#waves")
        elif action == "results_public":
            services.results_publish(poll=poll, by=request.user, public=request.POST.get("public") == "yes")
            messages.success(request, _("Saved."))
            return redirect("polls:manage_poll", slug=poll.slug)
    return render(
        request,
        "polls/manage/poll.html",
        {
            "poll": poll,
            "questions": selectors.questions_of(poll),
            "waves": selectors.waves_with_counts(poll),
            "question_form": question_form,
            "wave_form": wave_form,
            "may_manage": may_manage,
            "locked": services.questions_locked(poll),
            "public_link": request.build_absolute_uri(poll.get_absolute_url()),
        },
    )


@permission_required("polls.manage", obj=selectors.poll_by_slug)
@require_POST
def question_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    poll: Poll = request.permission_object
    question = get_object_or_404(Question, poll=poll, pk=pk)
    try:
        services.question_delete(question=question, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The question is removed."))
    return redirect(reverse("polls:manage_poll", kwargs={"slug": poll.slug}) + "#questions")


@permission_required("polls.analyse", obj=selectors.poll_by_slug)
def poll_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Every page as a respondent would see it, with every routed question shown."""
    poll: Poll = request.permission_object
    questions = selectors.questions_of(poll)
    pages = [(page, PageForm(questions=[q for q in questions if q.page == page])) for page in fielding.pages(questions)]
    return render(request, "polls/manage/preview.html", {"poll": poll, "pages": pages})


@permission_required("polls.manage", obj=_wave_poll)
@require_POST
def wave_publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    wave = _wave(request, slug, number)
    try:
        services.wave_publish(wave=wave, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The wave is published. People can answer from its opening date."))
    return redirect(reverse("polls:manage_poll", kwargs={"slug": slug}) + "#waves")


@permission_required("polls.manage", obj=_wave_poll)
def wave_invitations(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    wave = _wave(request, slug, number)
    form = InvitationsForm(request.POST if request.method == "POST" and "emails" in request.POST else None)
    if request.method == "POST":
        if request.POST.get("action") == "panel":
            invite_panel.enqueue(wave_id=wave.pk, site_url=settings.HEARD_SITE_URL)
            messages.success(request, _("The members of the panel are being invited."))
            return redirect("polls:manage_invitations", slug=slug, number=number)
        if form.is_valid():
            count = fielding.invitations_send(
                wave=wave, by=request.user, emails=form.cleaned_data["emails"], site_url=settings.HEARD_SITE_URL
            )
            messages.success(request, _("%(count)d invitations are on their way.") % {"count": count})
            return redirect("polls:manage_invitations", slug=slug, number=number)
    return render(
        request,
        "polls/manage/invitations.html",
        {
            "poll": wave.poll,
            "wave": wave,
            "form": form,
            "sent": wave.invitations.count(),
            "used": wave.invitations.filter(used_at__isnull=False).count(),
            "panel_size": selectors.panel_size(),
        },
    )


@permission_required("polls.analyse", obj=_wave_poll)
def wave_weighting(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    wave = _wave(request, slug, number)
    poll_variables = analysis.profile_variables(wave.poll)
    problems: list[str] = []
    entered: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        upload = request.FILES.get("margins_csv")
        cap_text = request.POST.get("cap", "").strip()
        try:
            if upload is not None:
                raw = analysis.margins_from_csv(upload.read())
            else:
                raw = {}
                for variable in sorted(poll_variables):
                    shares = {}
                    for level in variables.levels(variable):
                        text = request.POST.get(f"{variable}__{level}", "").strip()
                        entered.setdefault(variable, {})[level] = text
                        if text:
                            shares[level] = float(text)
                    if shares:
                        raw[variable] = shares
            cap = float(cap_text) if cap_text else None
            if cap is not None and cap <= 1:
                raise ValidationError(_("The largest weight must be more than 1 (weights average 1)."))
            margins = analysis.margins_check(raw, poll_variables=poll_variables)
        except ValueError:
            problems.append(_("Shares and the largest weight must be numbers, like 12.5."))
        except ValidationError as error:
            problems.extend(error.messages)
        else:
            # Nothing is stored until the raking works: the task keeps the last good weighting
            # if it cannot meet these margins, and says why on this page.
            weigh_and_compute.enqueue(wave_id=wave.pk, margins=margins, cap=cap)
            messages.success(
                request, _("The answers are being weighted to these margins. This page shows how it went.")
            )
            return redirect("polls:manage_weighting", slug=slug, number=number)
    rows = [
        {
            "variable": variable,
            "label": variables.LABELS[variable],
            "levels": [
                {
                    "name": f"{variable}__{level}",
                    "label": variables.level_label(variable, level),
                    "value": entered.get(variable, {}).get(
                        level,
                        f"{wave.margins[variable][level] * 100:g}" if level in wave.margins.get(variable, {}) else "",
                    ),
                }
                for level in variables.levels(variable)
            ],
        }
        for variable in sorted(poll_variables, key=lambda v: list(variables.LABELS).index(v))
    ]
    return render(
        request,
        "polls/manage/weighting.html",
        {
            "poll": wave.poll,
            "wave": wave,
            "rows": rows,
            "problems": problems,
            "cap": request.POST.get("cap", "") if request.method == "POST" else (wave.weight_cap or ""),
            "report": wave.weighting_report,
        },
    )


@permission_required("polls.analyse", obj=_wave_poll)
@require_POST
def wave_recompute(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    wave = _wave(request, slug, number)
    weigh_and_compute.enqueue(wave_id=wave.pk)
    messages.success(request, _("The results are being worked out again."))
    return redirect(reverse("polls:manage_poll", kwargs={"slug": slug}) + "#waves")


@permission_required("polls.analyse", obj=_wave_poll)
def wave_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    wave = _wave(request, slug, number)
    if fmt not in exports.FORMATS:
        raise Http404
    return exports.download(wave=wave, fmt=fmt, by=request.user)


@permission_required("polls.analyse", obj=selectors.poll_by_slug)
def text_answers(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Browse one free-text question's answers and code them into themes."""
    poll: Poll = request.permission_object
    question = get_object_or_404(Question, poll=poll, code=code, kind="text")
    if request.method == "POST":
        answer = get_object_or_404(Answer, pk=request.POST.get("answer") or 0, question=question)
        try:
            services.theme_code(
                question=question,
                answer=answer,
                by=request.user,
                label=request.POST.get("theme", ""),
                remove=request.POST.get("remove") == "yes",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(request.get_full_path())
    theme = request.GET.get("theme", "")
    page = paginate(request, selectors.text_answers(question, theme=theme))
    return render(
        request,
        "polls/manage/text_answers.html",
        {
            "poll": poll,
            "question": question,
            "page": page,
            "query": page_query(request),
            "themes": selectors.theme_counts(question),
            "theme": theme,
        },
    )


@permission_required("polls.analyse", obj=selectors.poll_by_slug)
def results_manage(request: HttpRequest, slug: str) -> HttpResponse:
    poll: Poll = request.permission_object
    context = results_context(request, poll, analyst=True)
    context["analyst"] = True
    context["report_json"] = json.dumps(context["report"], indent=2)
    return render(request, "polls/results.html", context)
