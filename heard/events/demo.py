"""The demo world's events, run by the Millbrook Collaborative.

- "The Unusual Suspects Festival": three days, starting in three weeks, at Millbrook Town Hall's
  five rooms, on four themes. Its call for hosts closed a month ago: forty sessions proposed by
  partner organisations, reviewed by two teams (a reviewer from Age Well is kept off Age Well's
  own proposals), thirty accepted, four on the reserve list and six not accepted, with the
  decision emails sent and most hosts confirmed. The schedule is out in two releases, the
  second moving two sessions, so the changes page has something to show. One small session is
  full with a waiting list; Amara has an agenda.
- "What next for repairs?": a follow-up discussion evening in five weeks, full, with two people
  waiting (Joe Whitfield first), so cancelling a place shows the promotion.

The proposals, reviews and decisions are written with the dates they would have had (the
services check each step against today: nobody can propose after the deadline); the schedule is
placed and released through the schedule services, and registrations go through the
registration service, so places and waiting lists are counted as they are for real.

Deterministic: the same sessions, scores and places (relative to today) on every run."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from heard.accounts.models import User
from heard.events.enums import EventKind, SessionState
from heard.events.models import (
    Answer,
    Call,
    CallQuestion,
    Event,
    Review,
    ReviewCriterion,
    ReviewScore,
    ReviewTeam,
    Room,
    Session,
    SessionHost,
    Theme,
    Venue,
)
from heard.events.services import agenda, registration, schedule

FESTIVAL_TITLE = "The Unusual Suspects Festival"
FESTIVAL_SLUG = "the-unusual-suspects-festival"
FOLLOW_UP_SLUG = "what-next-for-repairs"
PARTNER_DOMAIN = "partners.millbrook.example"

THEMES = (
    ("youth", "Youth resilience"),
    ("ageing", "An ageing population"),
    ("services", "Citizen-centred public services"),
    ("digital", "The digital divide"),
)
ROOMS = (
    ("Council Chamber", 120),
    ("Committee Room A", 40),
    ("Committee Room B", 30),
    ("Library Studio", 24),
    ("Youth Hub", 50),
)

# (organisation key, theme, type, minutes, title, who it is for, expected audience, what happens)
PROPOSALS = (
    (
        "council",
        "services",
        "panel",
        90,
        "Who decides? Budgets in the open",
        "Anyone who pays council tax",
        80,
        "Councillors and residents take questions on how next year's budget is set.",
    ),
    (
        "council",
        "youth",
        "workshop",
        90,
        "Designing the youth offer with young people",
        "Young people aged 13 to 19",
        30,
        "Young people redesign the borough's youth clubs, sticky notes and all.",
    ),
    (
        "council",
        "digital",
        "seminar",
        60,
        "Applying for housing without a computer",
        "Housing officers, advisers, applicants",
        25,
        "What we learned when we watched people apply on a phone.",
    ),
    (
        "council",
        "services",
        "talk",
        45,
        "Fixing the bins: what 4,000 complaints taught us",
        "Everyone",
        60,
        "A frank look at missed collections and what changed.",
    ),
    (
        "health",
        "ageing",
        "workshop",
        90,
        "Staying well at home after hospital",
        "Older people, carers, nurses",
        30,
        "Community nurses and patients map the first week home.",
    ),
    (
        "health",
        "youth",
        "seminar",
        60,
        "Young minds: waiting lists and what helps meanwhile",
        "Parents, teachers, young people",
        40,
        "Clinicians and young people on support while waiting.",
    ),
    (
        "health",
        "digital",
        "workshop",
        60,
        "Booking a GP appointment: try it with us",
        "Anyone who finds online booking hard",
        20,
        "Hands-on help with the booking app, and a list of what to fix.",
    ),
    (
        "health",
        "services",
        "panel",
        60,
        "One story, told once",
        "Patients, carers, staff",
        50,
        "Why people tell their story five times, and how to stop it.",
    ),
    (
        "brightwater",
        "services",
        "workshop",
        90,
        "Right first time: a repairs walk-through",
        "Tenants, repairs staff",
        30,
        "Follow one repair from the phone call to the van, and find the gaps.",
    ),
    (
        "brightwater",
        "ageing",
        "talk",
        45,
        "Adaptations that arrive before they are needed",
        "Older tenants and families",
        40,
        "Grab rails, ramps and the waiting list.",
    ),
    (
        "buses",
        "ageing",
        "workshop",
        60,
        "The 42 bus and the people who rely on it",
        "Older passengers, carers",
        30,
        "Passengers and drivers redesign the timetable together.",
    ),
    (
        "buses",
        "youth",
        "seminar",
        45,
        "Safe journeys home",
        "Young people, parents",
        35,
        "What would make the late buses feel safe?",
    ),
    (
        "buses",
        "digital",
        "talk",
        30,
        "Tickets for people without smartphones",
        "Everyone",
        40,
        "Cash, cards and the apps that left people behind.",
    ),
    (
        "advice",
        "services",
        "workshop",
        90,
        "Benefits forms, rewritten by the people who fill them in",
        "Claimants, advisers",
        25,
        "Plain English, together.",
    ),
    (
        "advice",
        "digital",
        "workshop",
        90,
        "Online only? Advice for those left offline",
        "Advisers, librarians, residents",
        30,
        "A practical session on help for people who cannot get online.",
    ),
    (
        "advice",
        "youth",
        "talk",
        45,
        "Money worries at seventeen",
        "Young people leaving care",
        25,
        "Budgets, bank accounts and the first tenancy.",
    ),
    (
        "agewell",
        "ageing",
        "workshop",
        120,
        "Lonely, not alone: befriending that works",
        "Older people, volunteers",
        40,
        "Volunteers and the people they visit on what makes a good visit.",
    ),
    (
        "agewell",
        "digital",
        "workshop",
        90,
        "Tablets and tea",
        "Older people new to the internet",
        20,
        "Bring a device or borrow one: video calls with family in an afternoon.",
    ),
    (
        "agewell",
        "ageing",
        "panel",
        60,
        "Growing older in Millbrook: what we want",
        "Everyone over 65, and those who care for them",
        60,
        "Five older residents set the agenda for the next ten years.",
    ),
    (
        "agewell",
        "services",
        "seminar",
        60,
        "Carers' assessments from the carers' side",
        "Unpaid carers, social workers",
        30,
        "What an assessment feels like, and what would help.",
    ),
    (
        "tenants",
        "services",
        "workshop",
        90,
        "Eastfield speaks: a tenants' assembly",
        "Eastfield tenants",
        50,
        "An open assembly with a facilitator and decisions at the end.",
    ),
    (
        "tenants",
        "youth",
        "workshop",
        60,
        "A place for teenagers on the estate",
        "Teenagers, tenants",
        30,
        "Plan the old garages as a youth space.",
    ),
    (
        "tenants",
        "ageing",
        "talk",
        30,
        "Lifts that work",
        "Tenants of tower blocks",
        40,
        "A short talk on the lift campaign, and what came of it.",
    ),
    (
        "foodbank",
        "services",
        "seminar",
        60,
        "Dignity at the food bank door",
        "Volunteers, agencies who refer",
        30,
        "How referrals feel, and how to make them feel better.",
    ),
    (
        "foodbank",
        "youth",
        "workshop",
        90,
        "Holiday hunger: planning the summer",
        "Schools, parents, youth workers",
        30,
        "Plan the summer meals programme together.",
    ),
    (
        "collaborative",
        "services",
        "talk",
        45,
        "Only 14%: why people feel they have no say",
        "Everyone",
        100,
        "The report's findings, and what residents told us since.",
    ),
    (
        "collaborative",
        "digital",
        "workshop",
        60,
        "Heard in an hour: rate a service and follow it up",
        "Residents and staff",
        30,
        "Try Heard on your phone and see where your story goes.",
    ),
    (
        "collaborative",
        "youth",
        "panel",
        60,
        "Young people's jury on public services",
        "Everyone",
        60,
        "A jury of young residents questions three service leaders.",
    ),
    (
        "council",
        "ageing",
        "workshop",
        90,
        "Home care: designing the new contract with the people who use it",
        "Home care users and families",
        30,
        "Co-design the standards for the next contract.",
    ),
    (
        "health",
        "services",
        "talk",
        30,
        "Listening to complaints as a gift",
        "Staff of any service",
        40,
        "How one ward halved complaints by reading them.",
    ),
    (
        "advice",
        "ageing",
        "seminar",
        45,
        "Pension credit: the money left unclaimed",
        "Older people, advisers",
        30,
        "Who misses out, and how to reach them.",
    ),
    (
        "brightwater",
        "digital",
        "workshop",
        60,
        "Report a repair by text, photo or call",
        "Tenants",
        25,
        "Test the new reporting routes before they go live.",
    ),
    (
        "buses",
        "services",
        "panel",
        60,
        "Contractors in the open: the bus contract",
        "Passengers",
        50,
        "The operator and the council answer passengers' questions.",
    ),
    (
        "tenants",
        "digital",
        "workshop",
        60,
        "Wi-fi on the estate",
        "Tenants, the council's digital team",
        25,
        "Free wi-fi in the community hall: plan it together.",
    ),
    (
        "foodbank",
        "ageing",
        "talk",
        30,
        "Older people and food poverty",
        "Everyone",
        30,
        "Figures and stories from the food bank.",
    ),
    (
        "agewell",
        "youth",
        "workshop",
        90,
        "Across the generations: a skills swap",
        "Older people and teenagers",
        30,
        "Teenagers teach phones; older people teach cooking.",
    ),
    (
        "council",
        "digital",
        "panel",
        45,
        "Closing the digital divide: the council's plan",
        "Everyone",
        40,
        "The plan, and residents' questions about it.",
    ),
    (
        "health",
        "ageing",
        "seminar",
        60,
        "Falls: what stops them",
        "Older people, carers, staff",
        30,
        "The evidence in plain words, and a strength and balance taster.",
    ),
    (
        "advice",
        "services",
        "talk",
        30,
        "Debt and the council: collecting kindly",
        "Everyone",
        30,
        "How the council's debt collection changed after residents spoke.",
    ),
    (
        "collaborative",
        "ageing",
        "workshop",
        90,
        "Mapping opinions on social care",
        "Everyone",
        40,
        "Vote on statements about social care and see the opinion map form.",
    ),
)
# Proposals 0..29 are accepted; 30..33 put on the reserve list; 34..39 not accepted.
ACCEPTED, RESERVE = 30, 4
DAY_SLOTS = ((10, 0), (11, 45), (14, 0), (15, 45))


def seed(world: dict[str, Any]) -> dict[str, Any]:
    people = world["people"]
    organisations = world["organisations"]
    collaborative = organisations["collaborative"]
    if Event.objects.filter(slug=FESTIVAL_SLUG).exists():
        return {"festival": Event.objects.get(slug=FESTIVAL_SLUG)}
    now = timezone.now()
    themes = {
        key: Theme.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name, "position": position}
        )[0]
        for position, (key, name) in enumerate(THEMES)
    }
    venue = Venue.objects.create(
        organisation=collaborative,
        name="Millbrook Town Hall",
        address="Market Square, Millbrook MB1 3AA",
        access="Step-free entrance on Church Lane. Hearing loops in the Council Chamber and Committee Rooms. "
        "A quiet room on the first floor. Accessible toilets on every floor.",
    )
    rooms = [
        Room.objects.create(venue=venue, name=name, capacity=seats, position=n) for n, (name, seats) in enumerate(ROOMS)
    ]
    first_day = timezone.localtime(now + dt.timedelta(days=21)).replace(hour=9, minute=30, second=0, microsecond=0)
    festival = Event.objects.create(
        organisation=collaborative,
        kind=EventKind.FESTIVAL,
        title=FESTIVAL_TITLE,
        slug=FESTIVAL_SLUG,
        description=(
            "Three days of workshops, seminars and talks hosted by the borough's partners: the "
            "council, the NHS, contractors, charities and community groups. Named after the report "
            "that found only 14% of people feel they have a say in how public services are run. "
            "Everyone is welcome; some sessions have limited places."
        ),
        starts_at=first_day,
        ends_at=first_day + dt.timedelta(days=2, hours=8),
        venue=venue,
        opens=dt.time(9, 0),
        closes=dt.time(18, 0),
        capacity=400,
        published_at=now - dt.timedelta(days=70),
        created_by=people["convener"],
    )
    festival.themes.set(themes.values())
    call = Call.objects.create(
        event=festival,
        guidance=(
            "We are looking for sessions that bring together people who do not usually meet: residents "
            "and the people who run their services. Tell us who you will bring."
        ),
        opens_at=now - dt.timedelta(days=70),
        deadline=now - dt.timedelta(days=30),
    )
    bring = CallQuestion.objects.create(call=call, text="Who will you bring along?", required=True, position=0)
    before = CallQuestion.objects.create(call=call, text="Have you run this session before?", position=1)
    criteria = [
        ReviewCriterion.objects.create(call=call, name="Relevance to the themes", weight=2, position=0),
        ReviewCriterion.objects.create(call=call, name="Brings in people seldom heard", weight=2, position=1),
        ReviewCriterion.objects.create(call=call, name="Practical and well planned", weight=1, position=2),
    ]
    youth_team = ReviewTeam.objects.create(call=call, name="Youth and the digital divide")
    youth_team.themes.set([themes["youth"], themes["digital"]])
    youth_team.members.set([people["convener"], people["analyst"]])
    services_team = ReviewTeam.objects.create(call=call, name="Ageing and public services")
    services_team.themes.set([themes["ageing"], themes["services"]])
    services_team.members.set([people["convener"], people["agewell"]])

    proposers = _proposers(people, organisations)
    rng = random.Random(8)  # noqa: S311 - demo data, not security
    sessions = []
    for number, (org_key, theme_key, kind, minutes, title, audience, expected, what) in enumerate(PROPOSALS):
        proposer = proposers[org_key]
        submitted = call.opens_at + dt.timedelta(days=2 + number % 35, hours=number % 9)
        if number < ACCEPTED:
            state = SessionState.CONFIRMED if number % 7 else SessionState.ACCEPTED
        elif number < ACCEPTED + RESERVE:
            state = SessionState.WAITLISTED
        else:
            state = SessionState.REJECTED
        session = Session.objects.create(
            event=festival,
            call=call,
            title=title,
            kind=kind,
            duration=minutes,
            theme=themes[theme_key],
            description=what,
            audience=audience,
            expected_audience=expected,
            organisation=organisations[org_key],
            proposer=proposer,
            state=state,
            submitted_at=submitted,
            decided_at=call.deadline + dt.timedelta(days=10),
            decision_emailed_at=call.deadline + dt.timedelta(days=10, hours=1),
            responded_at=call.deadline + dt.timedelta(days=12) if state == SessionState.CONFIRMED else None,
        )
        SessionHost.objects.create(
            session=session, email=proposer.email, user=proposer, name=proposer.display_name, is_proposer=True
        )
        Answer.objects.create(session=session, question=bring, text=f"{audience}, through our own networks.")
        Answer.objects.create(session=session, question=before, text="Yes, once." if number % 3 == 0 else "")
        _review(session, [youth_team, services_team], criteria, rng, number)
        sessions.append(session)
    # A co-host from another organisation on the opening panel.
    SessionHost.objects.create(
        session=sessions[0], email=people["agewell"].email, user=people["agewell"], name=people["agewell"].display_name
    )
    # Sessions registered for individually: the smaller rooms keep their seats as places.
    _schedule(festival, sessions[:ACCEPTED], rooms, people["convener"])
    _registrations(festival, sessions, people)
    follow_up = _follow_up(collaborative, people, now)
    return {"festival": festival, "follow_up": follow_up}


def _proposers(people: dict[str, User], organisations: dict[str, Any]) -> dict[str, User]:
    """One host per organisation: its demo person where it has one, else a partner's account
    nobody signs in to."""
    known = {"council": "manager", "brightwater": "repairs", "agewell": "agewell", "collaborative": "convener"}
    password = make_password(None)
    found = {}
    for key in organisations:
        if key in known:
            found[key] = people[known[key]]
            continue
        email = f"{key}@{PARTNER_DOMAIN}"
        found[key] = User.objects.filter(email=email).first() or User.objects.create(
            email=email, display_name=f"{organisations[key].name} team", password=password
        )
    return found


def _review(
    session: Session, teams: list[ReviewTeam], criteria: list[ReviewCriterion], rng: random.Random, number: int
) -> None:
    """Scores from each reviewer whose team covers the session, skipping conflicts of interest
    (a reviewer never scores their own organisation's proposal). Better-ranked sessions score higher."""
    from heard.organisations.models import Membership

    strength = 4 - number / 13  # the list is in rank order: 4 down to about 1
    reviewers = {
        member for team in teams if team.themes.filter(pk=session.theme_id).exists() for member in team.members.all()
    }
    for reviewer in sorted(reviewers, key=lambda user: user.pk):
        if Membership.objects.filter(user=reviewer, organisation=session.organisation).exists():
            continue
        scores = {criterion.pk: max(0, min(4, round(strength + rng.uniform(-0.8, 0.8)))) for criterion in criteria}
        total = sum(criterion.weight for criterion in criteria)
        review = Review.objects.create(
            session=session,
            reviewer=reviewer,
            comment=rng.choice(
                ("Clear and practical.", "Good reach beyond the usual faces.", "Needs a sharper plan.", "")
            ),
            overall=sum(scores[criterion.pk] * criterion.weight for criterion in criteria) / total,
        )
        ReviewScore.objects.bulk_create(
            ReviewScore(review=review, criterion_id=pk, score=score) for pk, score in scores.items()
        )


def _schedule(festival: Event, accepted: list[Session], rooms: list[Room], by: User) -> None:
    """Thirty sessions over three days, four slots a day, released; then two moves released again."""
    first = timezone.localtime(festival.starts_at)
    slots = [
        first.replace(hour=hour, minute=minute) + dt.timedelta(days=day)
        for day in range(3)
        for hour, minute in DAY_SLOTS
    ]
    # Big sessions in big rooms: order both by size and deal them out.
    by_size = sorted(accepted, key=lambda session: -session.expected_audience)
    places = sorted(
        ((room, slot) for slot in slots for room in rooms), key=lambda place: (-place[0].capacity, place[1])
    )
    for session, (room, slot) in zip(by_size, places, strict=False):
        schedule.session_place(
            session=session, room=room, starts_at=slot, expected_version=session.schedule_version, by=by
        )
    schedule.release_publish(event=festival, by=by, note="The first schedule.", despite_conflicts=True)
    # A week later: two sessions swapped places to fit the numbers who signed up.
    smallest = Session.objects.get(pk=by_size[-1].pk)
    other = next(
        found
        for found in (Session.objects.get(pk=session.pk) for session in reversed(by_size[:-1]))
        if found.room_id != smallest.room_id
    )
    first_place, second_place = (smallest.room, smallest.starts_at), (other.room, other.starts_at)
    for session, (room, starts) in ((smallest, second_place), (other, first_place)):
        session.refresh_from_db()
        schedule.session_place(
            session=session, room=room, starts_at=starts, expected_version=session.schedule_version, by=by
        )
    schedule.release_publish(event=festival, by=by, note="Two sessions swap places.", despite_conflicts=True)


def _neighbours(count: int) -> list[User]:
    from heard.codesign.demo import NEIGHBOUR_DOMAIN

    return list(User.objects.filter(email__endswith=f"@{NEIGHBOUR_DOMAIN}").order_by("pk")[:count])


def _registrations(festival: Event, sessions: list[Session], people: dict[str, User]) -> None:
    neighbours = _neighbours(80)
    for person in neighbours[:60]:
        registration.registration_create(event=festival, by=person)
    registration.registration_create(event=festival, by=people["resident"], access_needs="Step-free access, please.")
    # "Tablets and tea" in the Library Studio: made small on purpose (six places), full, two waiting.
    tablets = Session.objects.get(event=festival, title="Tablets and tea")
    Session.objects.filter(pk=tablets.pk).update(capacity=6)
    tablets.refresh_from_db()
    for person in [*neighbours[60:65], people["resident"], people["resident2"], neighbours[65]]:
        registration.registration_create(event=festival, session=tablets, by=person)
    # Amara's agenda: three sessions across the days.
    released = Session.objects.filter(event=festival, published_starts_at__isnull=False).order_by("published_starts_at")
    for session in [released[0], tablets, released[len(released) - 1]]:
        agenda.agenda_add(session=session, by=people["resident"])


def _follow_up(collaborative: Any, people: dict[str, User], now: dt.datetime) -> Event:
    starts = timezone.localtime(now + dt.timedelta(days=35)).replace(hour=18, minute=30, second=0, microsecond=0)
    event = Event.objects.create(
        organisation=collaborative,
        kind=EventKind.DISCUSSION,
        title="What next for repairs? A follow-up discussion",
        slug=FOLLOW_UP_SLUG,
        description=(
            "An evening with the council and Brightwater Homes on the repairs challenge: what was "
            "decided, which commitments are on track and which are late, and what tenants want next. "
            "Tea from 6pm. Join in person or online."
        ),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="Eastfield Community Hall, Eastfield Road",
        online_url="https://meet.millbrook.example/repairs-follow-up",
        opens=dt.time(18, 0),
        closes=dt.time(21, 0),
        capacity=30,
        published_at=now - dt.timedelta(days=10),
        created_by=people["convener"],
    )
    event.themes.set(Theme.objects.filter(slug="citizen-centred-public-services"))
    for person in [people["resident"], *_neighbours(29)]:
        registration.registration_create(event=event, by=person)
    registration.registration_create(event=event, by=people["resident2"])
    registration.registration_create(event=event, by=people["resident3"], access_needs="A hearing loop, please.")
    return event
