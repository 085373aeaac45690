"""The schedule: the published one people see (by day, with their agenda), what changed from one
release to the next, and the organisers' editor, where sessions are placed in rooms and times
(by a form on each session, or by dragging it onto the grid) and releases are published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required, public
from heard.events.forms.schedule import PlaceForm, ReleaseForm, UnplaceForm
from heard.events.models import Event, Session
from heard.events.selectors import agenda as agenda_selectors
from heard.events.selectors import events as event_selectors
from heard.events.selectors import schedule as selectors
from heard.events.services import schedule as services

# Releases on one page of the changes page: the first release alone lists every session.
RELEASES_PER_PAGE = 5


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@public
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_selectors.published_event(request, slug)
    published = selectors.published_schedule(event=event)
    agenda = (
        agenda_selectors.agenda_session_ids(user=request.user, event=event) if published.release is not None else set()
    )
    session_url = _url_for_each("events:session", event.slug)
    agenda_url = _url_for_each("events:agenda_toggle", event.slug)
    for day in published.days:
        for row in day.rows:
            row.url, row.agenda_url = session_url(row.pk), agenda_url(row.pk)
    return render(
        request,
        "events/schedule/public.html",
        {"event": event, "published": published, "agenda": agenda, "here": request.get_full_path()},
    )


def _url_for_each(name: str, slug: str) -> Callable[[int], str]:
    """The address of `name` for any session of the event, reversed once: reversing it for each
    of a festival's hundreds of sessions took a good part of the page's time."""
    prefix, suffix = reverse(name, kwargs={"slug": slug, "pk": 0}).rsplit("/0/", 1)
    return lambda pk: f"{prefix}/{pk}/{suffix}"


@public
def schedule_changes(request: HttpRequest, slug: str) -> HttpResponse:
    event = event_selectors.published_event(request, slug)
    page = paginate(request, selectors.releases_of(event), per_page=RELEASES_PER_PAGE)
    for release in page:
        lines = selectors.change_lines(release.changes)
        release.added = [line for line in lines if line.change == services.ADDED]  # type: ignore[attr-defined]
        release.moved = [line for line in lines if line.change == services.MOVED]  # type: ignore[attr-defined]
        release.removed = [line for line in lines if line.change == services.REMOVED]  # type: ignore[attr-defined]
    return render(request, "events/schedule/changes.html", {"event": event, "page": page, "query": page_query(request)})


# The editor.


def _rows(request: HttpRequest) -> int | None:
    rows = request.GET.get("rows", "")
    return int(rows) if rows in ("15", "30") else None


def _editor_url(event: Event, rows: int | None = None, anchor: str = "") -> str:
    url = reverse("events:schedule_edit", kwargs={"slug": event.slug})
    return url + (f"?rows={rows}" if rows else "") + (f"#{anchor}" if anchor else "")


def _render_editor(
    request: HttpRequest,
    event: Event,
    *,
    refused: PlaceForm | None = None,
    focus_pk: int | None = None,
    release_form: ReleaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The editor as it is now. What happened (a move, or why it was refused) is in the request's
    messages: the page shows them at its top, and an htmx answer in the editor's live region."""
    rows = _rows(request)
    editor = selectors.schedule_for_edit(
        event=event, slot=rows, refused={focus_pk: refused.values()} if refused and focus_pk else None
    )
    error_form = release_form if release_form is not None and release_form.errors else refused
    context = {
        "event": event,
        "editor": editor,
        "release_form": release_form or ReleaseForm(),
        "error_form": error_form if error_form is not None and error_form.errors else None,
        "focus_pk": focus_pk,
        # Each card's form goes to this address followed by the session's id: one reverse() for
        # the hundreds of cards.
        "place_base": _editor_url(event),
        "query": f"?rows={rows}" if rows else "",
        "rows": rows,
        "other_rows": 30 if editor.slot == 15 else 15,
        "room_choices": editor.choices.room_choices,
        "day_choices": editor.choices.day_choices,
    }
    if _is_htmx(request):
        # htmx swaps only successful answers: refusals are shown in place, so always 200.
        return render(request, "events/schedule/_editor_response.html", context)
    return render(request, "events/schedule/edit.html", context, status=status)


def _tell(request: HttpRequest, level: int, notice: str, pk: int | None = None) -> None:
    """Add what happened to the messages, with a link to the session concerned."""
    if pk is not None:
        notice = format_html('{} <a href="#session-{}">{}</a>', notice, pk, _("Go to the session"))
    messages.add_message(request, level, notice)


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
def schedule_edit(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_editor(request, request.permission_object)  # type: ignore[attr-defined]


def _where_now(session: Session) -> str:
    if session.starts_at is None or session.room is None:
        return _("it is now not in the schedule")
    local = timezone.localtime(session.starts_at)
    return _("it is now in %(room)s on %(day)s at %(time)s") % {
        "room": session.room.name,
        "day": date_format(local, "l j F"),
        "time": local.strftime("%H:%M"),
    }


def _move(form: PlaceForm | UnplaceForm, session: Session, by: Any) -> str:
    """Make the move a valid form asks for; say what was done."""
    if isinstance(form, UnplaceForm):
        moved = services.session_unplace(session=session, expected_version=form.cleaned_data["version"], by=by)
        return _("“%(title)s” is out of the schedule, with the sessions to place.") % {"title": moved.title}
    room = form.cleaned_data["room"]
    moved = services.session_place(
        session=session,
        room=room,
        starts_at=form.cleaned_data["starts_at"],
        expected_version=form.cleaned_data["version"],
        by=by,
    )
    local = timezone.localtime(moved.starts_at)
    return _("“%(title)s” is now in %(room)s on %(day)s at %(time)s.") % {
        "title": moved.title,
        "room": room.name,
        "day": date_format(local, "l j F"),
        "time": local.strftime("%H:%M"),
    }


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
@require_POST
def schedule_place(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Place a session (or take it out of the schedule), from its form or a drop on the grid."""
    event: Event = request.permission_object  # type: ignore[attr-defined]
    session = get_object_or_404(Session.objects.defer(*selectors.UNSHOWN), event=event, pk=pk)
    form: PlaceForm | UnplaceForm
    if request.POST.get("action") == "remove":
        form = UnplaceForm(request.POST)
    else:
        form = PlaceForm(request.POST, session_id=session.pk, choices=selectors.place_choices_of(event))
    if form.is_valid():
        try:
            notice = _move(form, session, request.user)
        except services.StaleSchedule as stale:
            # The second of two organisers: told, and shown the schedule as it is now.
            notice = _(
                "Someone else moved “%(title)s” while you were looking: %(where)s. We have changed nothing. "
                "The schedule below is as it is now: move it again if you still want to."
            ) % {"title": stale.session.title, "where": _where_now(stale.session)}
            _tell(request, messages.WARNING, notice, session.pk)
            return _render_editor(request, event, focus_pk=session.pk, status=409)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            if _is_htmx(request):
                _tell(request, messages.SUCCESS, notice, session.pk)
                return _render_editor(request, event, focus_pk=session.pk)
            messages.success(request, notice)
            return see_other(_editor_url(event, _rows(request), f"session-{session.pk}"))
    refused = " ".join(str(problem) for problem in form.non_field_errors()) or _(
        "Check the form of “%(title)s”: something needs changing."
    ) % {"title": session.title}
    _tell(request, messages.WARNING, refused, session.pk)
    # A refused removal has no fields to show beside: the message says what happened.
    return _render_editor(
        request, event, refused=form if isinstance(form, PlaceForm) else None, focus_pk=session.pk, status=400
    )


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
@require_POST
def schedule_release(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish the schedule being worked on as the next release."""
    event: Event = request.permission_object  # type: ignore[attr-defined]
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            release = services.release_publish(
                event=event,
                by=request.user,
                note=form.cleaned_data["note"],
                despite_conflicts=form.cleaned_data["publish_anyway"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)d of the schedule is published, with %(count)d changes.")
                % {"version": release.version, "count": len(release.changes)},
            )
            return see_other(_editor_url(event, anchor="releases"))
    return _render_editor(request, event, release_form=form, status=400)
