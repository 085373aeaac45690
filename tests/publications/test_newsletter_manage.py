"""Publishers' pages: their newsletters, one newsletter, its topics, composing and previewing an
issue, confirming the send, and following its delivery."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heard.publications.models import Delivery, Newsletter, NewsletterIssue, Topic
from tests.factories import (
    NewsletterFactory,
    PublicationFactory,
    SubscriberFactory,
    TopicFactory,
    festival,
)

pytestmark = pytest.mark.django_db


def _manage(newsletter) -> str:
    return reverse("publications:newsletter_manage", kwargs={"slug": newsletter.slug})


def _topics(newsletter) -> str:
    return reverse("publications:topics_manage", kwargs={"slug": newsletter.slug})


def _edit(issue) -> str:
    return reverse("publications:issue_edit", kwargs={"slug": issue.newsletter.slug, "pk": issue.pk})


def test_newsletters_list_shows_own_newsletters_with_subscriber_counts(
    client_for, convener, provider, other_provider
) -> None:
    mine = NewsletterFactory(organisation=provider, name="Millbrook Matters")
    SubscriberFactory.create_batch(2, newsletter=mine)
    SubscriberFactory(newsletter=mine, status="pending", confirmed_at=None)
    SubscriberFactory(newsletter=mine, status="unsubscribed")
    NewsletterFactory(organisation=other_provider, name="Brightwater Bulletin")
    response = client_for(convener).get(reverse("publications:newsletters_manage"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Millbrook Matters" in html
    assert "Brightwater Bulletin" not in html
    row = html.split("Millbrook Matters", 1)[1].split("</tr>", 1)[0]
    # Subscribed, waiting, unsubscribed, undeliverable, issues sent.
    assert re.findall(r'<td class="numeric">(\d+)</td>', row) == ["2", "1", "1", "0", "0"]


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_newsletters_list_runs_a_fixed_number_of_queries(client_for, convener, provider) -> None:
    client = client_for(convener)
    url = reverse("publications:newsletters_manage")
    NewsletterFactory(organisation=provider)
    client.get(url)  # the session and roles are warm from here on
    small = _list_queries(client, url)
    for _number in range(3):
        newsletter = NewsletterFactory(organisation=provider)
        SubscriberFactory.create_batch(3, newsletter=newsletter)
        SubscriberFactory(newsletter=newsletter, status="pending", confirmed_at=None)
        NewsletterIssue.objects.create(newsletter=newsletter, subject="Sent", number=1, status="sent")
    assert _list_queries(client, url) == small


def test_newsletter_page_runs_a_fixed_number_of_queries(client_for, convener, provider) -> None:
    client = client_for(convener)
    newsletter = NewsletterFactory(organisation=provider)
    topic = TopicFactory(newsletter=newsletter)
    url = _manage(newsletter)

    def add_issue(number: int) -> None:
        SubscriberFactory.create_batch(2, newsletter=newsletter)
        issue = NewsletterIssue.objects.create(
            newsletter=newsletter, subject=f"Issue {number}", number=number, status="sent", topic=topic
        )
        for subscriber in newsletter.subscribers.all():
            Delivery.objects.create(issue=issue, subscriber=subscriber, status="sent")

    add_issue(1)
    client.get(url)
    small = _list_queries(client, url)
    for number in (2, 3, 4):
        add_issue(number)
    TopicFactory(newsletter=newsletter)
    NewsletterIssue.objects.create(newsletter=newsletter, subject="A draft")
    assert _list_queries(client, url) == small


def test_convener_starts_a_newsletter(client_for, convener, provider) -> None:
    response = client_for(convener).post(
        reverse("publications:newsletters_manage"),
        {"organisation": provider.pk, "name": "Millbrook Matters", "description": "Monthly news.", "reply_to": ""},
    )
    newsletter = Newsletter.objects.get()
    assert response.status_code == 303
    assert (newsletter.organisation, newsletter.slug) == (provider, "millbrook-matters")


@pytest.mark.parametrize("persona", ["resident", "responder", "analyst"])
def test_people_who_do_not_publish_cannot_manage_newsletters(client_for, request, provider, persona) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("publications:newsletters_manage")).status_code == 403
    assert client.get(_manage(newsletter)).status_code == 403


def test_convener_of_another_organisation_cannot_manage_this_newsletter(client_for, convener, other_provider) -> None:
    newsletter = NewsletterFactory(organisation=other_provider)
    issue = NewsletterIssue.objects.create(newsletter=newsletter, subject="Theirs")
    client = client_for(convener)
    assert client.get(_manage(newsletter)).status_code == 403
    assert client.get(_topics(newsletter)).status_code == 403
    assert client.post(_edit(issue), {"action": "send_confirmed"}).status_code == 403
    issue.refresh_from_db()
    assert issue.status == "draft"


def test_newsletter_page_counts_subscribers_and_lists_issues(client_for, manager, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory.create_batch(3, newsletter=newsletter)
    SubscriberFactory(newsletter=newsletter, status="undeliverable")
    NewsletterIssue.objects.create(newsletter=newsletter, subject="A draft in progress")
    html = client_for(manager).get(_manage(newsletter)).content.decode()
    assert "<dt>Subscribed</dt><dd>3</dd>" in html
    assert "<dt>Undeliverable</dt><dd>1</dd>" in html
    assert "A draft in progress" in html


def test_topics_are_added_renamed_and_removed(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    client = client_for(convener)
    added = client.post(
        _topics(newsletter), {"action": "add", "add-name": "Reports", "add-description": "Our research."}
    )
    topic = Topic.objects.get()
    assert added.status_code == 303
    assert (topic.name, topic.slug, topic.newsletter) == ("Reports", "reports", newsletter)
    client.post(
        _topics(newsletter),
        {
            "action": "rename",
            "topic": topic.pk,
            f"topic-{topic.pk}-name": "Research",
            f"topic-{topic.pk}-description": "",
        },
    )
    topic.refresh_from_db()
    assert topic.name == "Research"
    client.post(_topics(newsletter), {"action": "remove", "topic": topic.pk})
    assert not Topic.objects.exists()


def test_duplicate_topic_is_refused_beside_the_field(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    TopicFactory(newsletter=newsletter, name="Reports")
    response = client_for(convener).post(_topics(newsletter), {"action": "add", "add-name": "reports"})
    assert response.status_code == 400
    assert "already has a topic with that name" in response.content.decode()
    assert Topic.objects.count() == 1


def test_topic_an_issue_was_sent_to_is_not_removed(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    topic = TopicFactory(newsletter=newsletter)
    NewsletterIssue.objects.create(newsletter=newsletter, subject="Sent", number=1, status="sent", topic=topic)
    response = client_for(convener).post(_topics(newsletter), {"action": "remove", "topic": topic.pk}, follow=True)
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert "Issues have been sent to this topic" in response.content.decode()


def test_new_issue_is_saved_as_a_draft_with_its_introduction_made_safe(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    publication = PublicationFactory()
    event = festival(provider)
    response = client_for(convener).post(
        reverse("publications:issue_new", kwargs={"slug": newsletter.slug}),
        {
            "action": "save",
            "subject": "Our first issue",
            "intro": "**Welcome**<img src=x onerror=alert(1)><script>alert(2)</script>",
            "publications": [publication.pk],
            "events": [event.pk],
        },
    )
    issue = NewsletterIssue.objects.get()
    assert response.status_code == 303
    assert (issue.status, issue.number, issue.created_by) == ("draft", None, convener)
    assert "<strong>Welcome</strong>" in issue.intro_html
    assert "onerror" not in issue.intro_html
    assert "<script" not in issue.intro_html
    assert list(issue.publications.all()) == [publication]
    assert list(issue.events.all()) == [event]
    assert mail.outbox == []


def test_issue_form_offers_only_public_publications(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    PublicationFactory(title="Out in the open")
    PublicationFactory(title="Still a draft", status="draft", published_at=None)
    html = (
        client_for(convener).get(reverse("publications:issue_new", kwargs={"slug": newsletter.slug})).content.decode()
    )
    assert "Out in the open" in html
    assert "Still a draft" not in html


def test_preview_shows_the_email_without_saving(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    publication = PublicationFactory(title="The report")
    response = client_for(convener).post(
        reverse("publications:issue_new", kwargs={"slug": newsletter.slug}),
        {"action": "preview", "subject": "Looking ahead", "intro": "Some *news*.", "publications": [publication.pk]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview (not saved)" in html
    assert "<em>news</em>" in html
    assert "The report" in html
    assert not NewsletterIssue.objects.exists()


def test_send_asks_to_confirm_with_the_number_of_recipients(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory.create_batch(3, newsletter=newsletter)
    SubscriberFactory(newsletter=newsletter, status="pending", confirmed_at=None)
    issue = NewsletterIssue.objects.create(newsletter=newsletter, subject="Draft")
    client = client_for(convener)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_edit(issue), {"action": "send", "subject": "Ready", "intro": "Hello."})
    issue.refresh_from_db()
    assert response.status_code == 200
    assert "will go to 3 subscribers" in response.content.decode()
    assert (issue.subject, issue.status) == ("Ready", "draft")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_edit(issue), {"action": "send_confirmed"})
    issue.refresh_from_db()
    assert issue.status == "sent"
    assert len(mail.outbox) == 3


def test_sending_an_empty_issue_is_refused(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter)
    issue = NewsletterIssue.objects.create(newsletter=newsletter, subject="Nothing in it")
    response = client_for(convener).post(_edit(issue), {"action": "send_confirmed"}, follow=True)
    issue.refresh_from_db()
    assert issue.status == "draft"
    assert "Write an introduction or choose something to feature" in response.content.decode()


def test_sent_issue_page_shows_delivery_counts_and_cannot_be_edited(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    issue = NewsletterIssue.objects.create(
        newsletter=newsletter, subject="Going out", number=1, status="sending", sending_started_at=timezone.now()
    )
    for status in ("sent", "sent", "queued", "failed", "unknown"):
        Delivery.objects.create(issue=issue, subscriber=SubscriberFactory(newsletter=newsletter), status=status)
    client = client_for(convener)
    html = client.get(_edit(issue)).content.decode()

    def count(label: str) -> str:
        return html.split(f'<th scope="row">{label}</th><td class="numeric">', 1)[1].split("<", 1)[0]

    assert count("Sent") == "2"
    assert count("Waiting to be sent") == "1"
    assert count("Failed after 3 tries") == "1"
    assert count("Interrupted: may or may not have arrived") == "1"
    assert count("All recipients") == "5"
    changed = client.post(_edit(issue), {"action": "save", "subject": "Changed"})
    issue.refresh_from_db()
    assert changed.status_code == 303
    assert issue.subject == "Going out"


def test_issue_page_runs_a_fixed_number_of_queries(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    issue = NewsletterIssue.objects.create(newsletter=newsletter, subject="Going out", number=1, status="sending")
    Delivery.objects.create(issue=issue, subscriber=SubscriberFactory(newsletter=newsletter), status="sent")
    issue.publications.add(PublicationFactory())
    issue.events.add(festival(provider))
    client = client_for(convener)
    url = _edit(issue)
    client.get(url)
    small = _list_queries(client, url)
    for _number in range(3):
        Delivery.objects.create(issue=issue, subscriber=SubscriberFactory(newsletter=newsletter), status="sent")
        issue.publications.add(PublicationFactory())
        issue.events.add(festival(provider))
    assert _list_queries(client, url) == small
