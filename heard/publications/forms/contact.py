"""The contact form, and the filter on the team's list of messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from heard.publications.models import ContactTopic
from heard.publications.services.contact import MAX_MESSAGE, MAX_NAME

# The honeypot's name: a word that form-filling robots fill in, and people never see.
HONEYPOT = "website"


class TopicRadioSelect(forms.RadioSelect):
    """Radio buttons that show each topic's description under its name, tied to the button with
    aria-describedby so a screen reader reads it too."""

    option_template_name = "publications/contact/_topic_option.html"

    def create_option(self, name: str, value: Any, label: Any, selected: Any, index: int, **kwargs: Any) -> dict:
        option = super().create_option(name, value, label, selected, index, **kwargs)
        topic = getattr(value, "instance", None)
        option["description"] = topic.description if topic is not None else ""
        if option["description"]:
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_description"
        return option


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContactTopic) -> str:
        return obj.name


class ContactForm(forms.Form):
    topic = TopicChoiceField(
        label=_("What is your message about?"),
        queryset=ContactTopic.objects.none(),
        widget=TopicRadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose what your message is about."),
            "invalid_choice": _("Choose what your message is about."),
        },
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=MAX_NAME,
        error_messages={"required": _("Enter your name.")},
    )
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We reply to this address. We never show it or add it to a mailing list."),
        error_messages={
            "required": _("Enter your email address, like name@example.com."),
            "invalid": _("Enter an email address, like name@example.com."),
        },
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=format_lazy(_("Up to {limit} characters."), limit=f"{MAX_MESSAGE:,}"),
        error_messages={
            "required": _("Write your message."),
            "max_length": _(
                "Your message is too long: it can be up to %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    # The honeypot: rendered by hand in the template, out of sight (see contact/form.html).
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = ContactTopic.objects.filter(active=True).order_by("position", "name")

    def caught_robot(self) -> bool:
        """True when the hidden field was filled in: a robot, not a person."""
        return bool((self.data.get(HONEYPOT) or "").strip())

    def get_context(self) -> dict[str, Any]:
        # `{{ form }}` renders the fields people fill in; the template places the honeypot itself.
        context = super().get_context()
        context["fields"] = [(field, errors) for field, errors in context["fields"] if field.name != HONEYPOT]
        return context


class MessageFilterForm(forms.Form):
    handled = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All messages")), ("no", _("Not handled yet")), ("yes", _("Handled"))],
    )
