from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heard.frontline.enums import AccessReason, AgencyKind, Category, Outcome, PartnerKind, SubjectAware, Urgency
from heard.frontline.models import RoutingRule


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you do?"),
        choices=PartnerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you do.")},
    )
    business = forms.CharField(
        label=_("The business or organisation you work for"),
        required=False,
        max_length=200,
        help_text=_("Leave it empty if you flag as a neighbour or on your own."),
    )
    area = forms.ModelChoiceField(label=_("Where you mostly work"), queryset=None, required=False)
    phone = forms.CharField(
        label=_("A phone number we can reach you on"),
        required=False,
        max_length=40,
        help_text=_("Only the people who verify partners see it. We keep it encrypted."),
    )

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class FlagForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What did you notice?"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you noticed.")},
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how urgent it is.")},
    )
    details = forms.CharField(
        label=_("What did you see or hear?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Just what you noticed, in your own words. Do not investigate or ask questions."),
        error_messages={"required": _("Say what you noticed, in a few words.")},
    )
    address = forms.CharField(
        label=_("Address"), required=False, max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    place = forms.CharField(
        label=_("Or a place"),
        required=False,
        max_length=200,
        help_text=_("If there is no address, like “bus stop outside the library”."),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=10,
        help_text=_("If you know it, like LS1 4AP."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    name = forms.CharField(
        label=_("Their name, if you know it"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    approx_age = forms.IntegerField(
        label=_("About how old are they?"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("A guess is fine, like 80."),
        error_messages={"invalid": _("Give an age as a number, like 80."), "max_value": _("Give an age up to 120.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    description = forms.CharField(
        label=_("How would someone recognise them?"),
        required=False,
        max_length=500,
        help_text=_("If there is no name: what they look like, or which door."),
    )
    subject_aware = forms.ChoiceField(
        label=_("Do they know you are passing this on?"),
        choices=SubjectAware.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the person knows you are passing this on.")},
    )
    contact = forms.CharField(
        label=_("How can the agency reach you, if it needs to?"),
        required=False,
        max_length=200,
        help_text=_("A phone number, or a time you are at work. Only the agency sees it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in ("address", "place", "postcode")):
            self.add_error("address", _("Say where: an address, a place, or a postcode."))
        return data


class RevealForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why do you need the personal details?"),
        choices=[choice for choice in AccessReason.choices if choice[0] != AccessReason.EXPORT],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you need them. Every look is recorded.")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done.")},
    )


class TransferForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Transfer to"), queryset=None, error_messages={"required": _("Choose the agency to transfer to.")}
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the transfer.")},
    )

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why decline"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for declining.")},
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome.")},
    )
    note = forms.CharField(label=_("Closing note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    thanks = forms.CharField(
        label=_("A thank-you to the person who flagged it"),
        required=False,
        max_length=300,
        help_text=_("They see this. Say nothing about the person or what was done."),
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Why suspend this partner"),
        max_length=300,
        error_messages={"required": _("Say why the partner is suspended.")},
    )


class RuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["agency", "category", "area", "urgency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (
            self.fields["agency"].queryset.select_related("organisation").order_by("organisation__name")
        )
        self.fields["area"].queryset = self.fields["area"].queryset.order_by("name")
        self.fields["category"].help_text = _("Leave empty for any category.")
        self.fields["area"].help_text = _("Leave empty for anywhere. An area covers the places inside it.")
        self.fields["urgency"].help_text = _("Leave empty for any urgency.")


class AgencyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, error_messages={"required": _("Choose the organisation.")}
    )
    kind = forms.ChoiceField(
        label=_("Kind of agency"),
        choices=AgencyKind.choices,
        error_messages={"required": _("Choose the kind of agency.")},
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
