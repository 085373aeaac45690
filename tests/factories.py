"""Factories with no surprises: each makes exactly the row it names, with plain defaults."""

from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.utils import timezone

from heard.accounts.models import User
from heard.codesign.models import Challenge, Idea
from heard.conversations.models import Conversation
from heard.directory.enums import ServiceCategory
from heard.directory.models import Service
from heard.events.models import Call, Event, ReviewCriterion, ReviewTeam, Room, Session, SessionHost, Theme, Venue
from heard.frontline.models import Agency, Partner
from heard.organisations.enums import AreaKind, Role, Sector
from heard.organisations.models import Area, Membership, Organisation, PostcodePrefix
from heard.polls.models import Poll, Wave
from heard.publications.markdown import render
from heard.publications.models import Author, Authorship, ContactTopic, Newsletter, Publication, Subscriber, Topic
from heard.publications.personal import email_key
from heard.voice.enums import Listened, StoryStatus
from heard.voice.models import Story

TEST_PASSWORD = "correct-horse-battery-staple"
# A fixed TOTP secret for staff personas, so tests can compute valid codes.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def add_totp(user: User, secret: str = TEST_TOTP_SECRET) -> Authenticator:
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")
    kind = AreaKind.REGION
    parent = None


class LocalAuthorityFactory(AreaFactory):
    kind = AreaKind.LOCAL_AUTHORITY
    parent = factory.SubFactory(AreaFactory)


class WardFactory(AreaFactory):
    kind = AreaKind.WARD
    parent = factory.SubFactory(LocalAuthorityFactory)


class PostcodePrefixFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostcodePrefix

    prefix = "MB1"
    area = factory.SubFactory(WardFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    sector = Sector.PUBLIC
    description = "Provides services to the public."


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    description = "Helps people."
    category = ServiceCategory.HOUSING


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    service = factory.SubFactory(ServiceFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Story {n}")
    text = "They fixed the boiler after two visits."
    rating_overall = 4
    listened = Listened.PARTLY
    status = StoryStatus.PENDING


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.RESPONDER


def recently_signed_in_session(user: User) -> str:
    """A session key for `user`, signed in just now (so pages that ask a person to confirm who
    they are before sensitive actions let them through)."""
    import time

    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return session.session_key


class PollFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Poll

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Poll {n}")
    slug = factory.Sequence(lambda n: f"poll-{n}")


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wave

    poll = factory.SubFactory(PollFactory)
    number = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"Wave {n + 1}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    published_at = factory.LazyFunction(timezone.now)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    organisation = factory.SubFactory(OrganisationFactory)
    topic = factory.Sequence(lambda n: f"Conversation {n}")
    slug = factory.Sequence(lambda n: f"conversation-{n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


def phase_dates(phase: str) -> dict[str, dt.datetime]:
    """Phase dates that put a challenge in `phase` now (ideas, deliberation, decision, delivery)."""
    week = dt.timedelta(days=7)
    index = {"upcoming": -1, "ideas": 0, "deliberation": 1, "decision": 2, "delivery": 3}[phase]
    # Each phase lasts a week; now is in the middle of the one asked for.
    ideas_from = timezone.now() - week / 2 - index * week
    return {
        "ideas_from": ideas_from,
        "deliberation_from": ideas_from + week,
        "decision_from": ideas_from + 2 * week,
        "delivery_from": ideas_from + 3 * week,
    }


class ChallengeFactory(factory.django.DjangoModelFactory):
    """A published challenge in its ideas phase; pass `**phase_dates("decision")` for another phase."""

    class Meta:
        model = Challenge

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"How might we improve service {n}?")
    slug = factory.Sequence(lambda n: f"challenge-{n}")
    context = "Repairs take too long."
    ideas_from = factory.LazyFunction(lambda: phase_dates("ideas")["ideas_from"])
    deliberation_from = factory.LazyFunction(lambda: phase_dates("ideas")["deliberation_from"])
    decision_from = factory.LazyFunction(lambda: phase_dates("ideas")["decision_from"])
    delivery_from = factory.LazyFunction(lambda: phase_dates("ideas")["delivery_from"])
    published_at = factory.LazyFunction(timezone.now)


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    challenge = factory.SubFactory(ChallengeFactory)
    title = factory.Sequence(lambda n: f"Idea number {n}")
    description = "Tell tenants when the repair team is coming."
    author = factory.SubFactory(UserFactory)


def frontline_agency(organisation: Organisation, kind: str = "adult_social_care") -> Agency:
    return Agency.objects.create(organisation=organisation, kind=kind)


def frontline_partner(user: User | None = None, *, verified: bool = True) -> Partner:
    """A partner who may flag: verified and having read the guidance (unless `verified=False`)."""
    partner = Partner.objects.create(
        user=user or UserFactory(),
        kind="shopkeeper",
        status="verified" if verified else "pending",
        guidance_read_at=timezone.now() if verified else None,
    )
    return partner


def festival(
    organisation: Organisation | None = None,
    *,
    slug: str = "",
    days: int = 3,
    rooms: int = 3,
    call_open: bool = True,
    published: bool = True,
) -> Event:
    """A festival `days` long starting in a month, at a venue with `rooms` rooms (30, 40, 50… seats),
    with a call for hosts (open now, or past its deadline), two review criteria and one review team
    for all themes (with no members yet). Two themes exist."""
    organisation = organisation or OrganisationFactory()
    now = timezone.now()
    start = timezone.localtime(now + dt.timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    venue = Venue.objects.create(organisation=organisation, name="Millbrook Hall", address="1 High Street")
    for number in range(rooms):
        Room.objects.create(venue=venue, name=f"Room {number + 1}", capacity=30 + 10 * number, position=number)
    event = Event.objects.create(
        organisation=organisation,
        kind="festival",
        title="The Unusual Suspects",
        slug=slug or f"festival-{organisation.pk}-{int(now.timestamp() * 1e6)}",
        description="Three days of workshops.",
        starts_at=start,
        ends_at=start + dt.timedelta(days=days - 1, hours=9),
        venue=venue,
        capacity=500,
        published_at=now if published else None,
    )
    for position, name in enumerate(("Youth resilience", "An ageing population")):
        theme, _created = Theme.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name, "position": position}
        )
        event.themes.add(theme)
    call = Call.objects.create(
        event=event,
        guidance="Workshops hosted by partners.",
        opens_at=now - dt.timedelta(days=10),
        deadline=now + dt.timedelta(days=10) if call_open else now - dt.timedelta(days=1),
    )
    ReviewCriterion.objects.create(call=call, name="Relevance", weight=2, position=0)
    ReviewCriterion.objects.create(call=call, name="Inclusion", weight=1, position=1)
    ReviewTeam.objects.create(call=call, name="Everyone")
    return event


class SessionFactory(factory.django.DjangoModelFactory):
    """A submitted proposal to a festival's call, from a proposer who is its first host."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    event = factory.LazyFunction(festival)
    call = factory.LazyAttribute(lambda o: o.event.call)
    title = factory.Sequence(lambda n: f"Session {n}")
    kind = "workshop"
    duration = 60
    description = "We will talk and draw."
    expected_audience = 20
    state = "submitted"
    submitted_at = factory.LazyFunction(timezone.now)
    proposer = factory.SubFactory(UserFactory)

    @factory.post_generation
    def with_proposer_as_host(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.proposer is not None:
            SessionHost.objects.create(
                session=self,
                email=self.proposer.email,
                user=self.proposer,
                name=self.proposer.display_name,
                is_proposer=True,
            )


class PublicationFactory(factory.django.DjangoModelFactory):
    """A published article (public from a day ago), its body rendered as the service would."""

    class Meta:
        model = Publication

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "article"
    title = factory.Sequence(lambda n: f"Publication {n}")
    slug = factory.Sequence(lambda n: f"publication-{n}")
    summary = "What we found."
    body = "We asked people **what they think**."
    body_html = factory.LazyAttribute(lambda o: render(o.body))
    status = "published"
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    affiliation = "Millbrook University"


def add_author(publication: Publication, author: Author | None = None) -> Author:
    author = author or AuthorFactory()
    Authorship.objects.create(publication=publication, author=author, position=publication.authorships.count())
    return author


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newsletter

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Newsletter {n}")
    slug = factory.Sequence(lambda n: f"newsletter-{n}")
    description = "News from Heard."


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    newsletter = factory.SubFactory(NewsletterFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed subscriber."""

    class Meta:
        model = Subscriber

    newsletter = factory.SubFactory(NewsletterFactory)
    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    email_digest = factory.LazyAttribute(lambda o: email_key(o.email))
    status = "subscribed"
    confirmed_at = factory.LazyFunction(timezone.now)


class ContactTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactTopic

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact topic {n}")
    slug = factory.Sequence(lambda n: f"contact-topic-{n}")
    team_email = factory.Sequence(lambda n: f"team{n}@example.org")
