"""Forms of the schedule editor: placing one session (the fallback for drag and drop, and what the
script fills in when a card is dropped), and publishing a release."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from heard.events.models import Room
from heard.events.selectors.schedule import PlaceChoices, PlaceValues
from heard.events.services.schedule import NOTE_LIMIT


def _local_moment(day: dt.date, time: dt.time, zone: dt.tzinfo) -> tuple[dt.datetime | None, str]:
    """The moment a local day and time name, or None and why not: on the night the clocks go
    forward some times never happen, and on the night they go back some happen twice (and which
    of the two is meant cannot be told)."""
    wall = dt.datetime.combine(day, time)
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier, ""
    values = {"time": time.strftime("%H:%M"), "day": date_format(day, "l j F")}
    # A time that never happens does not come back unchanged from UTC; one that happens twice does.
    if earlier.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None, str(
            _("There is no %(time)s on %(day)s: the clocks go forward an hour that night. Choose another time.")
            % values
        )
    return None, str(
        _("%(time)s happens twice on %(day)s, as the clocks go back an hour that night. Choose another time.") % values
    )


class PlaceForm(forms.Form):
    """Where to put one session. The rooms and days are given, as the editor offered them (no
    query per form: the editor shows one form for each session). Field names stay plain, so the
    ids carry the session instead."""

    room = forms.TypedChoiceField(
        label=_("Room"),
        coerce=int,
        error_messages={
            "required": _("Choose a room."),
            "invalid_choice": _("Choose one of the rooms at this event's venue."),
        },
    )
    day = forms.ChoiceField(
        label=_("Day"),
        error_messages={"required": _("Choose a day."), "invalid_choice": _("Choose one of the days in the list.")},
    )
    time = forms.TimeField(
        label=_("Starts at"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={
            "required": _("Enter the time it starts, like 10:30."),
            "invalid": _("Enter a time, like 10:30."),
        },
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, session_id: int, choices: PlaceChoices, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"session-{session_id}-%s")
        super().__init__(*args, **kwargs)
        self.rooms = choices.rooms
        cast(forms.ChoiceField, self.fields["room"]).choices = choices.room_choices
        cast(forms.ChoiceField, self.fields["day"]).choices = choices.day_choices

    def clean_room(self) -> Room:
        return self.rooms[self.cleaned_data["room"]]

    def clean_day(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["day"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("day") and cleaned.get("time"):
            starts_at, problem = _local_moment(cleaned["day"], cleaned["time"], timezone.get_current_timezone())
            if starts_at is None:
                self.add_error("time", problem)
            else:
                cleaned["starts_at"] = starts_at
        return cleaned

    def values(self) -> PlaceValues:
        """What was sent, with its errors, for the editor to show in this session's form again
        (the editor gives it the session's version)."""
        return PlaceValues(
            room=str(self.data.get("room", "")),
            day=str(self.data.get("day", "")),
            time=str(self.data.get("time", "")),
            errors={name: [str(error) for error in errors] for name, errors in self.errors.items()},
        )


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
