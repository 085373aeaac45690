from __future__ import annotations

import time

from heard.core.ratelimit import rate_limit_exceeded

# A fixed moment in the middle of a window, so no test straddles a window boundary.
NOW = 1_800_000_030.0


def test_rate_limit_allows_up_to_the_limit_then_refuses(rf) -> None:
    request = rf.post("/", REMOTE_ADDR="203.0.113.5")
    results = [rate_limit_exceeded(request, action="story", limit=3, period_seconds=60, now=NOW) for _ in range(5)]
    assert results == [False, False, False, True, True]


def test_rate_limit_counts_each_client_and_action_apart(rf) -> None:
    first = rf.post("/", REMOTE_ADDR="203.0.113.5")
    second = rf.post("/", REMOTE_ADDR="203.0.113.6")
    for _ in range(2):
        rate_limit_exceeded(first, action="story", limit=2, period_seconds=60, now=NOW)
    assert rate_limit_exceeded(first, action="story", limit=2, period_seconds=60, now=NOW) is True
    assert rate_limit_exceeded(second, action="story", limit=2, period_seconds=60, now=NOW) is False
    assert rate_limit_exceeded(first, action="vote", limit=2, period_seconds=60, now=NOW) is False


def test_a_new_window_starts_a_new_count(rf) -> None:
    request = rf.post("/", REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        rate_limit_exceeded(request, action="story", limit=2, period_seconds=60, now=NOW)
    assert rate_limit_exceeded(request, action="story", limit=2, period_seconds=60, now=NOW + 60) is False


def test_behind_a_proxy_each_client_is_counted_by_its_own_address(rf, settings) -> None:
    settings.HEARD_PROXY_COUNT = 1
    # The proxy appends the address it saw; what the client wrote before that is not trusted.
    first = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    spoofing = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    second = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    for _ in range(2):
        rate_limit_exceeded(first, action="story", limit=2, period_seconds=60, now=NOW)
    assert rate_limit_exceeded(spoofing, action="story", limit=2, period_seconds=60, now=NOW) is True
    assert rate_limit_exceeded(second, action="story", limit=2, period_seconds=60, now=NOW) is False


def test_postcode_lookup_answers_429_when_overused(client, db) -> None:
    # The view counts in real one-minute windows: start early in one, so all 31 requests share it.
    if time.time() % 60 > 45:
        time.sleep(60 - time.time() % 60 + 0.1)
    for _ in range(30):
        client.get("/areas/find/", {"postcode": "MB1 1AA"})
    response = client.get("/areas/find/", {"postcode": "MB1 1AA"})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many tries" in response.content.decode()
