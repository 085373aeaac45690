"""`manage.py seed_scale`: a big, realistic data set for the benchmarks in `benchmarks/`.

Every row it makes is marked: areas, organisations and services have slugs starting `scale-`, and
residents have addresses at `scale.example`. It refuses to run twice; `--flush` deletes the marked
rows (and the stories, answers and changes on those services) and builds them again, and
`--if-missing` leaves data that is there alone.
"""

# The flush is plain SQL built from the models' table names, with every value passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from heard.accounts.models import User
from heard.directory.enums import ServiceCategory, ServiceStatus
from heard.directory.models import Service
from heard.organisations.enums import AreaKind, Sector
from heard.organisations.models import Area, Organisation
from heard.voice.enums import Listened, ResponseStatus, StoryStatus
from heard.voice.models import Change, Response, Story

PREFIX = "scale-"
EMAIL_DOMAIN = "scale.example"
BATCH = 5000

# How people rate services is J-shaped: many fives, many ones, fewer in between.
RATINGS = [5, 4, 3, 2, 1]
RATING_WEIGHTS = [0.34, 0.21, 0.12, 0.11, 0.22]
# Of the stories told, most are published; the rest wait or were turned down.
STATUSES = [StoryStatus.PUBLISHED, StoryStatus.PENDING, StoryStatus.UNCONFIRMED, StoryStatus.REJECTED]
STATUS_WEIGHTS = [0.90, 0.04, 0.03, 0.03]
# A provider answers about a third of published stories, and answers a few of those twice.
ANSWERED_SHARE = 0.3
SECOND_ANSWER_SHARE = 0.15
RESPONSE_STATUSES = list(ResponseStatus)
RESPONSE_STATUS_WEIGHTS = [0.4, 0.3, 0.15, 0.15]
HISTORY_DAYS = 730

SECTORS = list(Sector)
TOPICS = ["repair", "appointment", "phone line", "waiting list", "visit", "letter", "form", "assessment", "referral"]
GOOD = ["Quick and kind", "Sorted in a day", "They listened", "Better than I expected", "Really helpful staff"]
BAD = ["Still waiting", "Nobody called back", "Passed from desk to desk", "Lost my paperwork", "Rude on the phone"]
SENTENCES = [
    "I rang on a Monday morning and got through after twenty minutes.",
    "The person I spoke to knew what they were doing and explained the next steps.",
    "I had to tell my story three times to three different people.",
    "They came when they said they would, which made a real difference.",
    "The letter I got used words I did not understand, so I asked a neighbour to help.",
    "It took four weeks to hear anything, and then it was a text message.",
    "The waiting room was full but the staff kept everyone informed.",
    "My daughter came with me to translate, as nobody there spoke Polish.",
    "I was told to fill in the form online, but I do not have a computer at home.",
    "In the end the problem was fixed and I was asked whether I was happy with it.",
    "I felt they were on my side and wanted to help.",
    "Nobody told me my appointment had been moved, so I went for nothing.",
    "The new online booking is easier than phoning, once you find it.",
    "They gave me a number to call if it happened again, and it worked.",
    "I would tell a friend to use this service.",
    "It is not their fault they are short of staff, but it showed.",
]
ANSWERS = [
    "Thank you for telling us. We are sorry it took so long and have passed this to the team manager.",
    "We are looking into what happened with your appointment and will write to you within ten days.",
    "You are not the only one to tell us this. We are changing how we book visits from next month.",
    "We have now changed the letter so that it says plainly what happens next.",
    "Thank you for your kind words; we have shared them with the team.",
]
NAMES = ["", "", "", "Amara", "Tom", "Bea", "Kofi", "Ewa", "Sunita", "Declan", "Mo", "Grace", "Yusuf", "Lin"]
CHANGES = [
    "Evening opening on Thursdays",
    "A call-back instead of a queue",
    "Letters rewritten in plain English",
    "Interpreters booked with the appointment",
    "Text reminders the day before",
]


class Command(BaseCommand):
    help = (
        "Build a large data set for the benchmarks: organisations, services in every category, and "
        "stories with answers, all marked with the prefix 'scale-'. Refuses if it is already there "
        "unless --flush."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--services", type=int, default=1000)
        parser.add_argument("--stories", type=int, default=500_000)
        parser.add_argument("--organisations", type=int, default=40)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--flush", action="store_true", help="Delete the scale data first, then build it again.")
        parser.add_argument(
            "--if-missing", action="store_true", help="If the scale data is there, keep it and succeed (for make)."
        )
        parser.add_argument(
            "--yes-really", action="store_true", help="Run even outside debug and demo mode (a benchmark database)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.HEARD_DEMO or options["yes_really"]):
            # It makes half a million invented stories: on a real site they would drown the real ones.
            raise CommandError(
                "seed_scale runs only in debug or demo mode (DEBUG=true or HEARD_DEMO=true), or with --yes-really."
            )
        if options["services"] < 1 or options["organisations"] < 1 or options["stories"] < 0:
            raise CommandError("--services and --organisations must be at least 1, --stories at least 0.")
        started = time.monotonic()
        exists = Service.objects.filter(slug__startswith=PREFIX).exists()
        if exists and options["if_missing"] and not options["flush"]:
            self.stdout.write("The scale data is already there; nothing changed.")
            return
        if exists and not options["flush"]:
            raise CommandError("The scale data is already there; run with --flush to delete it and build it again.")
        with transaction.atomic():
            if exists:
                flush()
                self.stdout.write(f"Deleted the old scale data in {time.monotonic() - started:.0f} s.")
            built = Builder(
                rng=random.Random(options["seed"]),  # noqa: S311 - invented data, not secrets
                now=timezone.now(),
                out=self.stdout,
            ).build(services=options["services"], stories=options["stories"], organisations=options["organisations"])
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner, and the visibility map set, as autovacuum would
            # leave a table that has been there a while (index-only scans need it).
            # Inside a transaction (a test's, say) VACUUM cannot run; ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                for model in (Story, Response, Service):
                    cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {built['organisations']} organisations, {built['services']} services, "
                f"{built['stories']} stories, {built['responses']} answers and {built['changes']} changes "
                f"in {time.monotonic() - started:.0f} s."
            )
        )


def flush() -> None:
    """Delete every row seed_scale made, in plain SQL: the ORM would load half a million stories
    into memory to cascade."""
    table = {model: model._meta.db_table for model in (Story, Change, Service, Organisation, Area, User)}
    services = f"SELECT id FROM {table[Service]} WHERE slug LIKE %s"
    stories = f"SELECT id FROM {table[Story]} WHERE service_id IN ({services})"
    like = PREFIX + "%"
    statements = []
    # Whatever refers to a story goes first: answers, follows, reports, links to changes, and the
    # rows of any app that refers to stories.
    for relation in Story._meta.related_objects:
        if relation.many_to_many:
            refers, column = relation.through._meta.db_table, relation.field.m2m_reverse_name()
        else:
            refers, column = relation.related_model._meta.db_table, relation.field.column
        statements.append((f"DELETE FROM {refers} WHERE {column} IN ({stories})", [like]))
    statements += [
        (f"DELETE FROM {table[Change]} WHERE service_id IN ({services})", [like]),
        (f"DELETE FROM {table[Story]} WHERE service_id IN ({services})", [like]),
        (f"DELETE FROM {Service.areas.through._meta.db_table} WHERE service_id IN ({services})", [like]),
        (f"DELETE FROM {table[Service]} WHERE slug LIKE %s", [like]),
        (
            f"DELETE FROM {Organisation.areas.through._meta.db_table} WHERE organisation_id IN "
            f"(SELECT id FROM {table[Organisation]} WHERE slug LIKE %s)",
            [like],
        ),
        (f"DELETE FROM {table[Organisation]} WHERE slug LIKE %s", [like]),
        # Wards first, then local authorities, then regions: each refers to the one above.
        *[
            (f"DELETE FROM {table[Area]} WHERE slug LIKE %s AND kind = %s", [like, kind])
            for kind in (AreaKind.WARD, AreaKind.LOCAL_AUTHORITY, AreaKind.REGION)
        ],
        (f"DELETE FROM {table[User]} WHERE email LIKE %s", ["%@" + EMAIL_DOMAIN]),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


@contextmanager
def given_timestamps(*fields: Any) -> Iterator[None]:
    """Let bulk_create keep the creation times we give: `auto_now_add` would set them all to now,
    and a page's figures (time to a first answer, month by month) need a history."""
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


class Builder:
    def __init__(self, *, rng: random.Random, now: dt.datetime, out: Any) -> None:
        self.rng = rng
        self.now = now
        self.out = out
        self.counts = {"organisations": 0, "services": 0, "stories": 0, "responses": 0, "changes": 0}

    def build(self, *, services: int, stories: int, organisations: int) -> dict[str, int]:
        areas = self.areas()
        orgs = self.organisations(organisations, areas)
        service_rows = self.services(services, orgs, areas)
        users = self.residents(max(1, min(2000, stories // 250)))
        with given_timestamps(Story._meta.get_field("created_at"), Response._meta.get_field("created_at")):
            self.stories(stories, service_rows, users)
        return self.counts

    def areas(self) -> list[Area]:
        region = Area.objects.create(name="Scale Region", slug=f"{PREFIX}region", kind=AreaKind.REGION)
        authorities = Area.objects.bulk_create(
            Area(name=f"Scale Borough {n}", slug=f"{PREFIX}borough-{n}", kind=AreaKind.LOCAL_AUTHORITY, parent=region)
            for n in range(1, 5)
        )
        wards = Area.objects.bulk_create(
            Area(name=f"Scale Ward {a}-{n}", slug=f"{PREFIX}ward-{a}-{n}", kind=AreaKind.WARD, parent=authority)
            for a, authority in enumerate(authorities, start=1)
            for n in range(1, 6)
        )
        return [region, *authorities, *wards]

    def organisations(self, count: int, areas: list[Area]) -> list[Organisation]:
        orgs = Organisation.objects.bulk_create(
            Organisation(
                name=f"Scale Provider {n}",
                slug=f"{PREFIX}provider-{n}",
                sector=SECTORS[n % len(SECTORS)],
                description="An invented provider for the benchmarks.",
            )
            for n in range(1, count + 1)
        )
        Organisation.areas.through.objects.bulk_create(
            Organisation.areas.through(organisation_id=org.pk, area_id=area.pk)
            for org in orgs
            for area in self.rng.sample(areas, 2)
        )
        self.counts["organisations"] = len(orgs)
        return orgs

    def services(self, count: int, orgs: list[Organisation], areas: list[Area]) -> list[Service]:
        categories = list(ServiceCategory)
        rows = Service.objects.bulk_create(
            (
                Service(
                    organisation=orgs[n % len(orgs)],
                    name=f"Scale {categories[n % len(categories)].label} service {n}",
                    slug=f"{PREFIX}service-{n}",
                    description="An invented service for the benchmarks. " * 3,
                    category=categories[n % len(categories)],
                    status=ServiceStatus.TEMPORARILY_CLOSED if n % 50 == 0 else ServiceStatus.ACTIVE,
                    eligibility="Anyone living in the borough.",
                    fees="Free",
                    phone="020 7946 0000",
                    email=f"service-{n}@{EMAIL_DOMAIN}",
                    opening_hours="Monday to Friday, 9am to 5pm",
                )
                for n in range(1, count + 1)
            ),
            batch_size=BATCH,
        )
        Service.areas.through.objects.bulk_create(
            (
                Service.areas.through(service_id=service.pk, area_id=area.pk)
                for service in rows
                for area in self.rng.sample(areas, self.rng.randint(1, 3))
            ),
            batch_size=BATCH,
        )
        self.counts["services"] = len(rows)
        return rows

    def residents(self, count: int) -> list[User]:
        password = make_password(None)  # unusable: nobody signs in as them
        users = User.objects.bulk_create(
            (
                User(email=f"resident-{n}@{EMAIL_DOMAIN}", display_name=f"Resident {n}", password=password)
                for n in range(1, count + 1)
            ),
            batch_size=BATCH,
        )
        return users

    def shares(self, total: int, count: int) -> list[int]:
        """How many stories each service gets: a long tail, as in life. A few services have only a
        handful, most a few hundred, the busiest several thousand."""
        weights = [self.rng.lognormvariate(0, 1.0) for _ in range(count)]
        quiet = max(1, count // 50)  # the last 2% of services hear almost nothing
        for index in range(count - quiet, count):
            weights[index] = 0.0
        few = [self.rng.randint(0, 5) if count > 1 else 0 for _ in range(quiet)]
        rest = max(0, total - sum(few))
        scale = rest / (sum(weights) or 1.0)
        shares = [int(weight * scale) for weight in weights[: count - quiet]]
        if shares:
            shares[0] += rest - sum(shares)  # the rounding goes to the first service
        else:
            few[-1] += rest
        return shares + few

    def stories(self, total: int, services: list[Service], users: list[User]) -> None:
        # One entry per story, shuffled, so a service's stories lie scattered through the table as
        # they would after years of use, not in one tidy run that is cheap to read.
        order = [index for index, n in enumerate(self.shares(total, len(services))) for _ in range(n)]
        self.rng.shuffle(order)
        started = time.monotonic()
        for start in range(0, len(order), BATCH):
            self.save([self.story(services[index], users) for index in order[start : start + BATCH]])
            if self.counts["stories"] % 50_000 < BATCH:
                self.out.write(f"  {self.counts['stories']} stories ({time.monotonic() - started:.0f} s)")
        self.changes(services)

    def story(self, service: Service, users: list[User]) -> Story:
        rng = self.rng
        rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        published_at = None
        if status == StoryStatus.PUBLISHED:
            published_at = self.now - dt.timedelta(seconds=rng.uniform(3600, HISTORY_DAYS * 86400))
            created_at = published_at - dt.timedelta(hours=rng.uniform(0.5, 72))
        else:
            created_at = self.now - dt.timedelta(hours=rng.uniform(1, 14 * 24))
        author = rng.choice(users) if rng.random() < 0.3 else None
        good = rating >= 4
        return Story(
            service=service,
            author=author,
            author_email="" if author else f"teller-{rng.randint(1, 10**9)}@{EMAIL_DOMAIN}",
            author_name=rng.choice(NAMES),
            title=f"{rng.choice(GOOD if good else BAD)}: the {rng.choice(TOPICS)}",
            text=" ".join(rng.sample(SENTENCES, rng.randint(2, 5))),
            rating_overall=rating,
            rating_access=self.near(rating),
            rating_respect=self.near(rating),
            rating_outcome=self.near(rating),
            listened=(
                Listened.YES if rating >= 4 else Listened.PARTLY if rating == 3 or rng.random() < 0.3 else Listened.NO
            ),
            status=status,
            moderated_at=published_at if status == StoryStatus.PUBLISHED else None,
            created_at=created_at,
            published_at=published_at,
        )

    def near(self, rating: int) -> int | None:
        """A part rating: often left out, otherwise close to the overall one."""
        if self.rng.random() < 0.3:
            return None
        return min(5, max(1, rating + self.rng.choice([-1, 0, 0, 0, 1])))

    def save(self, stories: list[Story]) -> None:
        if not stories:
            return
        Story.objects.bulk_create(stories, batch_size=BATCH)
        self.counts["stories"] += len(stories)
        responses = []
        for story in stories:
            if story.status != StoryStatus.PUBLISHED or self.rng.random() >= ANSWERED_SHARE:
                continue
            answered_at = story.published_at
            for _ in range(2 if self.rng.random() < SECOND_ANSWER_SHARE else 1):
                answered_at = min(self.now, answered_at + dt.timedelta(days=self.rng.expovariate(1 / 6)))
                responses.append(
                    Response(
                        story=story,
                        organisation_id=story.service.organisation_id,
                        text=self.rng.choice(ANSWERS),
                        status=self.rng.choices(RESPONSE_STATUSES, RESPONSE_STATUS_WEIGHTS)[0],
                        created_at=answered_at,
                    )
                )
        Response.objects.bulk_create(responses, batch_size=BATCH)
        self.counts["responses"] += len(responses)

    def changes(self, services: list[Service]) -> None:
        """'You said, we did' on one service in five, each linked to a few of its stories."""
        chosen = services[::5]
        changes = Change.objects.bulk_create(
            Change(
                service=service,
                title=self.rng.choice(CHANGES),
                description="Residents told us; we changed it.",
                changed_on=(self.now - dt.timedelta(days=self.rng.randint(1, HISTORY_DAYS))).date(),
            )
            for service in chosen
            for _ in range(self.rng.randint(1, 3))
        )
        links = []
        for change in changes:
            story_ids = list(
                Story.objects.filter(service_id=change.service_id, status=StoryStatus.PUBLISHED).values_list(
                    "pk", flat=True
                )[:3]
            )
            links += [Change.stories.through(change_id=change.pk, story_id=pk) for pk in story_ids]
        Change.stories.through.objects.bulk_create(links, batch_size=BATCH)
        self.counts["changes"] = len(changes)
