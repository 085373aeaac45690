from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.conversations.enums import Participation
from heard.conversations.models import MAX_STATEMENT_LENGTH, Conversation
from heard.directory.models import Service

# How long a new conversation runs unless the convener says otherwise.
DEFAULT_LENGTH = dt.timedelta(weeks=4)


def _statement_lines(text: str) -> list[str]:
    """One statement per non-empty line, each short enough to be put to participants."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for n, line in enumerate(lines, start=1):
        if len(line) > MAX_STATEMENT_LENGTH:
            raise forms.ValidationError(
                _("Statement %(n)d is longer than %(limit)d characters.") % {"n": n, "limit": MAX_STATEMENT_LENGTH}
            )
    return lines


def _date_time_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Add your own statement"),
        max_length=MAX_STATEMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One idea, in a sentence others can agree or disagree with. It is checked before anyone sees it."),
        error_messages={
            "required": _("Write the statement."),
            "max_length": _("A statement can be up to %(limit_value)d characters (it has %(show_value)d)."),
        },
    )


class ServiceChoiceField(forms.ModelChoiceField):
    """Services named with their organisation, as several organisations' services may be offered."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organisation.name}: {obj.name}"


class ConversationForm(forms.ModelForm):
    seed_statements = forms.CharField(
        label=_("Statements to start with"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line. Each is shown to participants straight away."),
    )
    service = ServiceChoiceField(
        label=_("About the service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Not about one service"),
        help_text=_("One of the services of the organisation that runs the conversation."),
    )

    class Meta:
        model = Conversation
        fields = ["topic", "description", "participation", "participants_can_add", "opens_at", "closes_at", "service"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "participation": forms.RadioSelect,
            "opens_at": _date_time_input(),
            "closes_at": _date_time_input(),
        }
        error_messages = {
            "topic": {"required": _("Enter the topic of the conversation.")},
            "opens_at": {
                "required": _("Enter when the conversation opens."),
                "invalid": _("Enter when the conversation opens as a date and time, like 2026-03-01 09:00."),
            },
            "closes_at": {
                "required": _("Enter when the conversation closes."),
                "invalid": _("Enter when the conversation closes as a date and time, like 2026-03-29 17:00."),
            },
        }

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = Participation.choices
        # Services that have closed for good take no new conversations.
        services = Service.objects.listed().select_related("organisation")
        if organisations is not None:
            services = services.filter(organisation__in=organisations)
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Run by"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation", "topic"])
        self.fields["service"].queryset = services.order_by("organisation__name", "name", "pk")
        if self.instance.pk is None:
            # So a convener can start a conversation by typing only its topic: open from now
            # (to the minute, in the convener's time zone) for four weeks.
            opens = timezone.localtime().replace(second=0, microsecond=0)
            if self.initial.get("opens_at") is None:
                self.initial["opens_at"] = opens
            if self.initial.get("closes_at") is None:
                self.initial["closes_at"] = opens + DEFAULT_LENGTH

    def clean_seed_statements(self) -> list[str]:
        return _statement_lines(self.cleaned_data["seed_statements"])

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens is not None and closes is not None and closes <= opens:
            # An error on the field also keeps the model's check constraint (whose message names
            # the constraint, not the problem) from being validated: Django skips it.
            self.add_error("closes_at", _("The conversation must close after it opens."))
        # Whether the service is one the organisation runs is checked by `services.conversation_create`.
        return cleaned


class SeedStatementsForm(forms.Form):
    """More statements from the convener, shown straight away."""

    statements = forms.CharField(
        label=_("Statements, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Each is shown to participants straight away."),
        error_messages={"required": _("Write at least one statement.")},
    )

    def clean_statements(self) -> list[str]:
        return _statement_lines(self.cleaned_data["statements"])


class InvitationLinksForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many links"),
        min_value=1,
        max_value=1000,
        initial=10,
        error_messages={
            "required": _("Give the number of links, like 20."),
            "invalid": _("Give the number of links as a whole number, like 20."),
            "min_value": _("Make between 1 and 1,000 links at a time."),
            "max_value": _("Make between 1 and 1,000 links at a time."),
        },
    )


class ModerationForm(forms.Form):
    """A convener's decision on a statement: show it to participants, or not (or no longer)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("accept", _("Show it")), ("reject", _("Do not show it"))],
        error_messages={
            "required": _("Choose whether to show the statement or not."),
            "invalid_choice": _("Choose whether to show the statement or not."),
        },
    )

    @property
    def accept(self) -> bool:
        return bool(self.cleaned_data["decision"] == "accept")


class ImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Run by"), queryset=None, empty_label=None)
    export = forms.FileField(
        label=_("Pol.is export"),
        help_text=_("A .zip of the export's files: comments.csv, votes.csv, participants-votes.csv and summary.csv."),
        error_messages={
            "required": _("Choose a .zip of a Pol.is export."),
            "empty": _("The file is empty: choose a .zip of a Pol.is export."),
        },
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        # Shown on the page beside the set-up form, whose fields have the same names.
        kwargs.setdefault("auto_id", "id_import_%s")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
