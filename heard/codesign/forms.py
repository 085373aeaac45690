from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heard.codesign.enums import CommitmentStatus, Outcome, Participation, ReportReason
from heard.codesign.models import MAX_COMMENT_TEXT, MAX_IDEA_TEXT, MAX_IDEA_TITLE, Challenge

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChallengeForm(forms.ModelForm):
    invitees = forms.CharField(
        label=_("Email addresses to invite"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for a challenge by invitation. One address per line; each gets an email with the link."),
    )

    class Meta:
        model = Challenge
        fields = [
            "title",
            "context",
            "constraints",
            "budget",
            "service",
            "area",
            "participation",
            "ideas_from",
            "deliberation_from",
            "decision_from",
            "delivery_from",
        ]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 5}),
            "constraints": forms.Textarea(attrs={"rows": 3}),
            "participation": forms.RadioSelect,
            "ideas_from": DATETIME,
            "deliberation_from": DATETIME,
            "decision_from": DATETIME,
            "delivery_from": DATETIME,
        }
        help_texts = {
            "ideas_from": _("People can propose ideas from this moment."),
            "deliberation_from": _("Proposals close; people can still support and comment."),
            "decision_from": _("You publish a decision, with reasons, on each shortlisted idea."),
            "delivery_from": _("You report progress on what you committed to."),
        }

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = Participation.choices
        self.fields["service"].queryset = (
            self.fields["service"].queryset.select_related("organisation").order_by("name")
        )
        self.fields["area"].queryset = self.fields["area"].queryset.order_by("name")
        self.fields["budget"].widget.attrs["inputmode"] = "numeric"
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Posed by"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation", "title"])
        else:
            del self.fields["invitees"]

    def clean(self) -> dict[str, Any]:
        from heard.codesign.services import check_phase_dates

        data = super().clean()
        dates = [data.get(name) for name in ("ideas_from", "deliberation_from", "decision_from", "delivery_from")]
        if all(dates):
            try:
                check_phase_dates(*dates)
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data

    def clean_invitees(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("invitees", "").splitlines() if line.strip()]


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses to invite"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One address per line. Each gets an email with the link."),
        error_messages={"required": _("Give at least one email address.")},
    )

    def clean_emails(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["emails"].splitlines() if line.strip()]


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Your idea in a sentence"),
        max_length=MAX_IDEA_TITLE,
        help_text=_("One sentence that says what would change, like “Open the library on Sunday mornings”."),
        error_messages={"required": _("Write your idea in a sentence.")},
    )
    description = forms.CharField(
        label=_("Tell us more"),
        max_length=MAX_IDEA_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What would change, who it would help, and how. Please do not include anyone's personal details."),
        error_messages={"required": _("Tell us a little more about your idea.")},
    )
    image = forms.ImageField(
        label=_("A picture"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP, smaller than 5 MB. We remove its location and camera details."),
        error_messages={"invalid_image": _("The file must be a picture: a JPEG, PNG, GIF or WebP.")},
    )
    image_alt = forms.CharField(
        label=_("What the picture shows"),
        required=False,
        max_length=200,
        help_text=_("For people who cannot see it. Needed only with a picture."),
    )
    is_new = forms.BooleanField(
        label=_("My idea is different from these"),
        required=False,
        widget=forms.HiddenInput,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Say in a few words what the picture shows, for people who cannot see it."))
        return data


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_COMMENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Be kind and stay on the idea. Readers can report comments that break the rules."),
        error_messages={"required": _("Write your comment.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this comment?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong with the comment.")},
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why hide this idea?"),
        max_length=300,
        help_text=_("Shown to the author and on the idea's page."),
        error_messages={"required": _("Say why the idea is hidden.")},
    )


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Merge into idea number"),
        min_value=1,
        help_text=_(
            "The number shown beside the idea that stays. Its supporters and this idea's are counted once each."
        ),
        error_messages={
            "required": _("Give the number of the idea to merge into."),
            "invalid": _("Give the idea's number, like 12."),
        },
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Your decision"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose accept, accept with changes, or decline.")},
    )
    reason = forms.CharField(
        label=_("The reason, in plain words"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Everyone who proposed or supported the idea will read this. It cannot be edited once published."),
        error_messages={"required": _("Give the reason for the decision.")},
    )


class CorrectionForm(DecisionForm):
    correction_note = forms.CharField(
        label=_("What this corrects"),
        max_length=300,
        help_text=_("Shown with the new version. The earlier version stays on show."),
        error_messages={"required": _("Say what this corrects.")},
    )


class CommitmentForm(forms.Form):
    title = forms.CharField(
        label=_("What we will do"), max_length=200, error_messages={"required": _("Say what you will do.")}
    )
    description = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(
        label=_("Who answers for it"),
        queryset=None,
        empty_label=None,
        help_text=_("They can post progress. Their name is not shown in public, only the job title below."),
    )
    owner_title = forms.CharField(
        label=_("Their job title"),
        max_length=120,
        help_text=_("Shown in public, like “Head of Repairs”."),
        error_messages={"required": _("Give the job title of the person who answers for it.")},
    )
    due_on = forms.DateField(
        label=_("Due by"),
        widget=DATE,
        error_messages={"required": _("Give the date it is due by."), "invalid": _("Give a date, like 31 March 2027.")},
    )
    milestones = forms.CharField(
        label=_("Milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: the date, then what will be done. Like “2027-02-01 Text reminders tested”."),
    )

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = lambda user: f"{user.display_name} ({user.email})"

    def clean_due_on(self) -> dt.date:
        due = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date must be today or later."))
        return due

    def clean_milestones(self) -> list[tuple[str, dt.date]]:
        found = []
        for n, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            date_text, _space, title = line.strip().partition(" ")
            try:
                due = dt.date.fromisoformat(date_text)
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)d: start with the date as year-month-day, like 2027-02-01.") % {"n": n}
                ) from None
            if not title.strip():
                raise forms.ValidationError(_("Line %(n)d: say what will be done after the date.") % {"n": n})
            found.append((title.strip(), due))
        return found


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Where it stands"), choices=CommitmentStatus.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("What has happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Everyone behind the idea is emailed this update. To drop the commitment, say why here."),
        error_messages={"required": _("Say what has happened.")},
    )


class DueDateForm(forms.Form):
    due_on = forms.DateField(
        label=_("New due date"),
        widget=DATE,
        error_messages={"required": _("Give the new date."), "invalid": _("Give a date, like 31 March 2027.")},
    )
    reason = forms.CharField(
        label=_("Why the date moves"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the date moves.")},
    )
