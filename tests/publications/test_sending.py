"""Sending an issue: who gets it, what each email holds, batches, failures and their retries, and
rows a crash interrupted. Whatever happens, nobody gets the same issue twice."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from heard.publications.markdown import render
from heard.publications.models import Delivery, NewsletterIssue, Subscriber
from heard.publications.services.sending import deliveries_create
from tests.factories import (
    AuthorFactory,
    NewsletterFactory,
    PublicationFactory,
    SubscriberFactory,
    TopicFactory,
    add_author,
    festival,
)

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.publications.failing_backend.FailingEmailBackend"


def _issue(newsletter, **fields) -> NewsletterIssue:
    fields.setdefault("subject", "News from Millbrook")
    fields.setdefault("intro", "Hello **everyone**.")
    return NewsletterIssue.objects.create(newsletter=newsletter, intro_html=render(fields["intro"]), **fields)


def _send(client, issue, capture) -> None:
    url = reverse("publications:issue_edit", kwargs={"slug": issue.newsletter.slug, "pk": issue.pk})
    with capture(execute=True):
        response = client.post(url, {"action": "send_confirmed"})
    assert response.status_code == 303


def _received() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def _resume(capture) -> None:
    with capture(execute=True):
        call_command("newsletter_resume", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed at exit


def test_issue_goes_once_to_exactly_the_people_receiving_its_topic(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    reports = TopicFactory(newsletter=newsletter, name="Reports")
    events = TopicFactory(newsletter=newsletter, name="Events")
    SubscriberFactory(newsletter=newsletter, email="everything@example.org")
    SubscriberFactory(newsletter=newsletter, email="reports@example.org").topics.set([reports])
    SubscriberFactory(newsletter=newsletter, email="both@example.org").topics.set([reports, events])
    SubscriberFactory(newsletter=newsletter, email="events@example.org").topics.set([events])
    SubscriberFactory(newsletter=newsletter, email="pending@example.org", status="pending", confirmed_at=None)
    SubscriberFactory(newsletter=newsletter, email="left@example.org", status="unsubscribed")
    SubscriberFactory(newsletter=newsletter, email="bounced@example.org", status="undeliverable")
    SubscriberFactory(email="other-newsletter@example.org")
    issue = _issue(newsletter, topic=reports)

    _send(client_for(convener), issue, django_capture_on_commit_callbacks)

    assert _received() == Counter(["everything@example.org", "reports@example.org", "both@example.org"])
    issue.refresh_from_db()
    assert (issue.status, issue.number, issue.recipients) == ("sent", 1, 3)
    assert issue.sent_at is not None
    assert set(Delivery.objects.filter(issue=issue).values_list("status", flat=True)) == {"sent"}


def test_issue_for_everyone_reaches_every_confirmed_subscriber(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    topic = TopicFactory(newsletter=newsletter)
    SubscriberFactory(newsletter=newsletter, email="a@example.org")
    SubscriberFactory(newsletter=newsletter, email="b@example.org").topics.set([topic])
    SubscriberFactory(newsletter=newsletter, email="c@example.org", status="pending", confirmed_at=None)
    _send(client_for(convener), _issue(newsletter), django_capture_on_commit_callbacks)
    assert _received() == Counter(["a@example.org", "b@example.org"])


def test_each_email_carries_one_click_unsubscribe_headers_that_work(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider, name="Millbrook Matters", slug="millbrook-matters")
    reader = SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    _send(client_for(convener), _issue(newsletter), django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(settings.HEARD_SITE_URL)}/newsletters/unsubscribe/[^/\s]+/>", unsubscribe)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Id"].endswith("<millbrook-matters.newsletters.127.0.0.1>")
    assert "Millbrook Matters" in message.extra_headers["List-Id"]
    # What a mail program does with them: POST the one-click body, with no cookies or CSRF token.
    path = unsubscribe[1:-1].removeprefix(settings.HEARD_SITE_URL)
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    reader.refresh_from_db()
    assert response.status_code == 200
    assert reader.status == "unsubscribed"


def test_each_email_links_to_its_reader_preferences_and_the_web_version(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider, reply_to="team@example.org")
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.reply_to == ["team@example.org"]
    links = re.findall(rf"{re.escape(settings.HEARD_SITE_URL)}(/\S+)", message.body)
    preferences = next(link for link in links if link.startswith("/newsletters/preferences/"))
    web = next(link for link in links if link.startswith(f"/newsletters/{newsletter.slug}/issues/"))
    assert "You are subscribed." in client_for(None).get(preferences).content.decode()
    assert "News from Millbrook" in client_for(None).get(web).content.decode()


def test_email_holds_the_introduction_publications_and_events(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    report = PublicationFactory(title="What Millbrook told us", slug="what-millbrook-told-us", summary="The findings.")
    add_author(report, AuthorFactory(name="Dr Ada Stone", affiliation="Millbrook University"))
    draft = PublicationFactory(title="Not yet public", status="draft", published_at=None)
    event = festival(provider, slug="unusual-suspects")
    issue = _issue(newsletter, intro="Hello **everyone**.<script>alert(1)</script>")
    issue.publications.set([report, draft])
    issue.events.set([event])
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.subject == "News from Millbrook"
    assert "<strong>everyone</strong>" in html
    assert "<script" not in html
    assert f'href="{settings.HEARD_SITE_URL}/publications/what-millbrook-told-us/"' in html
    assert "Dr Ada Stone (Millbrook University)" in html
    assert "The findings." in html
    assert "The Unusual Suspects" in html
    assert f"{settings.HEARD_SITE_URL}/events/unusual-suspects/" in message.body
    assert "Not yet public" not in html
    assert "Not yet public" not in message.body


@override_settings(NEWSLETTER_BATCH_SIZE=2)
def test_issue_goes_out_in_batches_to_everyone_once(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    addresses = [f"reader{number}@example.org" for number in range(5)]
    for address in addresses:
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    assert _received() == Counter(addresses)
    issue.refresh_from_db()
    assert issue.status == "sent"


@override_settings(EMAIL_BACKEND=FAILING_BACKEND, NEWSLETTER_BATCH_SIZE=2)
def test_failed_sends_are_resumed_and_everyone_gets_the_issue_exactly_once(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    addresses = [f"reader{number}@example.org" for number in range(5)]
    for address in addresses:
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _issue(newsletter)

    with override_settings(NEWSLETTER_TEST_FAILING_ADDRESSES=["reader1@example.org", "reader3@example.org"]):
        _send(client_for(convener), issue, django_capture_on_commit_callbacks)
        assert _received() == Counter(["reader0@example.org", "reader2@example.org", "reader4@example.org"])
        failed = Delivery.objects.filter(issue=issue, status="queued")
        assert failed.count() == 2
        assert set(failed.values_list("attempts", "last_error")) == {(1, "SMTPRecipientsRefused")}
        assert all(row.retry_after > timezone.now() for row in failed)
        # Not yet due: resuming now sends nothing.
        _resume(django_capture_on_commit_callbacks)
        assert sum(_received().values()) == 3

    Delivery.objects.filter(issue=issue, status="queued").update(retry_after=timezone.now() - dt.timedelta(minutes=1))
    _resume(django_capture_on_commit_callbacks)
    _resume(django_capture_on_commit_callbacks)

    assert _received() == Counter(addresses)
    issue.refresh_from_db()
    assert issue.status == "sent"


@override_settings(EMAIL_BACKEND=FAILING_BACKEND, NEWSLETTER_TEST_FAILING_ADDRESSES=["gone@example.org"])
def test_send_that_keeps_failing_is_given_up_after_three_attempts(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="gone@example.org")
    SubscriberFactory(newsletter=newsletter, email="fine@example.org")
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    for _attempt in range(4):
        Delivery.objects.filter(issue=issue, status="queued").update(retry_after=timezone.now())
        _resume(django_capture_on_commit_callbacks)
    row = Delivery.objects.get(issue=issue, status="failed")
    issue.refresh_from_db()
    assert row.attempts == 3
    assert _received() == Counter(["fine@example.org"])
    assert issue.status == "sent"


def test_row_left_being_sent_by_a_crash_is_never_sent_again(provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    for address in ("crashed@example.org", "recent@example.org", "waiting@example.org"):
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _issue(newsletter, status="sending", number=1, sending_started_at=timezone.now())
    deliveries_create(issue_id=issue.pk)  # its batches were never run: the worker stopped
    crashed = Delivery.objects.get(issue=issue, subscriber__in=Subscriber.objects.filter(pk=_pk("crashed")))
    recent = Delivery.objects.get(issue=issue, subscriber__in=Subscriber.objects.filter(pk=_pk("recent")))
    Delivery.objects.filter(pk=crashed.pk).update(
        status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=20)
    )
    Delivery.objects.filter(pk=recent.pk).update(status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=2))

    _resume(django_capture_on_commit_callbacks)
    _resume(django_capture_on_commit_callbacks)

    assert _received() == Counter(["waiting@example.org"])
    crashed.refresh_from_db()
    recent.refresh_from_db()
    assert crashed.status == "unknown"
    assert recent.status == "sending"  # perhaps still going: left alone
    issue.refresh_from_db()
    assert issue.status == "sending"
    Delivery.objects.filter(pk=recent.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=16))
    _resume(django_capture_on_commit_callbacks)
    issue.refresh_from_db()
    assert issue.status == "sent"
    assert _received() == Counter(["waiting@example.org"])


def _pk(name: str) -> int:
    from heard.publications.personal import email_key

    return Subscriber.objects.get(email_digest=email_key(f"{name}@example.org")).pk


def test_writing_the_deliveries_twice_adds_nobody_twice(provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter)
    SubscriberFactory(newsletter=newsletter)
    issue = _issue(newsletter, status="sending", number=1, sending_started_at=timezone.now())
    deliveries_create(issue_id=issue.pk)
    deliveries_create(issue_id=issue.pk)
    assert Delivery.objects.filter(issue=issue).count() == 2


def test_subscriber_who_leaves_before_their_batch_is_skipped(provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="stays@example.org")
    leaving = SubscriberFactory(newsletter=newsletter, email="leaves@example.org")
    issue = _issue(newsletter, status="sending", number=1, sending_started_at=timezone.now())
    deliveries_create(issue_id=issue.pk)
    Subscriber.objects.filter(pk=leaving.pk).update(status="unsubscribed")
    _resume(django_capture_on_commit_callbacks)
    assert _received() == Counter(["stays@example.org"])
    assert Delivery.objects.get(issue=issue, subscriber=leaving).status == "skipped"
    issue.refresh_from_db()
    assert issue.status == "sent"


def test_issue_sending_whose_rows_were_never_written_is_resumed(provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _issue(newsletter, status="sending", number=1, sending_started_at=timezone.now() - dt.timedelta(minutes=30))
    _resume(django_capture_on_commit_callbacks)
    assert _received() == Counter(["reader@example.org"])
    issue.refresh_from_db()
    assert issue.status == "sent"


def test_issues_are_numbered_in_the_order_they_are_sent(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter)
    first, second = _issue(newsletter, subject="First"), _issue(newsletter, subject="Second")
    _send(client_for(convener), second, django_capture_on_commit_callbacks)
    _send(client_for(convener), first, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.number, first.number) == (1, 2)


def test_sent_issue_cannot_be_sent_again(client_for, convener, provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    assert _received() == Counter(["reader@example.org"])


def test_test_email_goes_to_the_composer_marked_test_with_no_delivery_records(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _issue(newsletter)
    url = reverse("publications:issue_edit", kwargs={"slug": newsletter.slug, "pk": issue.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(convener).post(
            url, {"action": "test", "subject": "Trying it out", "intro": "A *first* go."}
        )
    assert response.status_code == 303
    assert [message.to for message in mail.outbox] == [[convener.email]]
    assert mail.outbox[0].subject == "[Test] Trying it out"
    assert "<em>first</em>" in mail.outbox[0].alternatives[0][0]
    assert not Delivery.objects.exists()
    issue.refresh_from_db()
    assert (issue.status, issue.number) == ("draft", None)
