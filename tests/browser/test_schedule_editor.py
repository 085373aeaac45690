"""The schedule editor's script in a browser: a failed move says so and leaves the editor usable,
and no second move is sent while one is on its way (both under the site's real CSP)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.events.test_schedule import at, edit_url, rooms
from tests.factories import SessionFactory, festival


def _moves(page: Any) -> list[Any]:
    """Hold every move the page sends (a POST to a session's address in the editor), unanswered."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/manage/schedule/*/", hold)
    return held


def _until(page: Any, condition: Callable[[], Any]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(25)


def _drag(page: Any, card: Any, cell: Any) -> None:
    """Drag a card onto a cell of the grid, as the browser tells the page when a person does."""
    carried = page.evaluate_handle("() => new DataTransfer()")
    card.dispatch_event("dragstart", {"dataTransfer": carried})
    cell.dispatch_event("dragover", {"dataTransfer": carried})
    cell.dispatch_event("drop", {"dataTransfer": carried})
    card.dispatch_event("dragend", {"dataTransfer": carried})


def _place_with_the_form(page: Any, pk: int, clock: str) -> None:
    page.locator(f"#session-{pk}-room").select_option(label="Room 1")
    page.locator(f"#session-{pk}-time").fill(clock)
    page.locator(f"#session-{pk}").get_by_role("button", name="Place it").click()


@pytest.mark.parametrize(
    ("failure", "told"),
    [
        ("server error", "We could not reach the server, or it had a problem"),
        ("no connection", "We could not reach the server, or it had a problem"),
        ("forbidden", "You are no longer allowed to change this schedule"),
    ],
)
def test_schedule_editor_after_a_failed_move_says_so_and_is_usable_again(
    transactional_db, page_for, convener, provider, failure, told
) -> None:
    event = festival(provider)
    session = SessionFactory(event=event, state="accepted", title="Tablets and tea")
    pk, url = session.pk, edit_url(event)

    def fail_then_move(page: Any) -> dict[str, Any]:
        page.goto(url)
        held = _moves(page)
        _place_with_the_form(page, pk, "10:00")
        _until(page, lambda: held)
        seen = {"busy while sending": page.locator("#schedule-editor").get_attribute("aria-busy")}
        if failure == "no connection":
            held.pop().abort()
        else:
            held.pop().fulfill(status=500 if failure == "server error" else 403, body="No")
        page.locator("#schedule-notice").get_by_text(told).wait_for()
        seen["busy after"] = page.locator("#schedule-editor").get_attribute("aria-busy")
        # The form shows where the session still is (nowhere), not the move that failed.
        seen["time after"] = page.locator(f"#session-{pk}-time").input_value()
        # And the next move goes through.
        page.unroute("**/manage/schedule/*/")
        _place_with_the_form(page, pk, "10:00")
        page.locator(f"#session-{pk}").get_by_text("10:00–11:00").wait_for()
        seen["told after"] = page.locator("#schedule-notice").inner_text()
        seen["csp"] = page.csp_violations
        return seen

    seen = fail_then_move(page_for(convener, bypass_csp=False))

    assert seen["busy while sending"] == "true"
    assert seen["busy after"] is None
    assert seen["time after"] == ""
    assert "“Tablets and tea” is now in Room 1" in seen["told after"]
    assert seen["csp"] == []
    session.refresh_from_db()
    assert session.starts_at == at(event, 0, "10:00")
    assert session.schedule_version == 1  # the failed move made none


def test_schedule_editor_sends_no_second_move_while_one_is_on_its_way(
    transactional_db, page_for, convener, provider
) -> None:
    event = festival(provider)
    first = SessionFactory(event=event, state="accepted", title="First")
    second = SessionFactory(event=event, state="accepted", title="Second")
    url, cell = edit_url(event), f'td[data-drop-room="{rooms(event)[1].pk}"]'

    def move_twice(page: Any) -> dict[str, Any]:
        page.goto(url)
        held = _moves(page)
        _place_with_the_form(page, first.pk, "10:00")
        _until(page, lambda: held)
        # A press of the second session's button, then a drop of its card, while the first is held.
        _place_with_the_form(page, second.pk, "11:00")
        _drag(page, page.locator(f"#session-{second.pk}"), page.locator(cell).first)
        page.wait_for_timeout(300)
        seen = {"sent": len(held), "second time": page.locator(f"#session-{second.pk}-time").input_value()}
        held.pop().continue_()
        page.locator(f"#session-{first.pk}").get_by_text("10:00–11:00").wait_for()
        seen["sent after"] = len(held)
        return seen

    seen = move_twice(page_for(convener, bypass_csp=False))

    assert seen["sent"] == 1
    # The drop filled nothing in: the form still holds what was typed.
    assert seen["second time"] == "11:00"
    assert seen["sent after"] == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.starts_at == at(event, 0, "10:00")
    assert second.starts_at is None
