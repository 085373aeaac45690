"""The demo world's co-design: two challenges posed by Millbrook Borough Council.

- "How might we get repairs done right first time?", posed four months ago and now in its delivery
  phase: fourteen ideas from tenants with a few hundred supports, comments with a reply thread, a
  duplicate merged into the idea it repeats, five shortlisted ideas decided in public (accepted,
  accepted with changes, declined, and one decision corrected), and three commitments: one kept
  early, one late, one on time and in progress.
- "How might we make Eastfield Community Hall a place the whole estate uses?", open for ideas now,
  so a visitor can propose and support straight away; two of its ideas are near duplicates, so the
  "similar ideas" suggestion shows while typing.

The rows are written directly, with the dates they would have had, rather than through the
services: the services check each step against today's phase (a challenge cannot be decided while
it takes ideas), and tell every supporter of an idea by email about each decision, commitment and
delay, which would fill the demo's outbox with hundreds of messages nobody reads. The counters the
services keep on each idea (supports, comments) are kept here from the same rows.

Deterministic: the same ideas, supporters, comments and dates (relative to today) on every run."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from heard.accounts.models import User
from heard.codesign import services
from heard.codesign.enums import CommentStatus, CommitmentEventKind, CommitmentStatus, IdeaStatus, Outcome
from heard.codesign.models import Challenge, Comment, Commitment, CommitmentEvent, Decision, Idea, Milestone, Support

# Residents who back ideas without ever signing in. Their addresses are outside the demo domain, so
# the home page's list of demo accounts stays short.
NEIGHBOUR_DOMAIN = "residents.millbrook.example"
NEIGHBOURS = 120
FIRST_NAMES = (
    "Bilal", "Chloe", "Dariusz", "Eilidh", "Fatima", "Gareth", "Hannah", "Imran", "Jade", "Kwame",
    "Leanne", "Mohammed", "Niamh", "Olu", "Paula", "Rashid", "Sophie", "Tariq", "Una", "Vikram",
    "Wendy", "Yusuf", "Zofia", "Ben", "Carol", "Dev", "Esther", "Frank",
)  # fmt: skip
LAST_NAMES = (
    "Ahmed", "Brennan", "Clarke", "Da Silva", "Evans", "Farah", "Gill", "Hall", "Iqbal", "Jones",
    "Kowalski", "Lewis", "Mensah", "Nowak", "O'Brien", "Patel", "Quinn", "Reid", "Shah", "Turner",
)  # fmt: skip

REPAIRS_TITLE = "How might we get repairs done right first time?"
REPAIRS_CONTEXT = (
    "Last year our repairs service, carried out for us by Brightwater Homes, completed about 18,400 "
    "repairs in council homes. One in four needed a second visit, most often because the operative "
    "arrived without the right part, or without knowing what the job was.\n\n"
    "Every extra visit is another day a tenant waits in, often unpaid, and another visit we pay for. "
    "Tenants have told us the same on Heard, in their stories about the service and in the "
    "conversation on how repairs should work. We want your ideas to get repairs done right the "
    "first time."
)
REPAIRS_CONSTRAINTS = (
    "The law sets what we must repair and how fast: section 11 of the Landlord and Tenant Act 1985, "
    "the Homes (Fitness for Human Habitation) Act 2018, and the rules on damp and mould known as "
    "Awaab's Law. Ideas cannot lower those standards.\n"
    "Our contract with Brightwater Homes runs until 2028. We cannot change the contractor before "
    "then, but we can change how repairs are reported, booked and organised.\n"
    "Changes must be paid for from the budget above, this financial year."
)
HALL_TITLE = "How might we make Eastfield Community Hall a place the whole estate uses?"
HALL_CONTEXT = (
    "Eastfield Community Hall on Orchard Road is open about twenty hours a week, and most evenings "
    "it stands empty. People on the estate tell us they do not know what happens there or how to "
    "book it. The tenants' association holds its repairs surgery there on the first Tuesday of the "
    "month. We want the hall to be somewhere young people, older people and families all use."
)
HALL_CONSTRAINTS = (
    "The hall belongs to the council and must stay open to everyone who lives in Eastfield.\n"
    "Running costs, including any staff, must fit within the budget above each year.\n"
    "The upstairs rooms have no lift, and the roof is due to be replaced in summer 2027, when the "
    "hall will close for eight weeks."
)


@dataclass(frozen=True)
class IdeaSeed:
    key: str
    title: str
    description: str
    # A demo person's key, or the number of a neighbour.
    author: str | int
    # Days after ideas opened that it was proposed.
    day: float
    # How many people support it, its author included.
    supporters: int
    # Demo residents among its supporters, so their accounts show what they backed.
    backed_by: tuple[str, ...] = ()
    shortlisted: bool = False


@dataclass(frozen=True)
class CommentSeed:
    idea: str
    author: str | int
    text: str
    # Days after the idea was proposed.
    day: float
    replies: tuple[tuple[str | int, str, float], ...] = ()


REPAIRS_IDEAS = (
    IdeaSeed(
        "text",
        "Text me the day before with a two-hour arrival window",
        "At the moment you are told 'between 8 and 6' and lose the whole day. A text the day before, "
        "with a two-hour window and a way to rebook, would mean far fewer wasted trips when nobody is in.",
        "resident2",
        2,
        78,
        backed_by=("resident", "resident3"),
        shortlisted=True,
    ),
    IdeaSeed(
        "text_again",
        "Send a text the day before the repair visit",
        "A reminder the day before, so we can be in or say if the time does not work.",
        7,
        9,
        14,
    ),
    IdeaSeed(
        "photos",
        "Let tenants send photos when they report a repair",
        "Half the time the first visit is only to look at the problem. If we could send a photo of the "
        "leak or the broken part when we report it, the right trade could come first time with the "
        "right part.",
        "resident",
        1,
        64,
        backed_by=("resident2",),
        shortlisted=True,
    ),
    IdeaSeed(
        "vans",
        "Vans should carry the parts for the most common jobs",
        "Operatives tell us they go back to the depot for washers, hinges and thermostats. Stock every "
        "van with the parts the common jobs need, and keep a small store on the big estates.",
        3,
        4,
        47,
        backed_by=("resident",),
        shortlisted=True,
    ),
    IdeaSeed(
        "in_house",
        "Bring repairs back in house",
        "The council should employ its own repairs team again, so it answers to tenants directly and "
        "does not pay a contractor's profit.",
        11,
        6,
        41,
        shortlisted=True,
    ),
    IdeaSeed(
        "compensation",
        "Pay compensation automatically when an appointment is missed",
        "If nobody turns up, the tenant should get the compensation without having to claim it. That "
        "would make missed appointments cost the people who miss them.",
        19,
        8,
        33,
        backed_by=("resident3",),
        shortlisted=True,
    ),
    IdeaSeed(
        "named_officer",
        "A named repairs officer for each estate",
        "One person who knows the estate and the buildings, whom we can ring and who follows repairs "
        "through, instead of a different call handler every time.",
        "resident3",
        3,
        27,
    ),
    IdeaSeed(
        "tracking",
        "Track my repair online, like a parcel",
        "Show where a repair is up to: reported, booked, parts ordered, done. Then nobody has to ring to ask.",
        23,
        10,
        24,
        backed_by=("resident",),
    ),
    IdeaSeed(
        "same_operative",
        "The same operative comes back to finish the job",
        "When a job needs a second visit, send the person who came the first time. They already know it.",
        29,
        12,
        17,
    ),
    IdeaSeed(
        "ask_better",
        "Ask better questions when a repair is reported",
        "The call handler should ask what make the boiler is, where the water is coming from, and so on, "
        "so the operative knows before they arrive.",
        47,
        13,
        9,
    ),
    IdeaSeed(
        "check_back",
        "Ring tenants a week later to check the repair worked",
        "Too many jobs are closed as done when they are not. A quick call a week later would catch them.",
        31,
        14,
        15,
    ),
    IdeaSeed(
        "caretakers",
        "Let estate caretakers do small repairs on the spot",
        "Caretakers are on the estate every day. Let them change a washer or fix a door closer without a "
        "repairs order.",
        37,
        17,
        11,
    ),
    IdeaSeed(
        "surgery",
        "Report repairs in person at the Eastfield repairs surgery",
        "Not everyone can use the phone line or the website. Let the tenants' association log repairs at "
        "its monthly surgery.",
        41,
        20,
        7,
    ),
    IdeaSeed(
        "letters",
        "Write repair letters in plain English",
        "The letters about repairs are full of codes. Say what will happen, when, and who to ring.",
        43,
        24,
        5,
    ),
)
REPAIRS_COMMENTS = (
    CommentSeed(
        "photos",
        52,
        "Last winter they came three times about my boiler, a different engineer each time and never with "
        "the part. One photo of the label would have saved me two days off work.",
        3,
        replies=(
            (
                "responder",
                "Thank you for telling us. Cases like yours are why we asked: about one repair in four needs "
                "a second visit. We shortlist ideas when deliberation starts.",
                0.2,
            ),
            ("resident3", "Please keep the phone line as well. My mum has no smartphone.", 1),
            ("resident", "Agreed: photos should be an extra, not the only way to report a repair.", 1.5),
        ),
    ),
    CommentSeed("photos", 60, "A short video would be even better for leaks, to show where the water comes from.", 6),
    CommentSeed(
        "vans",
        71,
        "The plumber who came to me said he had driven back to the depot twice that morning for a washer.",
        2,
        replies=((3, "Exactly this. The depot is on the other side of the borough.", 0.5),),
    ),
    CommentSeed(
        "in_house",
        80,
        "When the council did its own repairs it was no better. The problem is how the work is organised, "
        "not who employs the workers.",
        4,
        replies=((11, "Maybe, but at least we could hold them to account directly.", 1),),
    ),
    CommentSeed("text", "resident", "Yes please, and a way to reply to the text if the time does not work.", 5),
    # Written on the duplicate; it moved with it when the two were merged.
    CommentSeed(
        "text_again", 88, "Even a text that morning would help. I lose half a day's pay every time I wait in.", 1
    ),
)

HALL_IDEAS = (
    IdeaSeed(
        "ramp",
        "Fix the ramp and the accessible toilet first",
        "The ramp is too steep for a wheelchair without help and the accessible toilet is used as a store "
        "room. Nothing else works until everyone can get in.",
        "resident3",
        0.5,
        21,
    ),
    IdeaSeed(
        "youth_club",
        "A youth club in the hall on weekday evenings",
        "There is nowhere for teenagers on the estate to go after school. Two or three evenings a week, "
        "with a youth worker, table tennis and somewhere to do homework.",
        "resident2",
        1,
        23,
    ),
    IdeaSeed(
        "warm_space",
        "A warm space with free tea on winter afternoons",
        "Somewhere warm to sit, with tea and company, for people who cannot afford to heat their homes all day.",
        61,
        2,
        18,
    ),
    IdeaSeed(
        "free_booking",
        "Let residents book the hall free of charge for family events",
        "Birthdays, christenings, wakes: families on the estate cannot pay £30 an hour. Make it free for "
        "Eastfield residents at weekends.",
        67,
        4,
        12,
    ),
    IdeaSeed(
        "advice_morning",
        "Advice and the repairs surgery on the same morning",
        "Citizens Advice could hold a drop-in at the same time as the tenants' repairs surgery, so people "
        "can sort out money and repairs in one trip.",
        73,
        6,
        8,
    ),
    IdeaSeed(
        "fridge",
        "A community fridge for food that would otherwise go to waste",
        "Local shops give food near its date; anyone can take what they need, no questions asked.",
        79,
        8,
        6,
    ),
    IdeaSeed(
        "youth_club_again",
        "Weekday evening youth club at the hall",
        "My son has nothing to do in the evenings. A club at the hall would keep young people off the car park.",
        83,
        9,
        5,
    ),
)
HALL_COMMENTS = (
    CommentSeed(
        "ramp",
        91,
        "The toilet door is too narrow for my daughter's wheelchair, so we have to leave after an hour.",
        1,
        replies=(
            (
                "manager",
                "Thank you for telling us. Our building surveyor will measure the door and the ramp this "
                "month, whichever ideas are chosen.",
                0.3,
            ),
        ),
    ),
    CommentSeed("youth_club", 97, "There was a youth club here until 2015 and it was always full.", 2),
)


def seed(world: dict[str, Any]) -> None:
    council = world["organisations"]["council"]
    if Challenge.objects.filter(organisation=council, title=REPAIRS_TITLE).exists():
        return
    rng = random.Random(2028)  # noqa: S311 - demo data, not security
    now = timezone.now()
    # Demo people by key, neighbours by number.
    people: dict[Any, User] = {**world["people"], **dict(enumerate(_neighbours(), start=1))}
    manager = world["people"]["manager"]

    repairs = _challenge(
        organisation=council,
        by=manager,
        title=REPAIRS_TITLE,
        context=REPAIRS_CONTEXT,
        constraints=REPAIRS_CONSTRAINTS,
        budget=Decimal(250_000),
        service=world["services"].get("Housing repairs"),
        area=world["areas"]["borough"],
        # Ideas four months ago, deliberation three, decisions two, delivery since a month ago.
        ideas_from=now - dt.timedelta(days=120),
        deliberation_from=now - dt.timedelta(days=90),
        decision_from=now - dt.timedelta(days=60),
        delivery_from=now - dt.timedelta(days=30),
    )
    ideas = _ideas(repairs, REPAIRS_IDEAS, people, rng, supports_until=repairs.decision_from)
    _merge_duplicate(source=ideas["text_again"], target=ideas["text"])
    _comments(ideas, REPAIRS_COMMENTS, people)
    # The duplicate's comment went with it to the idea it repeats.
    Comment.objects.filter(idea=ideas["text_again"]).update(idea=ideas["text"])
    decisions = _decisions(ideas, by=manager, decision_from=repairs.decision_from)
    commitments = _commitments(ideas, decisions, owner=manager)
    _recount(list(ideas.values()))

    hall = _challenge(
        organisation=council,
        by=manager,
        title=HALL_TITLE,
        context=HALL_CONTEXT,
        constraints=HALL_CONSTRAINTS,
        budget=Decimal(40_000),
        service=None,
        area=world["areas"]["eastfield"],
        ideas_from=now - dt.timedelta(days=12),
        deliberation_from=now + dt.timedelta(days=16),
        decision_from=now + dt.timedelta(days=30),
        delivery_from=now + dt.timedelta(days=44),
    )
    hall_ideas = _ideas(hall, HALL_IDEAS, people, rng, supports_until=now)
    _comments(hall_ideas, HALL_COMMENTS, people)
    _recount(list(hall_ideas.values()))

    world["codesign"] = {
        "repairs": repairs,
        "hall": hall,
        "ideas": ideas,
        "hall_ideas": hall_ideas,
        "decisions": decisions,
        "commitments": commitments,
    }


def _neighbours() -> list[User]:
    emails = [f"neighbour-{n}@{NEIGHBOUR_DOMAIN}" for n in range(1, NEIGHBOURS + 1)]
    known = {user.email: user for user in User.objects.filter(email__in=emails)}
    password = make_password(None)  # unusable: nobody signs in as them
    missing = [
        User(email=email, display_name=_name(n), password=password)
        for n, email in enumerate(emails, start=1)
        if email not in known
    ]
    known.update((user.email, user) for user in User.objects.bulk_create(missing))
    return [known[email] for email in emails]


def _name(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n + n // len(FIRST_NAMES)) % len(LAST_NAMES)]}"


def _challenge(*, organisation: Any, by: Any, **fields: Any) -> Challenge:
    challenge = services.challenge_create(organisation=organisation, by=by, publish=True, **fields)
    # Posed and published a week before ideas opened, not today.
    challenge.created_at = fields["ideas_from"] - dt.timedelta(days=10)
    challenge.published_at = fields["ideas_from"] - dt.timedelta(days=7)
    challenge.save(update_fields=["created_at", "published_at"])
    return challenge


def _ideas(
    challenge: Challenge,
    seeds: tuple[IdeaSeed, ...],
    people: dict[Any, User],
    rng: random.Random,
    supports_until: dt.datetime,
) -> dict[str, Idea]:
    """The ideas, each supported by its author first and then by neighbours over the days after."""
    neighbours = [user for key, user in people.items() if isinstance(key, int)]
    ideas, supports = {}, []
    for seed in seeds:
        author = people[seed.author]
        created = challenge.ideas_from + dt.timedelta(days=seed.day, hours=rng.randint(1, 11))
        idea = Idea.objects.create(
            challenge=challenge,
            title=seed.title,
            description=seed.description,
            author=author,
            shortlisted=seed.shortlisted,
            created_at=created,
        )
        ideas[seed.key] = idea
        backers = [author, *(people[key] for key in seed.backed_by)]
        others = [user for user in neighbours if user not in backers]
        backers += rng.sample(others, seed.supporters - len(backers))
        window = (supports_until - created).total_seconds()
        for n, user in enumerate(backers):
            # Most support comes in the first days after an idea is proposed.
            delay = 0 if n == 0 else min(window * 0.98, rng.expovariate(1 / (window * 0.2)))
            supports.append(Support(idea=idea, user=user, created_at=created + dt.timedelta(seconds=delay)))
    Support.objects.bulk_create(supports)
    return ideas


def _merge_duplicate(*, source: Idea, target: Idea) -> None:
    """A convener merged the duplicate into the idea it repeats (the rows only: no email in the demo)."""
    services.idea_merge_rows(source=source, target=target)


def _comments(ideas: dict[str, Idea], seeds: tuple[CommentSeed, ...], people: dict[Any, User]) -> None:
    for seed in seeds:
        idea = ideas[seed.idea]
        posted = idea.created_at + dt.timedelta(days=seed.day)
        comment = Comment.objects.create(idea=idea, author=people[seed.author], text=seed.text, created_at=posted)
        Comment.objects.bulk_create(
            Comment(
                idea=idea,
                parent=comment,
                author=people[author],
                text=text,
                created_at=posted + dt.timedelta(days=after),
            )
            for author, text, after in seed.replies
        )


def _recount(ideas: list[Idea]) -> None:
    """Set the counters the services keep, from the rows: a merged idea counts nothing of its own."""
    for idea in ideas:
        if idea.status == IdeaStatus.MERGED:
            idea.support_count = idea.comment_count = 0
        else:
            idea.support_count = idea.supports.count()
            idea.comment_count = idea.comments.filter(status=CommentStatus.PUBLISHED).count()
    Idea.objects.bulk_update(ideas, ["support_count", "comment_count"])


def _decisions(ideas: dict[str, Idea], *, by: User, decision_from: dt.datetime) -> dict[str, Decision]:
    organisation = ideas["text"].challenge.organisation

    def decide(key: str, days: float, outcome: str, reason: str, version: int = 1, note: str = "") -> Decision:
        return Decision.objects.create(
            idea=ideas[key],
            version=version,
            outcome=outcome,
            reason=reason,
            correction_note=note,
            decided_by=by,
            organisation=organisation,
            published_at=decision_from + dt.timedelta(days=days, hours=4),
        )

    decisions = {
        "text": decide(
            "text",
            2,
            Outcome.ACCEPTED,
            "Missed visits are the biggest single cause of repairs taking two trips, and this costs little: "
            "Brightwater's booking system can already send texts. Every booked repair will get a text the "
            "day before with a two-hour window and a link to rebook. People without a mobile will get a call.",
        ),
        "photos": decide(
            "photos",
            3,
            Outcome.ADAPTED,
            "We will add photos to the online repair form and let tenants send photos by text to the repairs "
            "number. We will not make photos a requirement: anyone can still report a repair by phone or in "
            "person, as several of you asked in the comments.",
        ),
        "vans_first": decide(
            "vans",
            3,
            Outcome.DECLINED,
            "Changing what the contractor's vans carry would need a new contract, and we cannot change the "
            "contractor before 2028. We will look at this again when the contract is re-let.",
        ),
        "in_house": decide(
            "in_house",
            5,
            Outcome.DECLINED,
            "The contract with Brightwater Homes runs until 2028, and ending it early would cost more than "
            "four times this challenge's budget in compensation. When the contract is re-let we will ask "
            "tenants whether repairs should come back in house, and link that consultation here.",
        ),
        "compensation": decide(
            "compensation",
            6,
            Outcome.DECLINED,
            "The £250,000 is for getting repairs right, and paying compensation automatically would take an "
            "estimated £90,000 a year from it. Missed appointments should fall as the accepted ideas take "
            "effect. You can still claim £20 for a missed appointment, and from next month the claim is a "
            "one-page form.",
        ),
    }
    decisions["vans"] = decide(
        "vans",
        20,
        Outcome.ADAPTED,
        "We accept the heart of this idea. We will list the parts behind the 40 most common jobs, and "
        "Brightwater will stock every van with them, paid from this challenge's budget. We will not set up "
        "a parts store on each estate, as the idea also proposed: that would cost more than the whole budget.",
        version=2,
        note="The first decision said this needed a new contract. It does not: the current contract lets the "
        "council decide what the vans carry.",
    )
    return decisions


def _commitments(ideas: dict[str, Idea], decisions: dict[str, Decision], *, owner: User) -> dict[str, Commitment]:
    today = timezone.localdate()
    now = timezone.localtime()

    def day(offset: int, hour: int = 11) -> dt.datetime:
        """A time on the day `offset` days from today (negative: in the past)."""
        return now.replace(hour=hour, minute=0, second=0, microsecond=0) + dt.timedelta(days=offset)

    def commit(key: str, *, made: int, due: int, title: str, description: str, status: str) -> Commitment:
        commitment = Commitment.objects.create(
            idea=ideas[key],
            organisation=ideas[key].challenge.organisation,
            title=title,
            description=description,
            owner=owner,
            owner_title="Head of Housing Repairs",
            due_on=today + dt.timedelta(days=due),
            status=status,
            created_at=day(made),
        )
        event(commitment, made, CommitmentEventKind.CREATED, title, after=CommitmentStatus.PLANNED)
        return commitment

    def event(commitment: Commitment, offset: int, kind: str, text: str, before: str = "", after: str = "") -> None:
        CommitmentEvent.objects.create(
            commitment=commitment,
            kind=kind,
            text=text,
            status_before=before,
            status_after=after,
            by=None if kind == CommitmentEventKind.LATE else owner,
            created_at=day(offset, hour=7 if kind == CommitmentEventKind.LATE else 11),
        )

    def milestones(commitment: Commitment, *rows: tuple[str, int, int | None]) -> None:
        for title, due, reached in rows:
            Milestone.objects.create(
                commitment=commitment,
                title=title,
                due_on=today + dt.timedelta(days=due),
                reached_on=None if reached is None else today + dt.timedelta(days=reached),
            )
            if reached is not None:
                event(commitment, reached, CommitmentEventKind.MILESTONE, title)

    started = "Started: Brightwater has agreed the change, at no extra cost."
    # Kept, a week before it was due.
    kept = commit(
        "text",
        made=-55,
        due=-12,
        title="Text every tenant the day before a repair, with a two-hour arrival window",
        description="Every booked repair gets a text the day before, giving a two-hour window and a link to "
        "rebook. Tenants without a mobile get a phone call instead.",
        status=CommitmentStatus.KEPT,
    )
    event(kept, -50, CommitmentEventKind.STATUS, started, CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)
    milestones(
        kept,
        ("Texts sent from Brightwater's booking system", -40, -41),
        ("A two-hour window for every booked repair", -20, -22),
    )
    event(
        kept,
        -30,
        CommitmentEventKind.PROGRESS,
        "Texts have gone out for 1,214 repairs so far. Nine visits in ten arrived within their window, and "
        "visits where nobody was in fell by a third.",
    )
    event(
        kept,
        -19,
        CommitmentEventKind.STATUS,
        "Done. Every booked repair now gets a text the day before with a two-hour window. We publish each "
        "month how many visits arrive within it.",
        CommitmentStatus.IN_PROGRESS,
        CommitmentStatus.KEPT,
    )
    kept.finished_on = today - dt.timedelta(days=19)
    kept.save(update_fields=["finished_on"])

    # Late: due nine days ago, still in progress, and the daily check has said so.
    late = commit(
        "photos",
        made=-54,
        due=-9,
        title="Let tenants add photos to a repair report, online and by text",
        description="Photos on the online repair form, and photos sent by text to the repairs number, reach "
        "the operative before the visit. Reporting by phone or in person stays as it is.",
        status=CommitmentStatus.IN_PROGRESS,
    )
    event(late, -47, CommitmentEventKind.STATUS, started, CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)
    milestones(
        late,
        ("Photo upload on the online repair form", -35, -33),
        ("Photos sent by text reach the operative's job sheet", -9, None),
    )
    event(
        late,
        -16,
        CommitmentEventKind.PROGRESS,
        "Photos sent by text are taking longer than planned: Brightwater's job system cannot yet attach them "
        "to the job. We are testing a fix with them.",
    )
    event(
        late,
        -8,
        CommitmentEventKind.LATE,
        f"Due on {late.due_on:%-d %B %Y} and not yet kept.",  # as the daily check words it
    )
    late.late_noticed_at = day(-8, hour=7)
    late.save(update_fields=["late_noticed_at"])
    event(
        late,
        -3,
        CommitmentEventKind.PROGRESS,
        "We are sorry this is late. The fix is in testing; we expect photos by text to work by the end of "
        "next month, and will post here when they do.",
    )

    # On time: made after the corrected decision, due in ten weeks.
    on_time = commit(
        "vans",
        made=-37,
        due=75,
        title="Stock every repair van with the parts for the 40 most common jobs",
        description="A list of the parts behind the 40 most common jobs, drawn from last year's repairs; "
        "Brightwater stocks all 38 vans with them and keeps them topped up.",
        status=CommitmentStatus.IN_PROGRESS,
    )
    event(on_time, -30, CommitmentEventKind.STATUS, started, CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)
    milestones(
        on_time,
        ("The list of parts, from last year's repairs", -20, -24),
        ("Half the vans stocked", 20, None),
        ("All 38 vans stocked", 70, None),
    )
    event(
        on_time,
        -6,
        CommitmentEventKind.PROGRESS,
        "12 of the 38 vans now carry the full list. On those vans, jobs needing a second visit for a part "
        "have fallen from one in five to one in twelve.",
    )
    return {"kept": kept, "late": late, "on_time": on_time}
