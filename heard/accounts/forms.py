from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heard.accounts.enums import DEMOGRAPHIC_FIELDS, AgeBand, Disability, Ethnicity, Gender, Tenure, WorkStatus
from heard.core import postcodes


class SignupExtraForm(forms.Form):
    """Added to allauth's sign-up form: the optional public name."""

    display_name = forms.CharField(
        label=_("Public name"),
        max_length=80,
        required=False,
        help_text=_("Shown next to what you write in public. You can use a first name or a nickname."),
    )

    def signup(self, request: Any, user: Any) -> None:
        user.display_name = self.cleaned_data.get("display_name", "").strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Public name"),
        max_length=80,
        required=False,
        help_text=_("Shown next to what you write in public. Leave it empty to appear as “Resident”."),
    )


def _choice(label: str, choices: Any, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", _("Not answered")), *choices.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=hint,
    )


class DemographicsForm(forms.Form):
    """Every question is optional; consent is required to store any answer."""

    age_band = _choice(_("Your age"), AgeBand)
    gender = _choice(_("How do you describe yourself?"), Gender)
    postcode = forms.CharField(
        label=_("Your postcode"),
        max_length=16,
        error_messages={"max_length": _("Enter a postcode, like E8 1EA, or just its first half, like E8.")},
        required=False,
        help_text=_("We keep only the first half, like E8, to know which area you live in."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    tenure = _choice(_("Your home"), Tenure)
    work_status = _choice(_("What you do most of the week"), WorkStatus)
    ethnicity = _choice(_("Your ethnic group"), Ethnicity)
    disability = _choice(
        _("Are your day-to-day activities limited by a health problem or disability?"),
        Disability,
        _("Count problems that have lasted, or are expected to last, 12 months or more."),
    )
    consent = forms.BooleanField(
        label=_("I agree that Heard may keep these answers to weight poll results"),
        required=False,
        help_text=_("You can withdraw at any time; we then delete your answers."),
    )

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "")
        if value and not postcodes.is_valid(value, allow_district=True):
            raise forms.ValidationError(_("Enter a postcode, like E8 1EA, or just its first half, like E8."))
        return postcodes.district(value) if value else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answered = any(cleaned.get(name) for name in [*DEMOGRAPHIC_FIELDS, "postcode"])
        if answered and not cleaned.get("consent"):
            self.add_error(
                "consent",
                _("Tick the box to agree to us keeping your answers, or leave every question unanswered."),
            )
        return cleaned

    def answers(self) -> dict[str, str]:
        data = {name: self.cleaned_data.get(name, "") for name in DEMOGRAPHIC_FIELDS}
        data["postcode_district"] = self.cleaned_data.get("postcode", "")
        return data

    @classmethod
    def initial_from(cls, answers: dict[str, str] | None) -> dict[str, Any]:
        if not answers:
            return {}
        initial: dict[str, Any] = {name: answers.get(name, "") for name in DEMOGRAPHIC_FIELDS}
        initial["postcode"] = answers.get("postcode_district", "")
        initial["consent"] = True
        return initial


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that deleting my account cannot be undone"),
        error_messages={"required": _("Tick the box to confirm you want to delete your account.")},
    )
