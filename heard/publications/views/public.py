"""Publications as readers meet them: the list, one publication, its printable version, and its
picture and files. A draft or a scheduled piece is seen only by the people who may manage it."""

from __future__ import annotations

import html
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, slugify

from heard.core.http import serve_file
from heard.core.pagination import page_query, paginate
from heard.core.permissions import public
from heard.publications.enums import PublicationKind
from heard.publications.markdown import sanitise
from heard.publications.models import Publication
from heard.publications.selectors import publications as selectors

# The description for search engines and sharing, when a publication has no summary.
DESCRIPTION_WORDS = 40


@public
def publication_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in PublicationKind.values else ""
    tags = list(selectors.tags_in_use())
    # Only a tag that public publications carry is filtered on and named; any other text in the
    # address is ignored, never repeated on the page.
    asked = request.GET.get("tag", "")[:70]
    tag = next((found for found in tags if found.slug == asked), None) or selectors.public_tag(asked)
    page = paginate(request, selectors.public_publications(kind=kind, tag=tag.slug if tag else ""))
    return render(
        request,
        "publications/list.html",
        {
            "page": page,
            "query": page_query(request),
            "kinds": PublicationKind.choices,
            "kind": kind,
            "tags": tags,
            "tag": tag.slug if tag else "",
            "tag_name": tag.name if tag else "",
        },
    )


def _page_context(request: HttpRequest, publication: Publication) -> dict[str, Any]:
    """What the page and its printable version both show."""
    url = reverse("publications:publication", kwargs={"slug": publication.slug})
    text = " ".join(html.unescape(strip_tags(publication.body_html)).split())
    return {
        "publication": publication,
        "description": publication.summary or Truncator(text).words(DESCRIPTION_WORDS),
        # Sanitised when it was saved, and again here: a row written some other way (an import,
        # the admin site) still cannot put markup on the page that the allow-list does not permit.
        "body_html": mark_safe(sanitise(publication.body_html)),
        "authorships": list(publication.authorships.all()),
        "tags": list(publication.tags.all()),
        "attachments": list(publication.attachments.all()),
        "responses": selectors.public_responses(publication),
        "responds_to": publication.responds_to
        if publication.responds_to is not None and publication.responds_to.is_public
        else None,
        "related": selectors.related_links(publication),
        "may_manage": selectors.may_manage(request.user, publication),
        "absolute_url": request.build_absolute_uri(url),
        "image_url": request.build_absolute_uri(reverse("publications:lead_image", kwargs={"slug": publication.slug}))
        if publication.lead_image
        else "",
        "rss_url": request.build_absolute_uri(reverse("publications:feed_rss")),
        "atom_url": request.build_absolute_uri(reverse("publications:feed_atom")),
    }


def _private_unless_public(response: HttpResponse, publication: Publication) -> HttpResponse:
    # A preview must never be kept by a shared cache.
    if not publication.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


@public
def publication(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.publication_for_viewer(request, slug)
    response = render(request, "publications/detail.html", _page_context(request, found))
    return _private_unless_public(response, found)


@public
def publication_print(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.publication_for_viewer(request, slug)
    context = {**_page_context(request, found), "printed_on": timezone.now()}
    response = render(request, "publications/print.html", context)
    return _private_unless_public(response, found)


@public
def lead_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The lead picture, only while the publication itself may be seen."""
    found = selectors.publication_to_serve(request, slug)
    if not found.lead_image:
        raise Http404
    # Shared caches may keep a file only briefly, so unpublishing takes it down too.
    return serve_file(found.lead_image, public=found.is_public)


@public
def attachment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A PDF of the publication, only while the publication itself may be seen; downloaded under a
    name made from its title, never the uploader's file name."""
    found = selectors.attachment_to_serve(request, slug, pk)
    filename = f"{slugify(found.title)[:80] or 'document'}.pdf"
    return serve_file(
        found.file, content_type="application/pdf", public=found.publication.is_public, download_name=filename
    )
