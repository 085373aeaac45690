"""Telling a story holds up under load.

Target (issue 3): submitting a story sustains at least 200 requests a second on this 2-core
machine, in a loopback load test against gunicorn with PostgreSQL, with no errors.

How: gunicorn serves Heard in production settings (DEBUG=false, PostgreSQL `heard_bench`, Redis
cache, the database task queue, as if behind a TLS proxy) on 127.0.0.1. We fetch the form once
for a CSRF cookie and token, then wrk POSTs a new valid anonymous story on every request: each
one is checked, rate-limited (the limit lifted by HEARD_STORIES_PER_HOUR), saved with its
activity-log entry and its confirmation email queued, and answered with the "thank you" page
(200). Side by side in the same run, the same wrk against `/health/` (one query, one cache
round-trip) is the peer: the ratio says how much of the machine the story itself costs. Then we
count the stories that arrived, which must equal the 200s, and delete them again.

    .venv/bin/python benchmarks/story_submit.py [--duration 20] [--connections 32] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PROXY_HEADERS, ROOT, bench_environment, machine, manage, write_results

TARGET_RPS = 200.0
BENCH_DOMAIN = "bench.example"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--app", default="config.wsgi", help="the WSGI module to serve, to try a change side by side")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: make bench-deps (or apt-get install wrk).")

    environment = bench_environment()
    os.environ.update(environment)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from heard.core.models import ActivityLog, OutboundEmail
    from heard.directory.models import Service
    from heard.voice.models import Story

    if getattr(settings, "HEARD_STORIES_PER_HOUR", None) != int(environment["HEARD_STORIES_PER_HOUR"]):
        sys.exit(
            "config/settings.py does not read HEARD_STORIES_PER_HOUR yet, so every story after the fifth "
            "would be refused: add HEARD_STORIES_PER_HOUR = env_int('HEARD_STORIES_PER_HOUR', 5)."
        )
    service = Service.objects.listed().not_private().annotate(n=Count("stories")).order_by("-n", "pk").first()
    if service is None:
        sys.exit("Seed the benchmark database first: manage.py seed_scale.")
    path = reverse("voice:story_new", kwargs={"slug": service.slug})
    base = f"http://127.0.0.1:{args.port}"

    # Production serves static files hashed, from the manifest collectstatic writes.
    manage("collectstatic", "--noinput", "--verbosity", "0", environment=environment)
    gunicorn = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            args.app,
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    started_at = time.time()
    try:
        wait_until_up(base + "/health/")
        cookie, token = csrf_for(base + path)
        referer = f"https://127.0.0.1:{args.port}{path}"
        before = Story.objects.filter(author_email__endswith="@" + BENCH_DOMAIN).count()
        check_one_story(base + path, cookie, token, referer)
        if Story.objects.filter(author_email__endswith="@" + BENCH_DOMAIN).count() != before + 1:
            sys.exit("A test story was answered but not saved: look at the form's errors.")
        before += 1
        connection.close()

        def wrk(seconds: int, *request: str) -> dict:
            threads, connections, script = (
                str(args.threads),
                str(args.connections),
                str(ROOT / "benchmarks" / "wrk.lua"),
            )
            return run(
                [
                    "wrk",
                    "-t",
                    threads,
                    "-c",
                    connections,
                    "-d",
                    f"{seconds}s",
                    "--latency",
                    "-s",
                    script,
                    base,
                    "--",
                    *request,
                ]
            )

        # Warm every worker up, then the peer and the story, one after the other in the same run.
        wrk(3, "GET", "/health/")
        health = wrk(args.duration, "GET", "/health/")
        story = wrk(args.duration, "STORY", path, cookie, token, referer)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    after = Story.objects.filter(author_email__endswith="@" + BENCH_DOMAIN).count()
    arrived = after - before
    ok = story["statuses"].get("200", 0)
    errors = sum(story[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")) + sum(
        n for code, n in story["statuses"].items() if code != "200"
    )
    story_rps = story["requests"] / (story["duration_us"] / 1e6)
    health_rps = health["requests"] / (health["duration_us"] / 1e6)
    # wrk stops counting when its time is up; the requests then in flight (at most one a connection)
    # still reach the database.
    all_arrived = ok <= arrived <= ok + args.connections
    met = story_rps >= TARGET_RPS and errors == 0 and all_arrived

    print(
        f"\ngunicorn {args.workers} sync workers; wrk {args.threads} threads, {args.connections} connections, "
        f"{args.duration} s each. Service: {service.slug}.\n"
    )
    print(f"{'request':<26}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, result, rps in (("POST a story", story, story_rps), ("GET /health/ (peer)", health, health_rps)):
        lat = result["latency_us"]
        bad = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")) + sum(
            n for code, n in result["statuses"].items() if code != "200"
        )
        print(
            f"{name:<26}{rps:>9.0f}{lat['p50'] / 1000:>9.1f}{lat['p90'] / 1000:>9.1f}{lat['p99'] / 1000:>9.1f}{bad:>8}"
        )
    print(f"\nStory / peer throughput: {story_rps / health_rps:.2f}")
    print(f"Status codes of the story POSTs: {story['statuses']}")
    print(
        f"Stories that arrived in the database: {arrived} (200 answers counted by wrk: {ok}; "
        f"at most {args.connections} more were in flight when it stopped)"
    )
    print(f"Target, at least {TARGET_RPS:.0f} stories a second with no errors: {'met' if met else 'MISSED'}")

    # Leave the benchmark database as we found it: the stories, their emails, log entries and tasks.
    stories = Story.objects.filter(author_email__endswith="@" + BENCH_DOMAIN)
    ActivityLog.objects.filter(
        object_type="voice.story",
        object_id__in=[str(pk) for pk in stories.values_list("pk", flat=True)],
    ).delete()
    OutboundEmail.objects.filter(recipient__endswith="@" + BENCH_DOMAIN).delete()
    DBTaskResult.objects.filter(
        task_path__endswith="deliver_email", enqueued_at__gte=datetime.fromtimestamp(started_at, tz=UTC)
    ).delete()
    stories.delete()

    path_written = write_results(
        "story_submit",
        {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "how": f"gunicorn {args.workers} sync workers, wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration}s, loopback, DEBUG=false, PostgreSQL, Redis cache, database task queue",
            "service": service.slug,
            "story": {**story, "requests_per_second": round(story_rps, 1)},
            "health_peer": {**health, "requests_per_second": round(health_rps, 1)},
            "ratio_story_to_peer": round(story_rps / health_rps, 3),
            "stories_arrived": arrived,
            "errors": errors,
            "target_rps": TARGET_RPS,
            "target_met": met,
        },
    )
    print(f"Written to {path_written}")
    return 0 if errors == 0 and all_arrived else 1


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=PROXY_HEADERS), timeout=2):  # noqa: S310
                return
        except OSError:  # not listening yet, or the workers are still starting
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def csrf_for(url: str) -> tuple[str, str]:
    """The CSRF cookie and the form's token, as a browser would have them."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=PROXY_HEADERS), timeout=10) as response:  # noqa: S310
        html = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    cookie = next(c.split(";", 1)[0] for c in cookies if "csrftoken=" in c.split(";", 1)[0])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if token is None:
        sys.exit("The story form has no CSRF token.")
    return cookie, token.group(1)


def check_one_story(url: str, cookie: str, token: str, referer: str) -> None:
    body = (
        "rating_overall=4&listened=partly&title=Check&text=A+check+before+the+load+test."
        f"&author_email=teller-check%40{BENCH_DOMAIN}&csrfmiddlewaretoken={token}"
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own http:// address
        url,
        data=body,
        headers={
            **PROXY_HEADERS,
            "Cookie": cookie,
            "Referer": referer,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status != 200:
            sys.exit(f"A test story was answered {response.status}.")


def run(command: list[str]) -> dict:
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next((line for line in output.splitlines() if line.startswith("JSON ")), None)
    if line is None:
        sys.exit(f"wrk printed no results:\n{output}")
    return json.loads(line[5:])


if __name__ == "__main__":
    sys.exit(main())
