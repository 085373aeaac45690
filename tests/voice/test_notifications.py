"""Provider staff hear about new stories; residents choose what they are emailed about."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from heard.voice.enums import Frequency, StoryStatus
from heard.voice.models import NotificationSettings, Response, StoryFollow, Subscription
from heard.voice.services import digests_send, response_create
from tests.factories import ServiceFactory, StoryFactory, WardFactory

pytestmark = pytest.mark.django_db


def test_staff_subscribe_to_a_service_from_their_notifications_page(client_for, responder) -> None:
    service = ServiceFactory(name="Housing repairs")
    client = client_for(responder)
    response = client.post(
        reverse("voice:notifications"),
        {"subscribe": "1", "subscribe-service": service.pk, "subscribe-frequency": "immediate"},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=responder)
    assert (subscription.service, subscription.frequency) == (service, Frequency.IMMEDIATE)
    assert "Housing repairs" in client.get(reverse("voice:notifications")).content.decode()


def test_subscribing_to_both_a_service_and_an_area_is_refused(client_for, responder) -> None:
    response = client_for(responder).post(
        reverse("voice:notifications"),
        {
            "subscribe": "1",
            "subscribe-service": ServiceFactory().pk,
            "subscribe-area": WardFactory().pk,
            "subscribe-frequency": "daily",
        },
    )
    assert "Choose a service, or an area, but not both." in response.content.decode()
    assert not Subscription.objects.exists()


def test_residents_cannot_subscribe(client_for, resident) -> None:
    response = client_for(resident).post(
        reverse("voice:notifications"),
        {"subscribe": "1", "subscribe-service": ServiceFactory().pk, "subscribe-frequency": "daily"},
    )
    assert response.status_code == 403


def test_publishing_a_story_emails_immediate_subscribers_of_its_service_and_area(
    client_for, operator, responder, caseworker, django_capture_on_commit_callbacks
) -> None:
    from heard.organisations.enums import Role
    from tests.factories import MembershipFactory, UserFactory, add_totp

    ward = WardFactory()
    service = ServiceFactory(name="Housing repairs")
    service.areas.add(ward)
    Subscription.objects.create(user=responder, service=service, frequency=Frequency.IMMEDIATE)
    Subscription.objects.create(user=caseworker, area=ward.parent, frequency=Frequency.IMMEDIATE)  # the borough
    convener = UserFactory()
    MembershipFactory(user=convener, organisation=operator, role=Role.CONVENER)
    add_totp(convener)
    story = StoryFactory(service=service, title="Damp in the bedroom")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(convener).post(reverse("voice:moderate", kwargs={"pk": story.pk}), {"decision": "publish"})
    subscribed = sorted(m.to[0] for m in mail.outbox if "New story about" in m.subject)
    assert subscribed == sorted([responder.email, caseworker.email])


def test_the_daily_digest_lists_new_stories_once(responder, django_capture_on_commit_callbacks) -> None:
    service = ServiceFactory(name="Housing repairs")
    subscription = Subscription.objects.create(user=responder, service=service, frequency=Frequency.DAILY)
    Subscription.objects.filter(pk=subscription.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    for title in ["First", "Second"]:
        StoryFactory(service=service, title=title, status=StoryStatus.PUBLISHED, published_at=timezone.now())
    StoryFactory(service=service, title="Waiting")  # not published: not in the digest
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 1
    body = mail.outbox[-1].body
    assert "There are 2 new stories" in body
    assert "First" in body
    assert "Waiting" not in body
    assert digests_send() == 0  # nothing new since


def test_people_who_turned_emails_off_are_not_emailed(
    client_for, resident, responder, provider, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import UserFactory

    client_for(resident).post(
        reverse("voice:notifications"), {"save_settings": "1", "settings-followed_story_answered": "on"}
    )
    settings = NotificationSettings.objects.get(user=resident)
    assert (settings.my_story_answered, settings.followed_story_answered) == (False, True)
    follower = UserFactory()
    client_for(follower).post(
        reverse("voice:notifications"), {"save_settings": "1", "settings-my_story_answered": "on"}
    )
    story = StoryFactory(
        service=ServiceFactory(organisation=provider),
        author=resident,
        status=StoryStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    StoryFollow.objects.create(story=story, user=follower)
    with django_capture_on_commit_callbacks(execute=True):
        response_create(story=story, by=responder, text="Thanks", status="acknowledged")
    assert Response.objects.count() == 1
    assert [m.to for m in mail.outbox] == []
