"""Forms of the schedule editor: placing one session (the fallback for drag and drop, and what the
script fills in when a card is dropped), and publishing a release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from heard.events.models import Room
from heard.events.services.schedule import NOTE_LIMIT


class PlaceForm(forms.Form):
    """Where to put one session. The rooms and days are given (no query per form: the editor shows
    one form for each session). Field names stay plain, so the ids carry the session instead."""

    room = forms.TypedChoiceField(label=_("Room"), coerce=int, error_messages={"required": _("Choose a room.")})
    day = forms.ChoiceField(label=_("Day"), error_messages={"required": _("Choose a day.")})
    time = forms.TimeField(
        label=_("Starts at"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={
            "required": _("Enter the time it starts, like 10:30."),
            "invalid": _("Enter a time, like 10:30."),
        },
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, session_id: int, rooms: Sequence[Room], days: Sequence[dt.date], **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", f"session-{session_id}-%s")
        super().__init__(*args, **kwargs)
        self.rooms = {room.pk: room for room in rooms}
        cast(forms.ChoiceField, self.fields["room"]).choices = [
            ("", _("Choose a room")),
            *((room.pk, room.name) for room in rooms),
        ]
        cast(forms.ChoiceField, self.fields["day"]).choices = [
            (day.isoformat(), date_format(day, "l j F")) for day in days
        ]

    def clean_room(self) -> Room:
        room = self.rooms.get(self.cleaned_data["room"])
        if room is None:
            raise forms.ValidationError(_("Choose one of the rooms at this event's venue."))
        return room

    def clean_day(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["day"])

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"]))


@dataclass
class PlaceValues:
    """What one session's place form shows in the editor: its values (as the session is, or as
    they were sent when refused) and their errors. The editor shows a form for each of hundreds of
    sessions, so it writes the inputs itself from these, instead of rendering a Django form each."""

    room: str
    day: str
    time: str
    version: int
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def general_errors(self) -> list[str]:
        """Errors about the form as a whole (and the hidden version), shown above its fields."""
        return self.errors.get("__all__", []) + self.errors.get("version", [])


def place_values(session: Any, bound: PlaceForm | None = None) -> PlaceValues:
    if bound is not None:
        return PlaceValues(
            room=str(bound.data.get("room", "")),
            day=str(bound.data.get("day", "")),
            time=str(bound.data.get("time", "")),
            version=session.schedule_version,
            errors={name: [str(error) for error in errors] for name, errors in bound.errors.items()},
        )
    if session.starts_at is None:
        return PlaceValues(room="", day="", time="", version=session.schedule_version)
    local = timezone.localtime(session.starts_at)
    return PlaceValues(
        room=str(session.room_id or ""),
        day=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        version=session.schedule_version,
    )


def place_choices(rooms: Sequence[Room], days: Sequence[dt.date]) -> dict[str, list[tuple[str, str]]]:
    """The rooms and days every place form offers (values as the browser sends them back)."""
    return {
        "room_choices": [("", str(_("Choose a room"))), *((str(room.pk), room.name) for room in rooms)],
        "day_choices": [(day.isoformat(), date_format(day, "l j F")) for day in days],
    }


class UnplaceForm(forms.Form):
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ReleaseForm(forms.Form):
    note = forms.CharField(
        label=_("Note for attendees"),
        help_text=_("Shown with this version of the schedule and in the emails, like “Room 2 is now the Garden Room”."),
        max_length=NOTE_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_anyway = forms.BooleanField(
        label=_("Publish anyway"),
        help_text=_("Tick this if the schedule has warnings you have checked and mean to keep."),
        required=False,
    )
