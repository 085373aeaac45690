"""Telling a story, confirming it, checking it and reading it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from heard.core.models import ActivityLog
from heard.organisations.enums import Role
from heard.voice.enums import StoryStatus
from heard.voice.models import Story
from tests.factories import MembershipFactory, ServiceFactory, StoryFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db

GOOD = {
    "rating_overall": "2",
    "listened": "partly",
    "title": "Four calls for one repair",
    "text": "The boiler broke in January. I called four times before anyone came.",
    "rating_access": "1",
    "rating_respect": "",
    "rating_outcome": "4",
}


@pytest.fixture
def service():
    return ServiceFactory(name="Housing repairs", slug="housing-repairs")


@pytest.fixture
def site_convener(operator):
    user = UserFactory(email="convener@example.org")
    MembershipFactory(user=user, organisation=operator, role=Role.CONVENER)
    add_totp(user)
    return user


def test_signed_in_resident_tells_a_story_and_it_waits_to_be_checked(client_for, resident, service) -> None:
    response = client_for(resident).post(reverse("voice:story_new", kwargs={"slug": service.slug}), GOOD)
    assert response.status_code == 200
    assert "What happens next" in response.content.decode()
    story = Story.objects.get()
    assert (story.author, story.status, story.rating_overall, story.rating_access) == (
        resident,
        StoryStatus.PENDING,
        2,
        1,
    )
    assert story.rating_respect is None
    assert story.author_name == resident.display_name
    assert mail.outbox == []


def test_story_without_an_account_is_confirmed_by_an_emailed_link(
    client, service, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("voice:story_new", kwargs={"slug": service.slug}),
            {**GOOD, "author_email": "Kemi@Example.org", "author_name": "Kemi"},
        )
    story = Story.objects.get()
    assert (story.status, story.author, story.author_email) == (StoryStatus.UNCONFIRMED, None, "kemi@example.org")
    assert mail.outbox[0].to == ["kemi@example.org"]
    link = re.search(r"https?://[^/]+(/stories/confirm/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)
    assert "Your story is confirmed" in response.content.decode()
    story.refresh_from_db()
    assert story.status == StoryStatus.PENDING


def test_a_tampered_confirmation_link_is_refused(client, service) -> None:
    story = StoryFactory(service=service, author=None, author_email="a@example.org", status=StoryStatus.UNCONFIRMED)
    from heard.voice.services import confirmation_token

    token = confirmation_token(story)
    response = client.get(reverse("voice:confirm", kwargs={"token": token[:-2] + "xx"}))
    assert response.status_code == 400
    assert "This link is not right" in response.content.decode()
    story.refresh_from_db()
    assert story.status == StoryStatus.UNCONFIRMED


def test_an_overlong_story_is_refused_and_kept_on_the_page(client_for, resident, service) -> None:
    long_text = "word " * 1100
    response = client_for(resident).post(
        reverse("voice:story_new", kwargs={"slug": service.slug}), {**GOOD, "text": long_text}
    )
    html = response.content.decode()
    assert "Your story is too long: it can be up to 5000 characters" in html
    assert 'href="#id_text"' in html
    assert response.context["form"]["text"].value() == long_text
    assert response.context["form"]["title"].value() == GOOD["title"]
    assert not Story.objects.exists()


def test_a_rating_out_of_range_is_refused(client_for, resident, service) -> None:
    response = client_for(resident).post(
        reverse("voice:story_new", kwargs={"slug": service.slug}), {**GOOD, "rating_overall": "9"}
    )
    assert "Select a valid choice" in response.content.decode()
    assert response.context["form"]["text"].value() == GOOD["text"]
    assert not Story.objects.exists()


def test_a_story_without_an_account_needs_an_email(client, service) -> None:
    response = client.post(reverse("voice:story_new", kwargs={"slug": service.slug}), GOOD)
    assert "Enter your email address, like name@example.com." in response.content.decode()
    assert not Story.objects.exists()


def test_a_burst_of_stories_from_one_address_is_held_back_without_losing_the_text(client, service) -> None:
    url = reverse("voice:story_new", kwargs={"slug": service.slug})
    for n in range(5):
        client.post(url, {**GOOD, "title": f"Story {n}", "author_email": "a@example.org"})
    response = client.post(url, {**GOOD, "title": "One more", "author_email": "a@example.org"})
    assert response.status_code == 429
    assert "You have sent several stories in the last hour" in response.content.decode()
    assert response.context["form"]["text"].value() == GOOD["text"]
    assert Story.objects.count() == 5


def test_convener_publishes_with_a_part_taken_out_and_the_author_is_told_why(
    client_for, site_convener, resident, service, django_capture_on_commit_callbacks
) -> None:
    story = StoryFactory(service=service, author=resident, text="Mr Smith at the desk was rude. It took weeks.")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(site_convener).post(
            reverse("voice:moderate", kwargs={"pk": story.pk}),
            {
                "decision": "publish",
                "published_text": "[name removed] at the desk was rude. It took weeks.",
                "reason": "personal_data",
                "note": "We took out a staff member's name.",
            },
        )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == StoryStatus.PUBLISHED
    assert story.public_text.startswith("[name removed]")
    assert mail.outbox[-1].to == [resident.email]
    assert "because it names or describes other people" in mail.outbox[-1].body
    assert "We took out a staff member's name." in mail.outbox[-1].body
    page = client_for(None).get(story.get_absolute_url()).content.decode()
    assert "[name removed] at the desk" in page
    assert "Mr Smith" not in page
    assert ActivityLog.objects.filter(action="story.published", actor=site_convener).exists()


def test_taking_part_out_needs_a_reason(client_for, site_convener, service) -> None:
    story = StoryFactory(service=service, text="Original words")
    response = client_for(site_convener).post(
        reverse("voice:moderate", kwargs={"pk": story.pk}), {"decision": "publish", "published_text": "Edited"}
    )
    assert "Choose why you took part of the story out." in response.content.decode()
    story.refresh_from_db()
    assert story.status == StoryStatus.PENDING


def test_not_publishing_needs_a_reason_and_tells_the_author(
    client_for, site_convener, service, django_capture_on_commit_callbacks
) -> None:
    story = StoryFactory(service=service, author=None, author_email="kemi@example.org")
    client = client_for(site_convener)
    url = reverse("voice:moderate", kwargs={"pk": story.pk})
    assert "Choose why the story cannot be published." in client.post(url, {"decision": "reject"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "reason": "abuse"})
    story.refresh_from_db()
    assert story.status == StoryStatus.REJECTED
    assert mail.outbox[-1].to == ["kemi@example.org"]
    assert "The reason: It is abusive." in mail.outbox[-1].body
    assert client_for(None).get(story.get_absolute_url()).status_code == 404


def test_a_convener_of_a_provider_cannot_moderate(client_for, convener, service) -> None:
    story = StoryFactory(service=service)
    assert client_for(convener).get(reverse("voice:moderate", kwargs={"pk": story.pk})).status_code == 403


def test_only_published_stories_are_shown(client, service) -> None:
    StoryFactory(service=service, title="Waiting", status=StoryStatus.PENDING)
    StoryFactory(service=service, title="Shown", status=StoryStatus.PUBLISHED, published_at="2026-11-01T10:00Z")
    html = client.get(reverse("voice:service_stories", kwargs={"slug": service.slug})).content.decode()
    assert "Shown" in html
    assert "Waiting" not in html


@pytest.mark.parametrize("count", [1, 3])
def test_story_list_runs_a_fixed_number_of_queries(client, service, django_assert_num_queries, count) -> None:
    StoryFactory.create_batch(count, service=service, status=StoryStatus.PUBLISHED, published_at="2026-11-01T10:00Z")
    # service, its areas, count, page with authors; figures: totals, first answers, months; changes
    with django_assert_num_queries(8):
        response = client.get(reverse("voice:service_stories", kwargs={"slug": service.slug}))
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [1, 3])
def test_moderation_queue_runs_a_fixed_number_of_queries(
    client_for, site_convener, django_assert_num_queries, count
) -> None:
    StoryFactory.create_batch(count)
    client = client_for(site_convener)
    client.get("/")
    with django_assert_num_queries(6):  # session, user, roles, count, page with services, reported stories
        response = client.get(reverse("voice:moderation_queue"))
    assert len(response.context["page"].object_list) == count


def test_erasing_an_author_keeps_published_stories_and_deletes_the_rest(client_for, resident, service) -> None:
    published = StoryFactory(
        service=service,
        author=resident,
        author_name="Amara",
        status=StoryStatus.PUBLISHED,
        published_at="2026-11-01T10:00Z",
    )
    pending = StoryFactory(service=service, author=resident)
    client_for(resident).post(reverse("accounts:delete"), {"confirm": "on"})
    published.refresh_from_db()
    assert published.shown_name == "Former member"
    assert published.author_name == ""
    assert not Story.objects.filter(pk=pending.pk).exists()
