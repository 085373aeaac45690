from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from heard.core import postcodes
from heard.organisations.enums import AreaKind, Role, Sector
from heard.organisations.models import Area


class OrganisationFilterForm(forms.Form):
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("All sectors")), *Sector.choices], required=False)


class PostcodeForm(forms.Form):
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=16,
        error_messages={
            "required": _("Enter a postcode, like E8 1EA."),
            "max_length": _("Enter a real postcode, like E8 1EA."),
        },
        help_text=_("For example, E8 1EA"),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"]
        if not postcodes.is_valid(value, allow_district=True):
            raise forms.ValidationError(_("Enter a real postcode, like E8 1EA."))
        return postcodes.formatted(value)


class MembershipForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The person must already have a Heard account."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, may_grant_administrator: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_grant_administrator:
            self.fields["role"].choices = [choice for choice in Role.choices if choice[0] != Role.ADMINISTRATOR]
            self.fields["role"].help_text = _("Only an administrator can make someone an administrator.")

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"].strip().lower()
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("No one with that email address has a Heard account. Ask them to create one first.")
            )
        self.person = user
        return email


class OrganisationForm(forms.Form):
    description = forms.CharField(label=_("What the organisation does"), widget=forms.Textarea, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    public_email = forms.EmailField(label=_("Public contact email"), required=False)
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas served"),
        queryset=Area.objects.order_by("kind", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class OrganisationCreateForm(OrganisationForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, widget=forms.RadioSelect)
    field_order = ["name", "sector", "description", "website", "public_email", "areas"]


class AreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of area"), choices=AreaKind.choices, widget=forms.RadioSelect)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=Area.objects.exclude(kind=AreaKind.WARD).order_by("kind", "name"),
        required=False,
        help_text=_("Leave empty for a region."),
    )
    code = forms.CharField(label=_("ONS code"), max_length=9, required=False, help_text=_("For example, E05009367"))
    postcode_prefixes = forms.CharField(
        label=_("Postcode districts or sectors in this area"),
        required=False,
        help_text=_("Separate them with commas, like E8, E9 1"),
    )

    def clean_postcode_prefixes(self) -> list[str]:
        raw = [item.strip() for item in self.cleaned_data.get("postcode_prefixes", "").split(",") if item.strip()]
        bad = [item for item in raw if not _looks_like_prefix(item)]
        if bad:
            raise forms.ValidationError(
                _("These are not postcode districts or sectors: %(items)s. Use the form E8 or E8 1."),
                params={"items": ", ".join(bad)},
            )
        return raw


def _looks_like_prefix(value: str) -> bool:
    return bool(postcodes.normalise_prefix(value))
