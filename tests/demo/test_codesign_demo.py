"""The demo world's co-design: a repairs challenge in delivery with a kept and a late commitment, and
an open challenge people can take part in straight away."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from heard.codesign.enums import CommentStatus, CommitmentEventKind, CommitmentStatus, IdeaStatus, Outcome, Phase
from heard.codesign.models import Idea
from heard.core.models import OutboundEmail
from heard.demo import world as demo_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    settings.HEARD_DEMO = True
    # Run what the seeding queues on commit, as `manage.py seed_demo` does.
    with django_capture_on_commit_callbacks(execute=True):
        return demo_world.build()


def _text(html: bytes) -> str:
    """The page's words, without tags or runs of spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


def test_codesign_demo_tells_the_story_from_ideas_to_kept_and_late_commitments(world: dict[str, Any]) -> None:
    codesign = world["codesign"]
    repairs, hall, ideas = codesign["repairs"], codesign["hall"], codesign["ideas"]
    kept, late, on_time = (codesign["commitments"][key] for key in ("kept", "late", "on_time"))

    assert repairs.phase == Phase.DELIVERY
    assert repairs.is_published
    assert repairs.organisation == world["organisations"]["council"]
    assert repairs.service == world["services"]["Housing repairs"]
    assert repairs.budget == 250_000
    assert 12 <= repairs.ideas.count() <= 15
    assert hall.phase == Phase.IDEAS
    assert hall.ideas.filter(status=IdeaStatus.PUBLISHED).count() >= 5

    assert kept.status == CommitmentStatus.KEPT
    assert not kept.is_late
    assert not kept.kept_late
    assert late.is_late
    assert late.status == CommitmentStatus.IN_PROGRESS
    assert late.late_noticed_at is not None
    assert late.events.filter(kind=CommitmentEventKind.LATE).count() == 1
    assert on_time.status == CommitmentStatus.IN_PROGRESS
    assert not on_time.is_late
    for commitment in (kept, late, on_time):
        assert commitment.owner == world["people"]["manager"]
        assert commitment.milestones.exists()
        assert commitment.events.filter(kind=CommitmentEventKind.CREATED).count() == 1

    vans = ideas["vans"]
    assert list(vans.decisions.order_by("version").values_list("version", "outcome")) == [
        (1, Outcome.DECLINED),
        (2, Outcome.ADAPTED),
    ]
    assert vans.decisions.get(version=2).correction_note
    current = {ideas[key].decisions.order_by("-version").first().outcome for key in ("text", "photos", "in_house")}
    assert current == {Outcome.ACCEPTED, Outcome.ADAPTED, Outcome.DECLINED}
    assert repairs.ideas.filter(shortlisted=True).count() == 5

    duplicate = ideas["text_again"]
    assert duplicate.status == IdeaStatus.MERGED
    assert duplicate.merged_into == ideas["text"]
    assert not duplicate.supports.exists()
    assert not duplicate.comments.exists()

    # The counters the services keep match the rows; nobody was emailed about the made-up history.
    every_idea = Idea.objects.filter(challenge__in=[repairs, hall])
    for idea in every_idea:
        assert idea.support_count == idea.supports.count(), idea.title
        assert idea.comment_count == idea.comments.filter(status=CommentStatus.PUBLISHED).count(), idea.title
    assert 300 <= sum(idea.support_count for idea in every_idea) <= 600
    assert every_idea.filter(comments__parent__isnull=False).exists()
    assert not OutboundEmail.objects.filter(kind__startswith="idea_").exists()


def test_codesign_demo_pages_show_the_challenges_decisions_and_commitments(client: Any, world: dict[str, Any]) -> None:
    codesign = world["codesign"]
    repairs, hall, ideas = codesign["repairs"], codesign["hall"], codesign["ideas"]

    listing = _text(client.get(reverse("codesign:list")).content)
    assert "How might we get repairs done right first time?" in listing
    assert "How might we make Eastfield Community Hall a place the whole estate uses?" in listing

    challenge = _text(client.get(repairs.get_absolute_url()).content)
    assert "A budget of £250,000." in challenge
    assert "cannot change the contractor before then" in challenge
    assert "Let tenants add photos to a repair report, online and by text Late" in challenge
    assert "Text every tenant the day before a repair, with a two-hour arrival window Kept" in challenge

    idea = _text(client.get(ideas["vans"].get_absolute_url()).content)
    assert "Earlier version 1, replaced" in idea
    assert "Correction: The first decision said this needed a new contract." in idea
    photos = _text(client.get(ideas["photos"].get_absolute_url()).content)
    assert "Please keep the phone line as well." in photos
    merged = _text(client.get(ideas["text_again"].get_absolute_url()).content)
    assert "This idea was joined with a similar one." in merged

    response = client.get(codesign["commitments"]["late"].get_absolute_url())
    assert response.status_code == 200
    commitment = _text(response.content)
    assert "Late was due" in commitment
    assert "Went past its due date" in commitment
    assert "Head of Housing Repairs" in commitment

    council = world["organisations"]["council"]
    record = _text(client.get(reverse("codesign:accountability", kwargs={"slug": council.slug})).content)
    for measure, number in [
        ("Challenges posed", 2),
        ("Ideas decided, with reasons", 5),
        ("Accepted (as proposed or with changes)", 3),
        ("Declined", 2),
        ("Commitments made", 3),
        ("Kept", 1),
        ("On time so far", 1),
        ("Late", 1),
    ]:
        assert f"{measure} {number}" in record

    similar = _text(
        client.get(
            reverse("codesign:similar", kwargs={"slug": hall.slug}), {"title": "youth club in the evenings"}
        ).content
    )
    assert "A youth club in the hall on weekday evenings" in similar
    assert "Weekday evening youth club at the hall" in similar
