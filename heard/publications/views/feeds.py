"""RSS 2.0 and Atom feeds of the latest public publications.

Feed readers treat an RSS item's title and description, and an Atom entry's summary, as HTML, so
they are plain text escaped here: what anyone wrote reaches a reader as words, never as markup."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from heard.core.permissions import public
from heard.publications.models import Publication
from heard.publications.selectors import publications as selectors

DESCRIPTION_WORDS = 60


class PublicationsFeed(Feed):
    feed_type = Rss201rev2Feed
    item_guid_is_permalink = False

    def title(self) -> str:
        return _("%(site)s: publications") % {"site": settings.HEARD_SITE_NAME}

    def description(self) -> str:
        return _("Reports, articles and responses published on %(site)s.") % {"site": settings.HEARD_SITE_NAME}

    def link(self) -> str:
        return reverse("publications:list")

    def feed_url(self) -> str:
        return reverse("publications:feed_rss")

    def items(self) -> list[Publication]:
        return selectors.feed_publications()

    def item_title(self, item: Publication) -> str:
        return escape(item.title)

    def item_description(self, item: Publication) -> str:
        if item.summary:
            return escape(item.summary)
        # The start of the text, as plain words: the HTML is sanitised, but a feed carries none of it.
        text = " ".join(html.unescape(strip_tags(item.body_html)).split())
        return escape(Truncator(text).words(DESCRIPTION_WORDS))

    def item_link(self, item: Publication) -> str:
        return reverse("publications:publication", kwargs={"slug": item.slug})

    def item_author_name(self, item: Publication) -> str:
        names = [
            f"{a.author.name} ({a.author.affiliation})" if a.author.affiliation else a.author.name
            for a in item.authorships.all()
        ]
        return ", ".join(names) or item.organisation.name

    def item_pubdate(self, item: Publication) -> dt.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Publication) -> dt.datetime:
        return item.updated_at

    def item_categories(self, item: Publication) -> list[str]:
        return [tag.name for tag in item.tags.all()]

    def item_guid(self, item: Publication) -> str:
        # A tag URI (RFC 4151) by the row's id: stays the same if the title or address changes.
        host = urlparse(settings.HEARD_SITE_URL).hostname or "heard"
        return f"tag:{host},{item.created_at:%Y-%m-%d}:publication-{item.pk}"


class PublicationsAtomFeed(PublicationsFeed):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()

    def item_title(self, item: Publication) -> str:
        # An Atom title is text (RFC 4287 3.1: type="text" by default), never read as markup, so
        # it is the title as written; escaping it would show "&amp;" for "&".
        return item.title

    def feed_url(self) -> str:
        return reverse("publications:feed_atom")


rss_feed = public(PublicationsFeed())
atom_feed = public(PublicationsAtomFeed())
