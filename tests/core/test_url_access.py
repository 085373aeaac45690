"""Every URL pattern declares who may use it, and every staff page turns away the wrong people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from heard.api.enums import Scope
from heard.api.services import token_create
from heard.codesign.models import Challenge, Comment, Commitment
from heard.conversations.models import Conversation, PolisImport, Statement
from heard.core.permissions import access_of
from heard.events.models import Event, Session
from heard.frontline.models import Agency, FlagLink, Referral, RoutingRule
from heard.frontline.services import flag_submit
from heard.organisations.models import Membership, Organisation
from heard.polls.models import Poll, Question
from heard.publications.models import ContactMessage, Newsletter, NewsletterIssue, Publication
from tests.factories import (
    ChallengeFactory,
    ContactTopicFactory,
    ConversationFactory,
    IdeaFactory,
    NewsletterFactory,
    OrganisationFactory,
    PollFactory,
    PublicationFactory,
    ServiceFactory,
    SessionFactory,
    StoryFactory,
    WaveFactory,
    festival,
    frontline_agency,
    frontline_partner,
)

# Permissions every signed-in person holds: not staff pages.
FOR_EVERYONE_SIGNED_IN = {
    "permission:accounts.manage_own_account",
    "permission:voice.follow",
    "permission:voice.manage_own_notifications",
    "permission:events.take_part",
}


def _patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def _heard_patterns() -> list[tuple[str, URLPattern]]:
    return [(name, p) for name, p in _patterns() if p.callback.__module__.startswith("heard.")]


def _staff_patterns() -> list[tuple[str, URLPattern]]:
    return [
        (name, p)
        for name, p in _heard_patterns()
        if (access_of(p.callback) or "").startswith("permission:")
        and access_of(p.callback) not in FOR_EVERYONE_SIGNED_IN
    ]


def test_every_heard_view_declares_its_access() -> None:
    undeclared = [name for name, pattern in _heard_patterns() if access_of(pattern.callback) is None]
    assert undeclared == []


def test_there_are_staff_pages_to_check() -> None:
    assert len(_staff_patterns()) >= 7


def _url(name: str, pattern: URLPattern, provider_slug: str, membership_id: int) -> str:
    """The page's address, about objects that exist: the provider (and a service with the same
    slug), one of its memberships, and a story (for `pk`)."""
    story = StoryFactory(
        service=ServiceFactory(slug=f"{provider_slug}-story-service"),
        status="published",
        published_at="2026-11-01T10:00Z",
    )
    ids = {"slug": provider_slug, "membership_id": membership_id, "pk": story.pk}
    if name.startswith("polls:"):  # pages about a poll, its first wave and a free-text question
        organisation = Organisation.objects.get(slug=provider_slug)
        poll = Poll.objects.filter(slug=provider_slug).first() or PollFactory(
            organisation=organisation, slug=provider_slug
        )
        question = poll.questions.first() or Question.objects.create(
            poll=poll, position=1, code="q1", kind="text", text="Anything else?"
        )
        if not poll.waves.exists():
            WaveFactory(poll=poll)
        ids.update(pk=question.pk, number=1, code="q1", fmt="csv")
    if name.startswith("conversations:"):  # pages about a conversation, one of its statements, a Pol.is import
        organisation = Organisation.objects.get(slug=provider_slug)
        conversation = Conversation.objects.filter(slug=provider_slug).first() or ConversationFactory(
            organisation=organisation, slug=provider_slug
        )
        statement = conversation.statements.first() or Statement.objects.create(conversation=conversation, text="Hm")
        ids["pk"] = statement.pk
        polis_import = PolisImport.objects.filter(organisation=organisation).first()
        ids["import_id"] = (polis_import or PolisImport.objects.create(organisation=organisation)).pk
    if name.startswith("codesign:"):  # pages about a challenge, an idea, a comment and a commitment
        organisation = Organisation.objects.get(slug=provider_slug)
        challenge = Challenge.objects.filter(slug=provider_slug).first() or ChallengeFactory(
            organisation=organisation, slug=provider_slug
        )
        idea = challenge.ideas.first() or IdeaFactory(challenge=challenge)
        if "comment" in name:
            ids["pk"] = (idea.comments.first() or Comment.objects.create(idea=idea, text="Hm")).pk
        elif "commitment" in name:
            commitment = Commitment.objects.filter(idea=idea).first() or Commitment.objects.create(
                idea=idea, organisation=organisation, title="Do it", owner_title="Lead", due_on="2027-01-01"
            )
            ids["pk"] = commitment.pk
        else:
            ids["pk"] = idea.pk
    if name.startswith("frontline:"):  # pages about a referral to the provider, its flag and a link
        organisation = Organisation.objects.get(slug=provider_slug)
        agency = Agency.objects.filter(organisation=organisation).first() or frontline_agency(organisation)
        referral = Referral.objects.filter(agency=agency).first()
        if referral is None:
            Agency.objects.filter(kind="duty").first() or frontline_agency(
                OrganisationFactory(slug=f"{provider_slug}-duty"), "duty"
            )
            RoutingRule.objects.get_or_create(agency=agency, category="cold_home")
            partner = frontline_partner()
            first = flag_submit(
                partner=partner,
                category="cold_home",
                urgency="soon",
                details="x",
                address="1 A St",
                subject_aware="agreed",
            )
            second = flag_submit(  # routed to the duty desk: no rule takes isolation
                partner=partner,
                category="isolation",
                urgency="soon",
                details="y",
                address="1 A St",
                subject_aware="agreed",
            )
            referral = Referral.objects.get(flag=first, agency=agency)
            FlagLink.objects.get_or_create(
                first=first, second=second, defaults={"match_weight": 9.0, "probability": 0.99}
            )
        ids.update(pk=referral.pk, reference=referral.flag.reference, link_pk=FlagLink.objects.first().pk)
    if name.startswith("events:"):  # pages about a festival and one session in its released schedule
        organisation = Organisation.objects.get(slug=provider_slug)
        event = Event.objects.filter(slug=provider_slug).first() or festival(organisation, slug=provider_slug)
        session = event.sessions.first() or _released_session(event)
        ids["pk"] = session.pk
    if name.startswith("publications:"):  # a publication and a newsletter (both named by the slug), an issue, a message
        organisation = Organisation.objects.get(slug=provider_slug)
        _publishing(organisation)
        newsletter = Newsletter.objects.get(slug=provider_slug)
        if "contact" in name:
            topic = ContactTopicFactory(organisation=organisation)
            message = ContactMessage.objects.create(topic=topic, name="A", email="a@example.org", message="Hello")
            ids["pk"] = message.pk
        else:
            ids["pk"] = NewsletterIssue.objects.create(newsletter=newsletter, subject="News").pk
    if name.startswith("api:"):  # pages about one API token
        organisation = Organisation.objects.get(slug=provider_slug)
        token, _key = token_create(organisation=organisation, by=None, name="Test", scopes=[Scope.OPEN311])
        ids["pk"] = token.pk
    kwargs = {key: ids[key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def _publishing(organisation: Organisation) -> None:
    """A publication and a newsletter of the organisation, both with its slug."""
    if not Publication.objects.filter(slug=organisation.slug).exists():
        PublicationFactory(organisation=organisation, slug=organisation.slug)
    if not Newsletter.objects.filter(slug=organisation.slug).exists():
        NewsletterFactory(organisation=organisation, slug=organisation.slug)


def _released_session(event: Event) -> Session:
    room = event.venue.rooms.first()
    starts = event.starts_at
    return SessionFactory(
        event=event,
        state="confirmed",
        room=room,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        published_room=room,
        published_starts_at=starts,
        published_ends_at=starts + dt.timedelta(hours=1),
        capacity=10,
    )


@pytest.mark.parametrize(("name", "pattern"), _staff_patterns(), ids=[n for n, _ in _staff_patterns()])
def test_staff_page_redirects_anonymous_visitor_to_sign_in(client_for, provider, manager, name, pattern) -> None:
    membership = Membership.objects.get(user=manager)
    url = _url(name, pattern, provider.slug, membership.pk)
    client = client_for(None)
    response = client.post(url) if "remove" in name else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize(("name", "pattern"), _staff_patterns(), ids=[n for n, _ in _staff_patterns()])
def test_staff_page_refuses_person_without_the_role(client_for, provider, manager, resident, name, pattern) -> None:
    ServiceFactory(organisation=provider, slug=provider.slug)  # for pages about one service
    membership = Membership.objects.get(user=manager)
    url = _url(name, pattern, provider.slug, membership.pk)
    client = client_for(resident)
    response = client.post(url) if "remove" in name else client.get(url)
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


OTHER_ORG_PAGES = [
    "organisations:manage_members",
    "organisations:manage_edit",
    "organisations:manage_activity",
    "api:tokens",
]


@pytest.mark.parametrize("name", OTHER_ORG_PAGES)
def test_manager_cannot_manage_another_organisation(client_for, manager, other_provider, name) -> None:
    response = client_for(manager).get(reverse(name, kwargs={"slug": other_provider.slug}))
    assert response.status_code == 403


# Who may open each staff page (of the provider they belong to).
ALLOWED = {
    "organisations:manage_home": [
        "responder",
        "caseworker",
        "manager",
        "convener",
        "analyst",
        "org_admin",
        "site_admin",
    ],
    "organisations:manage_members": ["manager", "org_admin", "site_admin"],
    "organisations:manage_edit": ["manager", "org_admin", "site_admin"],
    "organisations:manage_activity": ["manager", "org_admin", "site_admin"],
    "organisations:manage_organisations": ["site_admin"],
    "organisations:manage_areas": ["site_admin"],
    "directory:manage_services": ["manager", "org_admin", "site_admin"],
    "directory:manage_service_add": ["manager", "org_admin", "site_admin"],
    "directory:manage_service_edit": ["manager", "org_admin", "site_admin"],
    "directory:manage_import": ["site_admin"],
    # Stories are checked by the conveners of the organisation running the site (test_stories.py).
    "voice:moderation_queue": ["site_admin"],
    "voice:organisation_stories": ["responder", "manager", "site_admin"],
    "api:tokens": ["manager", "org_admin", "site_admin"],
    "polls:manage": ["convener", "analyst", "site_admin"],
    "conversations:manage": ["convener", "site_admin"],
    "codesign:manage": ["manager", "convener", "site_admin"],
    "codesign:manage_challenge": ["manager", "convener", "site_admin"],
    # Partners are verified by the site's conveners and administrators; rules are the administrators'.
    "frontline:manage_partners": ["site_admin"],
    "frontline:manage_rules": ["site_admin"],
    # Events are run by the conveners and managers of the organisation holding them.
    "events:manage": ["manager", "convener", "site_admin"],
    "events:event_manage": ["manager", "convener", "site_admin"],
    "events:rooms_manage": ["manager", "convener", "site_admin"],
    "events:call_manage": ["manager", "convener", "site_admin"],
    "events:proposals_manage": ["manager", "convener", "site_admin"],
    "events:schedule_edit": ["manager", "convener", "site_admin"],
    "events:checkin": ["manager", "convener", "site_admin"],
    # Publications, the newsletter and contact messages: the conveners and managers of the organisation.
    "publications:manage": ["manager", "convener", "site_admin"],
    "publications:publication_new": ["manager", "convener", "site_admin"],
    "publications:publication_edit": ["manager", "convener", "site_admin"],
    "publications:attachments_manage": ["manager", "convener", "site_admin"],
    "publications:newsletters_manage": ["manager", "convener", "site_admin"],
    "publications:newsletter_manage": ["manager", "convener", "site_admin"],
    "publications:topics_manage": ["manager", "convener", "site_admin"],
    "publications:issue_new": ["manager", "convener", "site_admin"],
    "publications:contact_manage": ["manager", "convener", "site_admin"],
}
SITE_WIDE = {
    "polls:manage",
    "conversations:manage",
    "codesign:manage",
    "frontline:manage_partners",
    "frontline:manage_rules",
    "voice:moderation_queue",
    "organisations:manage_home",
    "organisations:manage_organisations",
    "organisations:manage_areas",
    "directory:manage_import",
    "events:manage",
    "publications:manage",
    "publications:publication_new",
    "publications:newsletters_manage",
    "publications:contact_manage",
}
PERSONAS = ["resident", "responder", "caseworker", "manager", "convener", "analyst", "org_admin", "site_admin"]


@pytest.mark.parametrize("name", sorted(ALLOWED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_page_access_matrix(request, client_for, provider, name, persona) -> None:
    user = request.getfixturevalue(persona)
    ServiceFactory(organisation=provider, slug=provider.slug)  # for pages about one service
    ChallengeFactory(organisation=provider, slug=provider.slug)  # and about one challenge
    if name.startswith("events:"):
        festival(provider, slug=provider.slug)  # and about one festival
    if name.startswith("publications:"):
        _publishing(provider)  # and about one publication and one newsletter
    kwargs = {} if name in SITE_WIDE else {"slug": provider.slug}
    response = client_for(user).get(reverse(name, kwargs=kwargs))
    expected = 200 if persona in ALLOWED[name] else 403
    assert response.status_code == expected


@pytest.mark.django_db
def test_signed_out_htmx_request_sends_the_whole_page_to_sign_in_and_back(client_for) -> None:
    # A signed-in page's button, pressed after the sign-in expired: htmx is told to go to sign in
    # (204 + HX-Redirect) and come back to the page it was on, not the address the button posted to.
    from urllib.parse import quote

    page = "/events/manage/?page=2"
    response = client_for(None).get(
        reverse("events:manage"), headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={quote(page, safe='/')}"
    # Another site's page is not somewhere to come back to.
    response = client_for(None).get(
        reverse("events:manage"), headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"}
    )
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={quote(reverse('events:manage'))}"
    # Without htmx, an ordinary redirect.
    assert client_for(None).get(reverse("events:manage")).status_code == 302
