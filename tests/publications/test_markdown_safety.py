"""Known XSS payloads written into a publication's Markdown: nothing executable reaches its page,
its printable version, the publishers' preview or the feeds."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from heard.publications.models import Publication
from heard.publications.services import publishing as services

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>alert(1)",  # never closed
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">leading spaces</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab entity</a>',
    '<a href="jav\tascript:alert(1)">raw tab</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">decimal entities</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">hex entities</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>',
    '<a href="vbscript:msgbox(1)">vbscript</a>',
    "<svg onload=alert(1)><circle r=5></circle></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body { background: url(javascript:alert(1)) }</style>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](  javascript:alert(1) )",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    '![x](https://evil.example/x.png "title" onerror=alert(1))',
    "<javascript:alert(1)>",
    '<https://example.org/" onmouseover="alert(1)>',
    '<div><p><b onclick="alert(1)">nested <i onmouseover=alert(1)>tags</i></b></p></div>',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<form action="https://evil.example/"><input name="x"><button formaction="javascript:alert(1)">go</button></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<template><img src=x onerror=alert(1)></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "`<script>alert(1)</script>` and\n\n    <script>alert(2)</script>",
    '<a href="https://example.org/" target="_blank" onclick="alert(1)">a fine link</a>',
]
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "svg", "math", "img", "object", "embed", "style", "form", "input",
    "button", "base", "meta", "link", "details", "template", "noscript", "body", "html", "textarea", "select",
    "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser.found


def _scheme(url: str) -> str:
    # As a browser reads it: entities decoded, whitespace and control characters dropped.
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(url)).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


def assert_nothing_executable(fragment: str) -> None:
    """No element that runs code, no event handler or style, and no link anywhere but the web or email."""
    for tag, attrs in elements(fragment):
        assert tag not in FORBIDDEN_TAGS, (tag, fragment)
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, fragment)
            assert name not in ("style", "srcdoc"), (tag, name, fragment)
            if name in URL_ATTRIBUTES:
                assert _scheme(value or "") in ("", "http", "https", "mailto"), (tag, name, value)


def _published(provider, by, *, body: str, title: str = "Safety first", summary: str = "") -> Publication:
    publication = services.publication_create(
        organisation=provider, by=by, kind="article", title=title, summary=summary, body=body
    )
    return services.publication_publish(publication=publication, by=by)


def _body_of(page: str) -> str:
    start = page.index('<div class="publication__body">') + len('<div class="publication__body">')
    return page[start : page.index("</div>", start)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_payload_leaves_nothing_executable_on_the_page(client_for, provider, convener, payload) -> None:
    publication = _published(provider, convener, body=f"Before.\n\n{payload}\n\nAfter.")

    page = client_for(None).get(reverse("publications:publication", kwargs={"slug": publication.slug}))
    printed = client_for(None).get(reverse("publications:print", kwargs={"slug": publication.slug}))

    assert page.status_code == 200
    assert_nothing_executable(_body_of(page.content.decode()))
    assert_nothing_executable(_body_of(printed.content.decode()))
    assert_nothing_executable(publication.body_html)
    assert "Before." in publication.body_html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_payload_leaves_nothing_executable_in_the_preview(client_for, convener, payload) -> None:
    response = client_for(convener).post(
        reverse("publications:publication_new"),
        {"kind": "article", "title": "Preview", "body": payload, "action": "preview"},
    )

    page = response.content.decode()
    start = page.index('<div class="publication__body">')
    assert_nothing_executable(page[start : page.index("</div>", start + 30)])
    assert not Publication.objects.exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_payload_leaves_nothing_executable_in_the_feeds(client_for, provider, convener, payload) -> None:
    _published(provider, convener, body=f"Before. {payload}\n\n{payload}", title=payload[:200])

    rss = ET.fromstring(client_for(None).get(reverse("publications:feed_rss")).content)  # noqa: S314 - our own output
    atom = ET.fromstring(client_for(None).get(reverse("publications:feed_atom")).content)  # noqa: S314

    item = rss.find("channel/item")
    # An RSS title and description are read as HTML: they carry text only, no element at all.
    assert elements(item.findtext("title")) == []
    assert elements(item.findtext("description")) == []
    entry = atom.find("{http://www.w3.org/2005/Atom}entry")
    title = entry.find("{http://www.w3.org/2005/Atom}title")
    assert title.get("type", "text") == "text"  # shown as text, never read as markup
    summary = entry.find("{http://www.w3.org/2005/Atom}summary")
    assert elements(summary.text or "") == []


def test_title_and_summary_are_shown_as_text(client_for, provider, convener) -> None:
    publication = _published(
        provider,
        convener,
        title='<img src=x onerror="alert(1)"> Title',
        summary="<script>alert(1)</script> Summary",
        body="Body",
    )

    page = client_for(None).get(reverse("publications:publication", kwargs={"slug": publication.slug}))
    listing = client_for(None).get(reverse("publications:list"))

    for html_text in (page.content.decode(), listing.content.decode()):
        assert "<script>alert(1)</script>" not in html_text
        assert '<img src=x onerror="alert(1)">' not in html_text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Summary" in html_text


def test_allowed_markdown_still_renders(client_for, provider, convener) -> None:
    body = (
        "# Heading\n\nSome **bold**, *italic* and ~~struck~~ words, and [a link](https://example.org/).\n\n"
        "- one\n- two\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[email](mailto:team@example.org)"
    )
    publication = _published(provider, convener, body=body)

    page = _body_of(
        client_for(None).get(reverse("publications:publication", kwargs={"slug": publication.slug})).content.decode()
    )

    assert "<h2>Heading</h2>" in page  # one level down: the title is the page's only h1
    assert "<strong>bold</strong>" in page
    assert "<em>italic</em>" in page
    assert "<s>struck</s>" in page
    assert '<a href="https://example.org/" rel="noopener noreferrer nofollow">a link</a>' in page
    assert "<li>one</li>" in page
    assert "<blockquote>" in page
    assert "<table>" in page
    assert 'href="mailto:team@example.org"' in page
