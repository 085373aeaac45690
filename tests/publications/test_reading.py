"""Reading publications: the list and its filters, one publication with its byline, picture,
files, tags, responses and links, the sharing metadata, the printable version, and fixed query
counts however many authors, tags, responses and files there are."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heard.publications.models import Attachment, Publication, Tag
from tests.factories import (
    AuthorFactory,
    ChallengeFactory,
    ConversationFactory,
    PollFactory,
    PublicationFactory,
    WaveFactory,
    add_author,
    festival,
)

pytestmark = pytest.mark.django_db

LIST = reverse("publications:list")


def _url(publication: Publication, name: str = "publication") -> str:
    return reverse(f"publications:{name}", kwargs={"slug": publication.slug})


def _tag(publication: Publication, name: str) -> Tag:
    tag, _ = Tag.objects.get_or_create(slug=name.lower(), defaults={"name": name})
    publication.tags.add(tag)
    return tag


def _attach(publication: Publication, title: str, settings, tmp_path) -> Attachment:
    settings.MEDIA_ROOT = tmp_path
    attachment = Attachment(publication=publication, title=title, size=2048)
    attachment.file.save("x.pdf", SimpleUploadedFile("x.pdf", b"%PDF-1.4 test"), save=False)
    attachment.save()
    return attachment


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def report(provider) -> Publication:
    report = PublicationFactory(
        organisation=provider,
        kind="report",
        title="What Millbrook told us",
        slug="what-millbrook-told-us",
        summary="A survey of 1,200 residents.",
        body="We asked **everyone**.",
    )
    add_author(report, AuthorFactory(name="Dr Jo Bloggs", affiliation="Millbrook University"))
    add_author(report, AuthorFactory(name="Sam Lee", affiliation="Pollster & Co"))
    return report


# --- The list ----------------------------------------------------------------------------------------


def test_publication_list_shows_public_ones_newest_first(client_for, provider, report) -> None:
    newer = PublicationFactory(organisation=provider, title="Newer piece", published_at=timezone.now())
    PublicationFactory(organisation=provider, title="A draft", status="draft", published_at=None)
    PublicationFactory(organisation=provider, title="Scheduled", published_at=timezone.now() + dt.timedelta(days=1))

    html = client_for(None).get(LIST).content.decode()

    assert html.index(newer.title) < html.index(report.title)
    assert "A draft" not in html
    assert "Scheduled" not in html
    assert "Dr Jo Bloggs" in html
    assert "Millbrook University" in html
    assert "A survey of 1,200 residents." in html
    assert reverse("publications:feed_rss") in html
    assert reverse("publications:feed_atom") in html


def test_publication_list_filters_by_kind_and_tag(client_for, provider, report) -> None:
    article = PublicationFactory(organisation=provider, kind="article", title="An article about parks")
    _tag(article, "Parks")
    _tag(report, "Housing")

    by_kind = client_for(None).get(LIST, {"kind": "article"}).content.decode()
    by_tag = client_for(None).get(LIST, {"tag": "housing"}).content.decode()

    assert article.title in by_kind
    assert report.title not in by_kind
    assert report.title in by_tag
    assert article.title not in by_tag
    assert '<option value="housing" selected>Housing</option>' in by_tag


def test_publication_list_names_only_a_tag_that_public_publications_carry(client_for, provider, report) -> None:
    _tag(report, "Housing")
    draft = PublicationFactory(organisation=provider, title="A draft", status="draft", published_at=None)
    _tag(draft, "Secret plans")

    known = client_for(None).get(LIST, {"tag": "housing"}).content.decode()
    made_up = client_for(None).get(LIST, {"tag": "<script>alert(1)</script>"}).content.decode()
    of_a_draft = client_for(None).get(LIST, {"tag": "secret-plans"}).content.decode()

    assert "Showing publications tagged “Housing”." in known
    for page in (made_up, of_a_draft):
        assert "Showing publications tagged" not in page
        assert "alert(1)" not in page
        assert "Secret plans" not in page
        assert report.title in page  # an unknown tag filters nothing


def test_publication_list_empty_state(client_for, db) -> None:
    html = client_for(None).get(LIST).content.decode()

    assert "No publications here yet" in html


def test_publication_list_runs_a_fixed_number_of_queries(client_for, provider) -> None:
    client = client_for(None)
    first = PublicationFactory(organisation=provider)
    add_author(first)
    _tag(first, "One")
    one = _queries(client, LIST)
    for n in range(3):
        more = PublicationFactory(organisation=provider)
        for _ in range(3):
            add_author(more)
        _tag(more, f"Tag{n}")
        _tag(more, "One")

    assert _queries(client, LIST) == one


# --- One publication ---------------------------------------------------------------------------------


def test_publication_page_shows_byline_date_tags_and_files(client_for, report, settings, tmp_path) -> None:
    _tag(report, "Housing")
    _attach(report, "The full report", settings, tmp_path)

    html = client_for(None).get(_url(report)).content.decode()

    assert "<h1>What Millbrook told us</h1>" in html
    assert '<p class="lead">A survey of 1,200 residents.</p>' in html
    assert re.search(r"Dr Jo Bloggs.*Millbrook University.*Sam Lee.*Pollster &amp; Co", html, re.S)
    assert f'<time datetime="{timezone.localtime(report.published_at).isoformat()}' in html
    assert "We asked <strong>everyone</strong>." in html
    assert f'href="{LIST}?tag=housing"' in html
    assert "The full report" in html
    assert "PDF, 2.0\xa0KB" in html
    assert _url(report, "print") in html
    assert "Printable version" in html


def test_publication_response_shows_under_its_report_and_links_back(client_for, provider, report) -> None:
    response = PublicationFactory(
        organisation=provider, kind="response", title="A reply from the university", responds_to=report
    )
    add_author(response, AuthorFactory(name="Prof Ada Expert", affiliation="Brightwater Institute"))
    PublicationFactory(kind="response", title="A draft reply", responds_to=report, status="draft", published_at=None)

    report_page = client_for(None).get(_url(report)).content.decode()
    response_page = client_for(None).get(_url(response)).content.decode()

    responses = report_page[report_page.index('id="responses-title"') :]
    assert "A reply from the university" in responses
    assert "Prof Ada Expert" in responses
    assert "Brightwater Institute" in responses
    assert "A draft reply" not in responses
    assert "In response to:" in response_page
    assert f'href="{_url(report)}">What Millbrook told us</a>' in response_page


def test_publication_links_only_to_public_things(client_for, provider) -> None:
    poll = PollFactory(organisation=provider, title="The repairs poll")
    WaveFactory(poll=poll)
    hidden_poll = PollFactory(organisation=provider, title="A poll not out yet")
    challenge = ChallengeFactory(organisation=provider, title="Fix repairs", published_at=None)
    conversation = ConversationFactory(organisation=provider, topic="Talk about repairs")
    event = festival(provider)
    shown = PublicationFactory(
        organisation=provider, poll=poll, challenge=challenge, conversation=conversation, event=event
    )
    hidden = PublicationFactory(organisation=provider, poll=hidden_poll)

    html = client_for(None).get(_url(shown)).content.decode()

    assert f'href="{poll.get_absolute_url()}">The repairs poll</a>' in html
    assert f'href="{conversation.get_absolute_url()}">Talk about repairs</a>' in html
    assert reverse("events:event", kwargs={"slug": event.slug}) in html
    assert "Fix repairs" not in html
    assert "A poll not out yet" not in client_for(None).get(_url(hidden)).content.decode()


def test_response_to_a_draft_report_does_not_link_to_it(client_for, provider) -> None:
    draft = PublicationFactory(
        organisation=provider, kind="report", title="Not out yet", status="draft", published_at=None
    )
    response = PublicationFactory(organisation=provider, kind="response", responds_to=draft)

    html = client_for(None).get(_url(response)).content.decode()

    assert "In response to:" not in html
    assert "Not out yet" not in html
    assert _url(draft) not in html


def test_publication_does_not_link_to_a_draft_event(client_for, provider) -> None:
    event = festival(provider, published=False)
    shown = PublicationFactory(organisation=provider, event=event)

    html = client_for(None).get(_url(shown)).content.decode()

    assert reverse("events:event", kwargs={"slug": event.slug}) not in html
    assert event.title not in html


def test_publication_page_has_sharing_metadata(client_for, report, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    report.lead_image.save("p.png", SimpleUploadedFile("p.png", b"not really shown"), save=False)
    report.lead_image_alt = "A tower block"
    report.save()
    _tag(report, "Housing")

    html = client_for(None).get(_url(report)).content.decode()
    page = f"http://testserver{_url(report)}"

    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="What Millbrook told us">' in html
    assert '<meta property="og:description" content="A survey of 1,200 residents.">' in html
    assert f'<meta property="og:url" content="{page}">' in html
    assert f'<meta property="og:image" content="http://testserver{_url(report, "lead_image")}">' in html
    assert '<meta property="og:site_name" content="Heard">' in html
    assert '<meta property="article:published_time"' in html
    assert '<meta property="article:author" content="Dr Jo Bloggs">' in html
    assert '<meta property="article:tag" content="Housing">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<link rel="canonical" href="{page}">' in html
    assert 'type="application/rss+xml"' in html
    assert 'type="application/atom+xml"' in html
    assert '<figure class="publication__figure">' in html
    assert 'alt="A tower block"' in html


def test_publication_draft_picture_is_not_served_to_the_public(client_for, provider, convener, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = PublicationFactory(organisation=provider, status="draft", published_at=None, lead_image_alt="A street")
    draft.lead_image.save("p.png", SimpleUploadedFile("p.png", b"\x89PNG"), save=False)
    draft.save()

    assert client_for(None).get(_url(draft, "lead_image")).status_code == 404
    assert client_for(convener).get(_url(draft, "lead_image"))["Cache-Control"] == "private, no-store"


def test_publication_print_page_renders_without_navigation(client_for, report) -> None:
    response = client_for(None).get(_url(report, "print"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>What Millbrook told us</h1>" in html
    assert f"http://testserver{_url(report)}" in html
    assert 'class="site-nav"' not in html
    assert "publications/publications.css" in html
    assert "Printed" in html


def test_publication_print_page_of_a_draft_is_hidden(client_for, provider) -> None:
    draft = PublicationFactory(organisation=provider, status="draft", published_at=None)

    assert client_for(None).get(_url(draft, "print")).status_code == 404


def test_publication_page_runs_a_fixed_number_of_queries(client_for, provider, report, settings, tmp_path) -> None:
    client = client_for(None)
    _tag(report, "First")
    _attach(report, "One file", settings, tmp_path)
    reply = PublicationFactory(organisation=provider, kind="response", responds_to=report)
    add_author(reply)
    one = _queries(client, _url(report))
    for n in range(3):
        add_author(report)
        _tag(report, f"More{n}")
        _attach(report, f"File {n}", settings, tmp_path)
        more = PublicationFactory(organisation=provider, kind="response", responds_to=report)
        add_author(more)
        add_author(more)

    assert _queries(client, _url(report)) == one
