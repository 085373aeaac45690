"""`manage.py seed_scale`: a big, realistic data set for the benchmarks in `benchmarks/`.

Two parts, each built once: Voice (services, stories and answers) and, with `--ideas`, Co-design
(a challenge with that many ideas and `--supports` supports, and a small challenge beside it).
Every row it makes is marked: areas, organisations, services and challenges have slugs starting
`scale-`, and residents have addresses at `scale.example`. It refuses to build a part twice;
`--flush` deletes the marked rows (and the stories, ideas and everything hanging from them) and
builds them again, and `--if-missing` leaves the parts that are there alone and builds the others.
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
from heard.codesign.enums import CommitmentEventKind, CommitmentStatus, IdeaStatus, Outcome
from heard.codesign.models import Challenge, Commitment, CommitmentEvent, Decision, Idea, Milestone, Support
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

# Co-design. Idea titles are put together from these, so that titles share words and phrases as
# real ones do (and similar-idea search has near-duplicates to find): what to do, where, and when
# or for whom. About 90,000 combinations, of 6 to 19 words (11 on average).
IDEA_ACTIONS = [
    "Open the library on Sundays",
    "Put more benches",
    "Fix the street lights",
    "Plant more trees",
    "Add bike racks",
    "Install water fountains",
    "Repair the broken lifts",
    "Start a repair cafe",
    "Set up a community fridge",
    "Run a tool library",
    "Clean up the graffiti",
    "Paint a mural",
    "Add more bins",
    "Empty the bins more often",
    "Widen the pavement",
    "Make the crossing safer",
    "Put up a bus shelter",
    "Bring back the weekly market",
    "Hold a monthly litter pick",
    "Offer free wifi",
    "Start a homework club",
    "Run a youth football league",
    "Open a warm space",
    "Share surplus food",
    "Light the footpath",
    "Fix the potholes",
    "Build a skate park",
    "Create a wildflower meadow",
    "Set up a baby clothes swap",
    "Run drop-in advice sessions",
    "Add public toilets",
    "Keep the toilets open",
    "Install electric car chargers",
    "Put in a pedestrian crossing",
    "Lower the speed limit",
    "Add a dog park",
    "Start a walking group",
    "Run cooking classes",
    "Offer English conversation classes",
    "Open a men's shed",
    "Build raised beds for growing vegetables",
    "Add ramps for wheelchairs",
    "Fit handrails on the steps",
    "Put up clearer signs",
    "Add seating at the bus stop",
    "Fix the leaking roof",
    "Clear the blocked drains",
    "Cut back the overgrown hedges",
    "Replace the broken swings",
    "Add shade over the play area",
    "Run a community cinema",
    "Hold a street party",
    "Start a time bank",
    "Set up a lift share scheme",
    "Open a community cafe",
    "Run computer help sessions",
    "Offer free period products",
    "Add more CCTV",
    "Improve the lighting",
    "Make the entrance step-free",
    "Install a defibrillator",
    "Add a zebra crossing",
    "Set up a tenants' noticeboard",
    "Plant fruit trees",
    "Create a quiet garden",
    "Run a bike repair workshop",
    "Add a covered cycle store",
    "Open the sports hall after school",
    "Run holiday lunches for children",
    "Start a befriending service",
    "Put in more parking for disabled drivers",
    "Clean the stairwells weekly",
    "Mend the broken fence",
    "Fix the door entry system",
    "Paint the railings",
    "Open a book swap",
    "Add a water refill station",
    "Start a repair service for white goods",
    "Run a job club",
    "Open a community pantry",
]
IDEA_PLACES = [
    "in the park",
    "on the high street",
    "near the primary school",
    "outside the library",
    "on every estate",
    "along the canal towpath",
    "at the community centre",
    "in the town square",
    "behind the leisure centre",
    "next to the health centre",
    "along the river path",
    "by the railway station",
    "at the bus station",
    "in the shopping parade",
    "on Elm Road",
    "around the recreation ground",
    "near the care home",
    "at the sports ground",
    "in the old church hall",
    "on the ring road",
    "in Ward 3",
    "in the north of the borough",
    "by the allotments",
    "outside the job centre",
    "at the secondary school",
    "in every block of flats",
    "on the seafront",
    "in the market square",
    "near the swimming pool",
    "at the youth club",
    "by the children's centre",
    "in the cemetery",
    "along the cycle path",
    "at the family hub",
    "in the town centre",
    "near the GP surgery",
    "on Station Road",
    "in the new housing development",
    "by the duck pond",
    "in the underpass",
]
IDEA_WHEN = [
    "on Saturday mornings",
    "every evening",
    "in the school holidays",
    "all year round",
    "after dark",
    "at weekends",
    "during the winter",
    "on market days",
    "before the summer",
    "every month",
    "from spring",
    "at night",
    "during term time",
    "on bank holidays",
    "every Sunday",
]
IDEA_FOR = [
    "older residents",
    "young people",
    "families with babies",
    "disabled residents",
    "carers",
    "new arrivals",
    "people working nights",
    "children",
    "dog walkers",
    "cyclists",
    "people living alone",
    "teenagers",
]
IDEA_OPENERS = ["", "", "", "", "", "Please ", "We need to ", "Why not ", "Could we ", "Let's "]
IDEA_WHY = [
    "Lots of us have talked about this at the residents' meeting.",
    "It would make the area feel safer, especially in the evenings.",
    "Other boroughs have done this and it works well.",
    "It would not cost much and would help a lot of people.",
    "My neighbours and I would be happy to help run it.",
    "At the moment people have to travel a long way for this.",
    "Children and older people would use it most.",
    "It would bring people together who never usually meet.",
]
# Supports follow a Zipf-like law, as attention does: rank r gets a share ~ 1/(r + 5)^0.8, with
# some noise. For 100,000 ideas and 1,000,000 supports: the top idea about 5,500 supporters, the
# 100th about 550, the median 4, the least 1 or 2 (every idea is supported by its author).
ZIPF_EXPONENT = 0.8
ZIPF_OFFSET = 5
# The share of ideas a moderator hid, and of ideas merged into another as duplicates.
HIDDEN_SHARE = 0.01
MERGED_SHARE = 0.005
IDEAS_DAYS = 60


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
        parser.add_argument(
            "--ideas", type=int, default=0, help="Ideas in the co-design challenge (0, the default: no co-design part)."
        )
        parser.add_argument("--supports", type=int, default=1_000_000, help="Supports spread over those ideas.")
        parser.add_argument(
            "--supporters", type=int, default=20_000, help="Residents who support ideas (each supports one once)."
        )
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
        ideas, supports, supporters = options["ideas"], options["supports"], options["supporters"]
        if ideas < 0 or (ideas and not ideas <= supports <= ideas * supporters):
            raise CommandError(
                "--ideas must be at least 0, and --supports at least --ideas (every idea is supported by its "
                "author) and at most --ideas times --supporters (each supports an idea once)."
            )
        started = time.monotonic()
        # Which parts are asked for, and which are there already.
        wanted = {"voice": True, "codesign": ideas > 0}
        there = {
            "voice": Service.objects.filter(slug__startswith=PREFIX).exists(),
            "codesign": Challenge.objects.filter(slug__startswith=PREFIX).exists(),
        }
        if options["flush"]:
            missing = [part for part in wanted if wanted[part]]
        else:
            missing = [part for part in wanted if wanted[part] and not there[part]]
            if not missing and options["if_missing"]:
                self.stdout.write("The scale data is already there; nothing changed.")
                return
            if any(wanted[part] and there[part] for part in wanted) and not options["if_missing"]:
                raise CommandError("The scale data is already there; run with --flush to delete it and build it again.")
        built: dict[str, int] = {}
        with transaction.atomic():
            if options["flush"] and any(there.values()):
                flush()
                self.stdout.write(f"Deleted the old scale data in {time.monotonic() - started:.0f} s.")
            if "voice" in missing:
                built |= Builder(
                    rng=random.Random(options["seed"]),  # noqa: S311 - invented data, not secrets
                    now=timezone.now(),
                    out=self.stdout,
                ).build(
                    services=options["services"], stories=options["stories"], organisations=options["organisations"]
                )
            if "codesign" in missing:
                # A generator of its own, so the ideas are the same whether or not the stories were
                # built in the same run.
                built |= CodesignBuilder(
                    rng=random.Random(f"codesign-{options['seed']}"),  # noqa: S311 - invented data
                    now=timezone.now(),
                    out=self.stdout,
                ).build(ideas=ideas, supports=supports, supporters=supporters)
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner, and the visibility map set, as autovacuum would
            # leave a table that has been there a while (index-only scans need it).
            # Inside a transaction (a test's, say) VACUUM cannot run; ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            tables = {
                "voice": (Story, Response, Service),
                "codesign": (Idea, Support, Challenge, Decision, Commitment, User),
            }
            with connection.cursor() as cursor:
                for part in missing:
                    for model in tables[part]:
                        cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        made = []
        if "voice" in missing:
            made.append(
                f"{built['organisations']} organisations, {built['services']} services, "
                f"{built['stories']} stories, {built['responses']} answers and {built['changes']} changes"
            )
        if "codesign" in missing:
            made.append(
                f"{built['challenges']} challenges with {built['ideas']} ideas and {built['supports']} supports "
                f"from {built['supporters']} residents"
            )
        self.stdout.write(self.style.SUCCESS(f"Built {'; '.join(made)} in {time.monotonic() - started:.0f} s."))


def flush() -> None:
    """Delete every row seed_scale made, in plain SQL: the ORM would load half a million stories
    into memory to cascade."""
    # The challenges first: their ideas' supports refer to the residents deleted below.
    statements: list[tuple[str, list[Any]]] = []
    deleting_with_references(Challenge, "slug LIKE %s", [PREFIX + "%"], statements)
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
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


def deleting_with_references(model: Any, where: str, params: list[Any], statements: list[tuple[str, Any]]) -> None:
    """Add to `statements` the deletion of `model`'s rows chosen by `where` and, before it, of
    every row that refers to them, however deep (a challenge's ideas, their supports, comments and
    the comments' reports, decisions, commitments and their milestones...)."""
    table = model._meta.db_table
    chosen = f"SELECT id FROM {table} WHERE {where}"
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            statements.append(
                (
                    f"DELETE FROM {relation.through._meta.db_table} "
                    f"WHERE {relation.field.m2m_reverse_name()} IN ({chosen})",
                    params,
                )
            )
        elif relation.related_model is not model:  # rows referring to their own table go in one statement
            deleting_with_references(
                relation.related_model, f"{relation.field.column} IN ({chosen})", params, statements
            )
    statements.append((f"DELETE FROM {table} WHERE {where}", params))


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
        return residents(count)

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


def residents(count: int) -> list[User]:
    """`count` residents: those made before (by the other part), and new ones to make up the number."""
    made = list(
        User.objects.filter(email__startswith="resident-", email__endswith=f"@{EMAIL_DOMAIN}").order_by("pk")[:count]
    )
    taken = {user.email for user in made}
    password = make_password(None)  # unusable: nobody signs in as them
    new = (
        User(email=email, display_name=f"Resident {n}", password=password)
        for n in range(1, 2 * count + 1)
        if (email := f"resident-{n}@{EMAIL_DOMAIN}") not in taken
    )
    wanted = count - len(made)
    if wanted > 0:
        made += User.objects.bulk_create((user for _, user in zip(range(wanted), new, strict=False)), batch_size=BATCH)
    return made


class CodesignBuilder:
    """A challenge in its ideas phase with a great many ideas and supports, and a small one with three
    ideas, posed by the first scale organisation about the first scale service."""

    def __init__(self, *, rng: random.Random, now: dt.datetime, out: Any) -> None:
        self.rng = rng
        self.now = now
        self.out = out
        self.counts = {"challenges": 0, "ideas": 0, "supports": 0, "supporters": 0}

    def build(self, *, ideas: int, supports: int, supporters: int) -> dict[str, int]:
        organisation = Organisation.objects.filter(slug=f"{PREFIX}provider-1").first()
        if organisation is None:
            raise CommandError("The co-design part needs the scale organisations: build the first part too.")
        service = Service.objects.filter(slug=f"{PREFIX}service-1").first()
        users = residents(supporters)
        self.counts["supporters"] = len(users)
        big = self.challenge(
            organisation,
            service,
            slug=f"{PREFIX}challenge",
            title="How might we make our neighbourhoods better places to live?",
        )
        small = self.challenge(
            organisation,
            service,
            slug=f"{PREFIX}challenge-small",
            title="How might we make the library more welcoming?",
        )
        started = time.monotonic()
        self.ideas(big, count=ideas, supports=supports, users=users)
        self.out.write(
            f"  {self.counts['ideas']} ideas, {self.counts['supports']} supports ({time.monotonic() - started:.0f} s)"
        )
        self.ideas(small, count=3, supports=min(6, 3 * len(users)), users=users)
        for challenge in (big, small):
            self.outcomes(challenge)
        return self.counts

    def challenge(self, organisation: Organisation, service: Service | None, *, slug: str, title: str) -> Challenge:
        # In its ideas phase for years: the data set is kept from one benchmark run to the next, and
        # the pages must show the phase in which people propose and support.
        ideas_from = self.now - dt.timedelta(days=IDEAS_DAYS)
        deliberation_from = self.now + dt.timedelta(days=3650)
        self.counts["challenges"] += 1
        return Challenge.objects.create(
            organisation=organisation,
            service=service,
            title=title,
            slug=slug,
            context="An invented challenge for the benchmarks. " * 3,
            constraints="Ideas must cost less than the budget and be done within a year.",
            budget=50_000,
            ideas_from=ideas_from,
            deliberation_from=deliberation_from,
            decision_from=deliberation_from + dt.timedelta(days=30),
            delivery_from=deliberation_from + dt.timedelta(days=60),
            published_at=ideas_from,
        )

    def title(self) -> str:
        rng = self.rng
        action = rng.choice(IDEA_ACTIONS)
        opener = rng.choice(IDEA_OPENERS)
        if opener:
            action = action[0].lower() + action[1:]
        place = rng.choice(IDEA_PLACES)
        tail = rng.random()
        if tail < 0.35:
            return f"{opener}{action} {place}"
        if tail < 0.7:
            return f"{opener}{action} {place} {rng.choice(IDEA_WHEN)}"
        return f"{opener}{action} for {rng.choice(IDEA_FOR)} {place}"

    def shares(self, *, count: int, total: int, cap: int) -> list[int]:
        """How many supporters each idea has, in a random order: Zipf-like, at least 1 (its
        author), at most `cap` (everyone), adding up to `total`."""
        rng = self.rng
        weights = [rng.lognormvariate(0, 0.3) / (rank + 1 + ZIPF_OFFSET) ** ZIPF_EXPONENT for rank in range(count)]
        extra = total - count  # beyond each author's own support
        scale = extra / sum(weights)
        shares = [1 + min(cap - 1, int(weight * scale)) for weight in weights]
        # Hand out what rounding down left, one each, to the ideas with the most weight and room.
        left = total - sum(shares)
        order = sorted(range(count), key=lambda index: -weights[index])
        while left > 0:
            for index in order:
                if left == 0:
                    break
                if shares[index] < cap:
                    shares[index] += 1
                    left -= 1
        rng.shuffle(shares)
        return shares

    def ideas(self, challenge: Challenge, *, count: int, supports: int, users: list[User]) -> None:
        rng = self.rng
        shares = self.shares(count=count, total=supports, cap=len(users))
        # Which residents support each idea; the first is its author.
        supporters = [rng.sample(range(len(users)), share) for share in shares]
        span = (self.now - challenge.ideas_from).total_seconds()
        times = sorted(challenge.ideas_from + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
        hidden = set(rng.sample(range(count), int(count * HIDDEN_SHARE)))
        merged = set(rng.sample(sorted(set(range(count)) - hidden), int(count * MERGED_SHARE)))
        authors = [chosen[0] for chosen in supporters]
        # A merged idea's supporters now support the idea it was merged into, as idea_merge leaves
        # them: into an earlier idea, on show and not merged itself. Someone who supported both
        # counts once there; another resident's support takes that place, so the total stays.
        into: dict[int, int] = {}
        for index in sorted(merged):
            if not any(i not in hidden and i not in merged for i in range(min(index, 50))):
                continue  # nothing earlier to merge into (only in a tiny data set)
            target = rng.randrange(index)
            while target in hidden or target in merged:
                target = rng.randrange(index)
            present = set(supporters[target])
            for user in supporters[index]:
                while user in present and len(present) < len(users):
                    user = rng.randrange(len(users))
                if user not in present:
                    present.add(user)
                    supporters[target].append(user)
            supporters[index] = []
            into[index] = target
        rows = Idea.objects.bulk_create(
            (
                Idea(
                    challenge=challenge,
                    title=self.title(),
                    description=" ".join(rng.sample(IDEA_WHY, rng.randint(1, 3))),
                    author=users[authors[index]],
                    status=IdeaStatus.HIDDEN if index in hidden else IdeaStatus.PUBLISHED,
                    hidden_reason="Shares someone's personal details." if index in hidden else "",
                    support_count=len(supporters[index]),
                    created_at=times[index],
                )
                for index in range(count)
            ),
            batch_size=BATCH,
        )
        if into:
            for index, target in into.items():
                rows[index].status = IdeaStatus.MERGED
                rows[index].merged_into = rows[target]
            Idea.objects.bulk_update([rows[index] for index in into], ["status", "merged_into"], batch_size=BATCH)
        batch: list[Support] = []
        for idea, chosen in zip(rows, supporters, strict=True):
            since = (self.now - idea.created_at).total_seconds()
            for position, user in enumerate(chosen):
                at = idea.created_at if position == 0 else idea.created_at + dt.timedelta(seconds=rng.uniform(0, since))
                batch.append(Support(idea_id=idea.pk, user_id=users[user].pk, created_at=at))
            if len(batch) >= BATCH:
                Support.objects.bulk_create(batch, batch_size=BATCH)
                self.counts["supports"] += len(batch)
                batch = []
                if self.counts["supports"] % 200_000 < BATCH:
                    self.out.write(f"  {self.counts['supports']} supports")
        Support.objects.bulk_create(batch, batch_size=BATCH)
        self.counts["supports"] += len(batch)
        self.counts["ideas"] += len(rows)

    def outcomes(self, challenge: Challenge) -> None:
        """The most supported ideas shortlisted; three decided (one decision corrected), and a
        commitment with milestones for the accepted one."""
        top = list(
            Idea.objects.filter(challenge=challenge, status=IdeaStatus.PUBLISHED).order_by("-support_count", "-id")[:5]
        )
        Idea.objects.filter(pk__in=[idea.pk for idea in top]).update(shortlisted=True)
        organisation = challenge.organisation
        decided = self.now - dt.timedelta(days=3)
        for idea, outcome in zip(top, [Outcome.ACCEPTED, Outcome.ADAPTED, Outcome.DECLINED], strict=False):
            Decision.objects.create(
                idea=idea,
                outcome=outcome,
                reason="We looked at the cost and at what residents told us. " * 2,
                organisation=organisation,
                published_at=decided,
            )
            if outcome == Outcome.ADAPTED:
                Decision.objects.create(
                    idea=idea,
                    version=2,
                    outcome=outcome,
                    reason="As before, but in two places rather than one, after the survey.",
                    correction_note="The places were wrong in the first version.",
                    organisation=organisation,
                    published_at=decided + dt.timedelta(days=1),
                )
            if outcome == Outcome.ACCEPTED:
                commitment = Commitment.objects.create(
                    idea=idea,
                    organisation=organisation,
                    title=f"We will do it: {idea.title}"[:200],
                    description="Planned with the residents who proposed it.",
                    owner_title="Head of Neighbourhoods",
                    due_on=(self.now + dt.timedelta(days=120)).date(),
                    status=CommitmentStatus.IN_PROGRESS,
                )
                Milestone.objects.bulk_create(
                    Milestone(commitment=commitment, title=title, due_on=(self.now + dt.timedelta(days=days)).date())
                    for title, days in (("Plans agreed with residents", 30), ("Work starts", 60), ("Finished", 120))
                )
                CommitmentEvent.objects.create(
                    commitment=commitment,
                    kind=CommitmentEventKind.CREATED,
                    status_after=CommitmentStatus.IN_PROGRESS,
                    created_at=decided,
                )
