"""Browser tests: Playwright drives Debian's chromium (never a downloaded browser) against the live
test server, and axe-core checks each page for WCAG 2.x A and AA failures."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.factories import recently_signed_in_session

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if os.environ.get("HEARD_BROWSER_TESTS", "1") == "0":
                item.add_marker(
                    pytest.mark.skip(reason="HEARD_BROWSER_TESTS=0: the browser suite runs in another pass")
                )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: a busy machine may take seconds to render a page.
    expect.set_options(timeout=10_000)

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium.")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core from npm.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_world(transactional_db: None) -> dict[str, Any]:
    from heard.demo import world

    return world.build()


@pytest.fixture
def page_for(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """A fresh browser page signed in as `user` (or anonymous), at the live server."""
    contexts = []

    def make(user: Any = None, *, width: int = 1200, bypass_csp: bool = True) -> Any:
        # CSP is bypassed only where axe-core must be injected; flows run under the real policy
        # (bypass_csp=False), and any violation is recorded in `page.csp_violations`.
        context = browser.new_context(
            base_url=live_server.url, bypass_csp=bypass_csp, viewport={"width": width, "height": 900}
        )
        contexts.append(context)
        if user is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": recently_signed_in_session(user),
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page; return the WCAG 2.x A/AA violations, each with where it was found."""
    # A click that submits a form may leave the next page still loading: scan the loaded page.
    page.wait_for_load_state()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "where": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]


def no_axe_problems(page: Any) -> None:
    """Fail, naming the page, if axe finds any WCAG 2.x A/AA violation on it."""
    assert axe_violations(page) == [], page.url
