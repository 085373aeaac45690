from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from heard.directory.models import Service
from heard.organisations.models import Area
from heard.voice.enums import Frequency, Listened, ModerationReason, ReportReason, ResponseStatus, StoryStatus
from heard.voice.models import MAX_STORY_LENGTH, Story

RATING_LABELS = [
    ("1", _("1 – Very poor")),
    ("2", _("2 – Poor")),
    ("3", _("3 – Neither good nor poor")),
    ("4", _("4 – Good")),
    ("5", _("5 – Very good")),
]


def _rating(label: str, *, required: bool) -> forms.TypedChoiceField:
    choices = RATING_LABELS if required else [("", _("Not answered")), *RATING_LABELS]
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )


class StoryForm(forms.Form):
    rating_overall = _rating(_("Overall, how was the service?"), required=True)
    listened = forms.ChoiceField(
        label=_("Did you feel listened to?"),
        choices=Listened.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes, partly or no.")},
    )
    title = forms.CharField(
        label=_("Sum it up in a few words"),
        max_length=120,
        help_text=_("For example: Quick repair, but I had to call four times"),
        error_messages={"required": _("Sum up your story in a few words.")},
    )
    text = forms.CharField(
        label=_("Tell us what happened"),
        max_length=MAX_STORY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What went well, what did not, and what would have made it better. Do not name staff or other people."
        ),
        error_messages={
            "required": _("Tell us what happened."),
            "max_length": _(
                "Your story is too long: it can be up to %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    rating_access = _rating(_("Getting help: how easy was it?"), required=False)
    rating_respect = _rating(_("How were you treated?"), required=False)
    rating_outcome = _rating(_("What came of it?"), required=False)

    def __init__(self, *args: Any, signed_in: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not signed_in:
            self.fields["author_email"] = forms.EmailField(
                label=_("Your email address"),
                help_text=_(
                    "We send you a link to confirm the story is yours, and tell you when it is answered. "
                    "We never show it."
                ),
                error_messages={"required": _("Enter your email address, like name@example.com.")},
            )
            self.fields["author_name"] = forms.CharField(
                label=_("Name to show with your story"),
                max_length=80,
                required=False,
                help_text=_("Leave it empty to appear as “Resident”."),
            )


def _moderation_reason(hint: str) -> forms.ChoiceField:
    """The reason a moderator gives the author, the same list wherever a story is decided on."""
    return forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("None")), *ModerationReason.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=hint,
    )


def _note_to_author() -> forms.CharField:
    return forms.CharField(
        label=_("Note to the author"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("reject", _("Do not publish"))],
        widget=forms.RadioSelect,
    )
    published_text = forms.CharField(
        label=_("Text to publish"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text=_(
            "Take out anything that should not be public, such as other people's names. "
            "The author is told that part was taken out, and why."
        ),
    )
    reason = _moderation_reason(_("Needed when you do not publish, or take part of the story out."))
    note = _note_to_author()


class ResponseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Where things stand"),
        choices=ResponseStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where things stand.")},
    )
    text = forms.CharField(
        label=_("Your answer"),
        max_length=MAX_STORY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Answer in plain words, in public. Say what you will do and by when. Do not share personal details."
        ),
        error_messages={"required": _("Write your answer.")},
    )


class ChangeForm(forms.Form):
    title = forms.CharField(
        label=_("What changed"), max_length=200, help_text=_("In a sentence, like: Repairs can now be booked online")
    )
    description = forms.CharField(
        label=_("More about it"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=MAX_STORY_LENGTH
    )
    changed_on = forms.DateField(
        label=_("When it changed"),
        help_text=_("For example, 27/11/2026"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    stories = forms.ModelMultipleChoiceField(
        label=_("Stories that led to it"),
        queryset=Story.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Their authors are told. The 50 latest published stories are listed."),
    )

    def __init__(self, *args: Any, service: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        latest = Story.objects.filter(service=service, status=StoryStatus.PUBLISHED).order_by("-published_at", "-pk")
        self.fields["stories"].queryset = Story.objects.filter(pk__in=latest.values("pk")[:50]).order_by(
            "-published_at", "-pk"
        )
        self.fields["stories"].label_from_instance = lambda story: f"{story.title} ({story.published_at:%d %b %Y})"


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this story?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong.")},
    )
    detail = forms.CharField(
        label=_("Tell us more"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=1000
    )


class TakeDownForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("keep", _("Keep it published")), ("take_down", _("Take it down"))],
        widget=forms.RadioSelect,
    )
    reason = _moderation_reason(_("Needed when you take it down."))
    note = _note_to_author()


class NotificationSettingsForm(forms.Form):
    my_story_answered = forms.BooleanField(
        label=_("Someone answers my story, or my story helps change a service"), required=False
    )
    followed_story_answered = forms.BooleanField(label=_("Someone answers a story I follow"), required=False)


class SubscriptionForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("A service"),
        queryset=Service.objects.listed().not_private().order_by("name"),
        required=False,
        empty_label=_("No service: use the area below"),
    )
    area = forms.ModelChoiceField(
        label=_("Or every service in an area"),
        queryset=Area.objects.order_by("kind", "name"),
        required=False,
        empty_label=_("No area"),
    )
    frequency = forms.ChoiceField(
        label=_("How often"), choices=Frequency.choices, initial=Frequency.DAILY, widget=forms.RadioSelect
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("service")) == bool(cleaned.get("area")):
            self.add_error("service", _("Choose a service, or an area, but not both."))
        return cleaned


ANSWERED_CHOICES = [
    ("", _("Any")),
    ("unanswered", _("Not answered yet")),
    *[(value, format_lazy(_("Answered: {status}"), status=label)) for value, label in ResponseStatus.choices],
]


class StoryFilterForm(forms.Form):
    """Narrow a service's stories by rating and by where the provider's answer stands."""

    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[("", _("Any")), *RATING_LABELS], coerce=int, empty_value=None, required=False
    )
    answer = forms.ChoiceField(label=_("Answer"), choices=ANSWERED_CHOICES, required=False)
