"""The RSS and Atom feeds of publications, read as a feed reader reads them."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heard.publications.models import Publication, Tag
from heard.publications.services import publishing as services
from tests.factories import AuthorFactory, PublicationFactory, add_author

pytestmark = pytest.mark.django_db

RSS = reverse("publications:feed_rss")
ATOM = reverse("publications:feed_atom")
A = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


def _feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def _tagged(publication: Publication, *names: str) -> Publication:
    for name in names:
        tag, _ = Tag.objects.get_or_create(slug=name.lower(), defaults={"name": name})
        publication.tags.add(tag)
    return publication


@pytest.fixture
def report(provider) -> Publication:
    report = PublicationFactory(
        organisation=provider,
        kind="report",
        title="Repairs & what residents told us",
        slug="repairs-report",
        summary="A survey of 1,200 residents.",
    )
    add_author(report, AuthorFactory(name="Dr Jo Bloggs", affiliation="Millbrook University"))
    return _tagged(report, "Housing", "Repairs")


def test_rss_feed_lists_public_publications_with_their_details(client_for, provider, report) -> None:
    PublicationFactory(organisation=provider, title="A draft", status="draft", published_at=None)
    PublicationFactory(organisation=provider, title="Later", published_at=timezone.now() + dt.timedelta(days=1))

    rss = _feed(client_for(None), RSS)

    assert rss.get("version") == "2.0"
    assert rss.findtext("channel/link") == "http://testserver/publications/"
    items = rss.findall("channel/item")
    assert [item.findtext("title") for item in items] == ["Repairs &amp; what residents told us"]
    item = items[0]
    assert item.findtext("link") == "http://testserver/publications/repairs-report/"
    assert item.findtext("description") == "A survey of 1,200 residents."
    assert item.findtext(f"{DC}creator") == "Dr Jo Bloggs (Millbrook University)"
    assert sorted(category.text for category in item.findall("category")) == ["Housing", "Repairs"]
    assert parsedate_to_datetime(item.findtext("pubDate")) == report.published_at.replace(microsecond=0)
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text.endswith(f":publication-{report.pk}")


def test_atom_feed_lists_public_publications_with_their_details(client_for, report) -> None:
    atom = _feed(client_for(None), ATOM)

    entries = atom.findall(f"{A}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext(f"{A}title") == "Repairs & what residents told us"
    assert entry.find(f"{A}link").get("href") == "http://testserver/publications/repairs-report/"
    assert entry.findtext(f"{A}summary") == "A survey of 1,200 residents."
    assert entry.findtext(f"{A}author/{A}name") == "Dr Jo Bloggs (Millbrook University)"
    assert sorted(category.get("term") for category in entry.findall(f"{A}category")) == ["Housing", "Repairs"]
    assert entry.findtext(f"{A}id").endswith(f":publication-{report.pk}")
    assert dt.datetime.fromisoformat(entry.findtext(f"{A}published")) == report.published_at
    assert atom.find(f"{A}link[@rel='self']").get("href") == "http://testserver/publications/feed.atom"


def test_feeds_show_a_publication_once_it_is_published(client_for, provider, convener) -> None:
    draft = services.publication_create(
        organisation=provider, by=convener, kind="article", title="Fresh news", body="Text of the news."
    )
    assert _feed(client_for(None), RSS).findall("channel/item") == []
    assert _feed(client_for(None), ATOM).findall(f"{A}entry") == []

    services.publication_publish(publication=draft, by=convener)

    rss_titles = [item.findtext("title") for item in _feed(client_for(None), RSS).findall("channel/item")]
    atom_titles = [entry.findtext(f"{A}title") for entry in _feed(client_for(None), ATOM).findall(f"{A}entry")]
    assert rss_titles == ["Fresh news"]
    assert atom_titles == ["Fresh news"]


def test_feeds_leave_out_scheduled_publications_until_their_date(client_for, provider, convener) -> None:
    draft = services.publication_create(organisation=provider, by=convener, kind="article", title="Soon", body="x")
    services.publication_publish(publication=draft, by=convener, at=timezone.now() + dt.timedelta(hours=3))

    assert _feed(client_for(None), RSS).findall("channel/item") == []
    Publication.objects.filter(pk=draft.pk).update(published_at=timezone.now() - dt.timedelta(minutes=1))
    assert len(_feed(client_for(None), RSS).findall("channel/item")) == 1


def test_feed_description_is_the_start_of_the_text_without_a_summary(client_for, provider) -> None:
    PublicationFactory(organisation=provider, summary="", body="We asked **people** what they think & why. " * 40)

    item = _feed(client_for(None), RSS).find("channel/item")

    description = item.findtext("description")
    assert description.startswith("We asked people what they think &amp; why.")
    assert description.endswith("…")
    assert len(description.split()) <= 61


def test_feed_holds_the_30_latest_newest_first(client_for, provider) -> None:
    now = timezone.now()
    for n in range(32):
        PublicationFactory(organisation=provider, title=f"Number {n}", published_at=now - dt.timedelta(hours=n + 1))

    titles = [item.findtext("title") for item in _feed(client_for(None), RSS).findall("channel/item")]

    assert len(titles) == 30
    assert titles[0] == "Number 0"
    assert titles[-1] == "Number 29"


def test_feed_guid_stays_the_same_when_the_title_changes(client_for, report, convener) -> None:
    before = _feed(client_for(None), RSS).findtext("channel/item/guid")

    services.publication_update(publication=report, by=convener, title="A new title")

    assert _feed(client_for(None), RSS).findtext("channel/item/guid") == before


@pytest.mark.parametrize("url", [RSS, ATOM])
def test_feed_runs_a_fixed_number_of_queries(client_for, provider, url) -> None:
    client = client_for(None)
    _tagged(PublicationFactory(organisation=provider), "One")
    add_author(Publication.objects.get())
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        publication = _tagged(PublicationFactory(organisation=provider), f"Tag {n}", "One")
        add_author(publication)
        add_author(publication)

    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(one)
