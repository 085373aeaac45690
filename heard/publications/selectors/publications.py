"""Reads for the publication pages, the publishers' pages and the feeds, each in a fixed number of
queries whatever the number of authors, tags, responses or attachments."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from heard.codesign.models import Challenge
from heard.conversations.models import Conversation
from heard.events.models import Event
from heard.organisations import roles
from heard.organisations.models import Organisation
from heard.polls.models import Poll, Wave
from heard.publications.enums import PublicationKind
from heard.publications.models import Attachment, Authorship, Publication, Tag
from heard.publications.rules import PUBLISHING_ROLES

FEED_SIZE = 30
# The most responses a report's page lists (newest first).
RESPONSES_SHOWN = 50
# How many recent choices each "link to" list of the publication form offers.
LINK_CHOICES = 50
TAG_CHOICES = 100


def with_bylines(publications: QuerySet[Publication], *, tags: bool = True) -> QuerySet[Publication]:
    """Authors in their order, and tags (unless `tags` is False): one query each, whatever the
    number of rows. The newsletter reads its publications through this too."""
    found = publications.select_related("organisation").prefetch_related(
        Prefetch("authorships", queryset=Authorship.objects.select_related("author").order_by("position", "pk"))
    )
    return found.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name"))) if tags else found


def public_publications(*, kind: str = "", tag: str = "") -> QuerySet[Publication]:
    """What anyone may read, newest first, optionally of one kind or with one tag (by its slug)."""
    found = Publication.objects.public()
    if kind in PublicationKind.values:
        found = found.filter(kind=kind)
    if tag:
        found = found.filter(tags__slug=tag)
    return with_bylines(found).order_by("-published_at", "-pk")


def public_tag(slug: str) -> Tag | None:
    """The tag with this slug, if a public publication carries it (so the list never names a tag
    that only a draft has, nor repeats whatever text was put in the address)."""
    if not slug:
        return None
    in_use = Exists(Publication.objects.public().filter(tags=OuterRef("pk")))
    return Tag.objects.filter(in_use, slug=slug).first()


def tags_in_use() -> QuerySet[Tag]:
    """The tags of public publications, for the list's filter."""
    return Tag.objects.filter(Exists(Publication.objects.public().filter(tags=OuterRef("pk")))).order_by("name")[
        :TAG_CHOICES
    ]


def _poll_is_public() -> Exists:
    # A poll's page exists once one of its waves is published (heard.polls.views.public.poll_detail).
    return Exists(Wave.objects.filter(poll=OuterRef("poll_id"), published_at__isnull=False))


def _page_queryset() -> QuerySet[Publication]:
    return (
        with_bylines(Publication.objects.all())
        .select_related("responds_to", "poll", "conversation", "challenge", "event")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("position", "pk")))
        .annotate(poll_is_public=_poll_is_public())
    )


def may_manage(user: Any, publication: Publication) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.has_perm("publications.manage_publication", publication)
    )


def publication_for_viewer(request: Any, slug: str, **_: Any) -> Publication:
    """A public publication with everything its page shows; a draft or a scheduled piece only for
    the people who may manage it (their preview), 404 for anyone else."""
    publication = get_object_or_404(_page_queryset(), slug=slug)
    if not publication.is_public and not may_manage(request.user, publication):
        raise Http404
    return publication


def publication_to_serve(request: Any, slug: str, **_: Any) -> Publication:
    """Just the publication, for its picture and files: served while its page may be seen."""
    publication = get_object_or_404(Publication.objects.select_related("organisation"), slug=slug)
    if not publication.is_public and not may_manage(request.user, publication):
        raise Http404
    return publication


def attachment_to_serve(request: Any, slug: str, pk: int, **_: Any) -> Attachment:
    publication = publication_to_serve(request, slug)
    attachment = get_object_or_404(Attachment, publication=publication, pk=pk)
    attachment.publication = publication
    return attachment


def public_responses(report: Publication) -> list[Publication]:
    """The public responses to a report, newest first, with their authors."""
    if report.kind != PublicationKind.REPORT:
        return []
    return list(
        with_bylines(Publication.objects.public().filter(responds_to=report)).order_by("-published_at", "-pk")[
            :RESPONSES_SHOWN
        ]
    )


def related_links(publication: Publication) -> list[tuple[str, str, str]]:
    """(what it is, its title, its address) for each poll, conversation, challenge or event the
    publication links to, when that page is itself public."""
    links: list[tuple[str, str, str]] = []
    if publication.poll is not None and getattr(publication, "poll_is_public", False):
        links.append((_("Poll"), publication.poll.title, publication.poll.get_absolute_url()))
    if publication.conversation is not None:
        # Every conversation has a public page (one not open yet says when it opens).
        links.append((_("Conversation"), publication.conversation.topic, publication.conversation.get_absolute_url()))
    if publication.challenge is not None and publication.challenge.published_at is not None:
        links.append((_("Challenge"), publication.challenge.title, publication.challenge.get_absolute_url()))
    if publication.event is not None and publication.event.published_at is not None:
        links.append(
            (_("Event"), publication.event.title, reverse("events:event", kwargs={"slug": publication.event.slug}))
        )
    return links


def feed_publications() -> list[Publication]:
    """The latest public publications, for the RSS and Atom feeds."""
    return list(public_publications()[:FEED_SIZE])


# --- Publishers ------------------------------------------------------------------------------------


def publishing_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations this person publishes for (every one, for a site administrator)."""
    return roles.organisations_with(user, *PUBLISHING_ROLES)


def publications_for_manage(user: Any) -> QuerySet[Publication]:
    found = Publication.objects.select_related("organisation").order_by("-updated_at", "-pk")
    return roles.within_organisations_with(found, user, *PUBLISHING_ROLES)


def publication_for_manage(request: Any, slug: str, **_: Any) -> Publication:
    """Any publication, draft or not, for the permission check of a publisher's page."""
    return get_object_or_404(
        Publication.objects.select_related("organisation", "responds_to").prefetch_related(
            Prefetch("authorships", queryset=Authorship.objects.select_related("author").order_by("position", "pk")),
            "tags",
        ),
        slug=slug,
    )


def attachments_of(publication: Publication) -> QuerySet[Attachment]:
    return Attachment.objects.filter(publication=publication).order_by("position", "pk")


def _recent(queryset: QuerySet, *, order: str, linked: Any, asked: Any) -> QuerySet:
    """At most LINK_CHOICES recent rows of `queryset`, the row already `linked` (whatever it is
    now, so saving never drops it), and the one `asked` for if `queryset` holds it."""
    ids = Subquery(queryset.order_by(order, "-pk").values("pk")[:LINK_CHOICES])
    wanted = Q(pk__in=ids)
    if linked is not None:
        wanted |= Q(pk=linked)
    if asked is not None:
        wanted |= Q(pk__in=queryset.filter(pk=asked).values("pk"))
    return queryset.model.objects.filter(wanted)


def _with_current(queryset: QuerySet, current: Any) -> QuerySet:
    """`queryset`, and the row already linked (kept even if it is no longer public)."""
    if current is None:
        return queryset
    return queryset.model.objects.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current))


def link_choices(
    *,
    organisations: QuerySet[Organisation],
    publication: Publication | None = None,
    asked: dict[str, Any] | None = None,
) -> dict[str, tuple[QuerySet, QuerySet]]:
    """What the publication form may link to, as (allowed, shown) for each field: `allowed` is
    everything that may be chosen — reports to respond to, and polls, conversations, challenges and
    events, each either public or of the publisher's own organisations, and whatever is linked
    already; `shown` is what the select lists, the most recent LINK_CHOICES of them plus the one
    linked and one `asked` for by id (from a report's "publish a response" link)."""
    own = Q(organisation__in=organisations)
    current = publication or Publication()
    asked = asked or {}
    reports = Publication.objects.filter(kind=PublicationKind.REPORT).filter(
        Q(pk__in=Publication.objects.public().values("pk")) | own
    )
    if publication is not None and publication.pk:
        reports = reports.exclude(pk=publication.pk)
    fields: dict[str, tuple[QuerySet, str, Any, tuple[str, ...]]] = {
        "responds_to": (reports, "-created_at", current.responds_to_id, ("title", "pk")),
        "poll": (
            Poll.objects.filter(Exists(Wave.objects.filter(poll=OuterRef("pk"), published_at__isnull=False)) | own),
            "-pk",
            current.poll_id,
            ("title", "pk"),
        ),
        "conversation": (Conversation.objects.all(), "-opens_at", current.conversation_id, ("topic", "pk")),
        "challenge": (
            Challenge.objects.filter(Q(published_at__isnull=False) | own),
            "-pk",
            current.challenge_id,
            ("title", "pk"),
        ),
        "event": (
            Event.objects.filter(Q(published_at__isnull=False) | own),
            "-starts_at",
            current.event_id,
            ("-starts_at", "pk"),
        ),
    }
    return {
        name: (
            _with_current(queryset, linked),
            _recent(queryset, order=order, linked=linked, asked=asked.get(name)).order_by(*shown_order),
        )
        for name, (queryset, order, linked, shown_order) in fields.items()
    }
