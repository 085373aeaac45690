"""Organisers' forms: an event, its venue and rooms, and its call for hosts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heard.events.models import Call, Event, ReviewTeam, Theme, Venue

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EventForm(forms.ModelForm):
    online_url = forms.URLField(
        label=_("Joining link for online events"),
        required=False,
        assume_scheme="https",
        help_text=_("Only people with a place see it."),
    )

    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "venue",
            "online_url",
            "themes",
            "opens",
            "closes",
            "capacity",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "opens": TIME,
            "closes": TIME,
            "themes": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "place": _("For an event without a venue of yours, or to add directions."),
            "opens": _("The schedule warns about sessions outside these hours."),
        }

    def __init__(self, *args: Any, organisations: Any = None, organisation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.all()
        owner = organisation or (self.instance.organisation if self.instance.pk else None)
        self.fields["venue"].queryset = (
            Venue.objects.filter(organisation=owner) if owner is not None else Venue.objects.none()
        )
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Run by"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation", "kind", "title"])
            self.fields["venue"].queryset = Venue.objects.filter(organisation__in=organisations)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The event must end after it starts."))
        if data.get("opens") and data.get("closes") and data["closes"] <= data["opens"]:
            self.add_error("closes", _("The doors must close after they open."))
        return data

    def validate_constraints(self) -> None:
        # The same rules are checked in clean() with messages beside the fields.
        return


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "access"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2}), "access": forms.Textarea(attrs={"rows": 2})}


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room"), max_length=120)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100_000)


class CallForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = [
            "guidance",
            "opens_at",
            "deadline",
            "anonymised_review",
            "accept_template",
            "waitlist_template",
            "reject_template",
        ]
        widgets = {
            "guidance": forms.Textarea(attrs={"rows": 4}),
            "opens_at": DATETIME,
            "deadline": DATETIME,
            "accept_template": forms.Textarea(attrs={"rows": 6}),
            "waitlist_template": forms.Textarea(attrs={"rows": 6}),
            "reject_template": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "accept_template": _(
                "Sent to every host. {title}, {event}, {organiser} and {link} (their proposal page) are filled in."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("opens_at") and data.get("deadline") and data["deadline"] <= data["opens_at"]:
            self.add_error("deadline", _("The deadline must come after the call opens."))
        from heard.events.services.review import unknown_placeholders

        for name in ("accept_template", "waitlist_template", "reject_template"):
            unknown = unknown_placeholders(data.get(name) or "")
            if unknown:
                self.add_error(
                    name,
                    _("%(names)s cannot be filled in. Use {title}, {event}, {organiser} and {link}.")
                    % {"names": ", ".join("{" + found + "}" for found in unknown)},
                )
        return data

    def validate_constraints(self) -> None:
        # Checked in clean() with a message beside the field.
        return


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Hosts must answer it"), required=False)


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=120)
    description = forms.CharField(label=_("What to look for"), max_length=300, required=False)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=10, initial=1)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team"), max_length=120)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes it reviews"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: it reviews every proposal."),
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = event.themes.all()


class MemberForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=ReviewTeam.objects.none(), empty_label=None)
    email = forms.EmailField(label=_("Reviewer's email address"))

    def __init__(self, *args: Any, call: Call | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if call is not None:
            self.fields["team"].queryset = call.teams.all()
