"""The demo world's frontline: community partners, the agencies that take their flags, the routing
rules between them, and two months of flags in every state.

- Agencies: the council's adult social care, Age Well Millbrook (a charity), the fire service's safe
  and well visits, the children's trust, and the duty desk at Millbrook Collaborative, which takes
  whatever no rule routes. Cold homes go to the fire service and Age Well (and to social care when
  urgent); Age Well also takes possible dementia in Eastfield, where it runs a memory café.
- Partners: a shopkeeper and a plumber who can sign in, four more verified partners (a taxi driver,
  a postwoman, a pharmacist, and a neighbour later suspended for misuse), and a hairdresser waiting
  to be verified.
- Flags: received (one past its deadline and escalated to the managers), being looked at, closed
  with each outcome, one transferred from the duty desk, one declined, one with a postcode outside
  the borough. One household, Mrs Kowalczyk of Tanners Row, is flagged by the shopkeeper (a cold
  home, to the fire service and Age Well) and days later by the plumber (possible dementia, to adult
  social care): record linkage proposes the link and a caseworker confirms it, so the duty
  coordinator sees one case across three agencies. Another pair (Mr Carter of Mill Lane) is
  proposed and waits for a caseworker to decide.

Every flag goes through `services.flag_submit`, so routing, encryption and linkage are the real
ones, and every step through the casework services. Each step is then moved back to the time it
would have happened (`_back_then`): the services stamp everything "now". The emails they queue
about that history are recorded as sent back then, so seeding sends none.

Deterministic: the same partners, flags, references, steps and dates (relative to today) on every
run."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from heard.accounts import demo as accounts_demo
from heard.accounts.models import User
from heard.core.enums import EmailStatus
from heard.core.models import ActivityLog, OutboundEmail
from heard.frontline import casework, linking, services
from heard.frontline.enums import (
    ACKNOWLEDGE_WITHIN,
    AgencyKind,
    Category,
    Outcome,
    PartnerKind,
    PartnerStatus,
    ReferralStatus,
    SubjectAware,
    Urgency,
)
from heard.frontline.models import Agency, Flag, FlagLink, FlagUpdate, Partner, Referral, ReferralEvent
from heard.organisations import services as organisation_services
from heard.organisations.enums import Sector

# Partners who never sign in. Outside the demo domain, so the home page's list of accounts stays short.
PARTNER_DOMAIN = "partners.millbrook.example"

ORGANISATIONS = (
    (
        "fire",
        "Eastmere Fire and Rescue Service",
        Sector.PUBLIC,
        "Fire and rescue for Eastmere, and free safe and well visits at home for people most at risk.",
    ),
    (
        "children",
        "Millbrook Children's Trust",
        Sector.PUBLIC,
        "Children's social care and early help, run for Millbrook Borough Council.",
    ),
)

# Organisation key, kind of agency, and the demo person who works its referrals.
AGENCIES = (
    ("council", AgencyKind.ADULT_SOCIAL_CARE, "caseworker"),
    ("agewell", AgencyKind.CHARITY, "agewell"),
    ("fire", AgencyKind.FIRE, "fire"),
    ("children", AgencyKind.CHILDREN, "children"),
    ("collaborative", AgencyKind.DUTY, "coordinator"),
)

# Agency, category, area (a ward's slug) and urgency; blank matches anything.
RULES = (
    ("council", Category.DEMENTIA, "", ""),
    ("council", Category.SELF_NEGLECT, "", ""),
    ("council", Category.ABUSE, "", ""),
    ("council", Category.COLD_HOME, "", Urgency.URGENT),
    ("fire", Category.COLD_HOME, "", ""),
    ("agewell", Category.COLD_HOME, "", ""),
    ("agewell", Category.ISOLATION, "", ""),
    ("agewell", Category.DEMENTIA, "eastfield", ""),  # its memory café
    ("children", Category.YOUNG_PERSON, "", ""),
)


class AgencyStaff(Protocol):
    """A demo person (heard.demo.people.DemoPerson, handed in by the demo world, which this app may
    not import) with roles in the agencies made here."""

    @property
    def key(self) -> str: ...
    @property
    def agency_roles(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def totp_secret(self) -> str: ...


@dataclass(frozen=True)
class PartnerSeed:
    key: str  # a demo person's key, or the local part of an address at PARTNER_DOMAIN
    name: str  # for partners who are not demo people
    kind: str
    business: str
    ward: str
    phone: str
    registered_days_ago: float
    status: str = PartnerStatus.VERIFIED


PARTNERS = (
    PartnerSeed(
        "shopkeeper", "", PartnerKind.SHOPKEEPER, "Sandhu's Mini Market, Wharf Street", "old-market", "01632 960342", 62
    ),
    PartnerSeed(
        "plumber", "", PartnerKind.TRADESPERSON, "Fletcher Plumbing & Heating", "hillcrest", "07700 900266", 58
    ),
    PartnerSeed("taxi", "Imran Qureshi", PartnerKind.DRIVER, "Millbrook Cabs", "canal-side", "07700 900731", 55),
    PartnerSeed(
        "postal", "Sue Mitchell", PartnerKind.POSTAL, "Royal Mail, Millbrook delivery office", "eastfield", "", 52
    ),
    PartnerSeed(
        "pharmacist", "Adebola Okonjo", PartnerKind.OTHER, "Hillcrest Pharmacy", "hillcrest", "01632 960118", 50
    ),
    PartnerSeed(
        "neighbour", "Lee Dawson", PartnerKind.NEIGHBOUR, "", "northgate", "07700 900584", 31, PartnerStatus.SUSPENDED
    ),
    PartnerSeed(
        "hairdresser",
        "Kasia Nowak",
        PartnerKind.OTHER,
        "Studio K hair salon, Old Market",
        "old-market",
        "07700 900919",
        0.8,
        PartnerStatus.PENDING,
    ),
)
SUSPENSION_REASON = "Used flags for a dispute with a neighbour, not a concern about anyone's wellbeing."


@dataclass(frozen=True)
class Step:
    after_hours: float  # after the flag was sent
    agency: str
    action: str  # acknowledge, accept, action, transfer, decline, close
    note: str = ""  # the action's note, the reason to transfer or decline, or the closing note
    outcome: str = ""
    to: str = ""  # the agency a referral is transferred to
    thanks: str = ""


@dataclass(frozen=True)
class FlagSeed:
    key: str
    partner: str
    category: str
    urgency: str
    # When it was sent: days ago at a time of day, or, for today's, hours ago.
    days_ago: int
    clock: str
    details: str
    subject_aware: str
    address: str = ""
    place: str = ""
    postcode: str = ""
    name: str = ""
    approx_age: int | None = None
    description: str = ""
    contact: str = ""
    steps: tuple[Step, ...] = ()
    hours_ago: float = 0


FLAGS = (
    FlagSeed(
        "dementia_support_offered",
        "shopkeeper",
        Category.DEMENTIA,
        Urgency.ROUTINE,
        45,
        "11:05",
        "Gentleman paid for his paper twice, then came back an hour later to buy it again. Says his wife "
        "does everything for him but I have not seen her for months.",
        SubjectAware.KNOWS,
        place="The flats above the launderette on Wharf Street",
        postcode="MB1 3HF",
        name="Mr Dale",
        approx_age=80,
        description="Tall, flat cap, always in a blue anorak",
        steps=(
            Step(30, "council", "acknowledge"),
            Step(32, "council", "accept"),
            Step(
                100,
                "council",
                "action",
                "Visited. His wife moved to a care home in the spring. Offered a memory clinic referral through "
                "his GP; he said not yet.",
            ),
            Step(
                200,
                "council",
                "close",
                "He has our number and the GP knows. Support offered, not taken up for now.",
                Outcome.SUPPORT_OFFERED,
                thanks="Thank you for telling us. We have been in touch.",
            ),
        ),
    ),
    FlagSeed(
        "carter_first",
        "plumber",
        Category.SELF_NEGLECT,
        Urgency.ROUTINE,
        40,
        "10:30",
        "Went to fix a leaking tank. The house is full to the ceiling with newspapers, one path through, no "
        "working toilet, he says he washes at the sink. He did not want me to tell anyone but he is not managing.",
        SubjectAware.KNOWS,
        address="9 Mill Lane",
        postcode="MB2 5RT",
        name="Dennis Carter",
        approx_age=71,
        description="Thin, long grey beard, walks with a stick",
        contact="07700 900266",
        steps=(
            Step(20, "council", "acknowledge"),
            Step(26, "council", "accept"),
            Step(50, "council", "action", "Two visits, no answer. Letter left with our number."),
            Step(200, "council", "action", "Third visit with a housing officer, no answer. GP practice told."),
            Step(
                260,
                "council",
                "close",
                "Closed after three visits and a letter; his GP and housing know. Open again on any new concern.",
                Outcome.COULD_NOT_CONTACT,
                thanks="Thank you for taking the time to tell us.",
            ),
        ),
    ),
    FlagSeed(
        "young_person_action_taken",
        "taxi",
        Category.YOUNG_PERSON,
        Urgency.SOON,
        38,
        "17:10",
        "Boy of about 12 is at the taxi rank every day after school until late. Says he cannot go home till "
        "his mum is back from work, and that he is hungry.",
        SubjectAware.COULD_NOT_ASK,
        place="The taxi rank outside Millbrook station",
        postcode="MB1 1AA",
        approx_age=12,
        description="Small, red school jumper, football under his arm",
        steps=(
            Step(4, "children", "acknowledge"),
            Step(5, "children", "accept"),
            Step(48, "children", "action", "Family seen: mum works late shifts. After-school club place arranged."),
            Step(
                140,
                "children",
                "close",
                "Early help plan agreed with mum; free school meals in place.",
                Outcome.ACTION_TAKEN,
                thanks="Thank you for looking out for him.",
            ),
        ),
    ),
    FlagSeed(
        "hoarding_action_taken",
        "postal",
        Category.SELF_NEGLECT,
        Urgency.SOON,
        36,
        "09:40",
        "Bags of rubbish in the front garden up to the window, rats, and the lady at number 22 has not "
        "opened the door in weeks, though the television is always on.",
        SubjectAware.COULD_NOT_ASK,
        address="22 Elm Grove",
        postcode="MB5 3RW",
        approx_age=65,
        steps=(
            Step(6, "council", "acknowledge"),
            Step(8, "council", "accept"),
            Step(
                48,
                "council",
                "action",
                "Visited with environmental health; she let us in. Hoarding, no hot water. Deep clean and a support "
                "worker agreed with her.",
            ),
            Step(300, "council", "close", "Clean done; support worker visits weekly.", Outcome.ACTION_TAKEN),
        ),
    ),
    FlagSeed(
        "cold_home_action_taken",
        "postal",
        Category.COLD_HOME,
        Urgency.SOON,
        33,
        "08:10",
        "Elderly man answered the door in a coat and hat. Says the heating has been broken since November and "
        "he cannot afford the repair. Curtains closed, house freezing.",
        SubjectAware.AGREED,
        address="112 Foundry Road",
        postcode="MB4 2LN",
        name="Albert Nowell",
        approx_age=88,
        steps=(
            Step(3, "fire", "acknowledge"),
            Step(4, "fire", "accept"),
            Step(5, "agewell", "acknowledge"),
            Step(6, "agewell", "accept"),
            Step(
                28,
                "fire",
                "action",
                "Safe and well visit: two smoke alarms and a carbon monoxide alarm fitted; his electric heater moved "
                "away from the curtains.",
            ),
            Step(30, "fire", "close", "Visit done.", Outcome.ACTION_TAKEN),
            Step(
                72,
                "agewell",
                "action",
                "Warm Home Discount and a boiler grant applied for with him; two oil-filled radiators lent meanwhile.",
            ),
            Step(
                240,
                "agewell",
                "close",
                "New boiler fitted under the grant.",
                Outcome.ACTION_TAKEN,
                thanks="Thank you for passing this on. It made a difference.",
            ),
        ),
    ),
    FlagSeed(
        "isolation_support_offered",
        "shopkeeper",
        Category.ISOLATION,
        Urgency.ROUTINE,
        29,
        "15:40",
        "Lady who comes in every morning for a paper says she has not spoken to anyone since her husband died "
        "in the summer. Seemed low; said the days are very long.",
        SubjectAware.AGREED,
        place="Lives on the Riverside estate, near the shop",
        name="Joan",
        approx_age=75,
        description="Short white hair, tartan shopping trolley",
        steps=(
            Step(18, "agewell", "acknowledge"),
            Step(20, "agewell", "accept"),
            Step(70, "agewell", "action", "Phoned her: offered the Tuesday lunch club and a befriender."),
            Step(
                170,
                "agewell",
                "close",
                "She is not ready yet; she has our number and a leaflet.",
                Outcome.SUPPORT_OFFERED,
                thanks="Thank you for noticing. We have been in touch.",
            ),
        ),
    ),
    FlagSeed(
        "young_person_no_action",
        "taxi",
        Category.YOUNG_PERSON,
        Urgency.URGENT,
        26,
        "23:50",
        "Picked up a girl, maybe 14, at the bus station at nearly midnight. Crying, said she had been thrown "
        "out and asked to go to Hillcrest. No money for the fare; I took her anyway.",
        SubjectAware.COULD_NOT_ASK,
        place="Dropped by the phone box on Raikes Lane",
        postcode="MB2 8PW",
        approx_age=14,
        description="Girl, about 14, school uniform, green rucksack",
        contact="07700 900731",
        steps=(
            Step(0.5, "children", "acknowledge"),
            Step(1, "children", "accept"),
            Step(
                2,
                "children",
                "action",
                "A child already known to us. Family contacted: she is home and safe; her social worker knows.",
            ),
            Step(
                30,
                "children",
                "close",
                "Already open to the family support team; nothing new needed from this flag.",
                Outcome.NO_ACTION_NEEDED,
                thanks="Thank you for looking after her.",
            ),
        ),
    ),
    FlagSeed(
        "neighbour_dispute",
        "neighbour",
        Category.OTHER,
        Urgency.SOON,
        24,
        "18:00",
        "Man at number 30 keeps parking across my drive and shouting at my kids. Somebody needs to sort him out.",
        SubjectAware.NOT_TOLD,
        address="30 Kestrel Way",
        postcode="MB4 5PL",
        steps=(
            Step(14, "collaborative", "acknowledge"),
            Step(
                15,
                "collaborative",
                "close",
                "A dispute between neighbours, not a concern for anyone's wellbeing. Spoke to the partner.",
                Outcome.NO_ACTION_NEEDED,
            ),
        ),
    ),
    FlagSeed(
        "cold_home_declined",
        "plumber",
        Category.COLD_HOME,
        Urgency.SOON,
        21,
        "12:20",
        "Young mum with a baby. The landlord's gas engineer condemned the boiler two weeks ago and it is still "
        "not replaced. She is using the oven to keep warm.",
        SubjectAware.AGREED,
        address="Flat 12, Wren House, Canal Street",
        postcode="MB1 2GA",
        name="Chantelle",
        approx_age=23,
        contact="07700 900266",
        steps=(
            Step(2, "agewell", "acknowledge"),
            Step(
                3,
                "agewell",
                "decline",
                "We support people over 60. The fire service has this flag too, and the council's private housing "
                "team can make the landlord act.",
            ),
            Step(4, "fire", "acknowledge"),
            Step(5, "fire", "accept"),
            Step(
                24,
                "fire",
                "action",
                "Safe and well visit: told her not to heat with the oven; carbon monoxide alarm fitted. Landlord "
                "reported to the council's private housing team.",
            ),
            Step(100, "fire", "close", "Boiler replaced by the landlord.", Outcome.ACTION_TAKEN),
        ),
    ),
    FlagSeed(
        "isolation_could_not_contact",
        "postal",
        Category.ISOLATION,
        Urgency.ROUTINE,
        20,
        "10:15",
        "Lady at 5 Heron Court never seems to go out. Curtains shut all day, and she told me she had been in hospital.",
        SubjectAware.KNOWS,
        address="5 Heron Court",
        postcode="MB3 4JL",
        name="Mrs Begum",
        approx_age=70,
        steps=(
            Step(20, "agewell", "acknowledge"),
            Step(22, "agewell", "accept"),
            Step(70, "agewell", "action", "Two calls and a card through the door; no reply."),
            Step(250, "agewell", "close", "No reply after three tries.", Outcome.COULD_NOT_CONTACT),
        ),
    ),
    FlagSeed(
        "financial_transferred",
        "pharmacist",
        Category.FINANCIAL,
        Urgency.SOON,
        18,
        "11:00",
        "Regular customer asked if we could deliver his medicines because he cannot afford the bus any more. "
        "Says he has been skipping meals to pay the electric.",
        SubjectAware.AGREED,
        address="41 Orchard Road",
        postcode="MB3 6TW",
        name="George Baptiste",
        approx_age=77,
        contact="Hillcrest Pharmacy, 01632 960118",
        steps=(
            Step(1, "collaborative", "acknowledge"),
            Step(
                2,
                "collaborative",
                "transfer",
                "An older man on his own with money worries: Age Well's benefits check is the right place. "
                "Nothing for social care yet.",
                to="agewell",
            ),
            Step(6, "agewell", "acknowledge"),
            Step(7, "agewell", "accept"),
            Step(
                50,
                "agewell",
                "action",
                "Benefits check done: he is owed Pension Credit; claim started with him. Food bank voucher meanwhile.",
            ),
        ),
    ),
    FlagSeed(
        "abuse_accepted",
        "shopkeeper",
        Category.ABUSE,
        Urgency.SOON,
        14,
        "16:30",
        "An older gentleman comes in with a younger man who 'looks after him'. The younger man takes his bank "
        "card and does the cash-back, £100 at a time, three times this week. The old man looks frightened.",
        SubjectAware.NOT_TOLD,
        place="Seen at Sandhu's Mini Market, 6 Wharf Street",
        postcode="MB1 3HB",
        approx_age=80,
        description="Tall, walks with a frame. The younger man is in his thirties, grey hoodie.",
        contact="01632 960342",
        steps=(
            Step(3, "council", "acknowledge"),
            Step(4, "council", "accept"),
            Step(
                30,
                "council",
                "action",
                "Safeguarding enquiry (Care Act s42) opened. Police safeguarding unit told; bank asked to flag "
                "the card.",
            ),
            Step(120, "council", "action", "Spoke to him alone at his GP surgery. He wants a new card only he uses."),
        ),
    ),
    FlagSeed(
        "financial_duty_closed",
        "pharmacist",
        Category.FINANCIAL,
        Urgency.ROUTINE,
        12,
        "09:25",
        "Customer in her forties asked for painkillers on credit. Her Universal Credit was stopped after a "
        "missed appointment and she has no food in.",
        SubjectAware.AGREED,
        address="18 Tithe Barn Road",
        postcode="MB4 3HX",
        name="Lisa",
        approx_age=44,
        steps=(
            Step(2, "collaborative", "acknowledge"),
            Step(3, "collaborative", "accept"),
            Step(
                5,
                "collaborative",
                "action",
                "Rang her: Citizens Advice appointment made about the sanction; food bank voucher sent.",
            ),
            Step(
                80,
                "collaborative",
                "close",
                "Payments restored.",
                Outcome.ACTION_TAKEN,
                thanks="Thank you for flagging this.",
            ),
        ),
    ),
    FlagSeed(
        "dementia_eastfield",
        "postal",
        Category.DEMENTIA,
        Urgency.SOON,
        10,
        "09:05",
        "Lady keeps coming out in her nightie to ask if I have seen her mother. Post piling up behind the door. "
        "She did not know what day it was.",
        SubjectAware.COULD_NOT_ASK,
        address="7 Larch Close",
        postcode="MB3 2DF",
        name="Irene Hartley",
        approx_age=86,
        steps=(
            Step(5, "council", "acknowledge"),
            Step(7, "agewell", "acknowledge"),
            Step(8, "agewell", "accept"),
            Step(
                76,
                "agewell",
                "action",
                "Visited with her daughter. She will come to the Eastfield memory café on Thursdays. Her daughter "
                "asks the council for a carer's assessment.",
            ),
        ),
    ),
    FlagSeed(
        "isolation_accepted",
        "taxi",
        Category.ISOLATION,
        Urgency.ROUTINE,
        9,
        "14:45",
        "Takes my cab to the cemetery every Sunday and says it is the only time she goes out all week.",
        SubjectAware.AGREED,
        address="3 Pinfold Lane",
        postcode="MB4 6QD",
        name="Vera Hollis",
        approx_age=82,
        steps=(
            Step(20, "agewell", "acknowledge"),
            Step(21, "agewell", "accept"),
            Step(45, "agewell", "action", "Befriender matched; she has agreed to a weekly phone call."),
        ),
    ),
    FlagSeed(
        "cold_home_looked_at",
        "postal",
        Category.COLD_HOME,
        Urgency.ROUTINE,
        8,
        "10:00",
        "Elderly couple, frost on the inside of the windows. They said they only heat one room now.",
        SubjectAware.AGREED,
        address="61 Chapel Street",
        postcode="MB5 2NB",
        name="Harold Greaves",
        approx_age=83,
        steps=(
            Step(10, "fire", "acknowledge"),
            Step(12, "agewell", "acknowledge"),
            Step(13, "agewell", "accept"),
            Step(
                40,
                "agewell",
                "action",
                "Warm home grant applied for; thermal curtains and an electric blanket taken round.",
            ),
        ),
    ),
    FlagSeed(
        "carter_again",
        "postal",
        Category.SELF_NEGLECT,
        Urgency.ROUTINE,
        7,
        "10:50",
        "Post and free papers piled up on the step at number 9, and a smell from the letterbox. The man there, "
        "Den, looked very thin when he last came to the door.",
        SubjectAware.NOT_TOLD,
        address="9 Mill Ln",
        postcode="MB2 5RT",
        name="Den Carter",
        approx_age=70,
        steps=(Step(30, "council", "acknowledge"),),
    ),
    FlagSeed(
        "caravan_unknown_postcode",
        "taxi",
        Category.ISOLATION,
        Urgency.ROUTINE,
        6,
        "13:00",
        "Older couple in a static caravan out on Ferry Lane. She cares for him and says she has not had a "
        "night's sleep in months. No car, and no bus out there.",
        SubjectAware.AGREED,
        place="Willow Park caravan site, Ferry Lane",
        postcode="MB9 4XY",
        name="Pat Lund",
        approx_age=78,
        description="Caring for her husband",
        steps=(
            Step(20, "agewell", "acknowledge"),
            Step(24, "agewell", "accept"),
            Step(
                48,
                "agewell",
                "action",
                "Rang her: sitting service offered for respite; the carer's assessment asked of the neighbouring "
                "council, as the site is just outside Millbrook.",
            ),
        ),
    ),
    FlagSeed(
        "household_shopkeeper",
        "shopkeeper",
        Category.COLD_HOME,
        Urgency.SOON,
        5,
        "10:20",
        "Mrs K. has come in wearing her dressing gown under a coat three mornings running. Says the heating has "
        "'gone funny' and she has been sleeping in the kitchen with the oven door open. She bought firelighters, "
        "but she has no fire.",
        SubjectAware.KNOWS,
        address="Flat 3, 27 Tanners Row",
        postcode="MB1 3HD",
        name="Mrs Margaret Kowalczyk",
        approx_age=84,
        description="Small, white hair in a bun, walks with a stick",
        contact="Sandhu's Mini Market, 01632 960342",
        steps=(
            Step(2, "fire", "acknowledge"),
            Step(3, "fire", "accept"),
            Step(6, "agewell", "acknowledge"),
            Step(26, "fire", "action", "Safe and well visit booked for Friday, with her neighbour there."),
        ),
    ),
    FlagSeed(
        "young_person_accepted",
        "taxi",
        Category.YOUNG_PERSON,
        Urgency.URGENT,
        4,
        "01:10",
        "Lad of about 15 in the back of my cab with two older men; one paid cash from a big roll of notes. "
        "They dropped him at a house on Dock Street at 1 a.m. He looked scared and kept checking a new phone.",
        SubjectAware.NOT_TOLD,
        place="A house on Dock Street, near the old mill",
        postcode="MB1 1QT",
        approx_age=15,
        description="Slim, about 15, grey tracksuit",
        contact="07700 900731",
        steps=(
            Step(0.4, "children", "acknowledge"),
            Step(0.8, "children", "accept"),
            Step(10, "children", "action", "Strategy discussion with the police: possible criminal exploitation."),
            Step(
                50,
                "children",
                "action",
                "Young person identified; return home interview done. Exploitation team allocated.",
            ),
        ),
    ),
    FlagSeed(
        "household_plumber",
        "plumber",
        Category.DEMENTIA,
        Urgency.URGENT,
        3,
        "14:00",
        "Called out to her boiler. It had been switched off at the wall; nothing wrong with it. She did not "
        "remember ringing me and asked me three times who I was. The gas hob was on, unlit, when I got there: "
        "I turned it off. Fridge full of out-of-date food.",
        SubjectAware.AGREED,
        address="27 Tanners Row, first floor flat",
        postcode="mb1 3hd",
        name="Maggie Kowalczik",
        approx_age=80,
        description="Elderly lady, lives alone",
        contact="07700 900266",
        steps=(
            Step(1.5, "council", "acknowledge"),
            Step(3, "council", "accept"),
            Step(
                20,
                "council",
                "action",
                "Duty social worker visited with the memory nurse. Gas capped for safety; her daughter in Leeds told. "
                "Care needs assessment booked.",
            ),
        ),
    ),
    FlagSeed(
        "overdue",
        "taxi",
        Category.DEMENTIA,
        Urgency.SOON,
        2,
        "09:15",
        "Regular fare, an old gentleman, got in and could not tell me where he lived. Found his address on a "
        "letter in his pocket. Third time this month.",
        SubjectAware.COULD_NOT_ASK,
        address="15 Sycamore Avenue",
        postcode="MB2 3NJ",
        name="Frank",
        approx_age=82,
        contact="07700 900731",
    ),
    FlagSeed(
        "isolation_received",
        "postal",
        Category.ISOLATION,
        Urgency.ROUTINE,
        1,
        "11:30",
        "Gentleman at the end of Quarry Street waits at his gate for me every day just to talk. Says I am the "
        "only person he sees most days.",
        SubjectAware.AGREED,
        address="2 Quarry Street",
        postcode="MB5 1EU",
        name="Stanley Brook",
        approx_age=90,
    ),
    FlagSeed(
        "duty_received",
        "pharmacist",
        Category.OTHER,
        Urgency.SOON,
        0,
        "",
        "Young man collecting his prescription says he has been sleeping in his car since his flat flooded and "
        "the landlord will not answer. He has missed two days' doses.",
        SubjectAware.AGREED,
        place="Sleeping in his car behind the leisure centre",
        postcode="MB4 1AA",
        name="Kyle",
        approx_age=27,
        contact="Hillcrest Pharmacy, 01632 960118",
        hours_ago=5,
    ),
    FlagSeed(
        "urgent_received",
        "plumber",
        Category.COLD_HOME,
        Urgency.URGENT,
        0,
        "",
        "No heating or hot water, and the man there has a chest infection and is coughing badly. The boiler "
        "needs a part I cannot get until Monday.",
        SubjectAware.AGREED,
        address="54 Beacon Road",
        postcode="MB2 7QS",
        name="Ted Ashworth",
        approx_age=79,
        contact="07700 900266",
        hours_ago=1.5,
    ),
)
HOUSEHOLD = ("household_shopkeeper", "household_plumber")
# The caseworker who confirms the household's link, and when (hours after the plumber's flag).
HOUSEHOLD_LINK_CONFIRMED = ("caseworker", 22)


def seed(world: dict[str, Any], *, demo_people: Iterable[AgencyStaff]) -> None:
    if Agency.objects.filter(kind=AgencyKind.DUTY).exists():
        return
    people = world["people"]
    now = timezone.now()
    organisations = _organisations(world, demo_people)
    # Written directly: Frontline has no service (or page) that makes an organisation an agency yet.
    agencies = {
        key: Agency.objects.create(organisation=organisations[key], kind=kind) for key, kind, _worker in AGENCIES
    }
    workers = {key: people[worker] for key, _kind, worker in AGENCIES}
    rules = [
        services.rule_add(
            by=people["admin"],
            agency=agencies[key],
            category=category,
            area=world["areas"][ward] if ward else None,
            urgency=urgency,
        )
        for key, category, ward, urgency in RULES
    ]
    partners = _partners(world, now)

    flags = {
        item.key: _flag(item, partner=partners[item.partner], now=now, agencies=agencies, workers=workers)
        for item in FLAGS
    }
    link = _confirm_household_link(flags, people[HOUSEHOLD_LINK_CONFIRMED[0]])
    # The neighbour's misuse came to light with the duty desk's answer to his flag.
    with _back_then(flags["neighbour_dispute"].created_at + dt.timedelta(hours=16)):
        services.partner_suspend(partner=partners["neighbour"], by=people["convener"], reason=SUSPENSION_REASON)
    _escalate_overdue()

    for flag in flags.values():
        flag.refresh_from_db()
    for partner in partners.values():
        partner.refresh_from_db()
    world["frontline"] = {
        "agencies": agencies,
        "rules": rules,
        "partners": partners,
        "flags": flags,
        "household": {"shopkeeper": flags[HOUSEHOLD[0]], "plumber": flags[HOUSEHOLD[1]], "link": link},
    }


def _organisations(world: dict[str, Any], demo_people: Iterable[AgencyStaff]) -> dict[str, Any]:
    """The agencies that are not demo organisations yet, and their people's roles and two-factor
    secrets (see DemoPerson.agency_roles)."""
    people, admin = world["people"], world["people"]["admin"]
    for key, name, sector, description in ORGANISATIONS:
        world["organisations"][key] = organisation_services.organisation_create(
            name=name, sector=sector, description=description, areas=[world["areas"]["borough"]], by=admin
        )
    for person in demo_people:
        if not person.agency_roles:
            continue
        user = people[person.key]
        for key, role in person.agency_roles:
            organisation_services.membership_grant(
                organisation=world["organisations"][key], user=user, role=role, by=admin
            )
        accounts_demo.seed_person(
            email=user.email,
            name=user.display_name,
            password_hash=user.password,
            staff=False,
            totp_secret=person.totp_secret,
        )
    return world["organisations"]


def _partners(world: dict[str, Any], now: dt.datetime) -> dict[str, Partner]:
    people, convener = world["people"], world["people"]["convener"]
    unusable = make_password(None)  # nobody signs in as the partners outside the demo domain
    partners = {}
    for item in PARTNERS:
        user = people.get(item.key) or User.objects.create(
            email=f"{item.key}@{PARTNER_DOMAIN}", display_name=item.name, password=unusable
        )
        registered = now - dt.timedelta(days=item.registered_days_ago)
        with _back_then(registered):
            partner = services.partner_register(
                user=user, kind=item.kind, business=item.business, area=world["areas"][item.ward], phone=item.phone
            )
        if item.status != PartnerStatus.PENDING:
            with _back_then(registered + dt.timedelta(hours=26)):
                services.partner_verify(partner=partner, by=convener)
            with _back_then(registered + dt.timedelta(hours=29)):
                services.guidance_read(partner=partner)
        partners[item.key] = partner
    return partners


def _flag(
    item: FlagSeed, *, partner: Partner, now: dt.datetime, agencies: dict[str, Agency], workers: dict[str, Any]
) -> Flag:
    if item.hours_ago:
        sent = now - dt.timedelta(hours=item.hours_ago)
    else:
        hour, minute = (int(part) for part in item.clock.split(":"))
        day = timezone.localtime(now) - dt.timedelta(days=item.days_ago)
        sent = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    with _back_then(sent):
        flag = services.flag_submit(
            partner=partner,
            category=item.category,
            urgency=item.urgency,
            details=item.details,
            address=item.address,
            place=item.place,
            postcode=item.postcode,
            name=item.name,
            approx_age=item.approx_age,
            description=item.description,
            subject_aware=item.subject_aware,
            contact=item.contact,
        )
        # A reference the same on every run, so the demo can be described and tested by it.
        flag.reference = _reference(item.key)
        Flag.objects.filter(pk=flag.pk).update(reference=flag.reference)
        # As the task queued on commit would, straight away: the flag meets the earlier ones.
        linking.links_for_new_flag(flag_id=flag.pk)
    flag.refresh_from_db()
    for step in item.steps:
        with _back_then(sent + dt.timedelta(hours=step.after_hours)):
            referral = Referral.objects.get(flag=flag, agency=agencies[step.agency])
            _act(step, referral=referral, by=workers[step.agency], agencies=agencies)
    return flag


def _act(step: Step, *, referral: Referral, by: Any, agencies: dict[str, Agency]) -> None:
    if step.action == "acknowledge":
        casework.referral_acknowledge(referral=referral, by=by)
    elif step.action == "accept":
        casework.referral_accept(referral=referral, by=by)
    elif step.action == "action":
        casework.referral_record_action(referral=referral, by=by, note=step.note)
    elif step.action == "transfer":
        casework.referral_transfer(referral=referral, by=by, to=agencies[step.to], reason=step.note)
    elif step.action == "decline":
        casework.referral_decline(referral=referral, by=by, reason=step.note)
    elif step.action == "close":
        casework.referral_close(referral=referral, by=by, outcome=step.outcome, note=step.note, thanks=step.thanks)
    else:
        raise ValueError(step.action)


def _confirm_household_link(flags: dict[str, Flag], by: Any) -> FlagLink:
    """Record linkage proposed the link when the plumber's flag arrived; a caseworker confirms it."""
    first, second = sorted(flags[key].pk for key in HOUSEHOLD)
    link = FlagLink.objects.filter(first_id=first, second_id=second).first()
    if link is None:
        raise RuntimeError("Record linkage did not link the demo household's two flags: check their details.")
    with _back_then(flags[HOUSEHOLD[1]].created_at + dt.timedelta(hours=HOUSEHOLD_LINK_CONFIRMED[1])):
        return linking.link_decide(link=link, by=by, confirm=True)


def _escalate_overdue() -> None:
    """As the escalation command (every 15 minutes) would have, soon after each deadline passed."""
    overdue = Referral.objects.filter(
        status=ReferralStatus.ROUTED, acknowledge_by__lt=timezone.now(), escalated_at__isnull=True
    ).order_by("acknowledge_by")
    for deadline in list(overdue.values_list("acknowledge_by", flat=True)):
        when = min(deadline + dt.timedelta(minutes=12), timezone.now())
        with _back_then(when):
            casework.escalations_send(now=when)


def _reference(key: str) -> str:
    digest = hashlib.sha256(f"heard-demo-flag:{key}".encode()).digest()
    return "".join(services.REFERENCE_ALPHABET[byte % len(services.REFERENCE_ALPHABET)] for byte in digest[:8])


@contextmanager
def _back_then(when: dt.datetime) -> Iterator[None]:
    """Whatever the block writes, stamped "now" by the services, happened at `when` instead; the
    emails it queued were sent then (and are not sent again)."""
    mark = timezone.now()
    if when > mark:
        raise ValueError(f"A demo step in the future: {when}")
    yield
    ActivityLog.objects.filter(created_at__gte=mark).update(created_at=when)
    OutboundEmail.objects.filter(created_at__gte=mark, status=EmailStatus.QUEUED).update(
        created_at=when, sent_at=when, status=EmailStatus.SENT, attempts=1, subject="", text_body="", html_body=""
    )
    Partner.objects.filter(created_at__gte=mark).update(created_at=when)
    Partner.objects.filter(verified_at__gte=mark).update(verified_at=when)
    Partner.objects.filter(guidance_read_at__gte=mark).update(guidance_read_at=when)
    Flag.objects.filter(created_at__gte=mark).update(created_at=when)
    Flag.objects.filter(closed_at__gte=mark).update(closed_at=when)
    FlagUpdate.objects.filter(created_at__gte=mark).update(created_at=when)
    for urgency, within in ACKNOWLEDGE_WITHIN.items():
        Referral.objects.filter(created_at__gte=mark, flag__urgency=urgency).update(
            created_at=when, acknowledge_by=when + within
        )
    Referral.objects.filter(acknowledged_at__gte=mark).update(acknowledged_at=when)
    Referral.objects.filter(closed_at__gte=mark).update(closed_at=when)
    ReferralEvent.objects.filter(created_at__gte=mark).update(created_at=when)
    FlagLink.objects.filter(created_at__gte=mark).update(created_at=when)
    FlagLink.objects.filter(decided_at__gte=mark).update(decided_at=when)
