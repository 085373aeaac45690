"""Sending an issue: who gets it, what each email holds, batches, failures and their retries, and
rows a crash interrupted. Whatever happens, nobody gets the same issue twice."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from heard.publications.models import Delivery, NewsletterIssue, Subscriber
from heard.publications.personal import email_key
from heard.publications.services.sending import (
    batch_send,
    deliveries_claim,
    deliveries_create,
    deliveries_resume,
    deliveries_take,
    issue_save,
)
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

BACKENDS = "tests.publications.failing_backend"
FAILING_BACKEND = f"{BACKENDS}.FailingEmailBackend"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "email"]}}


def _issue(newsletter, **fields) -> NewsletterIssue:
    """A draft written through the service the issue form uses (so its HTML is rendered there)."""
    fields.setdefault("subject", "News from Millbrook")
    fields.setdefault("intro", "Hello **everyone**.")
    return issue_save(newsletter=newsletter, by=None, fields=fields)


def _sending_issue(newsletter, **fields) -> NewsletterIssue:
    """An issue whose sending has started: numbered, its rows not written yet."""
    issue = _issue(newsletter, **fields)
    NewsletterIssue.objects.filter(pk=issue.pk).update(status="sending", number=1, sending_started_at=timezone.now())
    issue.refresh_from_db()
    return issue


def _send(client, issue, capture) -> None:
    url = reverse("publications:issue_edit", kwargs={"slug": issue.newsletter.slug, "pk": issue.pk})
    with capture(execute=True):
        response = client.post(url, {"action": "send_confirmed"})
    assert response.status_code == 303


def _received() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def _resume(capture, *args: str) -> None:
    with capture(execute=True):
        call_command("newsletter_resume", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed at exit


def _time_passes(delta: dt.timedelta) -> None:
    """Move every delivery's clock back by `delta`, as if that much time had gone by."""
    Delivery.objects.filter(retry_after__isnull=False).update(retry_after=F("retry_after") - delta)
    Delivery.objects.filter(dispatched_at__isnull=False).update(dispatched_at=F("dispatched_at") - delta)
    Delivery.objects.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - delta)


def _delivery(issue, address: str) -> Delivery:
    return Delivery.objects.get(issue=issue, subscriber__email_digest=email_key(address))


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


def test_email_holds_the_introduction_publications_and_events_made_safe(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    report = PublicationFactory(title="What Millbrook told us", slug="what-millbrook-told-us", summary="The findings.")
    add_author(report, AuthorFactory(name="Dr Ada Stone", affiliation="Millbrook University"))
    draft = PublicationFactory(title="Not yet public", status="draft", published_at=None)
    event = festival(provider, slug="unusual-suspects")
    client = client_for(convener)
    # Written through the issue form, as a publisher would.
    client.post(
        reverse("publications:issue_new", kwargs={"slug": newsletter.slug}),
        {
            "action": "save",
            "subject": "News from Millbrook",
            "intro": 'Hello **everyone**.<script>alert(1)</script><img src=x onerror="alert(2)">',
            "publications": [report.pk],
            "events": [event.pk],
        },
    )
    issue = NewsletterIssue.objects.get()
    issue.publications.add(draft)  # unpublished after it was chosen
    _send(client, issue, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.subject == "News from Millbrook"
    assert "<strong>everyone</strong>" in html
    assert "<script" not in html
    assert "onerror" not in html
    assert f'href="{settings.HEARD_SITE_URL}/publications/what-millbrook-told-us/"' in html
    assert "Dr Ada Stone (Millbrook University)" in html
    assert "The findings." in html
    assert "The Unusual Suspects" in html
    assert f"{settings.HEARD_SITE_URL}/events/unusual-suspects/" in message.body
    assert "Not yet public" not in html
    assert "Not yet public" not in message.body


def test_relative_links_in_the_introduction_are_absolute_in_the_email(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _issue(
        newsletter,
        intro="Read [the report](/publications/the-report/) and [the list](../events/).\n\n"
        "See [elsewhere](https://example.org/page) or [this part](#more).\n\n[ref]: /contact/",
    )
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    site = settings.HEARD_SITE_URL
    assert f'href="{site}/publications/the-report/"' in html
    assert f'href="{site}/events/"' in html
    assert 'href="https://example.org/page"' in html
    assert 'href="#more"' in html
    assert 'href="/' not in html
    assert f"[the report]({site}/publications/the-report/)" in message.body
    assert f"[the list]({site}/events/)" in message.body
    assert f"[ref]: {site}/contact/" in message.body
    # The web version keeps the site's own relative links.
    web = client_for(None).get(reverse("publications:issue", kwargs={"slug": newsletter.slug, "number": 1}))
    assert 'href="/publications/the-report/"' in web.content.decode()


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
def test_sends_refused_for_now_are_resumed_and_everyone_gets_the_issue_exactly_once(
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
        waiting = Delivery.objects.filter(issue=issue, status="queued")
        assert waiting.count() == 2
        assert set(waiting.values_list("attempts", "last_error")) == {(1, "SMTPRecipientsRefused")}
        assert all(row.retry_after > timezone.now() + dt.timedelta(minutes=14) for row in waiting)
        # Not yet due: resuming now sends nothing.
        _resume(django_capture_on_commit_callbacks)
        assert sum(_received().values()) == 3

    _time_passes(dt.timedelta(minutes=16))
    _resume(django_capture_on_commit_callbacks)
    _resume(django_capture_on_commit_callbacks)

    assert _received() == Counter(addresses)
    issue.refresh_from_db()
    assert issue.status == "sent"


@override_settings(EMAIL_BACKEND=FAILING_BACKEND, NEWSLETTER_TEST_FAILING_ADDRESSES=["full@example.org"])
def test_send_refused_for_now_waits_longer_each_time_and_is_given_up_after_three_attempts(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="full@example.org")
    SubscriberFactory(newsletter=newsletter, email="fine@example.org")
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    row = _delivery(issue, "full@example.org")
    waits = []
    for _attempt in range(4):
        row.refresh_from_db()
        if row.status == "queued":
            waits.append(row.retry_after - timezone.now())
            _time_passes(row.retry_after - timezone.now() + dt.timedelta(seconds=1))
        _resume(django_capture_on_commit_callbacks)
    row.refresh_from_db()
    issue.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert [round(wait / dt.timedelta(minutes=1)) for wait in waits] == [15, 60]
    assert _received() == Counter(["fine@example.org"])
    assert issue.status == "sent"


@override_settings(
    EMAIL_BACKEND=FAILING_BACKEND,
    NEWSLETTER_TEST_FAILING_ADDRESSES=["nobody@example.org"],
    NEWSLETTER_TEST_FAILING_CODE=550,
)
def test_send_refused_for_good_fails_at_once_and_is_not_retried(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="nobody@example.org")
    SubscriberFactory(newsletter=newsletter, email="fine@example.org")
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    row = _delivery(issue, "nobody@example.org")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMTPRecipientsRefused")
    _time_passes(dt.timedelta(hours=3))
    _resume(django_capture_on_commit_callbacks)
    row.refresh_from_db()
    issue.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert _received() == Counter(["fine@example.org"])
    assert issue.status == "sent"


@override_settings(
    EMAIL_BACKEND=FAILING_BACKEND,
    NEWSLETTER_TEST_DISCONNECTING_ADDRESSES=["second@example.org"],
    NEWSLETTER_BATCH_SIZE=10,
)
def test_connection_lost_after_the_server_took_a_message_never_sends_it_twice(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    for address in ("first@example.org", "second@example.org", "third@example.org"):
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    for _run in range(3):
        _time_passes(dt.timedelta(hours=2))
        _resume(django_capture_on_commit_callbacks)

    # The server took it before the connection dropped: it arrived once, and is never sent again.
    assert _received() == Counter(["first@example.org", "second@example.org", "third@example.org"])
    row = _delivery(issue, "second@example.org")
    assert (row.status, row.last_error) == ("unknown", "SMTPServerDisconnected")
    assert _delivery(issue, "third@example.org").status == "sent"  # a fresh connection for the rest
    issue.refresh_from_db()
    assert issue.status == "sent"


@override_settings(EMAIL_BACKEND=FAILING_BACKEND)
def test_mail_server_outage_loses_no_attempt_and_everyone_gets_the_issue_once_it_is_back(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    addresses = ["a@example.org", "b@example.org", "c@example.org"]
    for address in addresses:
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _issue(newsletter)
    with override_settings(NEWSLETTER_TEST_SERVER_DOWN=True):
        _send(client_for(convener), issue, django_capture_on_commit_callbacks)
        # Down for hours: every quarter of an hour the resume command finds it still down.
        for _run in range(12):
            _time_passes(dt.timedelta(minutes=15))
            _resume(django_capture_on_commit_callbacks)
        rows = Delivery.objects.filter(issue=issue)
        assert set(rows.values_list("status", "attempts", "last_error")) == {
            (
                "queued",
                0,
                "ConnectionRefusedError",
            )
        }
        issue.refresh_from_db()
        assert issue.status == "sending"
        assert mail.outbox == []
    _time_passes(dt.timedelta(minutes=15))
    _resume(django_capture_on_commit_callbacks)
    assert _received() == Counter(addresses)
    issue.refresh_from_db()
    assert issue.status == "sent"


@override_settings(EMAIL_BACKEND=f"{BACKENDS}.UnconfiguredEmailBackend")
def test_batch_that_cannot_get_a_mail_connection_claims_nothing(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    row = Delivery.objects.get(issue=issue)
    assert (row.status, row.attempts, row.claim) == ("queued", 0, "")
    # Long after: nothing was left claimed for the resume command to write off as interrupted.
    _time_passes(dt.timedelta(hours=1))
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        _resume(django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.status == "sent"
    assert _received() == Counter(["reader@example.org"])


@override_settings(EMAIL_BACKEND=f"{BACKENDS}.StoppingEmailBackend", NEWSLETTER_TEST_STOP_AT="b@example.org")
def test_batch_stopped_part_way_puts_the_rows_it_had_not_tried_back_in_the_queue(provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    for address in ("a@example.org", "b@example.org", "c@example.org", "d@example.org"):
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _sending_issue(newsletter)
    deliveries_create(issue_id=issue.pk)  # its batches not run: on_commit is not executed here
    ids = list(Delivery.objects.filter(issue=issue).values_list("pk", flat=True))

    with pytest.raises(SystemExit):
        batch_send(issue_id=issue.pk, delivery_ids=ids)

    assert _received() == Counter(["a@example.org"])
    assert _delivery(issue, "a@example.org").status == "sent"
    assert _delivery(issue, "b@example.org").status == "sending"  # it may have gone
    for address in ("c@example.org", "d@example.org"):
        row = _delivery(issue, address)
        assert (row.status, row.attempts, row.claim) == ("queued", 0, "")


@override_settings(
    EMAIL_BACKEND=FAILING_BACKEND,
    NEWSLETTER_TEST_FAILING_ADDRESSES=["refused@example.org"],
    NEWSLETTER_TEST_FAILING_CODE=550,
    NEWSLETTER_TEST_DISCONNECTING_ADDRESSES=["dropped@example.org"],
)
def test_failed_deliveries_can_be_queued_again_from_the_command(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    for address in ("refused@example.org", "dropped@example.org", "fine@example.org"):
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _issue(newsletter)
    _send(client_for(convener), issue, django_capture_on_commit_callbacks)
    issue.refresh_from_db()
    assert issue.status == "sent"
    assert _delivery(issue, "refused@example.org").status == "failed"

    with override_settings(NEWSLETTER_TEST_FAILING_ADDRESSES=[]):
        _resume(django_capture_on_commit_callbacks, "--retry-failed", str(issue.pk))
        with pytest.raises(CommandError, match="No delivery of this issue has failed"):
            _resume(django_capture_on_commit_callbacks, "--retry-failed", str(issue.pk))

    assert _received() == Counter(["refused@example.org", "dropped@example.org", "fine@example.org"])
    row = _delivery(issue, "refused@example.org")
    assert (row.status, row.attempts) == ("sent", 1)
    assert _delivery(issue, "dropped@example.org").status == "unknown"  # may have arrived: never retried
    issue.refresh_from_db()
    assert issue.status == "sent"


def test_row_left_being_sent_by_a_crash_is_never_sent_again(provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    for address in ("crashed@example.org", "recent@example.org", "waiting@example.org"):
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _sending_issue(newsletter)
    deliveries_create(issue_id=issue.pk)  # its batches were never run: the worker stopped
    crashed = _delivery(issue, "crashed@example.org")
    recent = _delivery(issue, "recent@example.org")
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


@override_settings(TASKS=DUMMY_TASKS, NEWSLETTER_BATCH_SIZE=2)
def test_resuming_again_does_not_hand_out_rows_a_batch_task_still_holds(provider) -> None:
    from django_tasks import default_task_backend

    newsletter = NewsletterFactory(organisation=provider)
    for _number in range(3):
        SubscriberFactory(newsletter=newsletter)
    issue = _sending_issue(newsletter)
    deliveries_create(issue_id=issue.pk)

    def batches() -> list[list[int]]:
        return [
            result.kwargs["delivery_ids"] for result in default_task_backend.results if result.task.name == "send_batch"
        ]

    deliveries_resume()
    deliveries_resume()
    deliveries_resume()
    assert len(batches()) == 2  # three rows in batches of two, handed out once
    assert sorted(pk for batch in batches() for pk in batch) == sorted(
        Delivery.objects.filter(issue=issue).values_list("pk", flat=True)
    )
    # An hour later the tasks look lost (the worker never ran them): the rows are handed out again.
    _time_passes(dt.timedelta(minutes=61))
    deliveries_resume()
    assert len(batches()) == 4


def test_two_workers_that_saw_the_same_rows_never_both_send_one(provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    for address in ("mine@example.org", "theirs@example.org"):
        SubscriberFactory(newsletter=newsletter, email=address)
    issue = _sending_issue(newsletter)
    deliveries_create(issue_id=issue.pk)
    mine, theirs = _delivery(issue, "mine@example.org"), _delivery(issue, "theirs@example.org")
    now = timezone.now()
    # Without SKIP LOCKED both workers saw both rows queued; the other one took one first, at the
    # very same moment.
    taken_by_them = deliveries_take(ids=[theirs.pk], now=now)
    taken_by_us = deliveries_take(ids=[mine.pk, theirs.pk], now=now)

    assert [row.pk for row in taken_by_them] == [theirs.pk]
    assert [row.pk for row in taken_by_us] == [mine.pk]
    # And a batch claims only rows that are still due.
    assert deliveries_claim(issue_id=issue.pk, delivery_ids=[mine.pk, theirs.pk], now=now) == []


def test_writing_the_deliveries_twice_adds_nobody_twice(provider) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter)
    SubscriberFactory(newsletter=newsletter)
    issue = _sending_issue(newsletter)
    deliveries_create(issue_id=issue.pk)
    deliveries_create(issue_id=issue.pk)
    assert Delivery.objects.filter(issue=issue).count() == 2


def test_subscriber_who_leaves_before_their_batch_is_skipped(provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="stays@example.org")
    leaving = SubscriberFactory(newsletter=newsletter, email="leaves@example.org")
    issue = _sending_issue(newsletter)
    deliveries_create(issue_id=issue.pk)
    Subscriber.objects.filter(pk=leaving.pk).update(status="unsubscribed")
    _resume(django_capture_on_commit_callbacks)
    assert _received() == Counter(["stays@example.org"])
    assert Delivery.objects.get(issue=issue, subscriber=leaving).status == "skipped"
    issue.refresh_from_db()
    assert issue.status == "sent"


def test_a_send_that_goes_after_one_that_did_not_bounce_clears_the_temporary_bounces(
    client_for, convener, provider, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    recovered = SubscriberFactory(newsletter=newsletter, email="recovered@example.org")
    still_bouncing = SubscriberFactory(newsletter=newsletter, email="bouncing@example.org")
    earlier = NewsletterIssue.objects.create(newsletter=newsletter, subject="Earlier", number=1, status="sent")
    long_ago, yesterday = timezone.now() - dt.timedelta(days=30), timezone.now() - dt.timedelta(days=1)
    for subscriber in (recovered, still_bouncing):
        Delivery.objects.create(issue=earlier, subscriber=subscriber, status="sent", sent_at=long_ago)
    # Two bounces before the earlier issue went for one, and since it went for the other.
    Subscriber.objects.filter(pk=recovered.pk).update(soft_bounces=2, soft_bounced_at=long_ago - dt.timedelta(days=1))
    Subscriber.objects.filter(pk=still_bouncing.pk).update(soft_bounces=2, soft_bounced_at=yesterday)

    _send(client_for(convener), _issue(newsletter), django_capture_on_commit_callbacks)

    recovered.refresh_from_db()
    still_bouncing.refresh_from_db()
    assert (recovered.soft_bounces, recovered.soft_bounced_at) == (0, None)
    assert still_bouncing.soft_bounces == 2


def test_issue_sending_whose_rows_were_never_written_is_resumed(provider, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(organisation=provider)
    SubscriberFactory(newsletter=newsletter, email="reader@example.org")
    issue = _sending_issue(newsletter)
    NewsletterIssue.objects.filter(pk=issue.pk).update(sending_started_at=timezone.now() - dt.timedelta(minutes=30))
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
            url, {"action": "test", "subject": "Trying it out", "intro": "A *first* go, [here](/contact/)."}
        )
    assert response.status_code == 303
    assert [message.to for message in mail.outbox] == [[convener.email]]
    assert mail.outbox[0].subject == "[Test] Trying it out"
    assert "<em>first</em>" in mail.outbox[0].alternatives[0][0]
    assert f'href="{settings.HEARD_SITE_URL}/contact/"' in mail.outbox[0].alternatives[0][0]
    assert not Delivery.objects.exists()
    issue.refresh_from_db()
    assert (issue.status, issue.number) == ("draft", None)
