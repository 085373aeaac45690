"""The call for hosts as hosts meet it: proposing, drafts, deadlines, co-hosts, confirming."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from heard.events.models import CallQuestion, Session, SessionHost
from tests.factories import MembershipFactory, SessionFactory, UserFactory, festival

pytestmark = pytest.mark.django_db


def _proposal(**changes: object) -> dict[str, object]:
    return {
        "title": "Growing up online",
        "kind": "workshop",
        "duration": "90",
        "description": "Young people lead a conversation about staying safe online.",
        "audience": "Young people aged 14 to 18, and youth workers",
        "expected_audience": "25",
        "access_needs": "A hearing loop",
        "cohosts": "",
        "action": "submit",
        **changes,
    }


def test_proposal_sent_in_is_saved_with_its_proposer_as_host_and_confirmed_by_email(
    client_for, resident, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    event = festival()
    question = CallQuestion.objects.create(call=event.call, text="Have you run this before?", required=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(resident).post(
            reverse("events:propose", kwargs={"slug": event.slug}),
            _proposal(**{f"question_{question.pk}": "Twice, in schools.", "cohosts": "sam@example.org"}),
        )
    session = Session.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("events:proposal", kwargs={"slug": event.slug, "pk": session.pk})
    assert session.state == "submitted"
    assert session.duration == 90
    assert session.access_needs == "A hearing loop"
    assert session.answers.get().text == "Twice, in schools."
    assert sorted(session.hosts.values_list("email", "is_proposer")) == [
        (resident.email, True),
        ("sam@example.org", False),
    ]
    assert sorted(message.to[0] for message in mailoutbox) == sorted([resident.email, "sam@example.org"])
    confirmation = next(message for message in mailoutbox if message.to == [resident.email])
    assert "We have your proposal" in confirmation.subject


def test_draft_needs_only_a_title_and_sends_no_email(
    client_for, resident, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    event = festival()
    CallQuestion.objects.create(call=event.call, text="Have you run this before?", required=True)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(
            reverse("events:propose", kwargs={"slug": event.slug}),
            _proposal(description="", action="draft"),
        )
    session = Session.objects.get()
    assert session.state == "draft"
    assert session.submitted_at is None
    assert mailoutbox == []


def test_sending_in_without_a_required_answer_shows_the_error_and_keeps_the_input(client_for, resident) -> None:
    event = festival()
    question = CallQuestion.objects.create(call=event.call, text="Have you run this before?", required=True)
    response = client_for(resident).post(reverse("events:propose", kwargs={"slug": event.slug}), _proposal())
    page = response.content.decode()
    assert response.status_code == 400
    assert "Answer this question to send the proposal in." in page
    assert f'href="#id_question_{question.pk}"' in page
    assert "Growing up online" in page  # what they wrote is kept
    assert not Session.objects.exists()


def test_invalid_cohost_email_is_named_and_nothing_is_saved(client_for, resident) -> None:
    event = festival()
    response = client_for(resident).post(
        reverse("events:propose", kwargs={"slug": event.slug}),
        _proposal(cohosts="sam@example.org\nnot-an-address"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "“not-an-address” is not an email address" in page
    assert "Young people lead a conversation" in page
    assert not Session.objects.exists()
    assert not SessionHost.objects.exists()


def test_proposal_after_the_deadline_is_refused_and_what_was_written_is_shown(client_for, resident) -> None:
    event = festival(call_open=False)
    response = client_for(resident).post(reverse("events:propose", kwargs={"slug": event.slug}), _proposal())
    page = response.content.decode()
    assert response.status_code == 400
    assert "The call for hosts closed on" in page
    assert "Growing up online" in page
    assert not Session.objects.exists()


def test_host_edits_until_the_deadline_then_cannot(client_for, resident) -> None:
    event = festival()
    session = SessionFactory(event=event, proposer=resident)
    url = reverse("events:proposal", kwargs={"slug": event.slug, "pk": session.pk})
    response = client_for(resident).post(url, _proposal(title="Growing up online, again", action="save"))
    session.refresh_from_db()
    assert response.status_code == 303
    assert session.title == "Growing up online, again"
    event.call.deadline = timezone.now() - dt.timedelta(minutes=1)
    event.call.opens_at = timezone.now() - dt.timedelta(days=20)
    event.call.save()
    response = client_for(resident).post(url, _proposal(title="Too late"))
    session.refresh_from_db()
    assert response.status_code == 400
    assert session.title == "Growing up online, again"


def test_cohost_sees_the_proposal_once_signed_in_and_a_stranger_does_not(client_for, resident) -> None:
    event = festival()
    session = SessionFactory(event=event, proposer=resident)
    cohost = UserFactory()
    SessionHost.objects.create(session=session, email=cohost.email.upper())
    url = reverse("events:proposal", kwargs={"slug": event.slug, "pk": session.pk})
    assert client_for(UserFactory()).get(url).status_code == 403
    listing = client_for(cohost).get(reverse("events:proposals", kwargs={"slug": event.slug})).content.decode()
    assert session.title in listing
    assert SessionHost.objects.get(session=session, is_proposer=False).user == cohost
    assert client_for(cohost).get(url).status_code == 200


def test_accepted_host_confirms_then_withdraws_and_organisers_are_told(
    client_for, resident, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    event = festival()
    MembershipFactory(organisation=event.organisation, role="convener")
    session = SessionFactory(event=event, proposer=resident, state="accepted")
    url = reverse("events:proposal_respond", kwargs={"slug": event.slug, "pk": session.pk})
    client_for(resident).post(url, {"action": "confirm"})
    session.refresh_from_db()
    assert session.state == "confirmed"
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(url, {"action": "withdraw"})
    session.refresh_from_db()
    assert session.state == "withdrawn"
    assert any("was withdrawn" in message.subject for message in mailoutbox)


def test_only_accepted_sessions_can_be_confirmed(client_for, resident) -> None:
    event = festival()
    session = SessionFactory(event=event, proposer=resident, state="submitted")
    client_for(resident).post(
        reverse("events:proposal_respond", kwargs={"slug": event.slug, "pk": session.pk}), {"action": "confirm"}
    )
    session.refresh_from_db()
    assert session.state == "submitted"


def test_call_page_shows_the_deadline_and_the_way_to_propose(client_for) -> None:
    event = festival()
    page = client_for(None).get(reverse("events:call", kwargs={"slug": event.slug})).content.decode()
    assert "Propose a session" in page
    closed = festival(call_open=False)
    page = client_for(None).get(reverse("events:call", kwargs={"slug": closed.slug})).content.decode()
    assert "The call closed on" in page


def test_your_proposals_page_runs_a_fixed_number_of_queries(
    client_for, resident, django_assert_max_num_queries
) -> None:
    event = festival()
    client = client_for(resident)
    url = reverse("events:proposals", kwargs={"slug": event.slug})
    SessionFactory(event=event, proposer=resident)
    client.get(url)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for _ in range(4):
        SessionFactory(event=event, proposer=resident)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Session ") >= 5
