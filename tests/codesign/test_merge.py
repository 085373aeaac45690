"""Merging duplicate ideas: supporters carried over once each, and the refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from heard.codesign import services
from heard.codesign.enums import IdeaStatus
from heard.codesign.models import Comment, Idea, Support
from tests.factories import IdeaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _merge(client, source, target_pk):
    url = reverse("codesign:manage_idea", kwargs={"slug": source.challenge.slug, "pk": source.pk})
    return client.post(url, {"action": "merge", "target": target_pk})


def test_merge_carries_supporters_over_without_counting_anyone_twice(client_for, challenge, convener) -> None:
    source, target = IdeaFactory(challenge=challenge), IdeaFactory(challenge=challenge)
    both, only_source, only_target = UserFactory(), UserFactory(), UserFactory()
    for person, ideas in ((both, [source, target]), (only_source, [source]), (only_target, [target])):
        for idea in ideas:
            services.idea_support(idea=idea, by=person)
    services.comment_add(idea=source, by=only_source, text="Same as the other one")

    response = _merge(client_for(convener), source, target.pk)

    source.refresh_from_db()
    target.refresh_from_db()
    assert response.status_code == 303
    assert (source.status, source.merged_into) == (IdeaStatus.MERGED, target)
    assert target.support_count == 3
    assert set(Support.objects.filter(idea=target).values_list("user", flat=True)) == {
        both.pk,
        only_source.pk,
        only_target.pk,
    }
    assert not Support.objects.filter(idea=source).exists()
    assert Comment.objects.get().idea == target
    page = client_for(None).get(source.get_absolute_url()).content.decode()
    assert "This idea was joined with a similar one." in page


def test_merge_into_itself_is_refused_and_changes_nothing(client_for, challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge)
    response = _merge(client_for(convener), idea, idea.pk)
    idea.refresh_from_db()
    assert response.status_code == 400
    assert "An idea cannot be merged into itself." in response.content.decode()
    assert idea.status == IdeaStatus.PUBLISHED


def test_merge_into_a_merged_idea_is_refused_and_changes_nothing(client_for, challenge, convener, resident) -> None:
    first, second, third = (IdeaFactory(challenge=challenge) for _ in range(3))
    services.idea_merge(source=second, target=third, by=convener)
    services.idea_support(idea=first, by=resident)
    response = _merge(client_for(convener), first, second.pk)
    first.refresh_from_db()
    assert response.status_code == 400
    assert "That idea was itself merged into another one." in response.content.decode()
    assert (first.status, first.support_count) == (IdeaStatus.PUBLISHED, 1)
    assert Support.objects.get().idea == first


def test_merge_of_an_idea_from_another_challenge_is_refused(client_for, challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge)
    elsewhere = IdeaFactory()
    response = _merge(client_for(convener), idea, elsewhere.pk)
    assert response.status_code == 400
    assert f"There is no idea {elsewhere.pk} in this challenge." in response.content.decode()
    assert Idea.objects.filter(status=IdeaStatus.MERGED).count() == 0


def test_merge_tells_the_people_behind_the_kept_idea(
    client_for, challenge, convener, resident, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    source, target = IdeaFactory(challenge=challenge, author=resident), IdeaFactory(challenge=challenge)
    services.idea_support(idea=source, by=resident)
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_merge(source=source, target=target, by=convener)
    recipients = {address for message in mailoutbox for address in message.to}
    assert resident.email in recipients
    assert target.author.email in recipients
