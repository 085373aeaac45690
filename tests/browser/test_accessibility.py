"""Every page of the demo world reachable from the navigation, for the anonymous visitor and for a
person in each role, passes axe-core's WCAG 2.x A and AA checks."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest
from django.urls import Resolver404, resolve

from tests.browser.conftest import axe_violations

# Links a crawler must not follow: they end the session, download a file, or are Django's own admin.
SKIP_PREFIXES = ("/admin/", "/account/logout/", "/static/", "/account/2fa/recovery-codes/download/", "/openreferral/")
# Pages of one kind (one URL pattern) share a template: three of each are scanned, so every
# template is covered and the crawl stays bounded as the demo world grows.
PER_PATTERN = 3
MAX_PAGES = 150


def _links(page: Any, origin: str) -> list[str]:
    # Links marked `download` fetch a file, not a page.
    hrefs = page.eval_on_selector_all(
        "header a[href]:not([download]), main a[href]:not([download]), footer a[href]:not([download])",
        "els => els.map(e => e.href)",
    )
    found = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parsed = urlparse(url)
        if f"{parsed.scheme}://{parsed.netloc}" != origin:
            continue
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if not path.startswith(SKIP_PREFIXES):
            found.append(path)
    return found


def crawl(page: Any, origin: str) -> dict[str, list[dict[str, Any]]]:
    """Visit every page reachable from the home page's navigation, breadth first, and scan each."""
    queue, seen, problems = deque(["/"]), {"/"}, {}
    per_pattern: Counter[str] = Counter()
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        try:
            pattern = resolve(urlparse(path).path).route
        except Resolver404:
            pattern = path
        per_pattern[pattern] += 1
        if per_pattern[pattern] > PER_PATTERN:
            continue
        response = page.goto(path)
        assert response is not None
        assert response.status < 500, f"{path} answered {response.status}"
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        assert page.locator("h1").count() == 1, f"{path} must have exactly one h1"
        violations = axe_violations(page)
        if violations:
            problems[path] = violations
        for link in _links(page, origin):
            # Pagination and filters lead to the same templates; one of each is enough.
            key = link.split("?")[0] if "page=" in link else link
            if key not in seen:
                seen.add(key)
                queue.append(link)
    return problems


PERSONAS = [None, "resident", "responder", "caseworker", "manager", "convener", "analyst", "admin"]


@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "anonymous" for p in PERSONAS])
def test_every_page_passes_axe_for_each_role(page_for, live_server, demo_world, persona, settings) -> None:
    settings.HEARD_DEMO = True
    user = demo_world["people"][persona] if persona else None
    page = page_for(user)
    problems = crawl(page, live_server.url)
    assert problems == {}


SMALL_SCREEN_PAGES = [
    "/",
    "/organisations/",
    "/areas/millbrook/",
    "/account/",
    "/account/about-you/",
    "/manage/",
    "/publications/",
    "/publications/the-collaborative-citizen/",
    "/contact/",
]


def test_pages_pass_axe_on_a_small_screen(page_for, live_server, demo_world, settings) -> None:
    settings.HEARD_DEMO = True
    page = page_for(demo_world["people"]["manager"], width=375)
    problems = {}
    for path in SMALL_SCREEN_PAGES:
        page.goto(path)
        violations = axe_violations(page)
        # Content reflows (WCAG 1.4.10): the page never scrolls sideways; wide tables scroll in their own box.
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            violations.append({"id": "reflow", "help": "The page scrolls sideways at 375 px."})
        if violations:
            problems[path] = violations
    assert problems == {}


def test_axe_check_reports_a_real_violation(page_for, demo_world) -> None:
    """The scan above can fail: an image without a text alternative is caught."""
    page = page_for(None)
    page.goto("/accessibility/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/x.png\">')")
    assert "image-alt" in {violation["id"] for violation in axe_violations(page)}
