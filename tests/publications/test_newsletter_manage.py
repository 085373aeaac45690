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


@pytest.mark.parametrize("name", ["Manage", "Confirm", "Preferences", "Unsubscribe", "Webhooks"])
def test_newsletter_named_like_a_page_of_the_site_gets_an_address_of_its_own(
    client_for, convener, provider, name
) -> None:
    client_for(convener).post(
        reverse("publications:newsletters_manage"),
        {"organisation": provider.pk, "name": name, "description": "", "reply_to": ""},
    )
    newsletter = Newsletter.objects.get()
    assert newsletter.slug == f"{name.lower()}-newsletter"
    page = client_for(None).get(reverse("publications:newsletter", kwargs={"slug": newsletter.slug}))
    assert f"<h1>{name}</h1>" in page.content.decode()


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


def test_topic_someone_chose_as_their_only_one_is_not_removed(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    only = TopicFactory(newsletter=newsletter, name="Reports")
    among_others = TopicFactory(newsletter=newsletter, name="Events")
    unchosen = TopicFactory(newsletter=newsletter, name="Repairs")
    SubscriberFactory(newsletter=newsletter).topics.set([only])
    SubscriberFactory(newsletter=newsletter).topics.set([only, among_others])
    client = client_for(convener)

    page = client.get(_topics(newsletter)).content.decode()
    assert "Remove Reports" not in page
    assert "1 subscriber chose only this topic, so it stays" in page
    refused = client.post(_topics(newsletter), {"action": "remove", "topic": only.pk})
    html = refused.content.decode()
    assert refused.status_code == 400
    # Beside the button, in the topic's own row (and in the summary at the top).
    row = html.split(f'value="{only.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "1 subscriber chose only this topic: without it they would get everything." in row
    assert Topic.objects.filter(pk=only.pk).exists()

    for topic in (among_others, unchosen):
        assert client.post(_topics(newsletter), {"action": "remove", "topic": topic.pk}).status_code == 303
    assert list(Topic.objects.all()) == [only]
    assert [list(s.topics.all()) for s in newsletter.subscribers.order_by("pk")] == [[only], [only]]


def test_topic_asked_for_alone_in_a_request_waiting_for_confirmation_is_not_removed(
    client_for, convener, provider
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    topic = TopicFactory(newsletter=newsletter, name="Reports")
    waiting = SubscriberFactory(
        newsletter=newsletter, status="pending", confirmed_at=None, confirm_digest="x" * 64, confirm_sent_at=None
    )
    waiting.pending_topics.set([topic])
    response = client_for(convener).post(_topics(newsletter), {"action": "remove", "topic": topic.pk})
    assert response.status_code == 400
    assert Topic.objects.filter(pk=topic.pk).exists()


def test_topics_page_runs_a_fixed_number_of_queries(client_for, convener, provider) -> None:
    client = client_for(convener)
    newsletter = NewsletterFactory(organisation=provider)
    url = _topics(newsletter)

    def add_topic() -> None:
        topic = TopicFactory(newsletter=newsletter)
        SubscriberFactory(newsletter=newsletter).topics.set([topic])
        SubscriberFactory(newsletter=newsletter, status="pending", confirmed_at=None).pending_topics.set([topic])
        NewsletterIssue.objects.create(newsletter=newsletter, subject="Sent", number=topic.pk, topic=topic)

    add_topic()
    client.get(url)
    small = _list_queries(client, url)
    for _number in range(3):
        add_topic()
    assert _list_queries(client, url) == small


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
    assert count("Could not be delivered") == "1"
    assert count("Interrupted: may or may not have arrived") == "1"
    assert count("All recipients") == "5"
    assert "2 of 5 emails have gone out." in html
    assert "1 email could not be delivered." in html
    assert "1 email was interrupted while it was being sent: it may or may not have arrived." in html
    changed = client.post(_edit(issue), {"action": "save", "subject": "Changed"})
    issue.refresh_from_db()
    assert changed.status_code == 303
    assert issue.subject == "Going out"


def test_issue_that_reached_nobody_does_not_claim_it_did(client_for, convener, provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    issue = NewsletterIssue.objects.create(
        newsletter=newsletter, subject="Into the void", number=1, status="sent", sent_at=timezone.now()
    )
    for _number in range(3):
        Delivery.objects.create(issue=issue, subscriber=SubscriberFactory(newsletter=newsletter), status="failed")
    html = client_for(convener).get(_edit(issue)).content.decode()
    assert "0 of 3 emails have gone out." in html
    assert "3 emails could not be delivered." in html
    assert "Retry the failed deliveries" in html


def test_failed_deliveries_are_retried_from_the_issue_page(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    issue = NewsletterIssue.objects.create(
        newsletter=newsletter, subject="Second try", intro="Hello.", number=1, status="sent", sent_at=timezone.now()
    )
    failed = SubscriberFactory(newsletter=newsletter, email="failed@example.org")
    Delivery.objects.create(issue=issue, subscriber=failed, status="failed", attempts=3, last_error="SMTPDataError")
    Delivery.objects.create(
        issue=issue, subscriber=SubscriberFactory(newsletter=newsletter, email="maybe@example.org"), status="unknown"
    )
    Delivery.objects.create(
        issue=issue, subscriber=SubscriberFactory(newsletter=newsletter, email="got@example.org"), status="sent"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(convener).post(_edit(issue), {"action": "retry_failed"}, follow=True)
    issue.refresh_from_db()
    assert "1 failed delivery is being tried again." in response.content.decode()
    assert [message.to for message in mail.outbox] == [["failed@example.org"]]
    assert Delivery.objects.get(issue=issue, subscriber=failed).status == "sent"
    assert issue.status == "sent"


def test_convener_of_another_organisation_cannot_retry_failed_deliveries(
    client_for, convener, other_provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=other_provider)
    issue = NewsletterIssue.objects.create(newsletter=newsletter, subject="Theirs", number=1, status="sent")
    row = Delivery.objects.create(issue=issue, subscriber=SubscriberFactory(newsletter=newsletter), status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(convener).post(_edit(issue), {"action": "retry_failed"})
    row.refresh_from_db()
    assert response.status_code == 403
    assert row.status == "failed"
    assert mail.outbox == []


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
