"""The demo world's publications: the report, its three responses, the call for hosts, the first
newsletter issue as sent, and the contact form's topics and messages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from heard.demo import world as demo_world
from heard.events.models import Event
from heard.polls.models import Poll
from heard.publications import demo as publications_demo
from heard.publications import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    settings.HEARD_DEMO = True
    settings.MEDIA_ROOT = tmp_path  # the report's PDF
    # Run what the seeding queues on commit, as `manage.py seed_demo` does.
    with django_capture_on_commit_callbacks(execute=True):
        return demo_world.build()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            models.Publication,
            models.Author,
            models.Authorship,
            models.Tag,
            models.Attachment,
            models.Newsletter,
            models.Topic,
            models.Subscriber,
            models.NewsletterIssue,
            models.Delivery,
            models.ContactTopic,
            models.ContactMessage,
        )
    }


def test_demo_report_has_three_expert_responses_and_is_the_first_newsletter_issue(world: dict[str, Any]) -> None:
    found = world["publications"]
    report, responses, article = found["report"], found["responses"], found["article"]
    collaborative = world["organisations"]["collaborative"]
    festival = Event.objects.get(slug="the-unusual-suspects-festival")

    assert (report.kind, report.title, report.organisation) == ("report", "The Collaborative Citizen", collaborative)
    assert report.is_public
    assert report.poll == Poll.objects.get(title="The Collaborative Citizen 2026")
    assert report.event == festival
    assert [str(author) for author in report.authors.all()] == ["Dr Ruth Calloway, Director, Millbrook Collaborative"]
    assert report.tags.count() >= 3
    assert "<table>" in report.body_html
    assert "<h2>What we found</h2>" in report.body_html
    assert "Say they have a say" in report.body_html
    assert report.attachments.get().file.read(5) == b"%PDF-"

    assert set(report.responses.all()) == set(responses)
    assert len(responses) == 3
    assert all(r.kind == "response" and r.is_public and r.summary and r.body_html for r in responses)
    affiliations = [r.authors.get().affiliation for r in responses]
    assert affiliations == [
        "Chief Executive, the Eastmere Foundation",
        "Professor of Public Management, University of Eastmere",
        "Research Director, Eastmere Research",
    ]
    assert "shopkeeper" in responses[0].body
    assert reverse("frontline:start") in responses[0].body_html
    assert "objects of policy" in responses[1].body
    assert article.kind == "article"
    assert article.event == festival
    assert reverse("events:call", kwargs={"slug": festival.slug}) in article.body_html

    newsletter, issue = found["newsletter"], found["issue"]
    assert newsletter.name == "Millbrook Collaborative newsletter"
    assert list(newsletter.topics.values_list("name", flat=True)) == [
        "Reports and research",
        "Events",
        "Getting involved",
    ]
    assert (issue.number, issue.status) == (1, "sent")
    assert issue.sent_at is not None
    assert "The Collaborative Citizen" in issue.subject
    assert "check our website" in issue.intro
    assert "<strong>Calling all hosts.</strong>" in issue.intro_html
    assert set(issue.publications.all()) == {report, *responses, article}
    assert set(issue.events.values_list("slug", flat=True)) == {festival.slug, "what-next-for-repairs"}
    subscribed = newsletter.subscribers.filter(status="subscribed")
    assert subscribed.count() == issue.recipients == 5
    assert issue.deliveries.filter(status="sent").count() == 5
    assert set(issue.deliveries.values_list("subscriber", flat=True)) == set(subscribed.values_list("pk", flat=True))
    pending = newsletter.subscribers.get(status="pending")
    assert not pending.deliveries.exists()

    topics = found["contact_topics"]
    assert {topic.name: topic.organisation for topic in topics.values()} == {
        "General enquiries": collaborative,
        "Press and media": collaborative,
        "Hosting at the festival": collaborative,
        "Feedback about the council's services": world["organisations"]["council"],
    }
    assert all(topic.team_email.endswith(".example") for topic in topics.values())
    assert models.ContactMessage.objects.count() == 2
    assert models.ContactMessage.objects.filter(handled_at__isnull=False).count() == 1


def test_publications_demo_run_twice_adds_nothing_and_its_messages_reach_the_right_teams(
    world: dict[str, Any], client_for: Any
) -> None:
    before = _counts()

    again = publications_demo.seed(world)

    assert _counts() == before
    assert again["report"] == world["publications"]["report"]
    assert len(again["responses"]) == 3
    assert again["issue"].number == 1
    # The council's manager reads the message about the council; the Collaborative's convener the
    # one about the festival, and not the council's.
    manager, convener = world["people"]["manager"], world["people"]["convener"]
    council_page = client_for(manager).get(reverse("publications:contact_manage")).content.decode()
    festival_page = client_for(convener).get(reverse("publications:contact_manage")).content.decode()
    assert "Amara Okafor" in council_page
    assert "Carol Ashworth" not in council_page
    assert "Carol Ashworth" in festival_page
    assert "Amara Okafor" not in festival_page
    form = client_for(None).get(reverse("publications:contact")).content.decode()
    words = " ".join(re.sub(r"<[^>]+>", " ", form).split())
    assert "Hosting at the festival" in words
    assert "Feedback about the council&#x27;s services" in words
