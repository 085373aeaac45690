"""Taking part, continued: invitation links, who is offered the vote buttons, the conversation's
state (not yet open, open, closed) in the list and on its page, a participant's own statements,
htmx and no-JS alike, and the limits."""

from __future__ import annotations

import datetime as dt

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heard.conversations import services
from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.models import Conversation, ConversationInvitation, Participant, Statement, Vote
from tests.conversations.conftest import conversation_with
from tests.conversations.test_taking_part import vote
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

VOTE_FORM = 'name="vote" value="1"'
STATEMENT_FORM = 'name="text"'


def add_statement(client, conversation, text):
    return client.post(reverse("conversations:statement_add", kwargs={"slug": conversation.slug}), {"text": text})


def invitation_url(token: str) -> str:
    return reverse("conversations:invitation", kwargs={"token": token})


def set_participation(conversation: Conversation, participation: str) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(participation=participation)
    conversation.refresh_from_db()
    return conversation


# 1. A second invitation link


def test_invitation_second_link_for_a_participant_is_left_unused(conversation, convener) -> None:
    set_participation(conversation, Participation.INVITED)
    first, second = services.invitations_create(conversation=conversation, by=convener, count=2)
    browser = Client()
    browser.post(invitation_url(first))
    participant = Participant.objects.get()

    response = browser.post(invitation_url(second), follow=True)

    assert response.redirect_chain[0] == (conversation.get_absolute_url(), 302)
    assert "You are already taking part." in response.content.decode()
    assert Participant.objects.get() == participant
    assert ConversationInvitation.objects.filter(participant__isnull=True).count() == 1
    # The unused link still lets someone else in.
    newcomer = Client()
    newcomer.post(invitation_url(second))
    assert Participant.objects.count() == 2


def test_invitation_second_link_opened_without_posting_says_already_taking_part(conversation, convener) -> None:
    set_participation(conversation, Participation.INVITED)
    first, second = services.invitations_create(conversation=conversation, by=convener, count=2)
    browser = Client()
    browser.post(invitation_url(first))

    response = browser.get(invitation_url(second), follow=True)

    assert "You are already taking part." in response.content.decode()
    assert ConversationInvitation.objects.filter(participant__isnull=True).count() == 1


def test_invitation_second_link_for_a_signed_in_participant_is_left_unused(
    client_for, resident, conversation, convener
) -> None:
    set_participation(conversation, Participation.INVITED)
    first, second = services.invitations_create(conversation=conversation, by=convener, count=2)
    client_for(resident).post(invitation_url(first))  # the account now takes part
    other_browser = client_for(resident)  # the same person on another device, without the cookie

    response = other_browser.post(invitation_url(second), follow=True)

    assert "You are already taking part." in response.content.decode()
    assert Participant.objects.get().user == resident
    assert ConversationInvitation.objects.filter(participant__isnull=True).count() == 1


def test_invitation_accept_refuses_someone_already_taking_part(resident, conversation, convener) -> None:
    set_participation(conversation, Participation.INVITED)
    services.invitations_create(conversation=conversation, by=convener, count=2)
    link_a, link_b = ConversationInvitation.objects.order_by("pk")
    services.invitation_accept(invitation=link_a, user=resident)
    # Someone taking part without an account is known by their browser's cookie, so the invitation
    # page refuses them before this service is called (test_invitation_second_link_for_a_participant_is_left_unused).

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(invitation=link_b, user=resident)

    assert refused.value.code == "already_taking_part"
    link_b.refresh_from_db()
    assert link_b.participant is None


# 2. Who may take part


@pytest.mark.parametrize(
    ("participation", "anonymous", "signed_in", "signed_in_participant"),
    [
        (Participation.OPEN, True, True, True),
        (Participation.SIGNED_IN, False, True, True),
        (Participation.INVITED, False, False, True),
    ],
)
def test_take_part_rule_by_persona_and_participation(
    resident, convener, conversation, participation, anonymous, signed_in, signed_in_participant, client_for
) -> None:
    set_participation(conversation, participation)
    taking_part = convener
    Participant.objects.create(conversation=conversation, user=taking_part, key="k" * 32)

    assert rules.has_perm("conversations.take_part", AnonymousUser(), conversation) is anonymous
    assert rules.has_perm("conversations.take_part", resident, conversation) is signed_in
    # The rule is about joining; someone already taking part (here, whoever joined by invitation) is
    # offered the vote buttons by the page whatever it says.
    page = client_for(taking_part).get(conversation.get_absolute_url()).content.decode()
    assert ('name="vote" value="1"' in page) is signed_in_participant


def test_conversation_signed_in_only_offers_sign_in_to_anonymous_visitors(client, client_for, resident, conversation):
    set_participation(conversation, Participation.SIGNED_IN)

    page = client.get(conversation.get_absolute_url()).content.decode()
    signed_in_page = client_for(resident).get(conversation.get_absolute_url()).content.decode()

    assert f'href="{reverse("account_login")}?next={conversation.get_absolute_url()}"' in page
    assert "Sign in</a> to take part" in page
    assert VOTE_FORM not in page
    assert STATEMENT_FORM not in page
    assert VOTE_FORM in signed_in_page
    assert STATEMENT_FORM in signed_in_page


def test_conversation_by_invitation_tells_strangers_to_use_their_link(client, client_for, resident, conversation):
    set_participation(conversation, Participation.INVITED)

    for visitor in (client, client_for(resident)):
        page = visitor.get(conversation.get_absolute_url()).content.decode()
        assert "This conversation is by invitation only. Use the link in your invitation." in page
        assert VOTE_FORM not in page
        assert STATEMENT_FORM not in page
    # The server still refuses them.
    vote(client, conversation, conversation.statements.first(), 1)
    assert not Vote.objects.exists()


def test_conversation_by_invitation_lets_in_whoever_used_a_link(conversation, convener) -> None:
    set_participation(conversation, Participation.INVITED)
    [token] = services.invitations_create(conversation=conversation, by=convener, count=1)
    invited = Client()
    invited.post(invitation_url(token))

    page = invited.get(conversation.get_absolute_url()).content.decode()

    assert VOTE_FORM in page
    assert STATEMENT_FORM in page
    assert "by invitation only. Use the link" not in page


def test_conversation_list_marks_who_may_take_part(client, provider) -> None:
    ConversationFactory(organisation=provider, topic="Parks", participation=Participation.INVITED)
    ConversationFactory(organisation=provider, topic="Libraries", participation=Participation.SIGNED_IN)
    ConversationFactory(organisation=provider, topic="Buses", participation=Participation.OPEN)

    page = client.get(reverse("conversations:list")).content.decode()

    items = {topic: page.split(f">{topic}</a>")[1].split("</article>")[0] for topic in ("Parks", "Libraries", "Buses")}
    assert "By invitation only" in items["Parks"]
    assert "For people signed in" in items["Libraries"]
    assert "By invitation only" not in items["Buses"]
    assert "For people signed in" not in items["Buses"]


# 3. Open, closed, not yet open


def test_conversation_list_shows_open_then_closed_with_their_results(client, provider) -> None:
    now = timezone.now()
    ConversationFactory(
        organisation=provider,
        topic="Closed one",
        closes_at=now - dt.timedelta(days=1),
        opens_at=now - dt.timedelta(days=9),
    )
    closed = Conversation.objects.get(topic="Closed one")
    ConversationFactory(organisation=provider, topic="Open one")
    ConversationFactory(organisation=provider, topic="Future one", opens_at=now + dt.timedelta(days=1))

    page = client.get(reverse("conversations:list")).content.decode()

    assert page.index("Open one") < page.index("Closed one")
    assert "Future one" not in page
    closed_item = page.split(">Closed one</a>")[1].split("</article>")[0]
    report = reverse("conversations:report", kwargs={"slug": closed.slug})
    assert f'<a href="{report}">Closed – see the results' in closed_item


@pytest.mark.parametrize("count", [1, 3])
def test_conversation_list_runs_a_fixed_number_of_queries(client, provider, django_assert_num_queries, count):
    now = timezone.now()
    for n in range(count):
        ConversationFactory(organisation=provider, topic=f"Open {n}")
        ConversationFactory(
            organisation=provider,
            topic=f"Closed {n}",
            opens_at=now - dt.timedelta(days=9),
            closes_at=now - dt.timedelta(days=1),
        )
    with django_assert_num_queries(2):  # the count, and the page with the organisations
        response = client.get(reverse("conversations:list"))
    assert response.content.decode().count('class="card"') == 2 * count


def test_conversation_header_says_its_state(client, conversation) -> None:
    now = timezone.now()
    open_page = client.get(conversation.get_absolute_url()).content.decode()
    Conversation.objects.filter(pk=conversation.pk).update(
        closes_at=now - dt.timedelta(hours=1), opens_at=now - dt.timedelta(days=3)
    )
    closed_page = client.get(conversation.get_absolute_url()).content.decode()
    Conversation.objects.filter(pk=conversation.pk).update(
        opens_at=now + dt.timedelta(days=2), closes_at=now + dt.timedelta(days=5)
    )
    future_page = client.get(conversation.get_absolute_url()).content.decode()

    assert "open until" in open_page
    assert "closed on" in closed_page
    assert "open until" not in closed_page
    assert "opens on" in future_page
    assert "open until" not in future_page


def test_conversation_not_yet_open_publishes_no_statements(client, conversation) -> None:
    opens = timezone.now() + dt.timedelta(days=2)
    Conversation.objects.filter(pk=conversation.pk).update(opens_at=opens, closes_at=opens + dt.timedelta(days=5))
    conversation.refresh_from_db()

    page = client.get(conversation.get_absolute_url()).content.decode()
    refused = vote(client, conversation, conversation.statements.first(), 1, HTTP_HX_REQUEST="true")

    assert "This conversation opens on" in page
    assert not any(statement.text in page for statement in conversation.statements.all())
    assert VOTE_FORM not in page
    assert STATEMENT_FORM not in page
    assert "has not opened yet" in refused.content.decode()
    assert not Participant.objects.exists()


# 4. A participant's own statements


def test_my_votes_lists_the_participants_statements_with_their_status(client, conversation, convener) -> None:
    for text in ("Bins should be emptied at night.", "Bins should be bigger.", "Bins are a plot."):
        add_statement(client, conversation, text)
    accepted = Statement.objects.get(text="Bins should be bigger.")
    rejected = Statement.objects.get(text="Bins are a plot.")
    services.statement_moderate(statement=accepted, by=convener, accept=True)
    services.statement_moderate(statement=rejected, by=convener, accept=False)

    page = client.get(reverse("conversations:my_votes", kwargs={"slug": conversation.slug})).content.decode()

    section = page.split('id="your-statements"')[1]
    rows = {row.split("</th>")[0].split(">")[-1]: row for row in section.split('<th scope="row">')[1:]}
    assert "Waiting to be checked" in rows["Bins should be emptied at night."]
    assert "Shown to participants" in rows["Bins should be bigger."]
    assert "Not shown" in rows["Bins are a plot."]
    assert timezone.localdate().strftime("%Y") in rows["Bins are a plot."]


def test_my_votes_does_not_show_other_peoples_statements(client, conversation) -> None:
    add_statement(Client(), conversation, "Someone else's idea.")
    vote(client, conversation, conversation.statements.first(), 1)

    page = client.get(reverse("conversations:my_votes", kwargs={"slug": conversation.slug})).content.decode()

    assert "Someone else&#x27;s idea." not in page
    assert "Your statements" not in page


@pytest.mark.parametrize("count", [1, 3])
def test_my_votes_runs_a_fixed_number_of_queries(client, conversation, django_assert_num_queries, count) -> None:
    for n in range(count):
        add_statement(client, conversation, f"My statement number {n}.")
    for statement in conversation.statements.filter(status=StatementStatus.ACCEPTED)[:count]:
        vote(client, conversation, statement, 1)
    url = reverse("conversations:my_votes", kwargs={"slug": conversation.slug})

    # The conversation, the participant, the votes' count and page, the statements.
    with django_assert_num_queries(5):
        page = client.get(url).content.decode()

    assert page.count("My statement number") == count


# 5. Plurals


def test_progress_uses_the_singular_for_one_statement(client, provider, convener) -> None:
    single = conversation_with(provider, convener, ["Only this."], topic="Just one")

    page = client.get(single.get_absolute_url()).content.decode()
    vote(client, single, single.statements.get(), 1)
    after = client.get(single.get_absolute_url()).content.decode()

    assert "You have voted on 0 of 1 statement." in page
    assert "You have voted on the only statement." in after


# 6. htmx and no-JS alike


def test_htmx_first_vote_shows_the_your_votes_link(client, conversation) -> None:
    my_votes = reverse("conversations:my_votes", kwargs={"slug": conversation.slug})
    before = client.get(conversation.get_absolute_url()).content.decode()

    response = vote(client, conversation, conversation.statements.first(), 1, HTTP_HX_REQUEST="true")
    no_js = Client()
    vote(no_js, conversation, conversation.statements.first(), 1)
    reloaded = no_js.get(conversation.get_absolute_url()).content.decode()

    assert my_votes not in before
    assert f'href="{my_votes}"' in response.content.decode()
    assert f'href="{my_votes}"' in reloaded


# 7. Limits from settings


def test_statements_per_hour_come_from_the_setting(client, conversation, settings) -> None:
    settings.HEARD_CONVERSATION_STATEMENTS_PER_HOUR = 2

    responses = [add_statement(client, conversation, f"Idea number {n}.") for n in range(3)]

    assert [r.status_code for r in responses] == [303, 303, 400]
    assert "several statements in the last hour" in responses[2].content.decode()
    assert "Idea number 2." in responses[2].content.decode()  # what they wrote is kept
    assert Statement.objects.filter(author__isnull=False).count() == 2


def test_joins_per_hour_come_from_the_setting(conversation, settings) -> None:
    # By default, a workshop on one connection can take part.
    assert settings.HEARD_CONVERSATION_JOINS_PER_HOUR >= 300
    settings.HEARD_CONVERSATION_JOINS_PER_HOUR = 2
    statement = conversation.statements.first()

    refused = None
    for _n in range(3):
        refused = vote(Client(), conversation, statement, 1, HTTP_HX_REQUEST="true")

    assert Participant.objects.count() == 2
    assert "Many people have joined from your connection" in refused.content.decode()


# 8. A refused first vote or statement leaves no participant behind


def test_refused_first_vote_leaves_no_participant(client, conversation, settings) -> None:
    settings.HEARD_VOTES_PER_MINUTE = 0  # refused after the participant would have been made

    response = vote(client, conversation, conversation.statements.first(), 1)

    assert response.status_code == 303
    assert "a lot of votes in a minute" in client.get(response["Location"]).content.decode()
    assert not Participant.objects.exists()
    assert not Vote.objects.exists()
    assert f"heard_conv_{conversation.pk}" not in response.cookies


def test_refused_first_statement_leaves_no_participant(client, conversation) -> None:
    response = add_statement(client, conversation, "\x07\x07\x07")  # nothing left once cleaned

    assert response.status_code == 400
    assert "Write the statement." in response.content.decode()
    assert not Participant.objects.exists()
    assert not Statement.objects.filter(author__isnull=False).exists()
