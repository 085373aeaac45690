"""Writes to a festival's schedule: placing a session in a room and a time (or taking it out) in
the schedule being worked on, and publishing a release of it, with a changelog of what moved and
an email to each person whose agenda or booking it changes.

Two organisers can have the editor open at once. Every move raises the session's
`schedule_version`; a move made from an older version is refused with `StaleSchedule`, which
carries where the session is now, so nobody overwrites someone else's move unseen."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from heard.core.models import ActivityLog
from heard.core.services import email_queue, log_action
from heard.core.text import without_control_characters
from heard.events.enums import SCHEDULABLE_STATES, RegistrationStatus
from heard.events.models import AgendaItem, Event, Registration, Room, ScheduleRelease, Session
from heard.events.selectors.schedule import UNSHOWN, conflicts_of, venue_rooms

ADDED, MOVED, REMOVED = "added", "moved", "removed"
NOTE_LIMIT = 300
# The log entry of a release's emails: its being there is what keeps them to once per release.
RELEASE_EMAILED = "schedule.release_emailed"


class StaleSchedule(Exception):
    """The session was moved by someone else since the editor showed it. `session` is as it is
    now (with its `room` loaded), so the organiser can be told where it went."""

    def __init__(self, session: Session) -> None:
        super().__init__(f"session {session.pk} is at version {session.schedule_version}")
        self.session = session


def _locked(session: Session) -> Session:
    return Session.objects.select_for_update().defer(*UNSHOWN).get(pk=session.pk)


def _check_version(locked: Session, expected_version: int) -> None:
    if locked.schedule_version != expected_version:
        locked.room = Room.objects.filter(pk=locked.room_id).first() if locked.room_id else None
        raise StaleSchedule(locked)


@transaction.atomic
def session_place(*, session: Session, room: Room, starts_at: dt.datetime, expected_version: int, by: Any) -> Session:
    """Put an accepted or confirmed session in a room at a time in the schedule being worked on
    (people see it once a release is published). Clashes are allowed, and warned about by the
    editor: organisers sometimes mean them for a while."""
    locked = _locked(session)
    if locked.state not in SCHEDULABLE_STATES:
        raise ValidationError(_("Only accepted or confirmed sessions can be put in the schedule."))
    event = Event.objects.only("pk", "venue_id", "organisation_id").get(pk=locked.event_id)
    if event.venue_id is None or room.venue_id != event.venue_id:
        raise ValidationError({"room": _("Choose one of the rooms at this event's venue.")})
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be aware")
    _check_version(locked, expected_version)
    locked.room = room
    locked.starts_at = starts_at
    # In UTC: adding minutes to a local time adds them to the clock on the wall, which is an hour
    # out for a session that runs over the night the clocks change.
    locked.ends_at = starts_at.astimezone(dt.UTC) + dt.timedelta(minutes=locked.duration)
    locked.schedule_version += 1
    locked.save(update_fields=["room", "starts_at", "ends_at", "schedule_version", "updated_at"])
    log_action(
        action="session.placed",
        by=by,
        target=locked,
        organisation_id=event.organisation_id,
        data={"room": room.pk, "starts_at": starts_at.isoformat(), "version": locked.schedule_version},
    )
    return locked


@transaction.atomic
def session_unplace(*, session: Session, expected_version: int, by: Any) -> Session:
    """Take a session out of the schedule being worked on (back to the sessions to place)."""
    locked = _locked(session)
    _check_version(locked, expected_version)
    if locked.starts_at is None and locked.room_id is None:
        raise ValidationError(_("This session is not in the schedule."))
    locked.room = None
    locked.starts_at = locked.ends_at = None
    locked.schedule_version += 1
    locked.save(update_fields=["room", "starts_at", "ends_at", "schedule_version", "updated_at"])
    event = Event.objects.only("pk", "organisation_id").get(pk=locked.event_id)
    log_action(
        action="session.unplaced",
        by=by,
        target=locked,
        organisation_id=event.organisation_id,
        data={"version": locked.schedule_version},
    )
    return locked


def _where(room: Room | None, starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> dict[str, Any] | None:
    if room is None or starts_at is None or ends_at is None:
        return None
    return {"room_id": room.pk, "room": room.name, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}


def _changelog(sessions: list[Session], rooms: dict[int, Room]) -> list[dict[str, Any]]:
    """What publishing the working schedule changes in the published one, session by session."""
    changes = []
    for session in sessions:
        working = None
        if session.state in SCHEDULABLE_STATES:
            working = _where(rooms.get(session.room_id or 0), session.starts_at, session.ends_at)
        published = _where(
            rooms.get(session.published_room_id or 0), session.published_starts_at, session.published_ends_at
        )
        if published is None and session.published_starts_at is not None:
            # Published in a room since deleted: still in the published schedule, somewhere.
            published = {
                "room_id": None,
                "room": "",
                "starts_at": session.published_starts_at.isoformat(),
                "ends_at": session.published_ends_at.isoformat() if session.published_ends_at else "",
            }
        if working == published:
            continue
        entry: dict[str, Any] = {"session": session.pk, "title": session.title, "before": published, "after": working}
        if published is None:
            entry["change"] = ADDED
        elif working is None:
            entry["change"] = REMOVED
        else:
            entry["change"] = MOVED
            entry["room_changed"] = published["room_id"] != working["room_id"]
            entry["time_changed"] = (published["starts_at"], published["ends_at"]) != (
                working["starts_at"],
                working["ends_at"],
            )
        changes.append(entry)
    # In the order people read a schedule: by when the session is (or was), then by title.
    changes.sort(key=lambda c: (dt.datetime.fromisoformat((c["after"] or c["before"])["starts_at"]), c["title"]))
    return changes


def _describe_place(place: dict[str, Any]) -> str:
    starts = timezone.localtime(dt.datetime.fromisoformat(place["starts_at"]))
    ends = timezone.localtime(dt.datetime.fromisoformat(place["ends_at"])) if place.get("ends_at") else starts
    return _("in %(room)s on %(day)s, %(start)s–%(end)s") % {
        "room": place.get("room") or _("a room no longer in use"),
        "day": date_format(starts, "l j F"),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
    }


def describe_change(change: dict[str, Any]) -> str:
    """One change, in a sentence, for the people it affects."""
    if change["change"] == REMOVED:
        return _("“%(title)s” is no longer in the schedule.") % {"title": change["title"]}
    if change["change"] == ADDED:
        return _("“%(title)s” is now in the schedule: %(after)s.") % {
            "title": change["title"],
            "after": _describe_place(change["after"]),
        }
    before = _describe_place(change["before"])
    return _("“%(title)s” has moved: it is now %(after)s (it was %(before)s).") % {
        "title": change["title"],
        "after": _describe_place(change["after"]),
        "before": before,
    }


def _affecting(changes: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The changes people are told about (a session added is news to nobody's agenda), by session."""
    return {change["session"]: change for change in changes if change["change"] in (MOVED, REMOVED)}


@transaction.atomic
def release_notify(*, release_id: int) -> int:
    """Email each person who has a session that a release moved or removed in their agenda, or a
    place (or a place in the queue) for it: once, listing all their changes, from the release's
    changelog. Run by a background task once the release is committed, so the emails are written
    outside the lock publishing holds on the schedule. Once per release: run again (a retried
    task), it sends nothing. Returns how many people were emailed."""
    # Only the release row is locked (not the event's, which publishing locks): two runs of the
    # task wait for each other here, and the second finds the first one's log entry.
    release = (
        ScheduleRelease.objects.select_for_update(of=("self",))
        .select_related("event__organisation")
        .filter(pk=release_id)
        .first()
    )
    if release is None:
        return 0
    target = {"object_type": release._meta.label_lower, "object_id": str(release.pk)}
    if ActivityLog.objects.filter(action=RELEASE_EMAILED, **target).exists():
        return 0
    emailed = _notify(event=release.event, release=release, affecting=_affecting(release.changes))
    log_action(
        action=RELEASE_EMAILED,
        target=release,
        organisation_id=release.event.organisation_id,
        data={"version": release.version, "emailed": emailed},
    )
    return emailed


def _notify(*, event: Event, release: ScheduleRelease, affecting: dict[int, dict[str, Any]]) -> int:
    """One email to each person with an affected session in their agenda or a place for it."""
    if not affecting:
        return 0
    sessions_of: dict[int, set[int]] = defaultdict(set)
    for user_id, session_id in AgendaItem.objects.filter(session_id__in=affecting).values_list("user_id", "session_id"):
        sessions_of[user_id].add(session_id)
    for user_id, session_id in Registration.objects.filter(
        session_id__in=affecting, status__in=(RegistrationStatus.BOOKED, RegistrationStatus.WAITING)
    ).values_list("user_id", "session_id"):
        sessions_of[user_id].add(session_id)
    if not sessions_of:
        return 0
    from heard.accounts.models import User

    link = settings.HEARD_SITE_URL + reverse("events:schedule", kwargs={"slug": event.slug})
    note = f"{release.note}\n\n" if release.note else ""
    sent = 0
    for user in User.objects.filter(pk__in=sessions_of, is_active=True).exclude(email="").order_by("pk"):
        lines = "\n".join(
            f"- {describe_change(affecting[session_id])}"
            for session_id in sorted(sessions_of[user.pk], key=lambda pk: affecting[pk]["title"])
        )
        email_queue(
            to=user.email,
            subject=_("Changes to the schedule of %(event)s") % {"event": event.title},
            text_body=_(
                "Hello,\n\nWe have changed the schedule of %(event)s. What changed for you:\n\n%(lines)s\n\n"
                "%(note)sThe whole schedule: %(link)s\n\nFrom the %(organiser)s team"
            )
            % {
                "event": event.title,
                "lines": lines,
                "note": note,
                "link": link,
                "organiser": event.organisation.name,
            },
            kind="schedule_changed",
            user=user,
        )
        sent += 1
    return sent


@transaction.atomic
def release_publish(*, event: Event, by: Any, note: str = "", despite_conflicts: bool = False) -> ScheduleRelease:
    """Publish the schedule being worked on as the next release: the published room and time of
    every session become its working ones (so a session without places of its own now has its new
    room's seats), and the release keeps a changelog (added, moved, removed, including sessions withdrawn
    since the last release). Refused when nothing changed, or when the schedule has conflicts and
    the organiser has not said to publish anyway."""
    # The event row lock serialises releases; the session locks keep moves out until we are done.
    event = Event.objects.select_for_update().select_related("organisation").get(pk=event.pk)
    sessions = list(
        Session.objects.select_for_update().filter(event=event).defer(*UNSHOWN).prefetch_related("hosts").order_by("pk")
    )
    # The warnings are worked out as the editor works them out (the same rooms, the same
    # sessions), so the count here is the one the organiser saw there.
    venue = venue_rooms(event)
    schedulable = [session for session in sessions if session.state in SCHEDULABLE_STATES]
    conflicts = conflicts_of(schedulable, venue, event)
    if conflicts and not despite_conflicts:
        count = sum(len(found) for found in conflicts.values())
        raise ValidationError(
            {
                "publish_anyway": ngettext(
                    "The schedule has %(count)d warning. Fix it, or tick “Publish anyway” if you have checked it.",
                    "The schedule has %(count)d warnings. Fix them, or tick “Publish anyway” if you have checked them.",
                    count,
                )
                % {"count": count}
            }
        )
    # The changelog names every room, including one a session is (or was released) in that is
    # not at the venue any more (the event moved).
    elsewhere = ({s.room_id for s in sessions} | {s.published_room_id for s in sessions}) - set(venue) - {None}
    rooms = {**venue, **Room.objects.in_bulk(elsewhere)} if elsewhere else venue
    changes = _changelog(sessions, rooms)
    if not changes:
        raise ValidationError(_("Nothing has changed since the last release, so there is nothing to publish."))
    now = timezone.now()
    changed_ids = {change["session"] for change in changes}
    to_save = []
    for session in sessions:
        placed = session.state in SCHEDULABLE_STATES and session.starts_at is not None and session.room_id
        if session.pk in changed_ids:
            session.published_room_id = session.room_id if placed else None
            session.published_starts_at = session.starts_at if placed else None
            session.published_ends_at = session.ends_at if placed else None
        if session.pk in changed_ids:
            session.updated_at = now
            to_save.append(session)
    # One statement for the lot (this can be hundreds of sessions); the release's changelog is
    # the record of what each one did, and the log entry below points to it.
    Session.objects.bulk_update(
        to_save,
        ["published_room", "published_starts_at", "published_ends_at", "updated_at"],
        batch_size=500,
    )
    version = (ScheduleRelease.objects.filter(event=event).aggregate(top=Max("version"))["top"] or 0) + 1
    release = ScheduleRelease.objects.create(
        event=event,
        version=version,
        note=without_control_characters(note or "").strip()[:NOTE_LIMIT],
        changes=changes,
        published_at=now,
        published_by=by if getattr(by, "is_authenticated", False) else None,
    )
    if _affecting(changes):
        from heard.events.tasks import release_notify as notify_task

        release_id = release.pk
        transaction.on_commit(lambda: notify_task.enqueue(release_id=release_id))
    log_action(
        action="schedule.released",
        by=by,
        target=release,
        organisation_id=event.organisation_id,
        data={
            "version": version,
            "added": sum(1 for c in changes if c["change"] == ADDED),
            "moved": sum(1 for c in changes if c["change"] == MOVED),
            "removed": sum(1 for c in changes if c["change"] == REMOVED),
            "conflicts": len(conflicts),
        },
    )
    return release
