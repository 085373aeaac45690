"""Frontline: routing a flag against a big borough's rules, and an agency inbox of 100,000 referrals.

Targets (issue "Frontline"): routing a flag takes at most 50 ms; an agency inbox holding 100,000
referrals renders with a median of at most 50 ms and a fixed number of queries. (Linkage over
200,000 flags is benchmarked on its own, in benchmarks/linkage.py.)

The data: `manage.py seed_scale --referrals 100000`, a borough with 420 active routing rules (a team
per ward and urgency, some borough-wide or anywhere) over 10 agencies and a duty desk; about
200,000 flags routed by those rules; the big agency, adult social care, has 100,000 open referrals
(and about 6,000 of them escalated); its peer is a small charity with 3 open referrals.

(a) Routing, in this process against PostgreSQL in production settings: `services.flag_route` on a
new flag (what routing costs: the flag's area and its parents, the matching rules, a referral to
each agency, the log), and the whole `services.flag_submit` (validation, the encrypted flag, its
first update, the log, and routing). New flags of every category and urgency, most with a postcode
in one of the borough's 24 wards, some in the quiet borough next door, some with no place a rule
knows (those go to the duty desk). The peer is the same flags routed against a tiny rule set (6
rules, each a category anywhere), which replaces the big one inside the transaction. Both in
transactions rolled back, so the data set does not grow, in blocks of flags in shuffled order. As a
third series, `flag_submit` as the site runs it, committed (so with the commit, and the linkage task
queued after it) against the big rules; those flags are deleted afterwards.

(b) The inbox `/frontline/inbox/`, as pages.py does: Django's test client in this process, in
production settings, signed in as a caseworker of the big agency (with two-factor authentication
set up, as staff must) and as one of the small agency; page 1, a page in the middle and the last
page of the open referrals, the escalated ones (`?show=overdue`) and the closed ones
(`?show=closed`); in shuffled rounds. Each page's queries are counted: they must be the same for
both agencies in each view and on every page of the open referrals, or this fails.

The inbox runs first, on the data as seed_scale left it (vacuumed); routing writes referrals and
takes them back, and at the end the tables it wrote to are vacuumed, so the next run starts alike.

    .venv/bin/python benchmarks/frontline.py [--flags 200] [--requests 200] [--warmup 20]
        [--only routing|inbox] [--explain] [--proposal]

`--explain` also prints EXPLAIN ANALYZE of the big inbox's queries that read referrals.
`--proposal` measures the inbox a second time with the change proposed in docs/performance.md (three
partial indexes on Referral, made inside a transaction rolled back afterwards), side by side with
the code as it is.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PROXY_HEADERS, bench_environment, machine, manage, summary_ms, write_results

ROUTE_TARGET_MS = 50.0
INBOX_TARGET_MS = 50.0
BIG, SMALL = "scale-frontline-asc", "scale-frontline-quiet"
BENCH_PARTNER = "frontline-bench-partner@scale.example"
BLOCK = 20  # flags in a row against one rule set
# The tiny rule set: one rule a category, anywhere; abuse and anything else go to the duty desk.
TINY_RULES = [
    ("asc", "dementia"),
    ("asc", "self_neglect"),
    ("children", "young_person"),
    ("housing", "cold_home"),
    ("age-friends", "isolation"),
    ("money-advice", "financial"),
]
CATEGORIES = {
    "dementia": 0.16,
    "cold_home": 0.14,
    "young_person": 0.08,
    "self_neglect": 0.12,
    "isolation": 0.20,
    "financial": 0.15,
    "abuse": 0.07,
    "other": 0.08,
}
URGENCIES = {"urgent": 0.15, "soon": 0.35, "routine": 0.5}


def new_flags(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """What partners type: most in one of the borough's wards (sector ZZ<d> <s>), some in the
    quiet borough (ZY1), some with a postcode no prefix knows, some with a place only."""
    flags = []
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for n in range(count):
        where = rng.random()
        postcode, place = "", ""
        if where < 0.88:
            postcode = f"ZZ{rng.randint(1, 12)} {rng.randint(1, 2)}{rng.choice(letters)}{rng.choice(letters)}"
        elif where < 0.91:
            postcode = f"ZY1 {rng.randint(1, 2)}AB"
        elif where < 0.95:
            postcode = f"ZX{rng.randint(1, 9)} 4CD"
        else:
            place = "The launderette on the parade"
        flags.append(
            {
                "category": rng.choices(list(CATEGORIES), list(CATEGORIES.values()))[0],
                "urgency": rng.choices(list(URGENCIES), list(URGENCIES.values()))[0],
                "details": "Has not been seen at the shop for a week; the curtains stay closed.",
                "address": "" if place else f"{rng.randint(1, 240)} Canal Street",
                "place": place,
                "postcode": postcode,
                "name": rng.choice(["Edith Clarke", "Stanley Moss", "", "Mrs Begum"]),
                "approx_age": rng.choice([None, 84, 67, 91]),
                "description": "Grey coat, often at the bus stop",
                "subject_aware": rng.choice(["agreed", "knows", "not_told", "could_not_ask"]),
                "contact": "07700 900123" if n % 3 else "",
            }
        )
    return flags


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flags", type=int, default=200, help="new flags routed in each routing series")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each inbox page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests of each page first")
    parser.add_argument("--only", choices=["routing", "inbox"], help="run one part only")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the big inbox's queries")
    parser.add_argument(
        "--proposal",
        action="store_true",
        help="measure the inbox again with the change proposed in docs/performance.md (rolled back afterwards)",
    )
    args = parser.parse_args()
    args.flags = max(BLOCK, args.flags // BLOCK * BLOCK)

    environment = bench_environment()
    # Production serves static files hashed, from the manifest collectstatic writes.
    manage("collectstatic", "--noinput", "--verbosity", "0", environment=environment)
    os.environ.update(environment)
    import django

    django.setup()

    from heard.frontline.enums import OPEN_REFERRAL, ReferralStatus
    from heard.frontline.models import Agency, Flag, Referral, RoutingRule

    agencies = {agency.organisation.slug: agency for agency in Agency.objects.select_related("organisation")}
    if BIG not in agencies or SMALL not in agencies:
        sys.exit("Seed the benchmark database first: manage.py seed_scale --referrals 100000 (as `make bench` does).")
    big, small = agencies[BIG], agencies[SMALL]
    held = {
        name: Referral.objects.filter(agency=agency, status__in=OPEN_REFERRAL).count()
        for name, agency in (("big", big), ("small", small))
    }
    if held["big"] < 10_000:
        sys.exit("The big agency holds fewer than 10,000 open referrals: seed_scale --referrals 100000.")
    data = {
        "flags": Flag.objects.count(),
        "referrals": Referral.objects.count(),
        "active_rules": RoutingRule.objects.filter(active=True).count(),
        "big_open": held["big"],
        "big_escalated": Referral.objects.filter(
            agency=big, status=ReferralStatus.ROUTED, escalated_at__isnull=False
        ).count(),
        "big_closed": Referral.objects.filter(agency=big).exclude(status__in=OPEN_REFERRAL).count(),
        "small_open": held["small"],
    }
    print(
        f"\n{data['flags']:,} flags, {data['referrals']:,} referrals, {data['active_rules']} active routing rules. "
        f"Big agency {BIG}: {data['big_open']:,} open referrals ({data['big_escalated']:,} escalated), "
        f"{data['big_closed']:,} closed; small {SMALL}: {data['small_open']} open."
    )
    # The inbox first, on the data as seed_scale left it (vacuumed, as autovacuum leaves a table
    # that has been there a while); then routing, which writes (and takes back) referrals.
    inbox = proposed = routing = None
    if args.only != "routing":
        inbox = inbox_benchmark(args, big, small)
        if args.proposal:
            with proposal():
                proposed = inbox_benchmark(args, big, small, label="with the proposed change")
    try:
        if args.only != "inbox":
            routing = route_benchmark(args, agencies)
    finally:
        # Rolled-back and deleted rows leave dead tuples and pages no longer all-visible (index-only
        # scans, such as the inbox's count, read the heap for those): leave the tables as they were.
        from django.db import connection

        from heard.core.models import ActivityLog
        from heard.frontline.models import FlagUpdate

        with connection.cursor() as cursor:
            for model in (Referral, Flag, FlagUpdate, RoutingRule, ActivityLog):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    if routing:
        print(
            f"\nTarget, routing a flag (flag_route) median at most {ROUTE_TARGET_MS:.0f} ms: "
            f"{'met' if routing['target_met'] else 'MISSED'} ({routing['worst_route_median_ms']:.1f} ms against the "
            f"big rule set; the whole flag_submit, committed: {routing['committed_median_ms']:.1f} ms)"
        )
    for result in (inbox, proposed):
        if result:
            print(
                f"Target, inbox median at most {INBOX_TARGET_MS:.0f} ms on every page with the same queries, "
                f"{result['code']}: {'met' if result['target_met'] else 'MISSED'} ({result['worst_median_ms']:.1f} ms "
                f"at worst; query counts the same: {'yes' if result['same_queries'] else 'NO'})"
            )
    path = write_results(
        "frontline",
        {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "how": "in-process: services called directly; the inbox through Django's test client; DEBUG=false, "
            "PostgreSQL, Redis cache",
            "data": data,
            "routing": routing,
            "inbox": inbox,
            "inbox_with_proposed_change": proposed,
            "target_route_median_ms": ROUTE_TARGET_MS,
            "target_inbox_median_ms": INBOX_TARGET_MS,
        },
    )
    print(f"Written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0 if all(result["same_queries"] for result in (inbox, proposed) if result) else 1


def bench_partner() -> Any:
    """The partner whose flags the benchmark sends (marked, so seed_scale --flush deletes it), and
    any flags it left behind when a run was cut short deleted."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from heard.accounts.models import User
    from heard.frontline.models import Partner

    user, _ = User.objects.get_or_create(
        email=BENCH_PARTNER, defaults={"display_name": "Benchmark partner", "password": make_password(None)}
    )
    partner = Partner.objects.defer("phone").filter(user=user).first()
    if partner is None:
        now = timezone.now()
        Partner.objects.create(user=user, kind="shopkeeper", status="verified", verified_at=now, guidance_read_at=now)
        partner = Partner.objects.defer("phone").get(user=user)
    partner.user = user
    delete_flags(list(partner.flags.values_list("pk", flat=True)))
    return partner


def delete_flags(ids: list[int]) -> None:
    """Flags the benchmark committed, and what they left: referrals, updates, log rows, the queued
    linkage tasks."""
    if not ids:
        return
    from django.db import connection, transaction
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    from heard.core.models import ActivityLog
    from heard.frontline.models import Flag, FlagLink, FlagUpdate, Referral

    with transaction.atomic():
        ActivityLog.objects.filter(object_type="frontline.flag", object_id__in=[str(pk) for pk in ids]).delete()
        DBTaskResult.objects.filter(task_path__endswith="link_new_flag", args_kwargs__kwargs__flag_id__in=ids).delete()
        Referral.objects.filter(flag_id__in=ids).delete()
        FlagUpdate.objects.filter(flag_id__in=ids).delete()
        FlagLink.objects.filter(Q(first_id__in=ids) | Q(second_id__in=ids)).delete()
        # In SQL: the ORM would load the flags, whose details a run cut short encrypted with another
        # (throwaway) key.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Flag._meta.db_table} WHERE id = ANY(%s)", [ids])  # noqa: S608 - a model name


def route_benchmark(args: argparse.Namespace, agencies: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from heard.frontline import services
    from heard.frontline.models import Referral, RoutingRule

    partner = bench_partner()
    active_before = set(RoutingRule.objects.filter(active=True).values_list("pk", flat=True))
    real_route = services.flag_route
    flags = new_flags(args.flags, random.Random(1))

    def submitted_unrouted(data: dict[str, Any]) -> Any:
        """The flag as flag_submit saves it, before it is routed."""
        services.flag_route = lambda **_: []  # type: ignore[assignment]
        try:
            return services.flag_submit(partner=partner, **data)
        finally:
            services.flag_route = real_route

    def tiny_rules() -> None:
        RoutingRule.objects.filter(active=True).update(active=False)
        RoutingRule.objects.bulk_create(
            RoutingRule(agency=agencies[f"scale-frontline-{key}"], category=category) for key, category in TINY_RULES
        )

    # Queries and referrals per flag, counted once for each rule set (not timed).
    counted: dict[tuple[str, str], dict[str, float]] = {}
    for rules in ("big", "tiny"):
        route_queries, submit_queries, made = [], [], []
        with transaction.atomic():
            if rules == "tiny":
                tiny_rules()
            for data in flags[:40]:
                saved = transaction.savepoint()
                flag = submitted_unrouted(data)
                with CaptureQueriesContext(connection) as captured:
                    made.append(len(services.flag_route(flag=flag)))
                route_queries.append(len(captured))
                transaction.savepoint_rollback(saved)
                saved = transaction.savepoint()
                with CaptureQueriesContext(connection) as captured:
                    services.flag_submit(partner=partner, **data)
                submit_queries.append(len(captured))
                transaction.savepoint_rollback(saved)
            transaction.set_rollback(True)
        counted[("flag_route", rules)] = {
            "queries_mean": statistics.fmean(route_queries),
            "queries_max": max(route_queries),
            "referrals_per_flag": statistics.fmean(made),
        }
        counted[("flag_submit", rules)] = {
            "queries_mean": statistics.fmean(submit_queries),
            "queries_max": max(submit_queries),
            "referrals_per_flag": statistics.fmean(made),
        }
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {RoutingRule._meta.db_table}")

    times: dict[tuple[str, str], list[float]] = {
        key: []
        for key in (("flag_route", "big"), ("flag_route", "tiny"), ("flag_submit", "big"), ("flag_submit", "tiny"))
    }
    times[("flag_submit, committed", "big")] = []
    committed: list[int] = []

    def rolled_back_block(rules: str, block: list[dict[str, Any]]) -> None:
        with transaction.atomic():
            if rules == "tiny":
                tiny_rules()
            for data in block:
                saved = transaction.savepoint()
                flag = submitted_unrouted(data)
                started = time.perf_counter()
                services.flag_route(flag=flag)
                times[("flag_route", rules)].append(time.perf_counter() - started)
                transaction.savepoint_rollback(saved)
                saved = transaction.savepoint()
                started = time.perf_counter()
                services.flag_submit(partner=partner, **data)
                times[("flag_submit", rules)].append(time.perf_counter() - started)
                transaction.savepoint_rollback(saved)
            transaction.set_rollback(True)
        if rules == "tiny":  # the rules switched off and back leave dead rows: clear them
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {RoutingRule._meta.db_table}")

    def committed_block(block: list[dict[str, Any]]) -> None:
        for data in block:
            started = time.perf_counter()
            flag = services.flag_submit(partner=partner, **data)
            times[("flag_submit, committed", "big")].append(time.perf_counter() - started)
            committed.append(flag.pk)

    # Warm up: a block of each, not timed.
    rolled_back_block("big", flags[:BLOCK])
    rolled_back_block("tiny", flags[:BLOCK])
    for series in times.values():
        series.clear()
    blocks = [(kind, start) for kind in ("big", "tiny", "committed") for start in range(0, len(flags), BLOCK)]
    random.Random(2).shuffle(blocks)
    started_all = time.perf_counter()
    try:
        for kind, start in blocks:
            block = flags[start : start + BLOCK]
            if kind == "committed":
                committed_block(block)
            else:
                rolled_back_block(kind, block)
    finally:
        made_committed = Referral.objects.filter(flag_id__in=committed).count()
        delete_flags(committed)
    elapsed = time.perf_counter() - started_all
    if set(RoutingRule.objects.filter(active=True).values_list("pk", flat=True)) != active_before:
        sys.exit("The routing rules changed during the run.")

    results = {key: {**summary_ms(values), **counted.get(key, {})} for key, values in times.items()}
    results[("flag_submit, committed", "big")]["referrals_per_flag"] = made_committed / max(1, len(committed))
    print(
        f"\nRouting: {len(flags)} new flags against each rule set ({RoutingRule.objects.filter(active=True).count()} "
        f"active rules, and a tiny set of {len(TINY_RULES)}), in blocks of {BLOCK} in shuffled order "
        f"({elapsed:.0f} s).\n"
    )
    print(f"{'call':<26}{'rules':<7}{'median ms':>11}{'p95 ms':>9}{'queries':>9}{'referrals':>11}")
    for (name, rules), result in results.items():
        queries = f"{result['queries_mean']:.1f}" if "queries_mean" in result else ""
        print(
            f"{name:<26}{rules:<7}{result['median_ms']:>11.1f}{result['p95_ms']:>9.1f}{queries:>9}"
            f"{result['referrals_per_flag']:>11.2f}"
        )

    def ratio(a: tuple[str, str], b: tuple[str, str]) -> float:
        return round(results[a]["median_ms"] / results[b]["median_ms"], 2)

    ratios = {
        "flag_route, big rules / tiny rules": ratio(("flag_route", "big"), ("flag_route", "tiny")),
        "flag_submit, big rules / tiny rules": ratio(("flag_submit", "big"), ("flag_submit", "tiny")),
        "flag_submit committed / rolled back (big rules)": ratio(
            ("flag_submit, committed", "big"), ("flag_submit", "big")
        ),
    }
    print("\nRatios of the medians:")
    for name, value in ratios.items():
        print(f"  {name:<52}{value:>6.2f}")
    worst = results[("flag_route", "big")]["median_ms"]
    return {
        "flags_each": len(flags),
        "block": BLOCK,
        "active_rules": RoutingRule.objects.filter(active=True).count(),
        "tiny_rules": len(TINY_RULES),
        "series": [{"call": name, "rules": rules, **result} for (name, rules), result in results.items()],
        "ratios": ratios,
        "worst_route_median_ms": worst,
        "committed_median_ms": results[("flag_submit, committed", "big")]["median_ms"],
        "target_met": worst <= ROUTE_TARGET_MS,
    }


def inbox_benchmark(args: argparse.Namespace, big: Any, small: Any, *, label: str = "as it is") -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from heard.frontline import selectors
    from heard.frontline.enums import OPEN_REFERRAL
    from heard.frontline.models import Referral
    from heard.organisations.models import Membership

    def caseworker(agency: Any) -> Any:
        membership = (
            Membership.objects.filter(organisation_id=agency.organisation_id, role="caseworker")
            .select_related("user")
            .order_by("user_id")
            .first()
        )
        if membership is None:
            sys.exit(f"{agency} has no caseworker: rebuild the data with seed_scale --flush.")
        return membership.user

    clients = {}
    people = {}
    for size, agency in (("big", big), ("small", small)):
        people[size] = caseworker(agency)
        clients[size] = Client(headers=PROXY_HEADERS)
        clients[size].force_login(people[size])
    url = reverse("frontline:inbox")
    open_count = selectors.inbox(agency=big).count()
    last_page = max(1, -(-open_count // settings.HEARD_PAGE_SIZE))
    middle = max(1, last_page // 2)
    pages = [
        ("open", "big", url),
        ("open", "small", url),
        (f"open, page {middle:,}", "big", f"{url}?page={middle}"),
        (f"open, last page ({last_page:,})", "big", f"{url}?page={last_page}"),
        ("escalated", "big", f"{url}?show=overdue"),
        ("escalated", "small", f"{url}?show=overdue"),
        ("closed", "big", f"{url}?show=closed"),
        ("closed", "small", f"{url}?show=closed"),
    ]
    queries: dict[tuple[str, str], int] = {}
    captured_sql: dict[tuple[str, str], list[str]] = {}
    for name, size, page_url in pages:
        # The first request of a session finds the two-factor authenticator and notes it in the
        # session, as after signing in; then every page runs as a caseworker's would.
        response = clients[size].get(page_url)
        if response.status_code != 200:
            sys.exit(f"{page_url} answered {response.status_code} for the {size} agency's caseworker, not 200.")
        with CaptureQueriesContext(connection) as captured:
            response = clients[size].get(page_url)
        queries[(name, size)] = len(captured)
        captured_sql[(name, size)] = [query["sql"] for query in captured.captured_queries]
    first = (
        Referral.objects.filter(agency=big, status__in=OPEN_REFERRAL)
        .select_related("flag")
        .only("flag__reference")
        .order_by("acknowledge_by", "id")
        .first()
    )
    # The page shows what it should: the soonest deadline first.
    assert first is not None
    assert first.flag.reference in clients["big"].get(url).content.decode()
    assert "Referrals to" in clients["small"].get(url).content.decode()

    if args.explain:
        for name in ("open", pages[3][0], "escalated", "closed"):
            print(f"\nEXPLAIN ANALYZE, inbox {label}, {name}, big agency:")
            explain(captured_sql[(name, "big")])

    for _ in range(args.warmup):
        for _name, size, page_url in pages:
            clients[size].get(page_url)
    times: dict[tuple[str, str], list[float]] = {(name, size): [] for name, size, _url in pages}
    rng = random.Random(1)
    order = list(pages)
    for _ in range(args.requests):
        rng.shuffle(order)
        for name, size, page_url in order:
            started = time.perf_counter()
            clients[size].get(page_url)
            times[(name, size)].append(time.perf_counter() - started)

    results = {key: {**summary_ms(values), "queries": queries[key]} for key, values in times.items()}
    print(
        f"\nInbox, {label}: signed in as {people['big'].email} (big) and {people['small'].email} (small); "
        f"{args.requests} requests of each page after {args.warmup} to warm up.\n"
    )
    print(f"{'page':<30}{'agency':<8}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    for (name, size), result in results.items():
        print(f"{name:<30}{size:<8}{result['median_ms']:>11.1f}{result['p95_ms']:>9.1f}{result['queries']:>9}")

    def ratio(a: tuple[str, str], b: tuple[str, str]) -> float:
        return round(results[a]["median_ms"] / results[b]["median_ms"], 2)

    ratios = {
        "open, big / small": ratio(("open", "big"), ("open", "small")),
        "open, middle page / page 1 (big)": ratio((pages[2][0], "big"), ("open", "big")),
        "open, last page / page 1 (big)": ratio((pages[3][0], "big"), ("open", "big")),
        "escalated, big / small": ratio(("escalated", "big"), ("escalated", "small")),
        "closed, big / small": ratio(("closed", "big"), ("closed", "small")),
    }
    print("\nRatios of the medians (1.0 = the size of the data makes no difference):")
    for name, value in ratios.items():
        print(f"  {name:<40}{value:>6.2f}")
    # The same for both agencies in each view, and on every page of the open referrals.
    same_queries = (
        all(queries[(name, "big")] == queries[(name, "small")] for name in ("open", "escalated", "closed"))
        and len({queries[(name, "big")] for name, size, _url in pages if name.startswith("open")}) == 1
    )
    worst = max(result["median_ms"] for result in results.values())
    return {
        "code": label,
        "big_caseworker": people["big"].email,
        "small_caseworker": people["small"].email,
        "requests_each": args.requests,
        "page_size": settings.HEARD_PAGE_SIZE,
        "pages": [{"page": name, "agency": size, **results[(name, size)]} for name, size, _url in pages],
        "ratios": ratios,
        "same_queries": same_queries,
        "worst_median_ms": worst,
        "target_met": same_queries and worst <= INBOX_TARGET_MS,
    }


def proposed_indexes() -> list[Any]:
    """The proposed indexes on Referral, one per inbox view, each holding only its view's referrals
    in its order (the existing `referral_inbox` has the status before the deadline, so it cannot
    give the open referrals, three statuses, in deadline order: PostgreSQL sorts them all)."""
    from django.db.models import Index, Q

    from heard.frontline.enums import OPEN_REFERRAL, ReferralStatus

    return [
        Index(fields=["agency", "acknowledge_by", "id"], condition=Q(status__in=OPEN_REFERRAL), name="referral_open"),
        Index(
            fields=["agency", "acknowledge_by", "id"],
            condition=Q(status=ReferralStatus.ROUTED, escalated_at__isnull=False),
            name="referral_escalated",
        ),
        Index(fields=["agency", "-closed_at", "-id"], condition=~Q(status__in=OPEN_REFERRAL), name="referral_closed"),
    ]


@contextmanager
def proposal() -> Iterator[None]:
    """The proposed change, in this process only: the indexes made inside a transaction that is
    rolled back afterwards, so the database is left as it was. (`selectors.inbox` already reads a
    page's ids apart, with `heard.core.pagination.InOrder`: these indexes give it those ids in
    order.)"""
    from django.db import connection, transaction

    from heard.frontline.models import Referral

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            there = connection.introspection.get_constraints(cursor, Referral._meta.db_table)
        with connection.schema_editor() as editor:
            for index in proposed_indexes():
                if index.name not in there:  # not yet made by a migration
                    editor.add_index(Referral, index)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Referral._meta.db_table}")
        print(f"\nThe proposed indexes built in {time.perf_counter() - started:.1f} s (rolled back at the end).")
        try:
            yield
        finally:
            transaction.set_rollback(True)


def explain(statements: list[str]) -> None:
    """EXPLAIN ANALYZE of each query that reads referrals (the captured SQL has its values inlined)."""
    from django.db import connection

    for sql in statements:
        if "frontline_referral" not in sql:
            continue
        print(f"\n{sql}\n")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print(f"    {line}")


if __name__ == "__main__":
    sys.exit(main())
