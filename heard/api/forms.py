from django import forms
from django.utils.translation import gettext_lazy as _

from heard.api.enums import Scope
from heard.api.models import ApiToken


class TokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes", "confirm_by_email"]
        help_texts = {
            "name": _("For example: our reporting app, or the monthly export script."),
            "confirm_by_email": _(
                "For Open311 clients that do not check their users' addresses. A request that gives an "
                "email address waits until its author follows the link we email them."
            ),
        }
