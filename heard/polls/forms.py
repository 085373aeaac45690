from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext_lazy as _

from heard.polls import variables
from heard.polls.enums import CHOICE_KINDS, QuestionKind
from heard.polls.fielding import Given
from heard.polls.models import Poll, Question

MAX_TEXT_ANSWER = 2000


class PollForm(forms.ModelForm):
    class Meta:
        model = Poll
        fields = ["title", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Run by"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation", "title", "introduction"])


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Question"), max_length=500)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    options = forms.CharField(
        label=_("Answers to choose from"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For single and multiple choice: one per line."),
    )
    items = forms.CharField(
        label=_("Statements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a grid: one statement per line, each answered on the agree–disagree scale."),
    )
    weighting_variable = forms.ChoiceField(
        label=_("Weighting variable"),
        required=False,
        choices=[("", _("None")), *variables.VARIABLE_CHOICES],
        help_text=_("For a question about the respondent: the answers come from this variable."),
    )
    page = forms.TypedChoiceField(label=_("Page"), coerce=int, choices=[(n, str(n)) for n in range(1, 21)], initial=1)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    show_if_question = forms.ModelChoiceField(
        label=_("Ask only if this earlier question…"),
        queryset=Question.objects.none(),
        required=False,
        empty_label=_("Always ask"),
    )
    show_if_values = forms.CharField(
        label=_("…was answered with one of these"),
        required=False,
        help_text=_("The answers' codes from the list of questions above, separated by commas, like 1, 3."),
    )

    def __init__(self, *args: Any, poll: Poll, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["show_if_question"].queryset = poll.questions.filter(kind__in=CHOICE_KINDS)
        self.fields["show_if_question"].label_from_instance = lambda q: f"{q.code}: {q.text}"

    def clean_show_if_values(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["show_if_values"].split(",") if part.strip()]


class WaveForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example: Spring 2026"))
    opens_at = forms.DateTimeField(
        label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class InvitationsForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line. Each person gets a link that works once."),
    )

    def clean_emails(self) -> list[str]:
        addresses = []
        for n, line in enumerate(self.cleaned_data["emails"].splitlines(), start=1):
            address = line.strip().lower()
            if not address:
                continue
            try:
                validate_email(address)
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    _("Line %(line)d is not an email address: %(address)s") % {"line": n, "address": address}
                ) from error
            addresses.append(address)
        if not addresses:
            raise forms.ValidationError(_("Enter at least one email address."))
        return sorted(set(addresses))


class PageForm(forms.Form):
    """The questions of one page, built from the poll; each field named after its question (and
    statement, for grids), so answers map back without guessing."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            options = [(o.code, o.label) for o in question.options.all()]
            common = {"required": question.required, "help_text": question.help_text}
            # Named, so the list of problems at the top of the page says which question it is.
            required_message = {
                "required": format_lazy(_("Answer “{question}”, please."), question=Truncator(question.text).chars(80))
            }
            if question.kind == QuestionKind.MATRIX:
                for item in question.items.all():
                    self.fields[f"q{question.pk}_i{item.pk}"] = forms.ChoiceField(
                        label=item.label,
                        choices=options,
                        widget=forms.RadioSelect,
                        required=question.required,
                        error_messages={
                            "required": format_lazy(
                                _("Answer “{question}”, please."), question=Truncator(item.label).chars(80)
                            )
                        },
                    )
                continue
            name = f"q{question.pk}"
            if question.kind == QuestionKind.MULTIPLE:
                field: forms.Field = forms.MultipleChoiceField(
                    choices=options,
                    widget=forms.CheckboxSelectMultiple,
                    error_messages={
                        "required": format_lazy(
                            _("Choose at least one answer to “{question}”."),
                            question=Truncator(question.text).chars(80),
                        )
                    },
                    **common,
                )
            elif question.kind == QuestionKind.SCALE:
                field = forms.TypedChoiceField(
                    choices=[(str(n), str(n)) for n in range(11)],
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "scale"}),
                    error_messages=required_message,
                    **common,
                )
            elif question.kind == QuestionKind.TEXT:
                field = forms.CharField(max_length=MAX_TEXT_ANSWER, widget=forms.Textarea(attrs={"rows": 5}), **common)
            else:
                field = forms.ChoiceField(
                    choices=options, widget=forms.RadioSelect, error_messages=required_message, **common
                )
            field.label = question.text
            self.fields[name] = field

    def groups(self) -> list[dict[str, Any]]:
        """The page's questions in order, each with its fields: a grid's statements are grouped
        under the question in one fieldset, so a screen reader hears which question they answer."""
        out = []
        for question in self.questions:
            if question.kind == QuestionKind.MATRIX:
                names = [f"q{question.pk}_i{item.pk}" for item in question.items.all()]
                out.append({"question": question, "grid": True, "fields": [self[name] for name in names]})
            else:
                out.append({"question": question, "grid": False, "fields": [self[f"q{question.pk}"]]})
        return out

    def given(self) -> dict[tuple[int, int | None], Given]:
        """The cleaned answers, keyed by (question, statement)."""
        result: dict[tuple[int, int | None], Given] = {}
        for question in self.questions:
            if question.kind == QuestionKind.MATRIX:
                for item in question.items.all():
                    value = self.cleaned_data.get(f"q{question.pk}_i{item.pk}")
                    result[(question.pk, item.pk)] = Given(choices=(value,) if value else ())
                continue
            value = self.cleaned_data.get(f"q{question.pk}")
            if question.kind == QuestionKind.MULTIPLE:
                result[(question.pk, None)] = Given(choices=tuple(value or ()))
            elif question.kind == QuestionKind.SCALE:
                result[(question.pk, None)] = Given(number=float(value) if value is not None else None)
            elif question.kind == QuestionKind.TEXT:
                result[(question.pk, None)] = Given(text=(value or "").strip())
            else:
                result[(question.pk, None)] = Given(choices=(value,) if value else ())
        return result


def initial_from(answers: dict, questions: list[Question]) -> dict[str, Any]:
    """A page's saved answers as the form's initial values, so a respondent resumes where they were."""
    initial: dict[str, Any] = {}
    for question in questions:
        if question.kind == QuestionKind.MATRIX:
            for item in question.items.all():
                saved = answers.get((question.pk, item.pk))
                if saved and saved.choices:
                    initial[f"q{question.pk}_i{item.pk}"] = saved.choices[0]
            continue
        saved = answers.get((question.pk, None))
        if saved is None:
            continue
        if question.kind == QuestionKind.MULTIPLE:
            initial[f"q{question.pk}"] = saved.choices
        elif question.kind == QuestionKind.SCALE:
            initial[f"q{question.pk}"] = str(int(saved.number)) if saved.number is not None else None
        elif question.kind == QuestionKind.TEXT:
            initial[f"q{question.pk}"] = saved.text
        elif saved.choices:
            initial[f"q{question.pk}"] = saved.choices[0]
    return initial
