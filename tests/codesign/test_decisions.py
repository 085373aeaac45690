"""Decisions in public: published with a reason, never edited, corrected by a new version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from heard.codesign import delivery, services
from heard.codesign.enums import Outcome
from heard.codesign.models import Decision
from tests.codesign.conftest import move_to
from tests.factories import IdeaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortlisted(challenge, resident, neighbour, convener):
    idea = IdeaFactory(challenge=challenge, author=resident, title="Text tenants the day before")
    services.idea_support(idea=idea, by=neighbour)
    services.idea_shortlist(idea=idea, by=convener, shortlisted=True)
    move_to(challenge, "decision")
    return idea


def _post(client, idea, **data):
    url = reverse("codesign:manage_idea", kwargs={"slug": idea.challenge.slug, "pk": idea.pk})
    return client.post(url, data)


def test_decision_published_tells_the_author_and_every_supporter(
    client_for, shortlisted, convener, resident, neighbour, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client_for(convener), shortlisted, action="decide", outcome="accepted", reason="It is cheap.")
    assert response.status_code == 303
    assert {address for message in mailoutbox for address in message.to} == {resident.email, neighbour.email}
    assert all("A decision on" in message.subject for message in mailoutbox)
    assert "It is cheap." in mailoutbox[0].body
    page = client_for(None).get(shortlisted.get_absolute_url()).content.decode()
    assert "Accepted" in page
    assert "It is cheap." in page


def test_decision_without_a_reason_is_refused_beside_the_field(client_for, shortlisted, convener) -> None:
    response = _post(client_for(convener), shortlisted, action="decide", outcome="declined", reason="")
    assert response.status_code == 400
    assert "Give the reason for the decision." in response.content.decode()
    assert not Decision.objects.exists()


def test_published_decision_cannot_be_edited(client_for, shortlisted, convener) -> None:
    delivery.decision_publish(idea=shortlisted, by=convener, outcome=Outcome.DECLINED, reason="Too costly.")
    response = _post(client_for(convener), shortlisted, action="decide", outcome="accepted", reason="Changed mind")
    decision = Decision.objects.get()
    assert response.status_code == 400
    assert "A published decision cannot be changed." in response.content.decode()
    assert (decision.outcome, decision.reason) == (Outcome.DECLINED, "Too costly.")


def test_correction_is_a_new_version_with_the_old_one_still_shown(client_for, shortlisted, convener) -> None:
    delivery.decision_publish(idea=shortlisted, by=convener, outcome=Outcome.DECLINED, reason="Too costly.")
    response = _post(
        client_for(convener),
        shortlisted,
        action="correct",
        outcome="adapted",
        reason="A cheaper text service was found.",
        correction_note="We had the cost wrong.",
    )
    assert response.status_code == 303
    assert list(Decision.objects.order_by("version").values_list("version", "outcome")) == [
        (1, Outcome.DECLINED),
        (2, Outcome.ADAPTED),
    ]
    page = client_for(None).get(shortlisted.get_absolute_url()).content.decode()
    assert page.index("A cheaper text service was found.") < page.index("Earlier version 1, replaced")
    assert "Too costly." in page
    assert "We had the cost wrong." in page


def test_decision_before_the_decision_phase_is_refused(challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge, shortlisted=True)
    with pytest.raises(Exception, match="Decisions open on"):
        delivery.decision_publish(idea=idea, by=convener, outcome=Outcome.ACCEPTED, reason="Yes")
    assert not Decision.objects.exists()


def test_decision_on_an_idea_not_shortlisted_is_refused(challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge)
    move_to(challenge, "decision")
    with pytest.raises(Exception, match="Only a shortlisted idea gets a decision"):
        delivery.decision_publish(idea=idea, by=convener, outcome=Outcome.ACCEPTED, reason="Yes")


def test_decide_needs_the_providers_own_staff(client_for, shortlisted, other_convener) -> None:
    response = _post(client_for(other_convener), shortlisted, action="decide", outcome="accepted", reason="Yes")
    assert response.status_code == 403
    assert not Decision.objects.exists()
