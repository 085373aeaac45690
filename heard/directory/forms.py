from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heard.core import postcodes
from heard.directory.enums import ServiceCategory, ServiceStatus
from heard.directory.openreferral import ImportedService, parse_services
from heard.organisations.enums import Sector
from heard.organisations.models import Area

MAX_IMPORT_BYTES = 10 * 1024 * 1024


class ServiceSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, help_text=_("For example: repairs, debt"))
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *ServiceCategory.choices], required=False
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=16,
        help_text=_("To see services where you live"),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "")
        if value and not postcodes.is_valid(value, allow_district=True):
            raise forms.ValidationError(_("Enter a real postcode, like E8 1EA."))
        return postcodes.formatted(value) if value else ""


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("What the service does"), widget=forms.Textarea, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices, initial=ServiceStatus.ACTIVE)
    eligibility = forms.CharField(label=_("Who can use it"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    minimum_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=130, required=False)
    maximum_age = forms.IntegerField(label=_("Maximum age"), min_value=0, max_value=130, required=False)
    fees = forms.CharField(label=_("Cost"), max_length=300, required=False, help_text=_("For example: free"))
    url = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Where to go"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=300, required=False)
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas served"),
        queryset=Area.objects.order_by("kind", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    is_private = forms.BooleanField(
        label=_("Private: keep it out of the public APIs"),
        required=False,
        help_text=_("For services only partner systems should see."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age must be the same as or above the minimum age."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("areas", None)
        return data


class OpenReferralImportForm(forms.Form):
    file = forms.FileField(
        label=_("Open Referral UK JSON file"),
        help_text=_("A list of services, or a page from an Open Referral UK API (up to 10 MB)."),
    )
    sector = forms.ChoiceField(
        label=_("Sector of organisations not yet on Heard"),
        choices=Sector.choices,
        widget=forms.RadioSelect,
        initial=Sector.VOLUNTARY,
    )

    def clean_file(self) -> list[ImportedService]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB. Split it into smaller files."))
        try:
            payload = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise forms.ValidationError(
                _("The file is not valid JSON (%(problem)s).") % {"problem": str(error)[:120]}
            ) from error
        services, errors = parse_services(payload)
        if errors:
            raise forms.ValidationError(errors[:20])
        if not services:
            raise forms.ValidationError(_("The file holds no services."))
        return services
