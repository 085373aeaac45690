"""Taking part: voting without an account, changing a vote, adding statements, moderation, who may
take part, and the limits."""

from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heard.conversations import services
from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.models import Conversation, Participant, Statement, Vote

pytestmark = pytest.mark.django_db


def vote(client, conversation, statement, value, **headers):
    return client.post(
        reverse("conversations:vote", kwargs={"slug": conversation.slug}),
        {"statement": statement.pk, "vote": str(value)},
        **headers,
    )


def shown_statement(client, conversation) -> Statement:
    page = client.get(conversation.get_absolute_url()).content.decode()
    return next(s for s in conversation.statements.all() if s.text in page)


def test_an_anonymous_participant_votes_one_statement_at_a_time(client, conversation) -> None:
    first = shown_statement(client, conversation)
    response = vote(client, conversation, first, 1)
    assert response.status_code == 303
    participant = Participant.objects.get()
    assert participant.user is None
    assert Vote.objects.get().value == 1
    second = shown_statement(client, conversation)
    assert second != first  # the next one they have not voted on
    vote(client, conversation, second, -1)
    vote(client, conversation, first, 0)  # a changed vote replaces the first
    assert Vote.objects.count() == 2
    assert Vote.objects.get(statement=first).value == 0
    page = client.get(reverse("conversations:my_votes", kwargs={"slug": conversation.slug})).content.decode()
    assert first.text in page
    assert second.text in page


def test_htmx_gets_the_next_statement_in_place(client, conversation) -> None:
    first = shown_statement(client, conversation)
    response = vote(client, conversation, first, 1, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div id="vote"' not in html  # the inner part, swapped into the page's live region
    assert first.text not in html
    assert "You have voted on 1 of 3 statements." in html


def test_a_closed_conversation_or_a_removed_statement_refuses_votes(client, conversation, convener) -> None:
    statement = conversation.statements.first()
    services.statement_moderate(statement=statement, by=convener, accept=False)
    response = vote(client, conversation, statement, 1)
    assert "taken out of the conversation" in client.get(response["Location"]).content.decode()
    Conversation.objects.filter(pk=conversation.pk).update(closes_at=timezone.now())
    other = conversation.statements.exclude(pk=statement.pk).first()
    vote(client, conversation, other, 1)
    assert not Vote.objects.exists()


def test_bad_vote_values_are_refused(client, conversation) -> None:
    response = vote(client, conversation, conversation.statements.first(), 5)
    assert response.status_code == 303
    assert not Vote.objects.exists()


def test_statements_from_participants_wait_to_be_checked(client, client_for, conversation, convener) -> None:
    url = reverse("conversations:statement_add", kwargs={"slug": conversation.slug})
    too_long = client.post(url, {"text": "x" * 300})
    assert too_long.status_code == 400
    assert "x" * 300 in too_long.content.decode(), "what they wrote is kept"
    client.post(url, {"text": "Food waste bins should be bigger."})
    statement = Statement.objects.get(text="Food waste bins should be bigger.")
    assert statement.status == StatementStatus.PENDING
    mine = client.get(reverse("conversations:my_votes", kwargs={"slug": conversation.slug})).content.decode()
    votes, statements = mine.split('id="your-statements"')
    assert statement.text not in votes  # not put to the vote before it is checked
    assert statement.text in statements
    assert "Waiting to be checked" in statements
    manager = client_for(convener)
    manage_url = reverse("conversations:manage_conversation", kwargs={"slug": conversation.slug})
    assert statement.text in manager.get(manage_url).content.decode()
    manager.post(
        reverse("conversations:manage_statement", kwargs={"slug": conversation.slug, "pk": statement.pk}),
        {"decision": "accept"},
    )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ACCEPTED


def test_who_may_take_part(client, client_for, resident, conversation, convener) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(participation=Participation.SIGNED_IN)
    conversation.refresh_from_db()
    statement = conversation.statements.first()
    vote(client, conversation, statement, 1)
    assert not Vote.objects.exists()
    vote(client_for(resident), conversation, statement, 1)
    assert Vote.objects.get().participant.user == resident
    Conversation.objects.filter(pk=conversation.pk).update(participation=Participation.INVITED)
    conversation.refresh_from_db()
    stranger = Client()
    vote(stranger, conversation, statement, 1)
    assert Vote.objects.count() == 1
    [token] = services.invitations_create(conversation=conversation, by=convener, count=1)
    invited = Client()
    link = reverse("conversations:invitation", kwargs={"token": token})
    assert "Take part" in invited.get(link).content.decode()  # opening the link uses nothing up
    invited.post(link)
    vote(invited, conversation, statement, -1)
    assert Vote.objects.count() == 2
    # The link now lets in only the browser that used it.
    assert invited.post(link).status_code == 302
    someone_else = Client()
    refused = someone_else.post(link)
    assert refused.status_code == 400
    assert "already been used" in refused.content.decode()
    vote(someone_else, conversation, statement, 1)
    assert Vote.objects.count() == 2


@pytest.mark.parametrize("participation", list(Participation))
def test_take_part_rule_asks_no_query_and_agrees_with_joining(
    django_assert_num_queries, resident, conversation, participation
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(participation=participation)
    conversation.refresh_from_db()
    for person in (AnonymousUser(), resident):
        with django_assert_num_queries(0):
            allowed = rules.has_perm("conversations.take_part", person, conversation)
        try:
            services.participant_join(conversation=conversation, user=person)
        except ValidationError:
            joined = False
        else:
            joined = True
        assert allowed is joined


def test_an_account_taking_part_by_invitation_is_offered_the_votes(
    client_for, resident, convener, conversation
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(participation=Participation.INVITED)
    [token] = services.invitations_create(conversation=conversation, by=convener, count=1)
    client = client_for(resident)
    assert "Agree</button>" not in client.get(conversation.get_absolute_url()).content.decode()
    client.post(reverse("conversations:invitation", kwargs={"token": token}))
    assert "Agree</button>" in client.get(conversation.get_absolute_url()).content.decode()


def test_votes_per_minute_are_limited(client, conversation, settings) -> None:
    settings.HEARD_VOTES_PER_MINUTE = 3
    statement = conversation.statements.first()
    for value in (1, -1, 0, 1, -1):
        vote(client, conversation, statement, value)
    assert Vote.objects.get().value == 0  # the fourth and fifth were refused


def test_the_report_says_when_there_are_not_enough_votes(client, conversation) -> None:
    vote(client, conversation, conversation.statements.first(), 1)
    page = client.get(reverse("conversations:report", kwargs={"slug": conversation.slug})).content.decode()
    assert "Not enough votes yet" in page


@pytest.mark.parametrize("count", [1, 10])
def test_the_voting_page_runs_a_fixed_number_of_queries(
    client, conversation, django_assert_max_num_queries, count
) -> None:
    for n in range(count):
        services.statements_seed(conversation=conversation, by=None, texts=[f"Statement {n}"])
    vote(client, conversation, conversation.statements.first(), 1)
    with django_assert_max_num_queries(6):
        client.get(conversation.get_absolute_url())


def test_a_signed_in_participant_is_not_the_next_person_on_the_browser(client_for, resident, conversation) -> None:
    signed_in = client_for(resident)
    statement = conversation.statements.first()
    vote(signed_in, conversation, statement, 1)
    cookie = signed_in.cookies[f"heard_conv_{conversation.pk}"].value
    stranger = Client()
    stranger.cookies[f"heard_conv_{conversation.pk}"] = cookie
    page = stranger.get(reverse("conversations:my_votes", kwargs={"slug": conversation.slug}))
    assert page.status_code == 302  # no votes of theirs to show
    vote(stranger, conversation, statement, -1)
    assert Vote.objects.get(participant__user=resident).value == 1


def test_a_refused_vote_is_shown_in_place_with_htmx(client, conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(closes_at=timezone.now())
    response = vote(client, conversation, conversation.statements.first(), 1, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "closed" in response.content.decode()
    assert not Participant.objects.exists()  # a refused vote makes no participant


def test_a_vote_takes_four_queries(client, conversation, django_assert_num_queries) -> None:
    """The busiest request there is: the statement with its conversation, the participant, the vote
    (one upsert), and the mark that queues the opinion map."""
    first, second = conversation.statements.filter(status=StatementStatus.ACCEPTED)[:2]
    assert vote(client, conversation, first, 1).status_code == 303  # joins: the cookie is set
    with django_assert_num_queries(4):
        response = vote(client, conversation, second, -1)
    assert response.status_code == 303
    assert Vote.objects.get(statement=second).value == -1
