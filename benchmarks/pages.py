"""A service page and its story list stay fast whatever the size of the data.

Target (issue 3): with 1,000 services and 500,000 stories (`manage.py seed_scale`), the service
page and the story list each render with a median server time of at most 50 ms, in a number of
queries that does not depend on the data.

How: Django's test client, in this process, against PostgreSQL in production settings; the time is
the whole of Django's handling of one request (middleware, views, queries, template), without the
network. Side by side in one run, in shuffled order so the machine's noise falls on all alike: the
service with the most stories, and its peer, a service with a handful. The ratio of the two is the
result that holds on any machine; page 50 of the big list checks that deep pages cost the same.

    .venv/bin/python benchmarks/pages.py [--requests 200] [--warmup 20]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PROXY_HEADERS, bench_environment, machine, manage, summary_ms, write_results

TARGET_MEDIAN_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests of each page first")
    args = parser.parse_args()

    environment = bench_environment()
    # Production serves static files hashed, from the manifest collectstatic writes.
    manage("collectstatic", "--noinput", "--verbosity", "0", environment=environment)
    os.environ.update(environment)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from heard.directory.models import Service
    from heard.voice.enums import StoryStatus
    from heard.voice.models import Story

    services = (
        Service.objects.listed()
        .not_private()
        .annotate(published=Count("stories", filter=Q(stories__status=StoryStatus.PUBLISHED)))
        .order_by("-published", "pk")
    )
    big = services.first()
    small = services.filter(published__gte=1).order_by("published", "pk").first()
    if big is None or small is None or big.published < 1000:
        sys.exit("Seed the benchmark database first: manage.py seed_scale (a service needs 1,000+ stories).")

    pages = [
        ("service page", "big", reverse("directory:service", kwargs={"slug": big.slug})),
        ("service page", "small", reverse("directory:service", kwargs={"slug": small.slug})),
        ("story list", "big", reverse("voice:service_stories", kwargs={"slug": big.slug})),
        ("story list", "small", reverse("voice:service_stories", kwargs={"slug": small.slug})),
        ("story list, page 50", "big", reverse("voice:service_stories", kwargs={"slug": big.slug}) + "?page=50"),
    ]
    client = Client(headers=PROXY_HEADERS)

    queries = {}
    for name, size, url in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}, not 200.")
        queries[(name, size)] = len(captured)

    for _ in range(args.warmup):
        for _name, _size, url in pages:
            client.get(url)

    times: dict[tuple[str, str], list[float]] = {(name, size): [] for name, size, _url in pages}
    rng = random.Random(1)
    order = list(pages)
    for _ in range(args.requests):
        rng.shuffle(order)
        for name, size, url in order:
            started = time.perf_counter()
            client.get(url)
            times[(name, size)].append(time.perf_counter() - started)

    results = {key: {**summary_ms(values), "queries": queries[key]} for key, values in times.items()}
    stories_total = Story.objects.count()
    print(
        f"\n{Service.objects.count()} services, {stories_total} stories. Big service: {big.slug} "
        f"({big.published} published stories); small: {small.slug} ({small.published}). "
        f"{args.requests} requests each after {args.warmup} to warm up.\n"
    )
    print(f"{'page':<22}{'service':<8}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    for (name, size), result in results.items():
        print(f"{name:<22}{size:<8}{result['median_ms']:>11.1f}{result['p95_ms']:>9.1f}{result['queries']:>9}")

    def ratio(a: tuple[str, str], b: tuple[str, str]) -> float:
        return round(results[a]["median_ms"] / results[b]["median_ms"], 2)

    ratios = {
        "service page, big / small": ratio(("service page", "big"), ("service page", "small")),
        "story list, big / small": ratio(("story list", "big"), ("story list", "small")),
        "story list, page 50 / page 1": ratio(("story list, page 50", "big"), ("story list", "big")),
    }
    print("\nRatios of the medians (1.0 = the size of the data makes no difference):")
    for label, value in ratios.items():
        print(f"  {label:<32}{value:>6.2f}")

    same_queries = (
        all(queries[(name, "big")] == queries[(name, "small")] for name in ("service page", "story list"))
        and queries[("story list, page 50", "big")] == queries[("story list", "big")]
    )
    worst = max(result["median_ms"] for result in results.values())
    met = worst <= TARGET_MEDIAN_MS
    print(f"\nQuery counts the same for big and small: {'yes' if same_queries else 'NO'}")
    print(
        f"Target, median at most {TARGET_MEDIAN_MS:.0f} ms on every page: {'met' if met else 'MISSED'} ({worst:.1f} ms)"
    )

    path = write_results(
        "pages",
        {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "how": "Django test client in-process, DEBUG=false, PostgreSQL, Redis cache",
            "data": {"services": Service.objects.count(), "stories": stories_total},
            "big_service": {"slug": big.slug, "published_stories": big.published},
            "small_service": {"slug": small.slug, "published_stories": small.published},
            "requests_each": args.requests,
            "pages": [{"page": name, "service": size, **results[(name, size)]} for name, size, _url in pages],
            "ratios": ratios,
            "same_queries": same_queries,
            "target_median_ms": TARGET_MEDIAN_MS,
            "target_met": met,
        },
    )
    print(f"Written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if same_queries else 1


if __name__ == "__main__":
    sys.exit(main())
