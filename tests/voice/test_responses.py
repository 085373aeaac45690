"""Providers answer stories in public; authors and followers hear about it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from heard.voice.enums import ResponseStatus, StoryStatus
from heard.voice.models import Response, StoryFollow
from tests.factories import ServiceFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(provider, resident):
    service = ServiceFactory(organisation=provider, name="Housing repairs")
    return StoryFactory(
        service=service, author=resident, status=StoryStatus.PUBLISHED, published_at="2026-11-01T10:00Z"
    )


def test_responder_answers_and_author_and_followers_are_told(
    client_for, responder, resident, story, django_capture_on_commit_callbacks
) -> None:
    follower = UserFactory(email="follower@example.org")
    StoryFollow.objects.create(story=story, user=follower)
    StoryFollow.objects.create(story=story, user=responder)  # the responder is not told of their own answer
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(responder).post(
            reverse("voice:respond", kwargs={"pk": story.pk}),
            {"status": ResponseStatus.CHANGE_PLANNED, "text": "We are sorry. From January, repairs are booked online."},
        )
    assert response.status_code == 302
    answer = Response.objects.get()
    assert (answer.organisation, answer.author, answer.status) == (
        story.service.organisation,
        responder,
        "change_planned",
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([resident.email, "follower@example.org"])
    assert all("Where things stand: Change planned" in m.body for m in mail.outbox)
    html = client_for(None).get(story.get_absolute_url()).content.decode()
    assert "From January, repairs are booked online." in html
    assert '<strong class="tag tag--warning">Change planned</strong>' in html


def test_an_answer_without_a_status_keeps_the_text(client_for, responder, story) -> None:
    response = client_for(responder).post(reverse("voice:respond", kwargs={"pk": story.pk}), {"text": "Kept words"})
    assert "Choose where things stand." in response.content.decode()
    assert response.context["form"]["text"].value() == "Kept words"
    assert not Response.objects.exists()


def test_only_the_providers_responders_may_answer(client_for, manager, story, other_provider) -> None:
    from heard.organisations.enums import Role
    from tests.factories import MembershipFactory, add_totp

    outsider = UserFactory()
    MembershipFactory(user=outsider, organisation=other_provider, role=Role.RESPONDER)
    add_totp(outsider)
    url = reverse("voice:respond", kwargs={"pk": story.pk})
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == 403


def test_a_story_not_yet_published_cannot_be_answered(client_for, responder, story) -> None:
    story.status = StoryStatus.PENDING
    story.save()
    assert client_for(responder).get(reverse("voice:respond", kwargs={"pk": story.pk})).status_code == 404


def test_a_resident_follows_and_unfollows_a_story(client_for, resident, story) -> None:
    client = client_for(resident)
    client.post(reverse("voice:follow", kwargs={"pk": story.pk}))
    client.post(reverse("voice:follow", kwargs={"pk": story.pk}))
    assert StoryFollow.objects.filter(story=story, user=resident).count() == 1
    assert "Stop following this story" in client.get(story.get_absolute_url()).content.decode()
    client.post(reverse("voice:follow", kwargs={"pk": story.pk}), {"follow": "no"})
    assert not StoryFollow.objects.exists()


def test_following_needs_an_account(client, story) -> None:
    response = client.post(reverse("voice:follow", kwargs={"pk": story.pk}))
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("count", [1, 3])
def test_story_page_runs_a_fixed_number_of_queries(client, story, django_assert_num_queries, count) -> None:
    for _ in range(count):
        Response.objects.create(story=story, organisation=story.service.organisation, text="Hi", status="acknowledged")
    with django_assert_num_queries(2):  # story with service and provider, responses with organisations
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200


def test_organisation_stories_put_unanswered_first(client_for, responder, story, provider) -> None:
    answered = StoryFactory(
        service=story.service, status=StoryStatus.PUBLISHED, published_at="2026-11-20T10:00Z", title="Answered"
    )
    Response.objects.create(story=answered, organisation=provider, text="Thanks", status="acknowledged")
    response = client_for(responder).get(reverse("voice:organisation_stories", kwargs={"slug": provider.slug}))
    assert [s.title for s in response.context["page"]] == [story.title, "Answered"]


@pytest.mark.parametrize("count", [1, 3])
def test_organisation_stories_run_a_fixed_number_of_queries(
    client_for, responder, provider, django_assert_num_queries, count
) -> None:
    service = ServiceFactory(organisation=provider)
    StoryFactory.create_batch(count, service=service, status=StoryStatus.PUBLISHED, published_at="2026-11-01T10:00Z")
    client = client_for(responder)
    client.get("/")
    with django_assert_num_queries(6):  # session, user, roles, organisation, count, page
        response = client.get(reverse("voice:organisation_stories", kwargs={"slug": provider.slug}))
    assert len(response.context["page"].object_list) == count
