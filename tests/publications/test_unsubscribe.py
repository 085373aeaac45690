"""Leaving and coming back: the signed unsubscribe and preferences links, one-click unsubscribe
(RFC 8058), and the mail provider's bounce and complaint webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from heard.publications.models import Subscriber
from heard.publications.services.newsletter import PREFERENCES_SALT, UNSUBSCRIBE_SALT, subscriber_token
from tests.factories import NewsletterFactory, SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "a-long-shared-secret-for-tests"


def _unsubscribe_url(subscriber) -> str:
    return reverse("publications:unsubscribe", kwargs={"token": subscriber_token(subscriber, salt=UNSUBSCRIBE_SALT)})


def _preferences_url(subscriber) -> str:
    return reverse("publications:preferences", kwargs={"token": subscriber_token(subscriber, salt=PREFERENCES_SALT)})


def test_unsubscribe_link_opened_shows_a_button_and_changes_nothing(client_for) -> None:
    subscriber = SubscriberFactory()
    response = client_for(None).get(_unsubscribe_url(subscriber))
    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert "Press the button and we will stop sending it to you." in response.content.decode()
    assert subscriber.status == "subscribed"


def test_one_click_post_without_csrf_token_or_cookies_unsubscribes() -> None:
    subscriber = SubscriberFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _unsubscribe_url(subscriber),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert subscriber.status == "unsubscribed"
    assert subscriber.unsubscribed_at is not None


def test_unsubscribing_twice_is_harmless() -> None:
    subscriber = SubscriberFactory()
    client = Client(enforce_csrf_checks=True)
    client.post(_unsubscribe_url(subscriber))
    subscriber.refresh_from_db()
    first = subscriber.unsubscribed_at
    again = client.post(_unsubscribe_url(subscriber))
    subscriber.refresh_from_db()
    assert again.status_code == 200
    assert subscriber.status == "unsubscribed"
    assert subscriber.unsubscribed_at == first


@pytest.mark.parametrize("name", ["publications:unsubscribe", "publications:preferences"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_link_is_refused_and_changes_nothing(client_for, name, method) -> None:
    subscriber = SubscriberFactory()
    other = SubscriberFactory()
    salt = UNSUBSCRIBE_SALT if name.endswith("unsubscribe") else PREFERENCES_SALT
    genuine = subscriber_token(subscriber, salt=salt)
    # Someone swaps the subscriber number in their own link for another's.
    tampered = f"{other.pk}:{genuine.split(':', 1)[1]}"
    response = getattr(Client(enforce_csrf_checks=False), method)(reverse(name, kwargs={"token": tampered}))
    other.refresh_from_db()
    subscriber.refresh_from_db()
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert other.status == subscriber.status == "subscribed"


@pytest.mark.parametrize("name", ["publications:unsubscribe", "publications:preferences"])
def test_genuine_link_of_an_erased_subscriber_says_there_is_nothing_to_do(client_for, name) -> None:
    subscriber = SubscriberFactory()
    salt = UNSUBSCRIBE_SALT if name.endswith("unsubscribe") else PREFERENCES_SALT
    url = reverse(name, kwargs={"token": subscriber_token(subscriber, salt=salt)})
    subscriber.delete()  # the person erased their data
    shown = client_for(None).get(url)
    if name.endswith("unsubscribe"):
        # A mail program's one-click unsubscribe: no cookies, no CSRF token.
        pressed = Client(enforce_csrf_checks=True).post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
    else:
        pressed = client_for(None).post(url, {"action": "resubscribe"})
    for response in (shown, pressed):
        assert response.status_code == 200
        assert "This address is not on the list" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_preferences_link_cannot_be_used_to_unsubscribe() -> None:
    subscriber = SubscriberFactory()
    token = subscriber_token(subscriber, salt=PREFERENCES_SALT)
    response = Client().post(reverse("publications:unsubscribe", kwargs={"token": token}))
    subscriber.refresh_from_db()
    assert response.status_code == 400
    assert subscriber.status == "subscribed"


def test_preferences_save_the_topics_chosen(client_for) -> None:
    newsletter = NewsletterFactory()
    reports = TopicFactory(newsletter=newsletter, name="Reports")
    events = TopicFactory(newsletter=newsletter, name="Events")
    subscriber = SubscriberFactory(newsletter=newsletter)
    subscriber.topics.set([reports])
    url = _preferences_url(subscriber)
    page = client_for(None).get(url).content.decode()
    assert "Reports" in page
    assert "Events" in page
    response = client_for(None).post(url, {"action": "save", "topics": [events.pk]})
    assert response.status_code == 303
    assert list(subscriber.topics.all()) == [events]


def test_preferences_refuse_a_topic_of_another_newsletter(client_for) -> None:
    subscriber = SubscriberFactory()
    foreign = TopicFactory()
    response = client_for(None).post(_preferences_url(subscriber), {"action": "save", "topics": [foreign.pk]})
    assert response.status_code == 400
    assert not subscriber.topics.exists()


def test_preferences_saved_while_unsubscribed_are_kept_for_coming_back(client_for) -> None:
    newsletter = NewsletterFactory()
    reports = TopicFactory(newsletter=newsletter, name="Reports")
    subscriber = SubscriberFactory(newsletter=newsletter, status="unsubscribed", unsubscribed_at=timezone.now())
    url = _preferences_url(subscriber)
    assert "The choices you save here apply if you subscribe again." in client_for(None).get(url).content.decode()
    response = client_for(None).post(url, {"action": "save", "topics": [reports.pk]}, follow=True)
    assert "they apply if you subscribe again" in response.content.decode()
    assert list(subscriber.topics.all()) == [reports]
    client_for(None).post(url, {"action": "resubscribe"})
    subscriber.refresh_from_db()
    assert subscriber.status == "subscribed"
    assert list(subscriber.topics.all()) == [reports]


def test_preferences_of_a_subscription_waiting_for_confirmation_are_not_saved_silently(client_for) -> None:
    newsletter = NewsletterFactory()
    reports = TopicFactory(newsletter=newsletter, name="Reports")
    subscriber = SubscriberFactory(newsletter=newsletter, status="pending", confirmed_at=None)
    response = client_for(None).post(
        _preferences_url(subscriber), {"action": "save", "topics": [reports.pk]}, follow=True
    )
    assert "waiting for you to confirm it" in response.content.decode()
    assert not subscriber.topics.exists()


@pytest.mark.parametrize("count", [1, 3])
def test_preferences_page_runs_a_fixed_number_of_queries(client_for, django_assert_num_queries, count) -> None:
    newsletter = NewsletterFactory()
    subscriber = SubscriberFactory(newsletter=newsletter)
    subscriber.topics.set([TopicFactory(newsletter=newsletter) for _number in range(count)])
    client = client_for(None)
    url = _preferences_url(subscriber)
    client.get(url)  # what a process reads once (and caches) is not this page's cost
    # The subscriber with its newsletter, the newsletter's topics, the subscriber's topics.
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200


def test_someone_who_unsubscribed_can_come_back_from_preferences(client_for) -> None:
    subscriber = SubscriberFactory(status="unsubscribed", unsubscribed_at=timezone.now())
    url = _preferences_url(subscriber)
    assert "Subscribe again" in client_for(None).get(url).content.decode()
    response = client_for(None).post(url, {"action": "resubscribe"})
    subscriber.refresh_from_db()
    assert response.status_code == 303
    assert subscriber.status == "subscribed"
    assert subscriber.unsubscribed_at is None


def test_never_confirmed_subscriber_cannot_skip_confirmation_from_preferences(client_for) -> None:
    subscriber = SubscriberFactory(status="unsubscribed", confirmed_at=None)
    url = _preferences_url(subscriber)
    assert "Subscribe again" not in client_for(None).get(url).content.decode()
    client_for(None).post(url, {"action": "resubscribe"})
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"


# --- The bounce and complaint webhook -------------------------------------------------------------


def _post_webhook(
    body: bytes, *, secret: str = WEBHOOK_SECRET, signature: str | None = None, timestamp: str | None = None
):
    if timestamp is None:
        timestamp = str(int(time.time()))
    if signature is None:
        signed = timestamp.encode() + b"." + body
        signature = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return Client(enforce_csrf_checks=True).post(
        reverse("publications:delivery_webhook"),
        body,
        content_type="application/json",
        headers={"X-Heard-Signature": signature, "X-Heard-Timestamp": timestamp},
    )


def _events(*events: dict) -> bytes:
    return json.dumps({"events": list(events)}).encode()


@override_settings(NEWSLETTER_WEBHOOK_SECRET="")
def test_webhook_is_off_without_a_secret() -> None:
    response = _post_webhook(_events({"type": "complaint", "email": "a@example.org"}), secret="")
    assert response.status_code == 404


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_webhook_refuses_a_bad_signature_and_changes_nothing() -> None:
    subscriber = SubscriberFactory(email="bounced@example.org")
    body = _events({"type": "bounce", "email": "bounced@example.org", "bounce": "permanent"})
    wrong_secret = _post_webhook(body, secret="another-secret")
    no_signature = _post_webhook(body, signature="")
    subscriber.refresh_from_db()
    assert wrong_secret.status_code == 403
    assert no_signature.status_code == 403
    assert subscriber.status == "subscribed"


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_webhook_refuses_an_old_or_unsigned_timestamp_and_changes_nothing() -> None:
    subscriber = SubscriberFactory(email="bounced@example.org")
    body = _events({"type": "bounce", "email": "bounced@example.org", "bounce": "permanent"})
    now = int(time.time())
    replayed = _post_webhook(body, timestamp=str(now - 301))
    early = _post_webhook(body, timestamp=str(now + 301))
    no_timestamp = _post_webhook(body, timestamp="")
    # Signed over the body alone, without the timestamp.
    body_only = _post_webhook(
        body, signature="sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    )
    # A genuine signature, with the timestamp changed afterwards.
    signed = str(now - 400).encode() + b"." + body
    moved = _post_webhook(
        body,
        timestamp=str(now),
        signature="sha256=" + hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest(),
    )
    subscriber.refresh_from_db()
    assert [r.status_code for r in (replayed, early, no_timestamp, body_only, moved)] == [403] * 5
    assert subscriber.status == "subscribed"
    assert _post_webhook(body, timestamp=str(now - 240)).status_code == 200


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_permanent_bounce_makes_the_address_undeliverable_on_every_newsletter() -> None:
    first = SubscriberFactory(email="Gone@example.org")
    second = SubscriberFactory(email="gone@example.org")
    bystander = SubscriberFactory(email="here@example.org")
    response = _post_webhook(_events({"type": "bounce", "email": "gone@EXAMPLE.org", "bounce": "permanent"}))
    for subscriber in (first, second, bystander):
        subscriber.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"bounces": 1, "complaints": 0, "undeliverable": 2, "ignored": 0}
    assert (first.status, first.undeliverable_reason) == ("undeliverable", "bounce")
    assert (second.status, second.undeliverable_reason) == ("undeliverable", "bounce")
    assert bystander.status == "subscribed"


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_complaint_makes_the_address_undeliverable() -> None:
    subscriber = SubscriberFactory(email="annoyed@example.org")
    response = _post_webhook(_events({"type": "complaint", "email": "annoyed@example.org"}))
    subscriber.refresh_from_db()
    assert response.json()["complaints"] == 1
    assert (subscriber.status, subscriber.undeliverable_reason) == ("undeliverable", "complaint")


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_temporary_bounces_make_an_address_undeliverable_at_the_third() -> None:
    subscriber = SubscriberFactory(email="full@example.org")
    body = _events({"type": "bounce", "email": "full@example.org", "bounce": "transient"})
    _post_webhook(body)
    _post_webhook(body)
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.soft_bounces) == ("subscribed", 2)
    _post_webhook(body)
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.soft_bounces) == ("undeliverable", 3)


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_bounce_kind_is_read_in_any_case_and_an_unclear_one_is_ignored() -> None:
    loud = SubscriberFactory(email="loud@example.org")
    unclear = SubscriberFactory(email="unclear@example.org")
    response = _post_webhook(
        _events(
            {"type": "bounce", "email": "loud@example.org", "bounce": "PERMANENT"},
            {"type": "bounce", "email": "unclear@example.org"},
            {"type": "bounce", "email": "unclear@example.org", "bounce": "soft"},
            {"type": "bounce", "email": "unclear@example.org", "bounce": 5},
        )
    )
    loud.refresh_from_db()
    unclear.refresh_from_db()
    assert response.json() == {"bounces": 1, "complaints": 0, "undeliverable": 1, "ignored": 3}
    assert loud.status == "undeliverable"
    assert (unclear.status, unclear.soft_bounces) == ("subscribed", 0)


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_complaint_after_a_bounce_keeps_the_form_from_restarting_mail() -> None:
    subscriber = SubscriberFactory(email="gone@example.org", status="undeliverable", undeliverable_reason="bounce")
    _post_webhook(_events({"type": "complaint", "email": "gone@example.org"}))
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.undeliverable_reason) == ("undeliverable", "complaint")


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
@pytest.mark.parametrize("body", [b"not json", b'{"events": "none"}', b"[]"])
def test_webhook_refuses_a_malformed_body_and_changes_nothing(body) -> None:
    subscriber = SubscriberFactory(email="bounced@example.org")
    response = _post_webhook(body)
    subscriber.refresh_from_db()
    assert response.status_code == 400
    assert "error" in response.json()
    assert (subscriber.status, subscriber.soft_bounces) == ("subscribed", 0)


@override_settings(NEWSLETTER_WEBHOOK_SECRET=WEBHOOK_SECRET)
def test_webhook_answers_post_only() -> None:
    subscriber = SubscriberFactory(email="bounced@example.org")
    response = Client().get(
        reverse("publications:delivery_webhook"), {"type": "complaint", "email": "bounced@example.org"}
    )
    subscriber.refresh_from_db()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert subscriber.status == "subscribed"
