"""Forms of the newsletter: subscribing, preferences, and the publishers' newsletter, topics and
issues."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heard.events.models import Event
from heard.publications.models import Newsletter, NewsletterIssue, Publication, Topic
from heard.publications.selectors.newsletter import recent_publications, upcoming_events

EVERYTHING_HINT = _("Choose none to get everything we send.")


class TopicChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.name}: {obj.description}" if obj.description else obj.name


def _offer_topics(field: Any, newsletter: Newsletter, topics: list[Topic]) -> None:
    field.queryset = Topic.objects.filter(newsletter=newsletter)
    # The choices shown are the topics the view has read already: no second query to render them.
    field.choices = [(topic.pk, field.label_from_instance(topic)) for topic in topics]


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We will email you a link to confirm. Nothing else is sent until you follow it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    topics = TopicChoiceField(
        label=_("What would you like to hear about?"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=EVERYTHING_HINT,
    )
    # A field people never see (nor reach with the keyboard); programs that fill in every field
    # fill it in, and are then told "check your email" with nothing stored or sent.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, newsletter: Newsletter, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if topics:
            _offer_topics(self.fields["topics"], newsletter, topics)
        else:
            del self.fields["topics"]

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())


class PreferencesForm(forms.Form):
    topics = TopicChoiceField(
        label=_("What would you like to hear about?"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=EVERYTHING_HINT,
    )

    def __init__(self, *args: Any, newsletter: Newsletter, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer_topics(self.fields["topics"], newsletter, topics)


class NewsletterForm(forms.ModelForm):
    class Meta:
        model = Newsletter
        fields = ["name", "description", "reply_to"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "description": _("Shown on the sign-up page: what people will get, and how often."),
            "reply_to": _("Where replies to an issue go. Without it, replies go nowhere."),
        }

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Sent by"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation", "name"])


class TopicForm(forms.Form):
    name = forms.CharField(label=_("Topic"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("Helps people choose, for example “Reports and the responses to them”."),
    )


class PublicationChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Publication) -> str:
        when = obj.published_at.strftime("%-d %b %Y") if obj.published_at else ""
        return f"{obj.title} ({obj.get_kind_display()}, {when})"


class EventChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title} ({obj.starts_at:%-d %b %Y})"


class IssueForm(forms.ModelForm):
    publications = PublicationChoiceField(
        label=_("Publications to feature"),
        queryset=Publication.objects.none(),
        required=False,
        help_text=_("The most recent public ones, newest first."),
    )
    events = EventChoiceField(
        label=_("Events to invite people to"),
        queryset=Event.objects.none(),
        required=False,
        help_text=_("Published events that have not happened yet, soonest first."),
    )

    class Meta:
        model = NewsletterIssue
        fields = ["subject", "intro", "topic", "publications", "events"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 8})}
        labels = {"intro": _("Introduction")}
        help_texts = {
            "subject": _("The email's subject line."),
            "intro": _("In Markdown: **bold**, *italic*, [a link](https://example.org), lists with “- ”."),
            "topic": _("Leave it empty to send to every subscriber."),
        }

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(newsletter=newsletter)
        self.fields["topic"].empty_label = _("Everyone (no particular topic)")
        chosen_publications: Any = []
        chosen_events: Any = []
        if self.instance.pk:
            # What an issue already features stays offered, even once it is no longer recent.
            chosen_publications = self.instance.publications.values("pk")
            chosen_events = self.instance.events.values("pk")
        self.fields["publications"].queryset = Publication.objects.filter(
            Q(pk__in=recent_publications().values("pk")) | Q(pk__in=chosen_publications)
        ).order_by("-published_at", "-pk")
        self.fields["events"].queryset = Event.objects.filter(
            Q(pk__in=upcoming_events().values("pk")) | Q(pk__in=chosen_events)
        ).order_by("starts_at", "pk")

    def validate_constraints(self) -> None:
        # The issue's constraints concern its number, which the form does not set.
        return
