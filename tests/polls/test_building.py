"""Conveners build a poll: questions of every kind, routing, waves, preview, publishing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from heard.polls.models import Poll, Question
from tests.factories import MembershipFactory, add_totp

pytestmark = pytest.mark.django_db


def test_a_convener_makes_a_poll_and_adds_questions(client_for, convener, provider) -> None:
    client = client_for(convener)
    response = client.post(
        reverse("polls:manage"), {"organisation": provider.pk, "title": "Buses", "introduction": "About buses."}
    )
    poll = Poll.objects.get()
    assert response["Location"] == reverse("polls:manage_poll", kwargs={"slug": poll.slug})
    url = reverse("polls:manage_poll", kwargs={"slug": poll.slug})
    client.post(
        url,
        {
            "action": "question",
            "kind": "single",
            "text": "Do you take the bus?",
            "options": "Yes\nNo",
            "page": "1",
            "required": "on",
        },
    )
    client.post(
        url,
        {
            "action": "question",
            "kind": "scale",
            "text": "How good is it?",
            "page": "2",
            "show_if_question": poll.questions.get().pk,
            "show_if_values": "1",
        },
    )
    client.post(
        url, {"action": "question", "kind": "profile", "text": "Age?", "weighting_variable": "age_band", "page": "1"}
    )
    questions = list(poll.questions.order_by("position"))
    assert [(q.code, q.kind) for q in questions] == [("q1", "single"), ("q2", "scale"), ("q3", "profile")]
    assert questions[1].show_if_values == ["1"]
    assert questions[2].options.count() == 8  # seven age bands and "prefer not to say"
    assert client.get(reverse("polls:manage_preview", kwargs={"slug": poll.slug})).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "single", "options": "Only one"}, "at least two answers"),
        ({"kind": "matrix", "items": "One"}, "at least two statements"),
        ({"kind": "profile", "weighting_variable": ""}, "Choose the weighting variable"),
        ({"kind": "scale", "show_if_values": "1"}, "earlier question these answers belong to"),
    ],
)
def test_bad_questions_are_refused_beside_the_field(client_for, convener, poll, data, message) -> None:
    before = poll.questions.count()
    response = client_for(convener).post(
        reverse("polls:manage_poll", kwargs={"slug": poll.slug}),
        {"action": "question", "text": "A new question", "page": "1", **data},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="A new question"' in response.content.decode()
    assert poll.questions.count() == before


def test_routing_must_point_to_an_earlier_page(client_for, convener, poll) -> None:
    tried = poll.questions.get(code="q2")  # on page 1
    response = client_for(convener).post(
        reverse("polls:manage_poll", kwargs={"slug": poll.slug}),
        {
            "action": "question",
            "kind": "text",
            "text": "Why?",
            "page": "1",
            "show_if_question": tried.pk,
            "show_if_values": "1",
        },
    )
    assert "earlier page" in response.content.decode()


def test_a_wave_is_added_and_published(client_for, convener, poll) -> None:
    client = client_for(convener)
    url = reverse("polls:manage_poll", kwargs={"slug": poll.slug})
    client.post(
        url, {"action": "wave", "label": "Spring", "opens_at": "2026-11-01T09:00", "closes_at": "2027-01-01T09:00"}
    )
    wave = poll.waves.get()
    assert wave.published_at is None
    client.post(reverse("polls:manage_publish", kwargs={"slug": poll.slug, "number": 1}))
    wave.refresh_from_db()
    assert wave.published_at is not None
    assert wave.is_open
    bad = client.post(
        url, {"action": "wave", "label": "Back", "opens_at": "2027-01-01T09:00", "closes_at": "2026-01-01T09:00"}
    )
    assert "close after it opens" in bad.content.decode()


def test_questions_are_fixed_once_people_answer(client_for, convener, poll, wave) -> None:
    from heard.polls import fielding

    fielding.respondent_start(wave=wave)
    response = client_for(convener).post(
        reverse("polls:manage_poll", kwargs={"slug": poll.slug}),
        {"action": "question", "kind": "text", "text": "Late question", "page": "3"},
    )
    assert "can no longer change" in response.content.decode()
    assert not Question.objects.filter(text="Late question").exists()


def test_an_analyst_reads_but_does_not_build(client_for, analyst, poll) -> None:
    client = client_for(analyst)
    url = reverse("polls:manage_poll", kwargs={"slug": poll.slug})
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "question", "kind": "text", "text": "No", "page": "1"}).status_code == 403


def test_another_organisations_convener_is_refused(client_for, poll, other_provider) -> None:
    outsider = MembershipFactory(organisation=other_provider, role="convener").user
    add_totp(outsider)
    assert client_for(outsider).get(reverse("polls:manage_poll", kwargs={"slug": poll.slug})).status_code == 403
