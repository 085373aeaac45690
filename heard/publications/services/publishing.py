"""Writing and publishing reports, articles and responses, and the PDFs that go with them.

A publication starts as a draft, seen only by the people who publish for its organisation. It is
public from its publish date on: publishing with a date in the future schedules it. The Markdown
is kept as written and rendered to sanitised HTML here, every time it is saved, so no page ever
shows HTML that did not go through `heard.publications.markdown.render`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from heard.core.files import deleted_on_error, file_written
from heard.core.images import cleaned_image
from heard.core.services import log_action
from heard.core.slugs import unique_slug
from heard.core.text import required_text, without_control_characters
from heard.polls.models import Wave
from heard.publications.enums import PublicationKind, PublicationStatus
from heard.publications.markdown import render
from heard.publications.models import MAX_BODY, Attachment, Author, Authorship, Publication, Tag

# Words that are addresses of pages of their own, never a publication's slug: /publications/<word>/
# ("manage", and "feed" kept free for the feeds) and /publications/manage/<word>/ ("new"), where a
# publication with that slug would have its edit page shadowed.
RESERVED_SLUGS = frozenset({"manage", "feed", "new"})
PICTURE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PICTURE_BYTES = 5 * 1024 * 1024
MAX_PDF_BYTES = 20 * 1024 * 1024
PDF_HEADER = b"%PDF-"
MAX_AUTHORS = 30
MAX_TAGS = 20
MAX_ATTACHMENTS = 20
# The links whose targets are checked: (field, what the error beside it says).
LINKS = ("responds_to", "poll", "challenge", "event")

# Plain fields a form may set; authors, tags and the picture are handled on their own.
SIMPLE_FIELDS = (
    "kind",
    "title",
    "summary",
    "body",
    "responds_to",
    "poll",
    "conversation",
    "challenge",
    "event",
    "lead_image_alt",
    "published_at",
)


def _clean_authors(authors: Iterable[Any]) -> list[tuple[str, str]]:
    """(name, affiliation) pairs, tidied, each person once, in the order given."""
    cleaned: list[tuple[str, str]] = []
    for pair in authors:
        name, affiliation = (pair[0], pair[1]) if len(pair) > 1 else (pair[0], "")
        name = " ".join(without_control_characters(name or "").split())
        affiliation = " ".join(without_control_characters(affiliation or "").split())
        if not name:
            raise ValidationError({"authors": _("Give each author a name, like “Dr Jo Bloggs, Millbrook University”.")})
        if len(name) > 120 or len(affiliation) > 200:
            raise ValidationError(
                {"authors": _("Keep each name to 120 characters and each affiliation to 200 characters.")}
            )
        if (name, affiliation) not in cleaned:
            cleaned.append((name, affiliation))
    if len(cleaned) > MAX_AUTHORS:
        raise ValidationError({"authors": _("A publication can name up to %(n)d authors.") % {"n": MAX_AUTHORS}})
    return cleaned


def _clean_tags(tags: Iterable[str]) -> list[tuple[str, str]]:
    """(slug, name) of each tag, each once."""
    cleaned: dict[str, str] = {}
    for raw in tags:
        name = " ".join(without_control_characters(raw or "").split())
        if not name:
            continue
        slug = slugify(name)[:70]
        if not slug or len(name) > 60:
            raise ValidationError(
                {"tags": _("Use tags of letters and numbers, up to 60 characters each, like “housing”.")}
            )
        cleaned.setdefault(slug, name)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": _("A publication can have up to %(n)d tags.") % {"n": MAX_TAGS}})
    return list(cleaned.items())


def _check_kind(publication: Publication, *, kind_before: str) -> None:
    """A report that has responses stays a report: they would otherwise answer an article."""
    if (
        publication.pk
        and kind_before == PublicationKind.REPORT
        and publication.kind != PublicationKind.REPORT
        and Publication.objects.filter(responds_to_id=publication.pk).exists()
    ):
        raise ValidationError(
            {"kind": _("This report has responses, so it stays a report. Unlink the responses first.")}
        )


def _check_links(publication: Publication, *, links_before: dict[str, Any]) -> None:
    """What a publication may link to, whatever the form offered: something public, or something of
    the publication's own organisation (a draft it is preparing alongside). A link kept as it was
    is not checked again, so a piece whose report was later taken down can still be edited."""
    own = publication.organisation_id

    def changed(name: str) -> Any:
        linked = getattr(publication, name)
        if linked is None or linked.pk == links_before.get(name):
            return None
        return linked

    report = changed("responds_to")
    if report is not None and report.organisation_id != own and not report.is_public:
        raise ValidationError({"responds_to": _("Choose a published report, or one of your organisation's own.")})
    poll = changed("poll")
    if (
        poll is not None
        and poll.organisation_id != own
        and not Wave.objects.filter(poll=poll, published_at__isnull=False).exists()
    ):
        raise ValidationError({"poll": _("Choose a poll with published results, or one of your organisation's own.")})
    challenge = changed("challenge")
    if challenge is not None and challenge.organisation_id != own and challenge.published_at is None:
        raise ValidationError({"challenge": _("Choose a published challenge, or one of your organisation's own.")})
    event = changed("event")
    if event is not None and event.organisation_id != own and event.published_at is None:
        raise ValidationError({"event": _("Choose a published event, or one of your organisation's own.")})


def _checked(publication: Publication, *, has_picture: bool) -> None:
    """The rules a publication keeps whatever the form, with each problem named by its field."""
    publication.title = required_text(
        publication.title, field="title", limit=200, empty=_("Give the publication a title.")
    )
    publication.summary = " ".join(without_control_characters(publication.summary or "").split())
    if len(publication.summary) > 300:
        raise ValidationError({"summary": _("Keep the summary to 300 characters or fewer.")})
    publication.body = required_text(
        publication.body, field="body", limit=MAX_BODY, empty=_("Write the text of the publication.")
    )
    if publication.kind not in PublicationKind.values:
        raise ValidationError({"kind": _("Choose a report, an article or a response.")})
    report = publication.responds_to
    if report is not None:
        if publication.kind != PublicationKind.RESPONSE:
            raise ValidationError({"responds_to": _("Only a response can answer a report. Choose “Response”.")})
        if report.kind != PublicationKind.REPORT or (publication.pk and report.pk == publication.pk):
            raise ValidationError({"responds_to": _("A response answers a report: choose one of the reports.")})
    publication.lead_image_alt = " ".join(without_control_characters(publication.lead_image_alt or "").split())
    if has_picture and not publication.lead_image_alt:
        raise ValidationError(
            {"lead_image_alt": _("Say in a few words what the picture shows, for people who cannot see it.")}
        )
    if len(publication.lead_image_alt) > 200:
        raise ValidationError({"lead_image_alt": _("Keep the description to 200 characters or fewer.")})
    if publication.published_at is not None and timezone.is_naive(publication.published_at):
        raise ValidationError({"published_at": _("Give the publish date with its time zone.")})


def _picture(upload: Any) -> File:
    """The uploaded picture, checked to be a JPEG, PNG or WebP and saved again without its metadata."""
    return cleaned_image(upload, field="lead_image", allowed_formats=PICTURE_FORMATS, max_bytes=MAX_PICTURE_BYTES)


def _set_authors(publication: Publication, authors: list[tuple[str, str]]) -> None:
    publication.authorships.all().delete()
    rows = []
    for position, (name, affiliation) in enumerate(authors):
        author, _created = Author.objects.get_or_create(name=name, affiliation=affiliation)
        rows.append(Authorship(publication=publication, author=author, position=position))
    Authorship.objects.bulk_create(rows)


def _set_tags(publication: Publication, tags: list[tuple[str, str]]) -> None:
    found = []
    for slug, name in tags:
        tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
        found.append(tag)
    publication.tags.set(found)


def _delete_file_on_commit(storage: Any, name: str) -> None:
    """Remove a replaced or removed file once the change is committed (never before: a rollback
    would leave the row pointing at nothing)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _save(publication: Publication, fields: dict[str, Any]) -> tuple[Publication, str]:
    """Apply `fields`, check the result and save it. Returns the name of the picture it replaced
    or took away ("" for none), to delete once the change is committed."""
    authors = _clean_authors(fields["authors"]) if "authors" in fields else None
    tags = _clean_tags(fields["tags"]) if "tags" in fields else None
    kind_before = publication.kind if publication.pk else ""
    links_before = {name: getattr(publication, f"{name}_id") for name in LINKS} if publication.pk else {}
    for name in SIMPLE_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name == "published_at" and value is None and publication.status == PublicationStatus.PUBLISHED:
            continue  # a published piece keeps its date when the field is left empty
        if value is None and name in ("kind", "title", "summary", "body", "lead_image_alt"):
            value = ""
        setattr(publication, name, value)
    upload = fields.get("lead_image")
    removing = upload is False
    picture = _picture(upload) if upload else None
    if removing:
        publication.lead_image_alt = ""
    _checked(publication, has_picture=picture is not None or (bool(publication.lead_image) and not removing))
    _check_kind(publication, kind_before=kind_before)
    _check_links(publication, links_before=links_before)
    replaced = (publication.lead_image.name or "") if (removing or picture is not None) else ""
    if removing:
        publication.lead_image = None
    if picture is not None:
        publication.lead_image.save(picture.name or "picture.jpg", picture, save=False)
        file_written(publication.lead_image)  # deleted again if anything after this fails
    publication.body_html = render(publication.body)
    publication.save()
    if authors is not None:
        _set_authors(publication, authors)
    if tags is not None:
        _set_tags(publication, tags)
    return publication, replaced


@deleted_on_error()
@transaction.atomic
def publication_create(*, organisation: Any, by: Any, **fields: Any) -> Publication:
    """Someone who publishes for `organisation` starts a publication: a draft until it is published."""
    publication = Publication(organisation=organisation, created_by=by if getattr(by, "pk", None) else None)
    title = without_control_characters(str(fields.get("title") or ""))
    slug = unique_slug(Publication.objects.all(), title, fallback="publication", max_length=200)
    if slug in RESERVED_SLUGS:
        slug = unique_slug(Publication.objects.all(), f"{slug}-publication", max_length=200)
    publication.slug = slug
    publication, _replaced = _save(publication, fields)
    log_action(action="publication.created", by=by, target=publication, organisation_id=organisation.pk)
    return publication


@deleted_on_error()
@transaction.atomic
def publication_update(*, publication: Publication, by: Any, **fields: Any) -> Publication:
    """Change what a publication says, its bylines and links. Its address stays the same, so links
    to it and the feeds' ids keep working."""
    locked = Publication.objects.select_for_update().get(pk=publication.pk)
    locked, replaced = _save(locked, fields)
    _delete_file_on_commit(locked.lead_image.storage, replaced)
    log_action(
        action="publication.updated",
        by=by,
        target=locked,
        organisation_id=locked.organisation_id,
        data={"fields": sorted(fields)},
    )
    return locked


@transaction.atomic
def publication_publish(*, publication: Publication, by: Any, at: dt.datetime | None = None) -> Publication:
    """Publish now, or from `at`: a date in the future schedules it, one in the past dates it back
    (a report first published elsewhere)."""
    locked = Publication.objects.select_for_update().get(pk=publication.pk)
    now = timezone.now()
    if at is not None and timezone.is_naive(at):
        raise ValidationError({"published_at": _("Give the publish date with its time zone.")})
    locked.status = PublicationStatus.PUBLISHED
    locked.published_at = at or now
    locked.save(update_fields=["status", "published_at", "updated_at"])
    log_action(
        action="publication.scheduled" if locked.published_at > now else "publication.published",
        by=by,
        target=locked,
        organisation_id=locked.organisation_id,
        data={"published_at": locked.published_at.isoformat()},
    )
    return locked


@transaction.atomic
def publication_unpublish(*, publication: Publication, by: Any) -> Publication:
    """Take a publication back to a draft (its publish date is kept, to publish it again)."""
    locked = Publication.objects.select_for_update().get(pk=publication.pk)
    locked.status = PublicationStatus.DRAFT
    locked.save(update_fields=["status", "updated_at"])
    log_action(action="publication.unpublished", by=by, target=locked, organisation_id=locked.organisation_id)
    return locked


def _check_pdf(file: Any) -> None:
    """A PDF by its content, not its name (a file renamed to .pdf is not one), and not too big."""
    if file is None:
        raise ValidationError({"file": _("Choose a PDF file.")})
    if file.size > MAX_PDF_BYTES:
        raise ValidationError({"file": _("The PDF must be smaller than 20 MB.")})
    file.seek(0)
    header = file.read(len(PDF_HEADER))
    file.seek(0)
    if header != PDF_HEADER:
        raise ValidationError({"file": _("The file must be a PDF.")})


@deleted_on_error()
@transaction.atomic
def attachment_add(*, publication: Publication, title: str, file: Any, by: Any) -> Attachment:
    """Add a PDF (the full report, say) after the publication's other files, up to MAX_ATTACHMENTS."""
    title = " ".join(required_text(title, field="title", limit=200, empty=_("Give the file a title.")).split())
    _check_pdf(file)
    # Locked, so two uploads at once cannot both pass the limit.
    Publication.objects.select_for_update().filter(pk=publication.pk).first()
    existing = Attachment.objects.filter(publication=publication).aggregate(last=Max("position"), count=Count("pk"))
    if existing["count"] >= MAX_ATTACHMENTS:
        raise ValidationError(
            {"file": _("A publication can have up to %(n)d files. Remove one to add another.") % {"n": MAX_ATTACHMENTS}}
        )
    last = existing["last"]
    attachment = Attachment(
        publication=publication, title=title, size=file.size, position=0 if last is None else last + 1
    )
    attachment.file.save("file.pdf", file, save=False)
    file_written(attachment.file)  # deleted again if anything after this fails
    attachment.save()
    log_action(
        action="publication.attachment_added",
        by=by,
        target=publication,
        organisation_id=publication.organisation_id,
        data={"attachment": attachment.pk},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: Any) -> None:
    publication = attachment.publication
    _delete_file_on_commit(attachment.file.storage, attachment.file.name or "")
    pk = attachment.pk
    attachment.delete()
    log_action(
        action="publication.attachment_removed",
        by=by,
        target=publication,
        organisation_id=publication.organisation_id,
        data={"attachment": pk},
    )
