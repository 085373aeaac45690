"""Subscribing to a newsletter with double opt-in: the form, the confirmation link, and the
newsletter's public page and archive."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heard.core.crypto import token_digest
from heard.publications.models import NewsletterIssue, Subscriber
from heard.publications.personal import email_key
from tests.factories import NewsletterFactory, SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https?://\S+/newsletters/confirm/[^/\s]+/")
PREFERENCES_LINK = re.compile(r"https?://\S+/newsletters/preferences/[^/\s]+/")


def _subscribe(client, newsletter, email: str, **extra: object):
    return client.post(reverse("publications:newsletter", kwargs={"slug": newsletter.slug}), {"email": email, **extra})


def _path(link: str) -> str:
    return link.removeprefix(settings.HEARD_SITE_URL)


def _subscriber(newsletter, email: str) -> Subscriber:
    return Subscriber.objects.get(newsletter=newsletter, email_digest=email_key(email))


def test_subscribing_sends_one_confirmation_email_and_nothing_else(
    client_for, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory(name="Millbrook Matters")
    with django_capture_on_commit_callbacks(execute=True):
        response = _subscribe(client_for(None), newsletter, "New.Reader@example.org")
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["New.Reader@example.org"]
    assert "Millbrook Matters" in message.subject
    assert CONFIRM_LINK.search(message.body)
    subscriber = _subscriber(newsletter, "new.reader@example.org")
    assert subscriber.status == "pending"
    assert subscriber.confirmed_at is None
    assert len(subscriber.confirm_digest) == 64


def _page_text(response) -> str:
    # The sign-out form's CSRF token changes with every response; nothing else may.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


ADDRESS_STATES = {
    "new": None,
    "pending": {"status": "pending", "confirmed_at": None, "sent_minutes_ago": 60},
    "throttled": {"status": "pending", "confirmed_at": None, "sent_minutes_ago": 2},
    "subscribed": {"status": "subscribed"},
    "unsubscribed": {"status": "unsubscribed"},
    "bounced": {"status": "undeliverable", "undeliverable_reason": "bounce"},
    "complained": {"status": "undeliverable", "undeliverable_reason": "complaint"},
}


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
@pytest.mark.parametrize("state", list(ADDRESS_STATES))
def test_subscribing_reveals_nothing_about_the_address(
    client_for, resident, django_capture_on_commit_callbacks, state, signed_in
) -> None:
    newsletter = NewsletterFactory()
    fields = ADDRESS_STATES[state]
    if fields is not None:
        fields = dict(fields)
        minutes = fields.pop("sent_minutes_ago", None)
        if minutes is not None:
            fields["confirm_digest"] = token_digest(f"secret-{state}")
            fields["confirm_sent_at"] = timezone.now() - dt.timedelta(minutes=minutes)
        SubscriberFactory(newsletter=newsletter, email="known@example.org", **fields)
    client = client_for(resident if signed_in else None)
    with django_capture_on_commit_callbacks(execute=True):
        baseline = _subscribe(client, newsletter, "someone-new@example.org")
        known = _subscribe(client, newsletter, "known@example.org")
    assert known.status_code == baseline.status_code == 200
    assert _page_text(known) == _page_text(baseline)
    assert "Check your email" in _page_text(known)


def test_subscribing_an_address_already_subscribed_sends_no_confirmation_link(
    client_for, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory()
    SubscriberFactory(newsletter=newsletter, email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "known@example.org")
    to_known = [message for message in mail.outbox if message.to == ["known@example.org"]]
    assert len(to_known) == 1
    assert not CONFIRM_LINK.search(to_known[0].body)
    assert PREFERENCES_LINK.search(to_known[0].body)
    assert _subscriber(newsletter, "known@example.org").status == "subscribed"


def test_address_that_complained_is_sent_nothing_by_the_form(client_for, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory()
    SubscriberFactory(
        newsletter=newsletter, email="annoyed@example.org", status="undeliverable", undeliverable_reason="complaint"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _subscribe(client_for(None), newsletter, "annoyed@example.org")
    subscriber = _subscriber(newsletter, "annoyed@example.org")
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []
    assert (subscriber.status, subscriber.undeliverable_reason, subscriber.confirm_digest) == (
        "undeliverable",
        "complaint",
        "",
    )


def test_form_changes_nothing_an_unsubscribed_person_chose_until_the_link_is_used(
    client_for, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory()
    reports = TopicFactory(newsletter=newsletter, name="Reports")
    events = TopicFactory(newsletter=newsletter, name="Events")
    subscriber = SubscriberFactory(
        newsletter=newsletter, email="left@example.org", status="unsubscribed", unsubscribed_at=timezone.now()
    )
    subscriber.topics.set([reports])
    # Someone else types the address in and picks another topic.
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "left@example.org", topics=[events.pk])
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    assert list(subscriber.topics.all()) == [reports]
    # Only whoever reads the mail can make it happen.
    link = CONFIRM_LINK.search(mail.outbox[0].body).group(0)
    client_for(None).post(_path(link))
    subscriber.refresh_from_db()
    assert subscriber.status == "subscribed"
    assert list(subscriber.topics.all()) == [events]
    assert not subscriber.pending_topics.exists()


def test_bounced_address_stays_undeliverable_until_its_link_is_used(
    client_for, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory()
    SubscriberFactory(
        newsletter=newsletter,
        email="fixed@example.org",
        status="undeliverable",
        undeliverable_reason="bounce",
        soft_bounces=3,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "fixed@example.org")
    assert _subscriber(newsletter, "fixed@example.org").status == "undeliverable"
    client_for(None).post(_path(CONFIRM_LINK.search(mail.outbox[0].body).group(0)))
    subscriber = _subscriber(newsletter, "fixed@example.org")
    assert (subscriber.status, subscriber.undeliverable_reason, subscriber.soft_bounces) == ("subscribed", "", 0)


def test_already_subscribed_email_links_to_working_preferences(client_for, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory(name="Millbrook Matters")
    SubscriberFactory(newsletter=newsletter, email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "known@example.org")
    link = PREFERENCES_LINK.search(mail.outbox[0].body).group(0)
    page = client_for(None).get(_path(link))
    assert page.status_code == 200
    assert "You are subscribed." in page.content.decode()


def test_subscribing_again_while_pending_sends_a_fresh_link_at_most_every_ten_minutes(
    client_for, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "waiting@example.org")
        _subscribe(client_for(None), newsletter, "waiting@example.org")
    assert len(mail.outbox) == 1
    first_link = CONFIRM_LINK.search(mail.outbox[0].body).group(0)
    Subscriber.objects.update(confirm_sent_at=timezone.now() - dt.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "waiting@example.org")
    assert len(mail.outbox) == 2
    second_link = CONFIRM_LINK.search(mail.outbox[1].body).group(0)
    assert second_link != first_link
    assert client_for(None).get(_path(first_link)).status_code == 404
    assert client_for(None).get(_path(second_link)).status_code == 200
    assert Subscriber.objects.count() == 1


def test_confirming_by_get_shows_a_button_and_changes_nothing(client_for, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "reader@example.org")
    link = CONFIRM_LINK.search(mail.outbox[0].body).group(0)
    response = client_for(None).get(_path(link))
    assert response.status_code == 200
    assert "Confirm my subscription" in response.content.decode()
    assert _subscriber(newsletter, "reader@example.org").status == "pending"


def test_confirming_by_post_subscribes_with_the_topics_chosen(client_for, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory()
    reports = TopicFactory(newsletter=newsletter, name="Reports")
    TopicFactory(newsletter=newsletter, name="Events")
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "reader@example.org", topics=[reports.pk])
    link = CONFIRM_LINK.search(mail.outbox[0].body).group(0)
    response = client_for(None).post(_path(link))
    subscriber = _subscriber(newsletter, "reader@example.org")
    assert response.status_code == 303
    assert "/newsletters/preferences/" in response["Location"]
    assert subscriber.status == "subscribed"
    assert subscriber.confirmed_at is not None
    assert subscriber.confirm_digest == ""
    assert list(subscriber.topics.all()) == [reports]
    assert len(mail.outbox) == 1  # confirming sends nothing more


def test_used_confirmation_link_is_refused(client_for, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "reader@example.org")
    link = _path(CONFIRM_LINK.search(mail.outbox[0].body).group(0))
    client_for(None).post(link)
    again = client_for(None).post(link)
    assert again.status_code == 404
    assert "This link does not work" in again.content.decode()


def test_expired_confirmation_link_is_refused_and_changes_nothing(client_for) -> None:
    newsletter = NewsletterFactory()
    SubscriberFactory(
        newsletter=newsletter,
        email="late@example.org",
        status="pending",
        confirmed_at=None,
        confirm_digest=token_digest("old-secret-" * 4),
        confirm_sent_at=timezone.now() - dt.timedelta(days=8),
    )
    response = client_for(None).post(reverse("publications:confirm", kwargs={"token": "old-secret-" * 4}))
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert _subscriber(newsletter, "late@example.org").status == "pending"


def test_made_up_confirmation_link_is_refused_and_changes_nothing(client_for) -> None:
    newsletter = NewsletterFactory()
    waiting = SubscriberFactory(
        newsletter=newsletter,
        email="waiting@example.org",
        status="pending",
        confirmed_at=None,
        confirm_digest=token_digest("the-real-secret"),
        confirm_sent_at=timezone.now(),
    )
    url = reverse("publications:confirm", kwargs={"token": "not-a-real-secret"})
    shown = client_for(None).get(url)
    pressed = client_for(None).post(url)
    waiting.refresh_from_db()
    assert shown.status_code == pressed.status_code == 404
    assert "This link does not work" in pressed.content.decode()
    assert "Confirm my subscription" not in shown.content.decode()
    assert (waiting.status, waiting.confirmed_at) == ("pending", None)


def test_honeypot_filled_in_pretends_success_and_stores_nothing(client_for, django_capture_on_commit_callbacks) -> None:
    newsletter = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = _subscribe(client_for(None), newsletter, "robot@example.org", website="https://spam.example")
        sloppy = _subscribe(client_for(None), newsletter, "not an address", website="https://spam.example")
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert sloppy.content == response.content
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_honeypot_is_hidden_labelled_and_out_of_the_tab_order(client_for) -> None:
    page = client_for(None).get(reverse("publications:newsletter", kwargs={"slug": NewsletterFactory().slug}))
    html = page.content.decode()
    trap = re.search(
        r'<div class="visually-hidden"><label for="id_website">Leave this empty</label>(<input[^>]+>)', html
    )
    assert trap is not None
    assert 'tabindex="-1"' in trap.group(1)
    assert 'autocomplete="off"' in trap.group(1)


def test_subscribing_is_rate_limited_per_client(client_for) -> None:
    newsletter = NewsletterFactory()
    client = client_for(None)
    for number in range(10):
        assert _subscribe(client, newsletter, f"reader{number}@example.org").status_code == 200
    response = _subscribe(client, newsletter, "one-more@example.org")
    assert response.status_code == 429
    assert Subscriber.objects.count() == 10


def test_bad_address_is_refused_beside_the_field_with_input_kept(client_for) -> None:
    newsletter = NewsletterFactory()
    response = _subscribe(client_for(None), newsletter, "not an address")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="not an address"' in html
    assert not Subscriber.objects.exists()


def test_signed_in_person_subscribing_their_verified_address_is_linked(
    client_for, resident, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(resident), newsletter, resident.email)
        _subscribe(client_for(resident), NewsletterFactory(slug="other"), "someone-else@example.org")
    assert _subscriber(newsletter, resident.email).user == resident
    assert Subscriber.objects.get(email_digest=email_key("someone-else@example.org")).user is None


def test_unsubscribed_address_subscribing_again_must_confirm_again(
    client_for, django_capture_on_commit_callbacks
) -> None:
    newsletter = NewsletterFactory()
    SubscriberFactory(
        newsletter=newsletter, email="back@example.org", status="unsubscribed", unsubscribed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        _subscribe(client_for(None), newsletter, "back@example.org")
    assert _subscriber(newsletter, "back@example.org").status == "unsubscribed"  # until the link is used
    link = CONFIRM_LINK.search(mail.outbox[0].body).group(0)
    assert "Confirm my subscription" in client_for(None).get(_path(link)).content.decode()
    client_for(None).post(_path(link))
    assert _subscriber(newsletter, "back@example.org").status == "subscribed"


def test_form_says_that_choosing_no_topic_means_everything(client_for) -> None:
    newsletter = NewsletterFactory()
    TopicFactory(newsletter=newsletter, name="Reports")
    html = client_for(None).get(reverse("publications:newsletter", kwargs={"slug": newsletter.slug})).content.decode()
    assert "Reports" in html
    assert "Choose none to get everything we send." in html


def test_newsletter_page_lists_sent_issues_and_drafts_are_not_found(client_for) -> None:
    newsletter = NewsletterFactory()
    NewsletterIssue.objects.create(
        newsletter=newsletter, subject="The first issue", number=1, status="sent", sent_at=timezone.now()
    )
    draft = NewsletterIssue.objects.create(newsletter=newsletter, subject="Still a draft")
    html = client_for(None).get(reverse("publications:newsletter", kwargs={"slug": newsletter.slug})).content.decode()
    assert "The first issue" in html
    assert "Still a draft" not in html
    web = client_for(None).get(reverse("publications:issue", kwargs={"slug": newsletter.slug, "number": 1}))
    assert web.status_code == 200
    assert "The first issue" in web.content.decode()
    assert draft.number is None
    missing = client_for(None).get(reverse("publications:issue", kwargs={"slug": newsletter.slug, "number": 2}))
    assert missing.status_code == 404


def test_issue_address_with_another_newsletter_s_number_is_not_found(client_for) -> None:
    first = NewsletterFactory(slug="first")
    second = NewsletterFactory(slug="second")
    NewsletterIssue.objects.create(newsletter=first, subject="The first one", number=1, status="sent")
    NewsletterIssue.objects.create(newsletter=second, subject="The second one", number=2, status="sent")
    for slug, number in (("second", 1), ("first", 2)):
        response = client_for(None).get(reverse("publications:issue", kwargs={"slug": slug, "number": number}))
        assert response.status_code == 404
    found = client_for(None).get(reverse("publications:issue", kwargs={"slug": "second", "number": 2}))
    assert "The second one" in found.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_newsletter_page_runs_a_fixed_number_of_queries(client_for, django_assert_num_queries, count) -> None:
    newsletter = NewsletterFactory()
    for number in range(count):
        TopicFactory(newsletter=newsletter)
        SubscriberFactory(newsletter=newsletter)
        NewsletterIssue.objects.create(
            newsletter=newsletter, subject=f"Issue {number}", number=number + 1, status="sent", sent_at=timezone.now()
        )
    client = client_for(None)
    url = reverse("publications:newsletter", kwargs={"slug": newsletter.slug})
    client.get(url)  # what a process reads once (and caches) is not this page's cost
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200


def test_web_version_runs_a_fixed_number_of_queries(client_for) -> None:
    from tests.factories import AuthorFactory, PublicationFactory, add_author

    newsletter = NewsletterFactory()
    issue = NewsletterIssue.objects.create(
        newsletter=newsletter, subject="One", number=1, status="sent", sent_at=timezone.now()
    )
    url = reverse("publications:issue", kwargs={"slug": newsletter.slug, "number": 1})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_for(None).get(url).status_code == 200
        return len(captured)

    publication = PublicationFactory()
    add_author(publication)
    issue.publications.add(publication)
    queries()  # what a process reads once (and caches) is not this page's cost
    small = queries()
    for _number in range(3):
        more = PublicationFactory()
        add_author(more, AuthorFactory())
        add_author(more, AuthorFactory())
        issue.publications.add(more)
    assert queries() == small


def test_the_newsletters_page_lists_every_newsletter_with_a_link_to_sign_up(client, django_assert_num_queries) -> None:
    first = NewsletterFactory(name="Millbrook news", description="Reports and events.")
    second = NewsletterFactory(name="Repairs bulletin")
    client.get(reverse("publications:newsletters"))  # warm the caches the first page fills
    # The count of the page and the newsletters with their organisations.
    with django_assert_num_queries(2):
        page = client.get(reverse("publications:newsletters")).content.decode()
    for found in (first, second):
        assert found.name in page
        assert f'href="{reverse("publications:newsletter", kwargs={"slug": found.slug})}"' in page
    for _ in range(5):
        NewsletterFactory()
    with django_assert_num_queries(2):
        client.get(reverse("publications:newsletters"))
