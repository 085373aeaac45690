"""A challenge's idea list and its similar-idea suggestions stay fast however many ideas it has.

Target (issue "Co-design"): for a challenge with 100,000 ideas and 1,000,000 supports
(`manage.py seed_scale --ideas 100000 --supports 1000000`), the idea list (sorted by support,
paginated) renders with a median of at most 50 ms in a fixed number of queries, and the
similar-idea suggestion answers in at most 100 ms.

How: as pages.py does, Django's test client, in this process, against PostgreSQL in production
settings; the time is the whole of Django's handling of one request (middleware, views, queries,
template), without the network. The big challenge and its peer, a challenge with 3 ideas, side by
side in shuffled rounds so the machine's noise falls on all alike:

- the challenge page (`/challenges/<slug>/`): page 1 by support, page 500 and the last page (deep
  pages cost more the further they are, with OFFSET), newest first (`?order=new`), and page 1
  for a signed-in resident (who sees Support buttons, and which ideas they support);
- the htmx partial `/challenges/<slug>/ideas/similar/?title=...` for titles as people type them:
  some share words with thousands of ideas, some with few, one has typos, one is a single word.

Each page's queries are counted; the idea list's must be the same for both challenges and on every
page. The ratios big / small are what holds from one machine to another.

    .venv/bin/python benchmarks/codesign.py [--requests 200] [--similar-requests 100] [--warmup 20]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PROXY_HEADERS, bench_environment, machine, manage, summary_ms, write_results

LIST_TARGET_MS = 50.0
SIMILAR_TARGET_MS = 100.0
BIG, SMALL = "scale-challenge", "scale-challenge-small"
DEEP_PAGE = 500
# Titles as someone might type them on the big challenge (whose ideas are about the neighbourhood).
SIMILAR_TITLES = [
    "More benches in the park",
    "Fix the street lights near the school",
    "Open the library on Sundays for young people",
    "Set up a community fridge",
    "Swimming lessons for older people",
    "Reapir the brokn lifts in the flats",
    "Benches",
    "Sign language interpreters at council meetings",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each idea list page")
    parser.add_argument("--similar-requests", type=int, default=100, help="timed requests of each similar search")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests of each page first")
    args = parser.parse_args()

    environment = bench_environment()
    # Production serves static files hashed, from the manifest collectstatic writes.
    manage("collectstatic", "--noinput", "--verbosity", "0", environment=environment)
    os.environ.update(environment)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from heard.codesign.enums import IdeaStatus, Phase
    from heard.codesign.models import Challenge, Idea, Support
    from heard.codesign.selectors import SIMILARITY_THRESHOLD

    challenges = {challenge.slug: challenge for challenge in Challenge.objects.filter(slug__in=[BIG, SMALL])}
    if len(challenges) < 2 or Idea.objects.filter(challenge=challenges[BIG]).count() < 10_000:
        sys.exit(
            "Seed the benchmark database first: manage.py seed_scale --ideas 100000 --supports 1000000 "
            "(as `make bench` does)."
        )
    big, small = challenges[BIG], challenges[SMALL]
    if big.phase != Phase.IDEAS or small.phase != Phase.IDEAS:
        sys.exit("The scale challenges are no longer in their ideas phase: rebuild them with seed_scale --flush.")
    shown = {
        slug: Idea.objects.filter(challenge=challenge, status=IdeaStatus.PUBLISHED).count()
        for slug, challenge in challenges.items()
    }
    supports = {
        slug: Support.objects.filter(idea__challenge=challenge).count() for slug, challenge in challenges.items()
    }
    last_page = -(-shown[BIG] // settings.HEARD_PAGE_SIZE)

    def page(slug: str, **query: object) -> str:
        url = reverse("codesign:challenge", kwargs={"slug": slug})
        return f"{url}?{urlencode(query)}" if query else url

    def similar(slug: str, title: str) -> str:
        return reverse("codesign:similar", kwargs={"slug": slug}) + "?" + urlencode({"title": title})

    anonymous = Client(headers=PROXY_HEADERS)
    # A resident who supports some of the ideas on page 1, so the page shows both kinds of button.
    top = Idea.objects.filter(challenge=big, status=IdeaStatus.PUBLISHED).order_by("-support_count", "-id").first()
    resident = Support.objects.filter(idea=top).select_related("user").order_by("pk").first().user
    signed_in = Client(headers=PROXY_HEADERS)
    signed_in.force_login(resident)

    # (what, challenge, url, client): the idea lists first, then the similar searches.
    lists = [
        ("idea list", "big", page(BIG), anonymous),
        ("idea list", "small", page(SMALL), anonymous),
        (f"idea list, page {DEEP_PAGE}", "big", page(BIG, page=DEEP_PAGE), anonymous),
        (f"idea list, last page ({last_page})", "big", page(BIG, page=last_page), anonymous),
        ("idea list, newest", "big", page(BIG, order="new"), anonymous),
        ("idea list, newest", "small", page(SMALL, order="new"), anonymous),
        ("idea list, signed in", "big", page(BIG), signed_in),
        ("idea list, signed in", "small", page(SMALL), signed_in),
    ]
    searches = [
        (f"similar: {title}", size, similar(slug, title), anonymous)
        for title in SIMILAR_TITLES
        for size, slug in (("big", BIG), ("small", SMALL))
    ]
    series = lists + searches
    wanted = {(name, size): args.requests for name, size, _url, _client in lists}
    wanted |= {(name, size): args.similar_requests for name, size, _url, _client in searches}

    # How many of the big challenge's ideas each title is alike (over the threshold), for the table.
    alike: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [SIMILARITY_THRESHOLD])
        for title in SIMILAR_TITLES:
            cursor.execute(
                "SELECT count(*) FROM codesign_idea WHERE challenge_id = %s AND status = %s AND title %% %s",
                [big.pk, IdeaStatus.PUBLISHED, title],
            )
            alike[title] = cursor.fetchone()[0]

    queries: dict[tuple[str, str], int] = {}
    for name, size, url, client in series:
        client.get(url)  # the first request fills the caches a running site has filled long ago
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}, not 200.")
        queries[(name, size)] = len(captured)
    # The pages show what they should: the most supported idea first, and suggestions when alike.
    assert top.title in anonymous.get(page(BIG)).content.decode()
    found = anonymous.get(similar(BIG, SIMILAR_TITLES[0])).content.decode()
    assert "Is your idea one of these?" in found or not alike[SIMILAR_TITLES[0]]

    for name, _size, url, client in series:
        for _ in range(args.warmup if name.startswith("idea list") else max(1, args.warmup // 4)):
            client.get(url)

    times: dict[tuple[str, str], list[float]] = {(name, size): [] for name, size, _url, _client in series}
    rng = random.Random(1)
    for round_number in range(max(wanted.values())):
        order = [entry for entry in series if round_number < wanted[(entry[0], entry[1])]]
        rng.shuffle(order)
        for name, size, url, client in order:
            started = time.perf_counter()
            client.get(url)
            times[(name, size)].append(time.perf_counter() - started)

    results = {key: {**summary_ms(values), "queries": queries[key]} for key, values in times.items()}
    print(
        f"\nBig challenge {BIG}: {shown[BIG]:,} ideas on show, {supports[BIG]:,} supports; small {SMALL}: "
        f"{shown[SMALL]} ideas, {supports[SMALL]} supports. {args.requests} requests of each list page, "
        f"{args.similar_requests} of each search, after {args.warmup} to warm up. Signed in as resident "
        f"{resident.pk}."
    )
    print(f"\n{'page':<58}{'challenge':<10}{'alike':>7}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    for (name, size), result in results.items():
        title = name.removeprefix("similar: ")
        count = f"{alike[title]:,}" if title in alike and size == "big" else ""
        print(
            f"{name:<58}{size:<10}{count:>7}{result['median_ms']:>11.1f}{result['p95_ms']:>9.1f}{result['queries']:>9}"
        )

    def ratio(a: tuple[str, str], b: tuple[str, str]) -> float:
        return round(results[a]["median_ms"] / results[b]["median_ms"], 2)

    ratios = {
        "idea list, big / small": ratio(("idea list", "big"), ("idea list", "small")),
        f"idea list, page {DEEP_PAGE} / page 1": ratio((f"idea list, page {DEEP_PAGE}", "big"), ("idea list", "big")),
        "idea list, last page / page 1": ratio((lists[3][0], "big"), ("idea list", "big")),
        "idea list newest, big / small": ratio(("idea list, newest", "big"), ("idea list, newest", "small")),
        "idea list signed in, big / small": ratio(("idea list, signed in", "big"), ("idea list, signed in", "small")),
    }
    ratios |= {
        f"similar, big / small: {title}": ratio((f"similar: {title}", "big"), (f"similar: {title}", "small"))
        for title in SIMILAR_TITLES
    }
    print("\nRatios of the medians (1.0 = the size of the data makes no difference):")
    for label, value in ratios.items():
        print(f"  {label:<72}{value:>7.2f}")

    anonymous_list = {queries[(name, size)] for name, size, _url, client in lists if client is anonymous}
    signed_in_list = {queries[(name, size)] for name, size, _url, client in lists if client is signed_in}
    searching = {queries[(name, size)] for name, size, _url, _client in searches}
    # The target fixes the list's queries; a search may skip one when nothing is alike.
    same_queries = len(anonymous_list) == len(signed_in_list) == 1
    worst_list = max(results[(name, size)]["median_ms"] for name, size, _url, _client in lists)
    worst_similar = max(results[(name, size)]["median_ms"] for name, size, _url, _client in searches)
    list_met = worst_list <= LIST_TARGET_MS
    similar_met = worst_similar <= SIMILAR_TARGET_MS
    print(
        f"\nIdea list: query counts the same for big and small and on every page: {'yes' if same_queries else 'NO'} "
        f"({sorted(anonymous_list)}, signed in {sorted(signed_in_list)}). Similar ideas: {sorted(searching)}."
    )
    print(
        f"Target, idea list median at most {LIST_TARGET_MS:.0f} ms on every page: "
        f"{'met' if list_met else 'MISSED'} ({worst_list:.1f} ms at worst)"
    )
    print(
        f"Target, similar ideas median at most {SIMILAR_TARGET_MS:.0f} ms for every title: "
        f"{'met' if similar_met else 'MISSED'} ({worst_similar:.1f} ms at worst)"
    )

    path = write_results(
        "codesign",
        {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "how": "Django test client in-process, DEBUG=false, PostgreSQL, Redis cache",
            "big_challenge": {"slug": BIG, "ideas_shown": shown[BIG], "supports": supports[BIG]},
            "small_challenge": {"slug": SMALL, "ideas_shown": shown[SMALL], "supports": supports[SMALL]},
            "requests_each": {"idea list": args.requests, "similar": args.similar_requests},
            "similarity_threshold": SIMILARITY_THRESHOLD,
            "pages": [
                {
                    "page": name,
                    "challenge": size,
                    **({"alike": alike[name.removeprefix("similar: ")]} if name.startswith("similar") else {}),
                    **results[(name, size)],
                }
                for name, size, _url, _client in series
            ],
            "ratios": ratios,
            "same_queries": same_queries,
            "target_list_median_ms": LIST_TARGET_MS,
            "target_similar_median_ms": SIMILAR_TARGET_MS,
            "list_target_met": list_met,
            "similar_target_met": similar_met,
        },
    )
    print(f"Written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if same_queries else 1


if __name__ == "__main__":
    sys.exit(main())
