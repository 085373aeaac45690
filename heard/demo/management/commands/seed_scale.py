"""`manage.py seed_scale`: a big, realistic data set for the benchmarks in `benchmarks/`.

Three parts, each built once: Voice (services, stories and answers); with `--ideas`, Co-design
(a challenge with that many ideas and `--supports` supports, and a small challenge beside it); and
with `--referrals`, Frontline (a borough's agencies and routing rules, partners and their flags,
one big agency whose inbox holds that many open referrals, and a small agency beside it).
Every row it makes is marked: areas, organisations, services and challenges have slugs starting
`scale-`, and people have addresses at `scale.example`. It refuses to build a part twice;
`--flush` deletes the marked rows (and the stories, ideas, flags and everything hanging from them)
and builds them again, and `--if-missing` leaves the parts that are there alone and builds the
others.
"""

# The flush is plain SQL built from the models' table names, with every value passed as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import base64
import datetime as dt
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, models, transaction
from django.utils import timezone

from heard.accounts.models import User
from heard.codesign.enums import CommitmentEventKind, CommitmentStatus, IdeaStatus, Outcome
from heard.codesign.models import Challenge, Commitment, CommitmentEvent, Decision, Idea, Milestone, Support
from heard.directory.enums import ServiceCategory, ServiceStatus
from heard.directory.models import Service
from heard.frontline.enums import (
    ACKNOWLEDGE_WITHIN,
    OPEN_REFERRAL,
    AgencyKind,
    Category,
    FlagStatus,
    LawfulBasis,
    PartnerKind,
    PartnerStatus,
    ReferralStatus,
    SubjectAware,
    Urgency,
)
from heard.frontline.enums import Outcome as ReferralOutcome
from heard.frontline.models import (
    Agency,
    Flag,
    FlagUpdate,
    Partner,
    Referral,
    ReferralEvent,
    RoutingRule,
)
from heard.frontline.services import REFERENCE_ALPHABET
from heard.organisations.enums import AreaKind, Role, Sector
from heard.organisations.models import Area, Membership, Organisation, PostcodePrefix
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

# Frontline: a big borough's referral system. 24 wards, each a sector of one of 12 postcode
# districts (ZZ1 1, ZZ1 2 ... ZZ12 2: "ZZ" is no real postcode area); its agencies, with the
# routing rules such a borough has (a team per ward and urgency, a few borough-wide or anywhere);
# a duty desk for flags no rule routes; and a quiet borough next door (ZY1) where a small
# befriending charity takes the few flags that come its way, the peer of the big agency.
# (key, name, kind, caseworkers, managers); the first is the big agency, the last the small one.
FRONTLINE_AGENCIES = [
    ("asc", "Scale Borough Adult Social Care", AgencyKind.ADULT_SOCIAL_CARE, 40, 3),
    ("children", "Scale Borough Children's Services", AgencyKind.CHILDREN, 6, 1),
    ("housing", "Scale Borough Housing", AgencyKind.HOUSING, 6, 1),
    ("nhs", "Scale Community Health NHS Trust", AgencyKind.NHS, 6, 1),
    ("police", "Scale Police (non-emergency)", AgencyKind.POLICE, 3, 1),
    ("fire", "Scale Fire and Rescue: safe and well visits", AgencyKind.FIRE, 3, 1),
    ("age-friends", "Scale Age Friends", AgencyKind.CHARITY, 3, 1),
    ("money-advice", "Scale Food Bank and Money Advice", AgencyKind.CHARITY, 3, 1),
    ("duty", "Scale Duty Desk", AgencyKind.DUTY, 4, 1),
    ("quiet", "Scale Quiet Befriending", AgencyKind.CHARITY, 2, 1),
]
FRONTLINE_BIG, FRONTLINE_SMALL, FRONTLINE_DUTY = "asc", "quiet", "duty"
FRONTLINE_DISTRICTS = 12  # two sectors each, a ward each
# (agency, category, where, urgency): where is "ward" (one rule in every ward), "borough",
# "anywhere" (no area), "quiet-ward" (each ward of the quiet borough) or "quiet-borough". 420 rules.
FRONTLINE_RULES = [
    # Adult social care: each ward's team takes adults' needs; self-neglect by urgency (a team
    # each), cold homes only when soon or urgent, isolation when not urgent.
    ("asc", Category.DEMENTIA, "ward", ""),
    ("asc", Category.SELF_NEGLECT, "ward", Urgency.URGENT),
    ("asc", Category.SELF_NEGLECT, "ward", Urgency.SOON),
    ("asc", Category.SELF_NEGLECT, "ward", Urgency.ROUTINE),
    ("asc", Category.COLD_HOME, "ward", Urgency.URGENT),
    ("asc", Category.COLD_HOME, "ward", Urgency.SOON),
    ("asc", Category.ISOLATION, "ward", Urgency.SOON),
    ("asc", Category.ISOLATION, "ward", Urgency.ROUTINE),
    ("asc", Category.ABUSE, "ward", ""),
    ("children", Category.YOUNG_PERSON, "borough", ""),
    ("children", Category.ABUSE, "borough", Urgency.URGENT),
    ("housing", Category.COLD_HOME, "ward", ""),
    ("housing", Category.SELF_NEGLECT, "ward", Urgency.ROUTINE),
    ("housing", Category.FINANCIAL, "borough", Urgency.SOON),
    ("housing", Category.FINANCIAL, "borough", Urgency.ROUTINE),
    ("nhs", Category.DEMENTIA, "ward", Urgency.URGENT),
    ("nhs", Category.DEMENTIA, "ward", Urgency.SOON),
    ("police", Category.ABUSE, "anywhere", Urgency.URGENT),
    ("police", Category.YOUNG_PERSON, "anywhere", Urgency.URGENT),
    ("fire", Category.COLD_HOME, "ward", ""),
    ("fire", Category.SELF_NEGLECT, "borough", Urgency.URGENT),
    ("fire", Category.DEMENTIA, "borough", Urgency.URGENT),
    ("age-friends", Category.ISOLATION, "ward", ""),
    ("age-friends", Category.DEMENTIA, "ward", Urgency.ROUTINE),
    ("money-advice", Category.FINANCIAL, "ward", ""),
    ("money-advice", Category.COLD_HOME, "borough", Urgency.ROUTINE),
    ("quiet", Category.ISOLATION, "quiet-ward", ""),
    ("quiet", Category.OTHER, "quiet-borough", ""),
]
# Removed rules stay (past referrals name them), inactive: a lunch club that closed, in every ward.
FRONTLINE_REMOVED_RULES = [("age-friends", Category.OTHER, "ward", "")]
FRONTLINE_CATEGORY_WEIGHTS = {
    Category.DEMENTIA: 0.16,
    Category.COLD_HOME: 0.14,
    Category.YOUNG_PERSON: 0.08,
    Category.SELF_NEGLECT: 0.12,
    Category.ISOLATION: 0.20,
    Category.FINANCIAL: 0.15,
    Category.ABUSE: 0.07,
    Category.OTHER: 0.08,
}
FRONTLINE_URGENCY_WEIGHTS = {Urgency.URGENT: 0.15, Urgency.SOON: 0.35, Urgency.ROUTINE: 0.50}
# Where a flag says: a postcode in the borough (93%), a place without a postcode (4%), a valid
# postcode no prefix knows (2%), or something that is not a postcode (1%).
FRONTLINE_PLACE_WEIGHTS = {"ward": 0.93, "place": 0.04, "elsewhere": 0.02, "garbled": 0.01}
FRONTLINE_HISTORY_DAYS = 540
FRONTLINE_PARTNERS = 2000
# The big agency is swamped: of its referrals, the newest --referrals are open (90% of them).
FRONTLINE_BIG_OPEN_SHARE = 0.9
# Another agency's referral is still open with this chance, by its age in days.
FRONTLINE_OPEN_BY_AGE = [(30, 0.8), (120, 0.35), (10**6, 0.05)]
FRONTLINE_OUTCOMES = list(ReferralOutcome)
FRONTLINE_OUTCOME_WEIGHTS = [0.45, 0.2, 0.25, 0.1]
FLAG_DETAILS = [
    "Has not been seen at the shop for a week; the curtains stay closed.",
    "Came in twice today for the same thing and did not know what day it was.",
    "No heating on and frost inside the windows; was wearing a coat indoors.",
    "Very thin, and the fridge was empty when I fixed the boiler.",
    "Told me nobody has visited since their wife died last year.",
    "Asked me to lend money for the electric meter; seemed frightened to go home.",
    "A young lad sleeping in the bus shelter three nights running.",
    "Post piling up behind the door and a smell from the flat.",
    "Someone new has moved in and takes the pension every week.",
    "Fell on the step and could not get up; said it happens a lot.",
    "Paid cash for a roof repair that was never done, a large amount.",
    "Keeps ringing for a taxi to a house they left years ago.",
]
FLAG_NAMES = [
    "Edith Clarke", "Stanley Moss", "Mrs Begum", "Arthur", "June Patel", "Doreen Walsh", "Tomasz Nowak",
    "Mr Okafor", "Sheila", "Frank Hughes", "Gladys Evans", "Kwame Mensah", "", "", "",
]  # fmt: skip
FLAG_PLACES = ["By the bus station", "The launderette on the parade", "Outside the library", "The allotments"]
REFERRAL_NOTES = [
    "Visited; agreed a care assessment next week.",
    "Spoke to the daughter, who will stay for a few days.",
    "Heating fixed through the warm homes fund.",
    "Referred on to the memory clinic.",
    "Could not get an answer at the door twice; left a card.",
    "Money advice appointment booked.",
    "Safeguarding strategy meeting held; plan in place.",
    "",
]
DECLINE_REASONS = ["Not for us: no care needs found.", "Already known and supported by the team.", "Out of our area."]
TRANSFER_REASONS = [
    "Housing matter, not care.",
    "Needs a safe and well visit first.",
    "Money advice is the right place.",
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
        parser.add_argument(
            "--ideas", type=int, default=0, help="Ideas in the co-design challenge (0, the default: no co-design part)."
        )
        parser.add_argument("--supports", type=int, default=1_000_000, help="Supports spread over those ideas.")
        parser.add_argument(
            "--supporters", type=int, default=20_000, help="Residents who support ideas (each supports one once)."
        )
        parser.add_argument(
            "--referrals",
            type=int,
            default=0,
            help=(
                "Open referrals in the big Frontline agency's inbox (0, the default: no Frontline part); "
                "it takes about twice as many flags, routed by the borough's rules."
            ),
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
        referrals = options["referrals"]
        if referrals < 0:
            raise CommandError("--referrals must be at least 0.")
        started = time.monotonic()
        # Which parts are asked for, and which are there already.
        wanted = {"voice": True, "codesign": ideas > 0, "frontline": referrals > 0}
        there = {
            "voice": Service.objects.filter(slug__startswith=PREFIX).exists(),
            "codesign": Challenge.objects.filter(slug__startswith=PREFIX).exists(),
            "frontline": Agency.objects.filter(organisation__slug__startswith=PREFIX).exists(),
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
            if "frontline" in missing:
                built |= FrontlineBuilder(
                    rng=random.Random(f"frontline-{options['seed']}"),  # noqa: S311 - invented data
                    now=timezone.now(),
                    out=self.stdout,
                ).build(referrals=referrals)
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner, and the visibility map set, as autovacuum would
            # leave a table that has been there a while (index-only scans need it).
            # Inside a transaction (a test's, say) VACUUM cannot run; ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            tables = {
                "voice": (Story, Response, Service),
                "codesign": (Idea, Support, Challenge, Decision, Commitment, User),
                "frontline": (
                    Flag,
                    Referral,
                    ReferralEvent,
                    FlagUpdate,
                    RoutingRule,
                    Agency,
                    Partner,
                    Area,
                    PostcodePrefix,
                    Membership,
                    User,
                ),
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
        if "frontline" in missing:
            made.append(
                f"{built['agencies']} agencies with {built['rules']} routing rules, {built['partners']} partners, "
                f"{built['flags']} flags and {built['referrals']} referrals ({built['big_open']} open at the big "
                f"agency, {built['escalated']} escalated in all), {built['staff']} caseworkers and managers"
            )
        self.stdout.write(self.style.SUCCESS(f"Built {'; '.join(made)} in {time.monotonic() - started:.0f} s."))


def flush() -> None:
    """Delete every row seed_scale made, in plain SQL: the ORM would load half a million stories
    into memory to cascade."""
    # Frontline first: its flags, referrals and rules refer to the areas, organisations and people
    # deleted below.
    flush_frontline()
    # The challenges next: their ideas' supports refer to the residents deleted below.
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


def flush_frontline() -> None:
    """Delete the Frontline part: the scale partners' flags with their referrals, events, updates
    and links; the scale agencies with their rules (and any referral still routed to them); the
    partners; the memberships and two-factor authenticators of scale people; the postcode prefixes
    of scale areas. The areas, organisations and people themselves go with the other parts. The
    personal data access log keeps any rows about them (it is append-only, and its references are
    not enforced by the database)."""
    from allauth.mfa.models import Authenticator

    table = {model: model._meta.db_table for model in (User, Partner, Organisation, Area)}
    people = f"SELECT id FROM {table[User]} WHERE email LIKE %s"
    partners = f"SELECT id FROM {table[Partner]} WHERE user_id IN ({people})"
    agencies = (
        f"SELECT id FROM {Agency._meta.db_table} "
        f"WHERE organisation_id IN (SELECT id FROM {table[Organisation]} WHERE slug LIKE %s)"
    )
    email, like = "%@" + EMAIL_DOMAIN, PREFIX + "%"
    statements: list[tuple[str, list[Any]]] = []
    deleting_with_references(Flag, f"partner_id IN ({partners})", [email], statements)
    deleting_with_references(Agency, f"id IN ({agencies})", [like], statements)
    deleting_with_references(Partner, f"user_id IN ({people})", [email], statements)
    statements += [
        (f"DELETE FROM {Membership._meta.db_table} WHERE user_id IN ({people})", [email]),
        (f"DELETE FROM {Authenticator._meta.db_table} WHERE user_id IN ({people})", [email]),
        (
            f"DELETE FROM {PostcodePrefix._meta.db_table} WHERE area_id IN "
            f"(SELECT id FROM {table[Area]} WHERE slug LIKE %s)",
            [like],
        ),
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


def insert(model: Any, rows: list[Any]) -> None:
    """Save new rows as bulk_create does, but on PostgreSQL with COPY, several times faster for
    millions of rows: their ids are drawn from the table's sequence first, and each value is
    prepared by its field as Django would (encrypted fields encrypt); plain values go as they are."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=BATCH)
        return
    database = connections[connection.alias]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    plain = (models.BooleanField, models.CharField, models.DateTimeField, models.ForeignKey, models.IntegerField)
    prepared = [
        (field.attname, None if type(field) in plain or isinstance(field, models.ForeignKey) else field)
        for field in fields
    ]
    table = model._meta.db_table
    columns = ", ".join(database.ops.quote_name(column) for column in ["id", *(field.column for field in fields)])
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = database.alias
        with cursor.cursor.copy(f"COPY {database.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = row.__dict__
                copy.write_row(
                    [
                        row.pk,
                        *(
                            values[name] if field is None else field.get_db_prep_save(values[name], database)
                            for name, field in prepared
                        ),
                    ]
                )


class FrontlineBuilder:
    """A borough's Frontline at scale: its agencies and routing rules, caseworkers and managers (with
    two-factor authentication, as staff must have), partners, and flags routed by the rules as
    `flag_route` would, until the big agency (adult social care) has `referrals` open referrals.
    Flags are told over 18 months; the big agency is swamped (its newest referrals are open, going
    back months), the others keep up (most of their old referrals are closed). Open referrals past
    their deadline and not acknowledged are escalated, as the 15-minute job leaves them; some
    referrals are transferred, declined or closed with an outcome, each step an event, and the
    flagger hears of each in an update. Flags closed over a year ago have had their personal details
    erased, as retention does. The personal details are encrypted (heard.core.crypto) as they are
    saved, with the keys of the process that seeds: the benchmarks never read them."""

    def __init__(self, *, rng: random.Random, now: dt.datetime, out: Any) -> None:
        self.rng = rng
        self.now = now
        self.out = out
        self.counts = {
            "agencies": 0,
            "rules": 0,
            "partners": 0,
            "staff": 0,
            "flags": 0,
            "referrals": 0,
            "big_open": 0,
            "escalated": 0,
        }
        self.references: set[str] = set()

    def build(self, *, referrals: int) -> dict[str, int]:
        started = time.monotonic()
        self.areas()
        self.agencies()
        self.routing_rules()
        self.people()
        self.out.write(
            f"  Frontline: {self.counts['agencies']} agencies, {self.counts['rules']} rules, "
            f"{self.counts['partners']} partners ({time.monotonic() - started:.0f} s)"
        )
        self.flags(referrals)
        return self.counts

    # --- places, agencies, rules, people ---------------------------------------------------------

    def areas(self) -> None:
        region = Area.objects.create(
            name="Scale Frontline Region", slug=f"{PREFIX}frontline-region", kind=AreaKind.REGION
        )
        self.borough, self.quiet_borough = Area.objects.bulk_create(
            [
                Area(
                    name="Scale Frontline Borough",
                    slug=f"{PREFIX}frontline-borough",
                    kind=AreaKind.LOCAL_AUTHORITY,
                    parent=region,
                ),
                Area(
                    name="Scale Quiet Borough",
                    slug=f"{PREFIX}frontline-quiet-borough",
                    kind=AreaKind.LOCAL_AUTHORITY,
                    parent=region,
                ),
            ]
        )
        self.wards = Area.objects.bulk_create(
            Area(
                name=f"Scale Frontline Ward {n}",
                slug=f"{PREFIX}frontline-ward-{n}",
                kind=AreaKind.WARD,
                parent=self.borough,
            )
            for n in range(1, 2 * FRONTLINE_DISTRICTS + 1)
        )
        self.quiet_wards = Area.objects.bulk_create(
            Area(
                name=f"Scale Quiet Ward {n}",
                slug=f"{PREFIX}frontline-quiet-ward-{n}",
                kind=AreaKind.WARD,
                parent=self.quiet_borough,
            )
            for n in (1, 2)
        )
        # The ward of a postcode is its sector's; a district alone gives the borough.
        prefixes = [PostcodePrefix(prefix="ZY1", area=self.quiet_borough)]
        prefixes += [PostcodePrefix(prefix=f"ZY1 {n}", area=ward) for n, ward in enumerate(self.quiet_wards, start=1)]
        for district in range(1, FRONTLINE_DISTRICTS + 1):
            prefixes.append(PostcodePrefix(prefix=f"ZZ{district}", area=self.borough))
            for sector in (1, 2):
                ward = self.wards[2 * (district - 1) + sector - 1]
                prefixes.append(PostcodePrefix(prefix=f"ZZ{district} {sector}", area=ward))
        PostcodePrefix.objects.bulk_create(prefixes)

    def ward_postcode(self, ward: int) -> str:
        """A full postcode in this ward (by index): ward 0 is sector ZZ1 1, ward 1 ZZ1 2..."""
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return f"ZZ{ward // 2 + 1} {ward % 2 + 1}{self.rng.choice(letters)}{self.rng.choice(letters)}"

    def agencies(self) -> None:
        organisations = Organisation.objects.bulk_create(
            Organisation(
                name=name,
                slug=f"{PREFIX}frontline-{key}",
                sector=Sector.VOLUNTARY if kind == AgencyKind.CHARITY else Sector.PUBLIC,
                description="An invented agency for the benchmarks.",
            )
            for key, name, kind, _caseworkers, _managers in FRONTLINE_AGENCIES
        )
        rows = Agency.objects.bulk_create(
            Agency(organisation=organisation, kind=kind)
            for organisation, (_key, _name, kind, _c, _m) in zip(organisations, FRONTLINE_AGENCIES, strict=True)
        )
        Organisation.areas.through.objects.bulk_create(
            Organisation.areas.through(
                organisation_id=organisation.pk,
                area_id=(self.quiet_borough if key == FRONTLINE_SMALL else self.borough).pk,
            )
            for organisation, (key, *_rest) in zip(organisations, FRONTLINE_AGENCIES, strict=True)
        )
        self.agency = {key: agency for (key, *_rest), agency in zip(FRONTLINE_AGENCIES, rows, strict=True)}
        self.agency_name = {agency.pk: agency.organisation.name for agency in rows}
        self.counts["agencies"] = len(rows)

    def routing_rules(self) -> None:
        places: dict[str, list[Area | None]] = {
            "ward": list(self.wards),
            "borough": [self.borough],
            "anywhere": [None],
            "quiet-ward": list(self.quiet_wards),
            "quiet-borough": [self.quiet_borough],
        }
        made = []
        for rules, active in ((FRONTLINE_RULES, True), (FRONTLINE_REMOVED_RULES, False)):
            for key, category, where, urgency in rules:
                made += [
                    RoutingRule(agency=self.agency[key], category=category, area=area, urgency=urgency, active=active)
                    for area in places[where]
                ]
        self.rules = RoutingRule.objects.bulk_create(made)
        self.counts["rules"] = sum(rule.active for rule in self.rules)
        # Which agencies (and by which rule) a flag goes to, for every category, urgency and place,
        # as `matching_rules` and `flag_route` decide: each agency once, by its first rule; the
        # duty desk when none. A place is a ward's index, "quiet-N", or None (no area).
        ancestors: dict[Any, set[int | None]] = {None: set()}
        for index, ward in enumerate(self.wards):
            ancestors[index] = {ward.pk, self.borough.pk, self.borough.parent_id}
        for index, ward in enumerate(self.quiet_wards):
            ancestors[f"quiet-{index}"] = {ward.pk, self.quiet_borough.pk, self.quiet_borough.parent_id}
        self.routes: dict[tuple[str, str, Any], list[tuple[int, int | None]]] = {}
        active_rules = sorted((rule for rule in self.rules if rule.active), key=lambda rule: (rule.agency_id, rule.pk))
        for flagged in Category.values:
            for urgent in Urgency.values:
                for place, areas in ancestors.items():
                    chosen: dict[int, int | None] = {}
                    for rule in active_rules:
                        if (
                            rule.category in ("", flagged)
                            and rule.urgency in ("", urgent)
                            and (rule.area_id is None or rule.area_id in areas)
                        ):
                            chosen.setdefault(rule.agency_id, rule.pk)
                    self.routes[(flagged, urgent, place)] = list(chosen.items()) or [
                        (self.agency[FRONTLINE_DUTY].pk, None)
                    ]

    def people(self) -> None:
        """Caseworkers and managers of every agency, each with a two-factor authenticator (staff
        cannot work without one); and the verified partners who flag."""
        from allauth.mfa.models import Authenticator
        from allauth.mfa.utils import encrypt

        password = make_password(None)  # unusable: the benchmarks sign them in directly
        staff: list[tuple[User, Agency, Role]] = []
        for key, _name, _kind, caseworkers, managers in FRONTLINE_AGENCIES:
            for role, count in ((Role.CASEWORKER, caseworkers), (Role.MANAGER, managers)):
                for n in range(1, count + 1):
                    user = User(
                        email=f"frontline-{key}-{role}-{n}@{EMAIL_DOMAIN}",
                        display_name=f"{role.label} {n} ({key})",
                        password=password,
                    )
                    staff.append((user, self.agency[key], role))
        User.objects.bulk_create([user for user, _agency, _role in staff])
        Membership.objects.bulk_create(
            Membership(user=user, organisation_id=agency.organisation_id, role=role) for user, agency, role in staff
        )
        Authenticator.objects.bulk_create(
            Authenticator(
                user=user,
                type=Authenticator.Type.TOTP,
                data={"secret": encrypt(base64.b32encode(self.rng.randbytes(20)).decode())},
            )
            for user, _agency, _role in staff
        )
        self.caseworkers: dict[int, list[User]] = {}
        for user, agency, role in staff:
            if role == Role.CASEWORKER:
                self.caseworkers.setdefault(agency.pk, []).append(user)
        self.counts["staff"] = len(staff)

        users = User.objects.bulk_create(
            (
                User(email=f"frontline-partner-{n}@{EMAIL_DOMAIN}", display_name=f"Partner {n}", password=password)
                for n in range(1, FRONTLINE_PARTNERS + 1)
            ),
            batch_size=BATCH,
        )
        kinds = list(PartnerKind)
        self.partners = []
        for user in users:
            joined = self.now - dt.timedelta(
                days=self.rng.uniform(FRONTLINE_HISTORY_DAYS, FRONTLINE_HISTORY_DAYS + 400)
            )
            kind = self.rng.choice(kinds)
            self.partners.append(
                Partner(
                    user=user,
                    kind=kind,
                    business=""
                    if kind == PartnerKind.NEIGHBOUR
                    else f"Scale {str(kind.label).split(' ')[0]} {user.pk}",
                    area=self.rng.choice(self.wards),
                    phone=f"07700 9{self.rng.randint(0, 99999):05d}" if self.rng.random() < 0.6 else "",
                    status=PartnerStatus.VERIFIED,
                    verified_at=joined + dt.timedelta(days=2),
                    guidance_read_at=joined + dt.timedelta(days=3),
                    created_at=joined,
                )
            )
        Partner.objects.bulk_create(self.partners, batch_size=BATCH)
        self.counts["partners"] = len(self.partners)

    # --- flags and referrals ---------------------------------------------------------------------

    def flags(self, referrals: int) -> None:
        """Invent flags (when, what, how urgent, where) and route them until the big agency has
        enough referrals for `referrals` of them to be open; then save them in time order, in
        batches, with what became of each referral."""
        rng = self.rng
        big = self.agency[FRONTLINE_BIG].pk
        wanted = max(referrals, round(referrals / FRONTLINE_BIG_OPEN_SHARE))
        categories, category_weights = zip(*FRONTLINE_CATEGORY_WEIGHTS.items(), strict=True)
        urgencies, urgency_weights = zip(*FRONTLINE_URGENCY_WEIGHTS.items(), strict=True)
        places, place_weights = zip(*FRONTLINE_PLACE_WEIGHTS.items(), strict=True)
        ward_weights = [rng.lognormvariate(0, 0.5) for _ in self.wards]
        span = FRONTLINE_HISTORY_DAYS * 86400
        # (created_at, category, urgency, place kind, ward index or None)
        drafts: list[tuple[dt.datetime, str, str, str, Any]] = []
        to_big = 0
        while to_big < wanted:
            category = rng.choices(categories, category_weights)[0]
            urgency = rng.choices(urgencies, urgency_weights)[0]
            place = rng.choices(places, place_weights)[0]
            ward = rng.choices(range(len(self.wards)), ward_weights)[0] if place == "ward" else None
            created_at = self.now - dt.timedelta(seconds=rng.uniform(600, span))
            drafts.append((created_at, category, urgency, place, ward))
            to_big += any(agency == big for agency, _rule in self.routes[(category, urgency, ward)])
        # The quiet borough's few flags, all for the small charity, in the last fortnight: three
        # still open (one past its deadline and escalated), two closed.
        quiet = [
            (self.now - dt.timedelta(days=9), Category.ISOLATION, Urgency.SOON, "quiet", "quiet-0"),
            (self.now - dt.timedelta(days=6), Category.ISOLATION, Urgency.ROUTINE, "quiet", "quiet-1"),
            (self.now - dt.timedelta(days=5), Category.ISOLATION, Urgency.SOON, "quiet", "quiet-0"),
            (self.now - dt.timedelta(days=3), Category.ISOLATION, Urgency.ROUTINE, "quiet", "quiet-1"),
            (self.now - dt.timedelta(hours=30), Category.ISOLATION, Urgency.SOON, "quiet", "quiet-0"),
        ]
        self.quiet_fates = {
            0: ReferralStatus.CLOSED,
            1: ReferralStatus.DECLINED,
            2: ReferralStatus.ACCEPTED,
            3: ReferralStatus.ACKNOWLEDGED,
            4: ReferralStatus.ROUTED,
        }
        drafts += quiet
        drafts.sort(key=lambda draft: draft[0])
        self.big_closed_left = to_big - referrals  # the oldest of the big agency's referrals are closed
        self.quiet_seen = 0
        self.out.write(f"  {len(drafts)} flags to make, {to_big} of them for the big agency")
        started = time.monotonic()
        for start in range(0, len(drafts), BATCH):
            self.save(drafts[start : start + BATCH])
            if self.counts["flags"] % 50_000 < BATCH:
                self.out.write(f"  {self.counts['flags']} flags ({time.monotonic() - started:.0f} s)")

    def save(self, drafts: list[tuple[dt.datetime, str, str, str, Any]]) -> None:
        rng = self.rng
        big = self.agency[FRONTLINE_BIG].pk
        flags: list[Flag] = []
        fates: list[list[dict[str, Any]]] = []
        for created_at, category, urgency, place, ward in drafts:
            flag = self.flag(created_at, category, urgency, place, ward)
            routes = self.routes[(category, urgency, ward)]
            plans = []
            for agency_id, rule_id in routes:
                if place == "quiet":
                    status = self.quiet_fates[self.quiet_seen]
                    self.quiet_seen += 1
                    plans.append(self.fate(flag, agency_id, rule_id, created_at, status=status))
                    continue
                is_open = None
                if agency_id == big:
                    is_open = self.big_closed_left <= 0
                    self.big_closed_left -= 1
                plans.append(self.fate(flag, agency_id, rule_id, created_at, is_open=is_open))
            # A transfer: a closed referral passed on to an agency the flag had not reached.
            for plan in list(plans):
                if plan["status"] != ReferralStatus.TRANSFERRED:
                    continue
                taken = {other["agency_id"] for other in plans}
                choices = [
                    agency.pk
                    for key, agency in self.agency.items()
                    if key not in (FRONTLINE_BIG, FRONTLINE_SMALL, FRONTLINE_DUTY) and agency.pk not in taken
                ]
                if not choices:  # every other agency has it already
                    plan["status"] = ReferralStatus.DECLINED
                    _kind, at, by, _reason = plan["events"][-1]
                    plan["events"][-1] = ("declined", at, by, rng.choice(DECLINE_REASONS))
                    continue
                new = self.fate(flag, rng.choice(choices), None, plan["closed_at"], transferred_from=plan)
                plan["transferred_to"] = new
                plans.append(new)
            self.flag_outcome(flag, plans)
            flags.append(flag)
            fates.append(plans)
        insert(Flag, flags)
        self.counts["flags"] += len(flags)
        plans = []
        for flag, flag_plans in zip(flags, fates, strict=True):
            for plan in flag_plans:
                plan["flag"] = flag
                plans.append(plan)
        # Transfer targets first (the transferred referral refers to its successor).
        rows: dict[int, Referral] = {}
        for stage in (True, False):
            batch = [plan for plan in plans if ("transferred_from" in plan) is stage]
            for plan in batch:
                rows[id(plan)] = Referral(
                    flag=plan["flag"],
                    agency_id=plan["agency_id"],
                    rule_id=plan["rule_id"],
                    status=plan["status"],
                    created_at=plan["created_at"],
                    acknowledge_by=plan["acknowledge_by"],
                    acknowledged_at=plan["acknowledged_at"],
                    escalated_at=plan["escalated_at"],
                    outcome=plan["outcome"],
                    closed_at=plan["closed_at"],
                    transferred_to=rows[id(plan["transferred_to"])] if "transferred_to" in plan else None,
                )
            insert(Referral, [rows[id(plan)] for plan in batch])
        self.counts["referrals"] += len(plans)
        self.counts["big_open"] += sum(plan["agency_id"] == big and plan["status"] in OPEN_REFERRAL for plan in plans)
        self.counts["escalated"] += sum(plan["escalated_at"] is not None for plan in plans)
        erased = {id(flag) for flag in flags if flag.personal_erased_at is not None}
        insert(
            ReferralEvent,
            [
                ReferralEvent(
                    referral=rows[id(plan)],
                    kind=kind,
                    note=None if id(plan["flag"]) in erased else (note or None),
                    by=by,
                    created_at=at,
                )
                for plan in plans
                for kind, at, by, note in plan["events"]
            ],
        )
        insert(
            FlagUpdate,
            [
                FlagUpdate(flag=flag, status=status, thanks=thanks, created_at=at)
                for flag in flags
                for status, at, thanks in flag._scale_updates  # type: ignore[attr-defined]
            ],
        )

    def flag(self, created_at: dt.datetime, category: str, urgency: str, place: str, ward: Any) -> Flag:
        """One flag as `flag_submit` saves it."""
        rng = self.rng
        address, where, postcode, district, area, unknown = "", "", "", "", None, False
        if place == "ward":
            postcode = self.ward_postcode(ward)
            address = f"{rng.randint(1, 240)} {rng.choice(['Canal', 'Mill', 'Church', 'Station', 'Park'])} Street"
            district, area = postcode.split(" ")[0], self.wards[ward]
        elif place == "quiet":
            index = int(ward.split("-")[1])
            postcode = f"ZY1 {index + 1}AB"
            address, district, area = "2 Green Lane", "ZY1", self.quiet_wards[index]
        elif place == "place":
            where = rng.choice(FLAG_PLACES)
        elif place == "elsewhere":
            postcode, unknown = f"ZX{rng.randint(1, 9)} {rng.randint(1, 9)}AB", True
            district = postcode.split(" ")[0]
            address = f"{rng.randint(1, 99)} High Street"
        else:
            postcode, unknown = rng.choice(["ZZ", "nr the shops", "ZZ9"]), True
        subject_aware = rng.choices(list(SubjectAware), [0.45, 0.2, 0.15, 0.2])[0]
        while True:
            reference = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
            if reference not in self.references:
                self.references.add(reference)
                break
        return Flag(
            partner=rng.choice(self.partners),
            reference=reference,
            category=category,
            urgency=urgency,
            details=" ".join(rng.sample(FLAG_DETAILS, rng.randint(1, 3))),
            location={"address": address, "place": where, "postcode": postcode},
            subject={
                "name": rng.choice(FLAG_NAMES),
                "approx_age": rng.choice([None, rng.randint(18, 99)]),
                "description": rng.choice(["", "Walks with a stick", "Grey coat, often at the bus stop"]),
            },
            flagger_contact=f"07700 9{rng.randint(0, 99999):05d}" if rng.random() < 0.4 else "",
            postcode_district=district,
            area=area,
            postcode_unknown=unknown,
            subject_aware=subject_aware,
            lawful_basis=LawfulBasis.CONSENT if subject_aware == SubjectAware.AGREED else LawfulBasis.VITAL_INTERESTS,
            created_at=created_at,
        )

    def fate(
        self,
        flag: Flag,
        agency_id: int,
        rule_id: int | None,
        created_at: dt.datetime,
        *,
        is_open: bool | None = None,
        status: str | None = None,
        transferred_from: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """What became of one referral: its status and times, and its events (kind, when, by whom,
        note). Open or not as asked (the big agency), or by its age; a given status (the quiet
        borough's flags); a duty desk passes most of what it closes on."""
        rng, now = self.rng, self.now
        window = ACKNOWLEDGE_WITHIN[Urgency(flag.urgency)]
        due = created_at + window
        age_days = (now - created_at).total_seconds() / 86400
        if status is None:
            if is_open is None:
                is_open = rng.random() < next(chance for days, chance in FRONTLINE_OPEN_BY_AGE if age_days < days)
            if is_open:
                weights = [0.75, 0.2, 0.05] if due > now else [0.06, 0.29, 0.65]
                status = rng.choices(OPEN_REFERRAL, weights)[0]
            elif agency_id == self.agency[FRONTLINE_DUTY].pk:
                status = rng.choices(
                    [ReferralStatus.TRANSFERRED, ReferralStatus.CLOSED, ReferralStatus.DECLINED], [0.6, 0.3, 0.1]
                )[0]
            elif transferred_from is None:
                status = rng.choices(
                    [ReferralStatus.CLOSED, ReferralStatus.DECLINED, ReferralStatus.TRANSFERRED], [0.85, 0.1, 0.05]
                )[0]
            else:  # passed on once, it is not passed on again
                status = rng.choices([ReferralStatus.CLOSED, ReferralStatus.DECLINED], [0.9, 0.1])[0]
        people = self.caseworkers[agency_id]
        events: list[tuple[str, dt.datetime, Any, str]] = []
        if transferred_from is not None:
            name = self.agency_name[transferred_from["agency_id"]]
            events.append(("received", created_at, None, f"Transferred from {name}."))
        plan: dict[str, Any] = {
            "agency_id": agency_id,
            "rule_id": rule_id,
            "status": status,
            "created_at": created_at,
            "acknowledge_by": due,
            "acknowledged_at": None,
            "escalated_at": None,
            "outcome": "",
            "closed_at": None,
            "events": events,
        }
        if transferred_from is not None:
            plan["transferred_from"] = True
        if status == ReferralStatus.ROUTED:
            if due < now:  # the 15-minute job has escalated it
                plan["escalated_at"] = min(now, due + dt.timedelta(seconds=rng.uniform(0, 900)))
            return plan
        # Acknowledged within the deadline, mostly; no later than now.
        acknowledged = min(
            now - dt.timedelta(seconds=rng.uniform(60, 600)), created_at + window * rng.uniform(0.1, 1.5)
        )
        acknowledged = max(acknowledged, created_at + dt.timedelta(seconds=30))
        plan["acknowledged_at"] = acknowledged
        by = rng.choice(people)
        if status != ReferralStatus.ACCEPTED or rng.random() < 0.7:
            events.append(("acknowledged", acknowledged, by, ""))
        if status == ReferralStatus.ACKNOWLEDGED:
            return plan
        later = acknowledged
        if status in (ReferralStatus.ACCEPTED, ReferralStatus.CLOSED):
            later = min(now, later + dt.timedelta(hours=rng.uniform(0, 48)))
            events.append(("accepted", later, by, ""))
            if rng.random() < 0.45:
                later = min(now, later + dt.timedelta(days=rng.expovariate(1 / 4)))
                events.append(("action", later, by, rng.choice(REFERRAL_NOTES[:-1])))
        if status == ReferralStatus.ACCEPTED:
            return plan
        closed = min(now - dt.timedelta(seconds=rng.uniform(0, 60)), later + dt.timedelta(days=rng.expovariate(1 / 10)))
        closed = max(closed, later)
        plan["closed_at"] = closed
        if status == ReferralStatus.CLOSED:
            plan["outcome"] = rng.choices(FRONTLINE_OUTCOMES, FRONTLINE_OUTCOME_WEIGHTS)[0]
            events.append(("closed", closed, by, rng.choice(REFERRAL_NOTES)))
        elif status == ReferralStatus.DECLINED:
            events.append(("declined", closed, by, rng.choice(DECLINE_REASONS)))
        else:
            events.append(("transferred", closed, by, rng.choice(TRANSFER_REASONS)))
        return plan

    def flag_outcome(self, flag: Flag, plans: list[dict[str, Any]]) -> None:
        """The flag's status from its referrals (as casework sets it), the updates its flagger
        had, and, for flags closed over a year ago, the personal details erased."""
        updates: list[tuple[str, dt.datetime, str]] = [(FlagStatus.RECEIVED, flag.created_at, "")]
        acknowledged = [plan["acknowledged_at"] for plan in plans if plan["acknowledged_at"] is not None]
        closed: dt.datetime | None = None
        if any(plan["status"] in OPEN_REFERRAL for plan in plans):
            flag.status = FlagStatus.LOOKED_AT if acknowledged else FlagStatus.RECEIVED
        else:
            flag.status = FlagStatus.CLOSED
            flag.closed_at = closed = max(plan["closed_at"] for plan in plans)
        if acknowledged:
            updates.append((FlagStatus.LOOKED_AT, min(acknowledged), ""))
        if closed is not None:
            thanks = "Thank you for letting us know." if self.rng.random() < 0.3 else ""
            updates.append((FlagStatus.CLOSED, closed, thanks))
            erase_after = closed + dt.timedelta(days=365)
            if erase_after < self.now:
                flag.personal_erased_at = min(self.now, erase_after + dt.timedelta(hours=self.rng.uniform(1, 24)))
                flag.details = flag.location = flag.subject = flag.flagger_contact = None
        flag._scale_updates = updates  # type: ignore[attr-defined]
