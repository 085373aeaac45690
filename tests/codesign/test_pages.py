"""Setting up challenges as a provider, the opinion map of a shortlist, and fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from heard.codesign import delivery, services
from heard.codesign.enums import Outcome
from heard.codesign.models import Challenge
from tests.codesign.conftest import move_to
from tests.factories import ChallengeFactory, IdeaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _when(days: int) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_challenge_posed_as_a_draft_then_published(client_for, provider, manager) -> None:
    response = client_for(manager).post(
        reverse("codesign:manage"),
        {
            "organisation": provider.pk,
            "title": "How might we make repairs right first time?",
            "context": "One repair in four needs a second visit.",
            "constraints": "The contract runs to 2028.",
            "budget": "250000",
            "participation": "open",
            "ideas_from": _when(0),
            "deliberation_from": _when(30),
            "decision_from": _when(45),
            "delivery_from": _when(60),
        },
    )
    challenge = Challenge.objects.get()
    assert response.status_code == 303
    assert challenge.published_at is None
    assert client_for(None).get(challenge.get_absolute_url()).status_code == 404
    client_for(manager).post(
        reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug}), {"action": "publish"}
    )
    page = client_for(None).get(challenge.get_absolute_url()).content.decode()
    assert "One repair in four needs a second visit." in page
    assert "A budget of £250,000." in page


def test_challenge_with_phases_out_of_order_is_refused_with_input_kept(client_for, provider, manager) -> None:
    response = client_for(manager).post(
        reverse("codesign:manage"),
        {
            "organisation": provider.pk,
            "title": "Backwards dates",
            "context": "Context",
            "participation": "open",
            "ideas_from": _when(10),
            "deliberation_from": _when(5),
            "decision_from": _when(45),
            "delivery_from": _when(60),
        },
    )
    assert response.status_code == 400
    assert "Deliberation must start after ideas open." in response.content.decode()
    assert 'value="Backwards dates"' in response.content.decode()
    assert not Challenge.objects.exists()


def test_challenge_for_another_organisation_is_refused(client_for, manager, other_provider) -> None:
    response = client_for(manager).post(
        reverse("codesign:manage"),
        {"organisation": other_provider.pk, "title": "Not mine", "context": "x", "participation": "open"},
    )
    assert response.status_code == 400  # not among the organisations offered
    assert not Challenge.objects.exists()


def test_opinion_map_started_from_the_shortlist(client_for, challenge, convener) -> None:
    for title in ("Text tenants", "Book repairs online", "Fix it first time"):
        services.idea_shortlist(idea=IdeaFactory(challenge=challenge, title=title), by=convener, shortlisted=True)
    client_for(convener).post(
        reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug}), {"action": "conversation"}
    )
    challenge.refresh_from_db()
    assert challenge.conversation is not None
    assert sorted(challenge.conversation.statements.values_list("text", flat=True)) == [
        "Book repairs online",
        "Fix it first time",
        "Text tenants",
    ]
    assert (
        challenge.conversation.get_absolute_url() in client_for(None).get(challenge.get_absolute_url()).content.decode()
    )


def _challenge_with_ideas(provider, count: int) -> Challenge:
    challenge = ChallengeFactory(organisation=provider)
    convener_like = UserFactory()
    for n in range(count):
        idea = IdeaFactory(challenge=challenge, title=f"Idea {n}", shortlisted=True)
        services.idea_support(idea=idea, by=convener_like)
    move_to(challenge, "decision")
    for idea in challenge.ideas.all():
        delivery.decision_publish(idea=idea, by=None, outcome=Outcome.ACCEPTED, reason="Yes")
        delivery.commitment_create(
            idea=idea, by=None, title="Do it", owner=convener_like, owner_title="Lead", due_on=timezone.localdate()
        )
    return challenge


@pytest.mark.parametrize("page", ["challenge", "outcomes", "commitments", "accountability", "list"])
def test_page_query_count_is_fixed_whatever_the_number_of_ideas(
    client_for, provider, resident, django_assert_max_num_queries, page
) -> None:
    counts = []
    client = client_for(resident)
    for size in (1, 3):
        challenge = _challenge_with_ideas(provider, size)
        url = {
            "challenge": challenge.get_absolute_url(),
            "outcomes": reverse("codesign:outcomes", kwargs={"slug": challenge.slug}),
            "commitments": reverse("codesign:outcomes", kwargs={"slug": challenge.slug}) + "?show=commitments",
            "accountability": reverse("codesign:accountability", kwargs={"slug": provider.slug}),
            "list": reverse("codesign:list"),
        }[page]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_idea_page_query_count_is_fixed_whatever_the_number_of_comments(client_for, challenge, resident) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 3):
        idea = IdeaFactory(challenge=challenge)
        for n in range(size):
            top = services.comment_add(idea=idea, by=resident, text=f"Comment {n}")
            services.comment_add(idea=idea, by=resident, text=f"Reply {n}", parent=top)
        with CaptureQueriesContext(connection) as queries:
            assert client_for(resident).get(idea.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_manage_challenge_page_query_count_is_fixed_whatever_the_reports(client_for, provider, convener) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 3):
        challenge = ChallengeFactory(organisation=provider)
        for n in range(size):
            idea = IdeaFactory(challenge=challenge)
            comment = services.comment_add(idea=idea, by=UserFactory(), text=f"Comment {n}")
            services.comment_report(comment=comment, by=UserFactory(), reason="spam")
            services.idea_report(idea=idea, by=UserFactory(), reason="spam")
        with CaptureQueriesContext(connection) as queries:
            response = client_for(convener).get(reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug}))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_idea_list_pages_keep_the_order_of_support(client_for, challenge, settings) -> None:
    settings.HEARD_PAGE_SIZE = 2
    for title, count in (("Few", 1), ("Most", 3), ("Middle", 2), ("None yet", 0)):
        IdeaFactory(challenge=challenge, title=title, support_count=count)
    first = client_for(None).get(challenge.get_absolute_url()).content.decode()
    second = client_for(None).get(challenge.get_absolute_url() + "?page=2").content.decode()
    assert first.index(">Most<") < first.index(">Middle<")
    assert ">Few<" not in first
    assert second.index(">Few<") < second.index(">None yet<")
