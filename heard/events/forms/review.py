"""Forms for reviewing proposals and deciding on them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heard.events.enums import SCORE_MAX, SessionState
from heard.events.models import Review, ReviewCriterion
from heard.events.services.review import MAX_REVIEW_COMMENT, score_field

# Words beside each number, so a score means the same to every reviewer.
_SCORE_WORDS = {
    0: pgettext_lazy("review score", "Not at all"),
    1: pgettext_lazy("review score", "A little"),
    2: pgettext_lazy("review score", "Partly"),
    3: pgettext_lazy("review score", "Mostly"),
    4: pgettext_lazy("review score", "Fully"),
}


def score_choices() -> list[tuple[str, str]]:
    """0 to SCORE_MAX with their words (built when the form is shown, in the reader's language)."""
    return [
        (str(score), f"{score}: {_SCORE_WORDS[score]}" if score in _SCORE_WORDS else str(score))
        for score in range(SCORE_MAX + 1)
    ]


class ReviewForm(forms.Form):
    """A score on each of the call's criteria, and a comment."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_REVIEW_COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is strong, and what would make it better. The organisers read it; the hosts do not."),
    )

    def __init__(self, *args: Any, criteria: list[ReviewCriterion], review: Review | None = None, **kwargs: Any):
        if review is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {score_field(score.criterion_id): score.score for score in review.scores.all()}
            initial["comment"] = review.comment
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            fields[score_field(criterion.pk)] = forms.TypedChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=score_choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose a score for %(name)s.") % {"name": criterion.name},
                    "invalid_choice": _("Choose a score from 0 to %(max)d for %(name)s.")
                    % {"max": SCORE_MAX, "name": criterion.name},
                },
            )
        # The scores first, then the comment.
        self.fields = {**fields, "comment": self.fields["comment"]}

    def scores(self) -> dict[int, int]:
        return {criterion.pk: self.cleaned_data[score_field(criterion.pk)] for criterion in self.criteria}


class DecisionForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            (SessionState.ACCEPTED.value, _("Accept it")),
            (SessionState.WAITLISTED.value, _("Put it on the reserve list")),
            (SessionState.REJECTED.value, _("Do not accept it")),
        ],
        widget=forms.RadioSelect,
        help_text=_("The hosts are not told yet: you send every decision's email together, from the list."),
        error_messages={"required": _("Choose accept, reserve list or reject.")},
    )


class ProposalFilterForm(forms.Form):
    """Filters for the organisers' ranking (read from the query string)."""

    state = forms.ChoiceField(label=_("State"), required=False)
    theme = forms.ModelChoiceField(label=_("Theme"), required=False, queryset=None, empty_label=_("All themes"))

    def __init__(self, *args: Any, themes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states"))] + [
            (value, label) for value, label in SessionState.choices if value != SessionState.DRAFT
        ]
        self.fields["theme"].queryset = themes

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None
