"""The proposal form of a call for hosts: the session, the call's own questions, and co-hosts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from heard.events.enums import SESSION_DURATIONS, SessionKind
from heard.events.models import Call, Session, Theme
from heard.events.services.proposals import cohost_emails
from heard.organisations.models import Organisation


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Type of session"), choices=SessionKind.choices, widget=forms.RadioSelect)
    duration = forms.TypedChoiceField(
        label=_("Length"),
        coerce=int,
        choices=[(minutes, _("%(n)d minutes") % {"n": minutes}) for minutes in SESSION_DURATIONS],
        initial=60,
    )
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    description = forms.CharField(
        label=_("What happens in it"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        required=False,
        help_text=_("What people will do, hear or make. Needed to send the proposal in; a draft can wait."),
    )
    audience = forms.CharField(
        label=_("Who it is for"),
        max_length=300,
        required=False,
        help_text=_("For example: young people aged 14 to 18, carers, anyone who runs a community group."),
    )
    expected_audience = forms.IntegerField(
        label=_("How many people you expect"), min_value=1, max_value=10_000, initial=20
    )
    access_needs = forms.CharField(
        label=_("What you need to host it"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("Step-free access, a hearing loop, a quiet room… Only the organisers see this."),
    )
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Myself"),
    )
    cohosts = forms.CharField(
        label=_("Co-hosts"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Their email addresses, one per line. Each gets an email inviting them to help."),
    )

    def __init__(self, *args: Any, call: Call, user: Any, session: Session | None = None, **kwargs: Any) -> None:
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": session.title,
                "kind": session.kind,
                "duration": session.duration,
                "theme": session.theme_id,
                "description": session.description,
                "audience": session.audience,
                "expected_audience": session.expected_audience,
                "access_needs": session.access_needs,
                "organisation": session.organisation_id,
                "cohosts": "\n".join(host.email for host in session.hosts.all() if not host.is_proposer),
                **{f"question_{answer.question_id}": answer.text for answer in session.answers.all()},
            }
        super().__init__(*args, **kwargs)
        self.call, self.user = call, user
        self.fields["theme"].queryset = call.event.themes.all()
        from heard.organisations.roles import roles_by_organisation

        mine = list(roles_by_organisation(user))
        if session is not None and session.organisation_id:
            mine.append(session.organisation_id)
        if mine:
            self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=mine).order_by("name")
        else:
            del self.fields["organisation"]
        self.questions = list(call.questions.all())
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=question.text,
                help_text=question.help_text,
                required=False,  # required ones are checked when the proposal is sent in, not for drafts
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=5000,
            )
            if question.required:
                self.fields[f"question_{question.pk}"].help_text = " ".join(
                    part for part in (str(question.help_text), str(_("Needed to send the proposal in."))) if part
                )

    def clean_cohosts(self) -> list[str]:
        try:
            return cohost_emails(self.cleaned_data["cohosts"], proposer_email=self.user.email)
        except ValidationError as error:
            raise ValidationError(error.message_dict["cohosts"]) from None

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(f"question_{question.pk}", "") for question in self.questions}

    def session_fields(self) -> dict[str, Any]:
        names = ("title", "kind", "duration", "theme", "description", "audience", "expected_audience", "access_needs")
        found = {name: self.cleaned_data.get(name) for name in names}
        found["organisation"] = self.cleaned_data.get("organisation")
        return found
