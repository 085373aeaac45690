"""Voting in a conversation holds up under load, and loses or doubles no vote.

Target (issue 5): casting a vote through the web sustains at least 300 votes a second against
PostgreSQL on this machine in a loopback load test, with no lost or duplicated vote.

How: gunicorn serves Heard in production settings (DEBUG=false, PostgreSQL `heard_bench`, Redis
cache, the database task queue, as if behind a TLS proxy) on 127.0.0.1. The conversation
`bench-votes` (made once, kept: open, 2,000 accepted statements, 1,000 participants made
beforehand, each with a random key) starts every run without votes. Each participant's cookie is
signed here exactly as the site signs it (HttpResponse.set_signed_cookie, same SECRET_KEY), and we
fetch the conversation page once for a CSRF cookie and token.

wrk, one connection per thread, runs benchmarks/vote.lua, which POSTs a vote on every request as
the browser's form does (not htmx): the view finds the participant from the cookie, counts the
vote against the participant's limit (lifted by HEARD_VOTES_PER_MINUTE), upserts it and asks for a
new opinion map (queued once, debounced), and answers 303 to the conversation page.

1. Distinct pairs: every request votes on a (participant, statement) pair no other request uses,
   with a value that follows from the pair. Afterwards (gunicorn stopped, so nothing is in flight)
   every pair answered 303 must have exactly its row with exactly its value, and there must be no
   other row, save for the few requests still in flight when wrk stopped (at most one a
   connection), which may have landed or not: rows = 303 answers exactly, plus those.
2. Same pairs: a shorter run in which every request votes on one of 16 pairs, changing its vote,
   two connections on each pair at any moment. There must be exactly one row per pair.

Side by side in the same run, the same wrk against `/health/` (one query, one cache round trip) is
the peer. Then the votes are deleted, and the analysis task they queued.

    .venv/bin/python benchmarks/vote_submit.py [--duration 20] [--connections 32] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PROXY_HEADERS, ROOT, bench_environment, machine, manage, write_results
from benchmarks.story_submit import csrf_for, run, wait_until_up

TARGET_VPS = 300.0
SLUG = "bench-votes"
STATEMENTS = 2000
PARTICIPANTS = 1000
# Pairs voted on over and over in phase 2: the first SAME_SIDE participants x the last
# SAME_SIDE statements (as in vote.lua).
SAME_SIDE = 4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds of the peer's and the votes' wrk runs")
    parser.add_argument("--same-duration", type=int, default=8, help="seconds of the same-pairs run")
    parser.add_argument("--connections", type=int, default=32, help="wrk's connections, one a thread")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's worker processes")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--app", default="config.wsgi", help="the WSGI module to serve, to try a change side by side")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: make bench-deps (or apt-get install wrk).")
    if port_in_use(args.port):
        sys.exit(f"Something already listens on 127.0.0.1:{args.port}: --port another.")

    environment = bench_environment()
    # Every vote comes from one address, and phase 2 has four participants vote hundreds of times
    # a minute: lift both limits (60 votes a minute per participant, 30 new participants an hour
    # per address), or the view would answer 303 to votes it did not count.
    environment["HEARD_VOTES_PER_MINUTE"] = "1000000000"
    environment["HEARD_CONVERSATION_JOINS_PER_HOUR"] = "1000000000"
    manage("migrate", "--noinput", "--verbosity", "0", environment=environment)
    os.environ.update(environment)
    import django

    django.setup()
    from django.conf import settings
    from django.db import ProgrammingError, connection
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from heard.conversations.models import Conversation, Participant, Statement, Vote

    lifted = int(environment["HEARD_VOTES_PER_MINUTE"])
    if lifted != settings.HEARD_VOTES_PER_MINUTE:
        sys.exit("config/settings.py does not read HEARD_VOTES_PER_MINUTE: votes over 60 a minute would not count.")

    try:  # every column of the models, so a table older than its migration fails here, not under load
        for model in (Conversation, Participant, Statement, Vote):
            list(model.objects.all()[:1])
    except ProgrammingError as error:
        sys.exit(
            f"heard_bench's conversations tables do not match the models ({error}): a migration was changed "
            "after heard_bench applied it. Nothing else lives there: DATABASE_URL=<heard_bench> "
            "manage.py migrate conversations zero, then run this again."
        )
    conversation, participants, statements = bench_conversation()
    cookie_name = f"heard_conv_{conversation.pk}"
    path = reverse("conversations:vote", kwargs={"slug": SLUG})
    page = conversation.get_absolute_url()
    base = f"http://127.0.0.1:{args.port}"
    referer = f"https://127.0.0.1:{args.port}{page}"
    participants_before = Participant.objects.filter(conversation=conversation).count()
    started_at = time.time()
    queries = queries_per_vote(conversation, participants[-1], statements[0])

    manage("collectstatic", "--noinput", "--verbosity", "0", environment=environment)
    connection.close()
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
    with tempfile.TemporaryDirectory() as scratch:
        try:
            wait_until_up(base + "/health/")
            csrf_cookie, token = csrf_for(base + page)
            # The Cookie header of each participant: the CSRF cookie, and the participant's key
            # signed as the site signs it (the same SECRET_KEY: the environment is shared).
            headers = [f"{csrf_cookie}; {cookie_name}={signed_cookie(cookie_name, p.key)}" for p in participants]
            pairs_file = Path(scratch) / "pairs.txt"
            pairs_file.write_text(
                f"{len(participants)} {len(statements)}\n"
                + "".join(h + "\n" for h in headers)
                + "".join(f"{s.pk}\n" for s in statements),
                encoding="utf-8",
            )
            # One vote first, checked end to end (and deleted again): the cookie is recognised (no
            # new participant is made) and the vote is stored.
            check_one_vote(base + path, headers[-1], token, referer, statements[-SAME_SIDE - 1].pk)
            if not Vote.objects.filter(participant=participants[-1], statement=statements[-SAME_SIDE - 1]).exists():
                sys.exit("A check vote was answered 303 but not stored: look at the view's messages.")
            Vote.objects.filter(participant=participants[-1]).delete()
            connection.close()

            def wrk(seconds: int, script: str, *request: str) -> dict:
                n = str(args.connections)
                command = ["wrk", "-t", n, "-c", n, "-d", f"{seconds}s", "--timeout", "10s", "--latency"]
                return run([*command, "-s", str(ROOT / "benchmarks" / script), base, "--", *request])

            vote_args = (path, str(pairs_file), token, referer, str(args.connections))
            # Warm every worker up, then the peer, the votes, and the votes on the same pairs, in one run.
            wrk(3, "wrk.lua", "GET", "/health/")
            health = wrk(args.duration, "wrk.lua", "GET", "/health/")
            distinct = wrk(args.duration, "vote.lua", "DISTINCT", *vote_args)
        finally:
            # A graceful stop: the workers finish the requests still in flight before they exit.
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        check = check_distinct(distinct, conversation, participants, statements, args.connections)

        # Phase 2 on a server of its own, so that phase 1's rows were counted with nothing in flight.
        gunicorn = subprocess.Popen(gunicorn.args, cwd=ROOT, env=environment)  # noqa: S603
        try:
            wait_until_up(base + "/health/")
            wrk(2, "wrk.lua", "GET", "/health/")
            same = wrk(args.same_duration, "vote.lua", "SAME", *vote_args)
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
    same_check = check_same(same, conversation, participants, statements)
    joined = Participant.objects.filter(conversation=conversation).count() - participants_before

    # Leave the benchmark database as we found it: no votes, no queued analysis.
    Vote.objects.filter(participant__conversation=conversation).delete()
    Conversation.objects.filter(pk=conversation.pk).update(analysis_queued_at=None)
    DBTaskResult.objects.filter(
        task_path__endswith="analyse_conversation", enqueued_at__gte=datetime.fromtimestamp(started_at, tz=UTC)
    ).delete()

    def errors_of(result: dict) -> int:
        return sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")) + sum(
            n for code, n in result["statuses"].items() if not code.startswith(("2", "3"))
        )

    def rate(result: dict) -> float:
        return result["requests"] / (result["duration_us"] / 1e6)

    votes_per_second, health_rps, same_rps = rate(distinct), rate(health), rate(same)
    errors = errors_of(distinct) + errors_of(same)
    exact = check["exact"] and same_check["exact"] and joined == 0
    met = votes_per_second >= TARGET_VPS and errors == 0 and exact

    print(
        f"\ngunicorn {args.workers} sync workers; wrk {args.connections} threads, {args.connections} connections, "
        f"{args.duration} s ({args.same_duration} s on the same pairs). Conversation: {SLUG}, "
        f"{len(statements):,} statements, {len(participants):,} participants.\n"
    )
    print(f"{'request':<30}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, result, rps in (
        ("POST a vote, distinct pairs", distinct, votes_per_second),
        ("POST a vote, same 16 pairs", same, same_rps),
        ("GET /health/ (peer)", health, health_rps),
    ):
        lat = result["latency_us"]
        print(
            f"{name:<30}{rps:>9.0f}{lat['p50'] / 1000:>9.1f}{lat['p90'] / 1000:>9.1f}{lat['p99'] / 1000:>9.1f}"
            f"{errors_of(result):>8}"
        )
    print(f"\nVotes / peer throughput: {votes_per_second / health_rps:.2f}")
    print(f"Queries per vote (one vote in-process, as the view runs it): {queries['count']}")
    print(f"Status codes, distinct pairs: {distinct['statuses']}; same pairs: {same['statuses']}")
    print(
        f"Distinct pairs: {check['answered']} answered 303, {check['stored_answered']} of them stored, every value "
        f"{'right' if check['wrong_values'] == 0 else 'NOT right: ' + str(check['wrong_values']) + ' wrong'}; "
        f"{check['in_flight']} in flight when wrk stopped, {check['in_flight_landed']} of them stored; "
        f"{check['unexpected']} other rows. Rows: {check['rows']}."
    )
    print(
        f"Same pairs: {same_check['answered']} answered 303 on {same_check['pairs']} pairs; "
        f"{same_check['rows']} rows, most on one pair: {same_check['most_rows_on_a_pair']}."
    )
    print(f"New participants made during the run (must be 0): {joined}")
    print(
        f"Target, at least {TARGET_VPS:.0f} votes a second with no errors and no vote lost or doubled: "
        f"{'met' if met else 'MISSED'}"
    )

    path_written = write_results(
        "vote_submit",
        {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "how": f"gunicorn {args.workers} sync workers, wrk -t{args.connections} -c{args.connections} "
            f"-d{args.duration}s (same pairs -d{args.same_duration}s), loopback, DEBUG=false, PostgreSQL, "
            "Redis cache, database task queue",
            "conversation": {"slug": SLUG, "statements": len(statements), "participants": len(participants)},
            "queries_per_vote": queries,
            "votes": {**without_threads(distinct), "requests_per_second": round(votes_per_second, 1)},
            "votes_same_pairs": {**without_threads(same), "requests_per_second": round(same_rps, 1)},
            "health_peer": {**health, "requests_per_second": round(health_rps, 1)},
            "ratio_votes_to_peer": round(votes_per_second / health_rps, 3),
            "check_distinct": check,
            "check_same": same_check,
            "participants_joined": joined,
            "errors": errors,
            "target_votes_per_second": TARGET_VPS,
            "target_met": met,
        },
    )
    print(f"Written to {path_written}")
    return 0 if errors == 0 and exact else 1


def bench_conversation() -> tuple:
    """The conversation `bench-votes`, open, with its statements and participants, and no votes."""
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from heard.conversations.enums import StatementStatus
    from heard.conversations.models import Conversation, Participant, Statement, Vote
    from heard.organisations.enums import Sector
    from heard.organisations.models import Organisation

    now = timezone.now()
    with transaction.atomic():
        organisation, _created = Organisation.objects.get_or_create(
            slug=SLUG, defaults={"name": "Benchmark: votes", "sector": Sector.PUBLIC}
        )
        conversation, _created = Conversation.objects.get_or_create(
            slug=SLUG,
            defaults={
                "organisation": organisation,
                "topic": "Benchmark: voting",
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=3650),
            },
        )
        if not conversation.is_open:
            conversation.opens_at, conversation.closes_at = now - timedelta(days=1), now + timedelta(days=3650)
            conversation.save(update_fields=["opens_at", "closes_at"])
        # A run that was stopped halfway leaves its votes: start without any.
        Vote.objects.filter(participant__conversation=conversation).delete()
        Conversation.objects.filter(pk=conversation.pk).update(analysis_queued_at=None)
        statements = Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED)
        if statements.count() < STATEMENTS:
            Statement.objects.bulk_create(
                Statement(
                    conversation=conversation,
                    text=f"Benchmark statement {n}.",
                    status=StatementStatus.ACCEPTED,
                    is_seed=True,
                    moderated_at=now,
                )
                for n in range(STATEMENTS - statements.count())
            )
        # The first participants, made beforehand; any that joined in an earlier run stay out of it.
        made = Participant.objects.filter(conversation=conversation, external_id__startswith="bench-")
        if made.count() < PARTICIPANTS:
            Participant.objects.bulk_create(
                Participant(conversation=conversation, key=secrets.token_urlsafe(24), external_id=f"bench-{n}")
                for n in range(made.count(), PARTICIPANTS)
            )
    return (
        Conversation.objects.get(pk=conversation.pk),
        list(made.order_by("pk")[:PARTICIPANTS]),
        list(statements.order_by("pk")[:STATEMENTS]),
    )


def signed_cookie(name: str, value: str) -> str:
    """The value of the cookie the vote view sets (views.public._remember), signed the same way."""
    from django.http import HttpResponse

    from heard.conversations.views.public import COOKIE_SALT

    response = HttpResponse()
    response.set_signed_cookie(name, value, salt=COOKIE_SALT)
    return response.cookies[name].value


def queries_per_vote(conversation, participant, statement) -> dict:
    """One vote through the whole stack in this process (Django's test client), its queries counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from heard.conversations.models import Conversation, Vote

    client = Client(headers=PROXY_HEADERS)
    client.cookies[f"heard_conv_{conversation.pk}"] = signed_cookie(f"heard_conv_{conversation.pk}", participant.key)
    url = reverse("conversations:vote", kwargs={"slug": conversation.slug})
    counts = []
    # The first vote also queues the analysis; the ones after it find it queued, as under load.
    for value in (1, -1):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"statement": statement.pk, "vote": value}, secure=True)
        if response.status_code != 303:
            sys.exit(f"A vote in-process was answered {response.status_code}.")
        counts.append(captured.captured_queries)
    Vote.objects.filter(participant=participant).delete()
    Conversation.objects.filter(pk=conversation.pk).update(analysis_queued_at=None)
    return {"count": len(counts[-1]), "first_vote": len(counts[0]), "sql": [q["sql"][:160] for q in counts[-1]]}


def check_one_vote(url: str, cookie: str, token: str, referer: str, statement_id: int) -> None:
    body = f"statement={statement_id}&vote=1&csrfmiddlewaretoken={token}".encode()
    request = urllib.request.Request(  # noqa: S310 - our own http:// address
        url,
        data=body,
        headers={**PROXY_HEADERS, "Cookie": cookie, "Referer": referer},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            sys.exit(f"A check vote was answered {answer.code}.")
        if any("heard_conv_" in c for c in answer.headers.get_all("Set-Cookie") or []):
            sys.exit("A check vote made a new participant: the signed cookie was not recognised.")
        return
    sys.exit("A check vote was answered without a redirect.")


def pair_of(mode: str, thread: int, i: int, nthreads: int, n_participants: int, n_statements: int) -> tuple:
    """The (participant index, statement index, value) of request i of a thread, as vote.lua makes it."""
    g = i * nthreads + thread
    if mode == "DISTINCT":
        p, s = g % n_participants, g // n_participants
        return p, s, (p + s) % 3 - 1
    return g % SAME_SIDE, n_statements - 1 - (g // SAME_SIDE) % SAME_SIDE, (i + thread) % 3 - 1


def check_distinct(result: dict, conversation, participants, statements, nthreads: int) -> dict:
    """Every pair answered 303 has its one row with its value; no other rows but in-flight ones."""
    from heard.conversations.models import Vote

    p_index = {p.pk: n for n, p in enumerate(participants)}
    s_index = {s.pk: n for n, s in enumerate(statements)}
    answered, in_flight, other = {}, {}, 0
    for thread in result["threads"]:
        odd = {int(item.split(":")[0]) for item in thread["odd"]}
        maybe = set(thread["unanswered"]) | ({thread["pending"]} if thread["pending"] >= 0 else set())
        other += len(odd)
        for i in range(thread["sent"]):
            p, s, value = pair_of("DISTINCT", thread["id"], i, nthreads, len(participants), len(statements))
            if s >= len(statements) - SAME_SIDE:
                sys.exit("Phase 1 ran out of pairs: make more statements or participants.")
            if i in maybe or i in odd:
                in_flight[(p, s)] = value
            else:
                answered[(p, s)] = value
    stored = list(
        Vote.objects.filter(participant__conversation=conversation).values_list(
            "participant_id", "statement_id", "value"
        )
    )
    rows = {(p_index.get(p, -1), s_index.get(s, -1)): value for p, s, value in stored}
    stored_answered = sum(1 for pair in answered if pair in rows)
    wrong = sum(1 for pair, value in rows.items() if pair in answered and answered[pair] != value) + sum(
        1 for pair, value in rows.items() if pair in in_flight and in_flight[pair] != value
    )
    landed = sum(1 for pair in in_flight if pair in rows)
    unexpected = sum(1 for pair in rows if pair not in answered and pair not in in_flight)
    n_303 = result["statuses"].get("303", 0)
    return {
        "answered": len(answered),
        "answered_303_by_wrk": n_303,
        "stored_answered": stored_answered,
        "wrong_values": wrong,
        "in_flight": len(in_flight),
        "in_flight_landed": landed,
        "unexpected": unexpected,
        "non_303_answers": other,
        "rows": len(stored),
        "exact": len(answered) == n_303 == stored_answered
        and wrong == 0
        and unexpected == 0
        and len(stored) == len(rows) == n_303 + landed,
    }


def check_same(result: dict, conversation, participants, statements) -> dict:
    """One row per pair, however many votes it had; none on pairs no one voted on."""
    from django.db.models import Count

    from heard.conversations.models import Vote

    pairs = {
        (participants[p].pk, statements[s].pk)
        for p in range(SAME_SIDE)
        for s in range(len(statements) - SAME_SIDE, len(statements))
    }
    counted = list(
        Vote.objects.filter(participant__conversation=conversation)
        .values("participant_id", "statement_id")
        .annotate(n=Count("id"))
        .filter(participant_id__in=[p for p, _s in pairs], statement_id__in=[s for _p, s in pairs])
    )
    most = max((row["n"] for row in counted), default=0)
    return {
        "answered": result["statuses"].get("303", 0),
        "pairs": len(pairs),
        "rows": len(counted),
        "most_rows_on_a_pair": most,
        "exact": most == 1 and len(counted) == len(pairs) and result["statuses"].get("303", 0) > 0,
    }


def without_threads(result: dict) -> dict:
    return {key: value for key, value in result.items() if key != "threads"}


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


if __name__ == "__main__":
    sys.exit(main())
