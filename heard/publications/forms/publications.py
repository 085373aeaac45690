"""The publishers' forms: a publication, and a PDF to attach to it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from heard.publications.enums import PublicationKind
from heard.publications.models import MAX_BODY, Publication

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MARKDOWN_HELP = _(
    "Write in Markdown: a blank line starts a new paragraph; ## Heading for a heading; **bold** and "
    "*italic*; - at the start of a line for a list, 1. for a numbered one; [words](https://example.org) "
    "for a link; > for a quotation; tables with | between cells. Pictures, scripts and styles are removed."
)


def authors_text(publication: Publication) -> str:
    """The authors of a publication as the form shows them: one per line, "Name, Affiliation"."""
    lines = []
    for authorship in publication.authorships.all():
        author = authorship.author
        lines.append(f"{author.name}, {author.affiliation}" if author.affiliation else author.name)
    return "\n".join(lines)


def initial_of(publication: Publication) -> dict[str, Any]:
    return {
        "kind": publication.kind,
        "title": publication.title,
        "summary": publication.summary,
        "body": publication.body,
        "authors": authors_text(publication),
        "tags": ", ".join(tag.name for tag in publication.tags.all()),
        "responds_to": publication.responds_to_id,
        "poll": publication.poll_id,
        "conversation": publication.conversation_id,
        "challenge": publication.challenge_id,
        "event": publication.event_id,
        "lead_image_alt": publication.lead_image_alt,
        "published_at": publication.published_at,
    }


class _ShownChoices(ModelChoiceIterator):
    """The options of a select drawn from a smaller queryset than the one its field accepts."""

    def __init__(self, field: forms.ModelChoiceField, queryset: QuerySet) -> None:
        super().__init__(field)
        self.queryset = queryset


class LinkChoiceField(forms.ModelChoiceField):
    """A link to a report, poll, conversation, challenge or event. It accepts anything that may be
    linked (`allowed`), while its select offers only `shown`, a bounded list of recent ones, so the
    page stays small and an older report can still be answered (from its own page's link)."""

    def offer(self, *, allowed: QuerySet, shown: QuerySet) -> None:
        self.queryset = allowed  # what validation looks in (one query, for the chosen row)
        self.widget.choices = _ShownChoices(self, shown)


class PublicationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Published by"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        label=_("What it is"),
        choices=PublicationKind.choices,
        initial=PublicationKind.ARTICLE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Give the publication a title.")}
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences, shown in lists, feeds and when the page is shared."),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=MARKDOWN_HELP,
        error_messages={"required": _("Write the text of the publication.")},
    )
    authors = forms.CharField(
        label=_("Authors"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: Name, Affiliation. For example: Dr Jo Bloggs, Millbrook University"),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, like: housing, repairs"),
    )
    responds_to = LinkChoiceField(
        label=_("In response to"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_("For a response: the report it answers."),
    )
    poll = LinkChoiceField(label=_("Link to a poll"), queryset=None, required=False, empty_label=_("None"))
    conversation = LinkChoiceField(
        label=_("Link to a conversation"), queryset=None, required=False, empty_label=_("None")
    )
    challenge = LinkChoiceField(label=_("Link to a challenge"), queryset=None, required=False, empty_label=_("None"))
    event = LinkChoiceField(label=_("Link to an event"), queryset=None, required=False, empty_label=_("None"))
    # Checked once, by the publishing service (heard.core.images): a picture, of these formats.
    lead_image = forms.FileField(
        label=_("Lead picture"),
        required=False,
        help_text=_("A JPEG, PNG or WebP, smaller than 5 MB. We remove its location and camera details."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_lead_image = forms.BooleanField(label=_("Take the lead picture away"), required=False)
    lead_image_alt = forms.CharField(
        label=_("What the picture shows"),
        required=False,
        max_length=200,
        help_text=_("For people who cannot see it. Needed with a picture."),
    )
    published_at = forms.DateTimeField(
        label=_("Publish date"),
        required=False,
        widget=DATETIME,
        help_text=_("Leave it empty to publish when you press “Publish”. A date in the future schedules it."),
    )

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        choices: dict[str, Any],
        publication: Publication | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.publication = publication
        self.fixed_organisation = None
        if publication is not None:
            # A publication stays with the organisation that started it.
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations
            found = list(organisations[:2])
            if len(found) == 1:
                self.fixed_organisation = found[0]
                self.fields["organisation"].initial = found[0].pk
                self.fields["organisation"].widget = forms.HiddenInput()
                self.fields["organisation"].required = False
        for name, (allowed, shown) in choices.items():
            self.fields[name].offer(allowed=allowed, shown=shown)
        self.fields["poll"].label_from_instance = lambda poll: poll.title
        self.fields["conversation"].label_from_instance = lambda conversation: conversation.topic
        if publication is not None and publication.lead_image:
            self.fields["lead_image"].label = _("A new lead picture")
        else:
            del self.fields["remove_lead_image"]

    def ask_for_the_picture_again(self) -> None:
        """A page sent back (an error, a preview) cannot keep a chosen file: say so beside the field."""
        if "lead_image" in self.fields:
            hint = _(
                "You chose a picture: choose it again before you save. A page sent back cannot keep it. "
                "A JPEG, PNG or WebP, smaller than 5 MB."
            )
            self.fields["lead_image"].help_text = hint
            self["lead_image"].help_text = hint  # the bound field copies it when it is first made

    def clean_organisation(self) -> Any:
        # With one organisation to publish for, that is the one, posted or not.
        return self.cleaned_data.get("organisation") or self.fixed_organisation

    def clean_published_at(self) -> Any:
        value = self.cleaned_data.get("published_at")
        current = self.publication.published_at if self.publication is not None else None
        # The date field shows minutes only: the same minute sent back keeps the exact date.
        if value is not None and current is not None and abs((value - current).total_seconds()) < 60:
            return current
        return value

    def clean_authors(self) -> list[tuple[str, str]]:
        authors = []
        for line in self.cleaned_data["authors"].splitlines():
            if not line.strip():
                continue
            name, _comma, affiliation = line.partition(",")
            name, affiliation = " ".join(name.split()), " ".join(affiliation.split())
            if not name:
                raise forms.ValidationError(
                    _("Start each line with the author's name, then a comma and where they work.")
                )
            if len(name) > 120 or len(affiliation) > 200:
                raise forms.ValidationError(
                    _("Keep each name to 120 characters and each affiliation to 200 characters.")
                )
            authors.append((name, affiliation))
        return authors

    def clean_tags(self) -> list[str]:
        names: list[str] = []
        for part in self.cleaned_data["tags"].split(","):
            name = " ".join(part.split())
            if name and name.lower() not in (n.lower() for n in names):
                names.append(name)
        if any(len(name) > 60 for name in names):
            raise forms.ValidationError(_("Keep each tag to 60 characters or fewer."))
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kept = self.publication is not None and bool(self.publication.lead_image) and not data.get("remove_lead_image")
        has_picture = bool(data.get("lead_image")) or kept
        if has_picture and not (data.get("lead_image_alt") or "").strip():
            self.add_error(
                "lead_image_alt", _("Say in a few words what the picture shows, for people who cannot see it.")
            )
        responds_to = data.get("responds_to")
        if responds_to is not None and data.get("kind") != PublicationKind.RESPONSE:
            self.add_error("responds_to", _("Only a response can answer a report. Choose “Response”."))
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned input as the publishing services take it."""
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        remove = data.pop("remove_lead_image", False)
        if data.get("lead_image") is None:
            data.pop("lead_image", None)  # no new picture: keep the one there is...
            if remove:
                data["lead_image"] = False  # ...unless it is to be taken away
        return data


class AttachmentForm(forms.Form):
    """The title and the file; that the file is a PDF is checked by the service (attachment_add),
    and its refusal is shown beside the field."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("What the file is, like “The full report”."),
        error_messages={"required": _("Give the file a title.")},
    )
    file = forms.FileField(
        label=_("PDF file"),
        help_text=_("A PDF, smaller than 20 MB."),
        error_messages={"required": _("Choose a PDF file."), "empty": _("The file is empty. Choose a PDF file.")},
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
