from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heard.conversations.enums import Participation
from heard.conversations.models import MAX_STATEMENT_LENGTH, Conversation


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


class ConversationForm(forms.ModelForm):
    seed_statements = forms.CharField(
        label=_("Statements to start with"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line. Each is shown to participants straight away."),
    )

    class Meta:
        model = Conversation
        fields = ["topic", "description", "participation", "participants_can_add", "opens_at", "closes_at", "service"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "participation": forms.RadioSelect,
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = Participation.choices
        self.fields["service"].required = False
        self.fields["service"].queryset = (
            self.fields["service"].queryset.select_related("organisation").order_by("name")
        )
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Run by"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation", "topic"])

    def clean_seed_statements(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["seed_statements"].splitlines() if line.strip()]
        for n, line in enumerate(lines, start=1):
            if len(line) > MAX_STATEMENT_LENGTH:
                raise forms.ValidationError(
                    _("Statement %(n)d is longer than %(limit)d characters.") % {"n": n, "limit": MAX_STATEMENT_LENGTH}
                )
        return lines


class ImportForm(forms.Form):
    export = forms.FileField(
        label=_("Pol.is export"),
        help_text=_("A .zip of the export's files: comments.csv, votes.csv, participants-votes.csv and summary.csv."),
    )
