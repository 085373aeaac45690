"""The schedule: the published one people see (by day, with their agenda), what changed from one
release to the next, and the organisers' editor, where sessions are placed in rooms and times
(by a form on each session, or by dragging it onto the grid) and releases are published."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heard.core.forms import add_validation_errors
from heard.core.http import see_other
from heard.core.pagination import page_query, paginate
from heard.core.permissions import permission_required, public
from heard.events import scheduling
from heard.events.forms.schedule import PlaceForm, PlaceValues, ReleaseForm, UnplaceForm, place_choices, place_values
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
        agenda_selectors.agenda_session_ids(user=request.user, event=event)
        if published.release is not None and request.user.is_authenticated
        else set()
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


@dataclass
class Card:
    """A session as the editor shows it: where it is, its warnings, and its form's values."""

    session: Session
    values: PlaceValues
    warnings: list[scheduling.Conflict] = field(default_factory=list)
    action: str = ""


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
    bound: PlaceForm | UnplaceForm | None = None,
    bound_pk: int | None = None,
    notice: str = "",
    notice_tone: str = "success",
    release_form: ReleaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = _rows(request)
    editor = selectors.schedule_for_edit(event=event, slot=rows)
    query = f"?rows={rows}" if rows else ""
    place_url = _url_for_each("events:schedule_place", event.slug)
    cards = {}
    for session in editor.sessions:
        refused = bound if session.pk == bound_pk and isinstance(bound, PlaceForm) else None
        cards[session.pk] = Card(
            session=session,
            values=place_values(session, refused),
            warnings=editor.conflicts.get(session.pk, []),
            action=place_url(session.pk) + query,
        )
    grids = []
    for grid in editor.grids:
        for row in grid.rows:
            for cell in row.cells:
                cell.cards = [cards[placement.session_id] for placement in cell.placements]  # type: ignore[attr-defined]
        grids.append(grid)
    error_form = release_form if release_form is not None and release_form.errors else bound
    context = {
        "event": event,
        "editor": editor,
        "grids": grids,
        "unplaced": [cards[session.pk] for session in editor.unplaced],
        "warned": [cards[session.pk] for session in editor.with_warnings],
        "release_form": release_form or ReleaseForm(),
        "error_form": error_form if error_form is not None and error_form.errors else None,
        "notice": notice,
        "notice_tone": notice_tone,
        "focus_pk": bound_pk,
        "rows": rows,
        "other_rows": 30 if editor.slot == 15 else 15,
        **place_choices(editor.rooms, editor.days),
    }
    if _is_htmx(request):
        # htmx swaps only successful answers: refusals are shown in place, so always 200.
        return render(request, "events/schedule/_editor_response.html", context)
    return render(request, "events/schedule/edit.html", context, status=status)


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


@permission_required("events.manage_event", obj=event_selectors.event_for_manage)
@require_POST
def schedule_place(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Place a session (or take it out of the schedule), from its form or a drop on the grid."""
    event: Event = request.permission_object  # type: ignore[attr-defined]
    session = get_object_or_404(Session.objects.defer(*selectors.UNSHOWN), event=event, pk=pk)
    removing = request.POST.get("action") == "remove"
    form: PlaceForm | UnplaceForm
    if removing:
        form = UnplaceForm(request.POST)
    else:
        days = list(selectors.event_days(event))
        if session.starts_at is not None and timezone.localtime(session.starts_at).date() not in days:
            days.append(timezone.localtime(session.starts_at).date())
        form = PlaceForm(request.POST, session_id=session.pk, rooms=selectors.rooms_of(event), days=days)
    try:
        if not form.is_valid():
            raise ValidationError("")
        if isinstance(form, UnplaceForm):
            moved = services.session_unplace(
                session=session, expected_version=form.cleaned_data["version"], by=request.user
            )
            notice = _("“%(title)s” is out of the schedule, with the sessions to place.") % {"title": moved.title}
        else:
            room = form.cleaned_data["room"]
            moved = services.session_place(
                session=session,
                room=room,
                starts_at=form.starts_at,
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
            local = timezone.localtime(moved.starts_at)
            notice = _("“%(title)s” is now in %(room)s on %(day)s at %(time)s.") % {
                "title": moved.title,
                "room": room.name,
                "day": date_format(local, "l j F"),
                "time": local.strftime("%H:%M"),
            }
    except services.StaleSchedule as stale:
        # The second of two organisers: told, and shown the schedule as it is now.
        notice = _(
            "Someone else moved “%(title)s” while you were looking: %(where)s. We have changed nothing. "
            "The schedule below is as it is now: move it again if you still want to."
        ) % {"title": stale.session.title, "where": _where_now(stale.session)}
        return _render_editor(request, event, bound_pk=session.pk, notice=notice, notice_tone="important", status=409)
    except ValidationError as error:
        if error.messages != [""]:
            add_validation_errors(form, error)
        notice = " ".join(str(problem) for problem in form.non_field_errors()) or _(
            "Check the form of “%(title)s”: something needs changing."
        ) % {"title": session.title}
        # A refused removal has no fields to show beside: the notice says what happened.
        bound = form if isinstance(form, PlaceForm) else None
        return _render_editor(
            request, event, bound=bound, bound_pk=session.pk, notice=notice, notice_tone="important", status=400
        )
    if _is_htmx(request):
        return _render_editor(request, event, bound_pk=session.pk, notice=notice)
    messages.success(request, notice)
    return see_other(_editor_url(event, _rows(request), f"session-{session.pk}"))


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
