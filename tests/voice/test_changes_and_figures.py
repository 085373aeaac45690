"""'You said, we did', readers' reports, and a service's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from heard.voice.enums import StoryStatus
from heard.voice.models import Change, Response, StoryReport
from heard.voice.selectors import service_figures
from tests.factories import MembershipFactory, ServiceFactory, StoryFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db


def _published(service, **kwargs):
    return StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now(), **kwargs)


def test_responder_records_a_change_linked_to_stories_and_their_authors_are_told(
    client_for, responder, provider, django_capture_on_commit_callbacks
) -> None:
    service = ServiceFactory(organisation=provider, name="Housing repairs")
    first, second = _published(service), _published(service, author=None, author_email="kemi@example.org")
    _published(service)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(responder).post(
            reverse("voice:change_new", kwargs={"slug": service.slug}),
            {"title": "Repairs can be booked online", "changed_on": "2026-11-20", "stories": [first.pk, second.pk]},
        )
    assert response.status_code == 302
    change = Change.objects.get()
    assert set(change.stories.all()) == {first, second}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.author.email, "kemi@example.org"])
    assert "Repairs can be booked online" in mail.outbox[0].body
    page = client_for(None).get(reverse("voice:service_stories", kwargs={"slug": service.slug})).content.decode()
    assert "Repairs can be booked online" in page
    assert "after 2 stories" in page


def test_a_change_without_a_date_keeps_what_was_typed(client_for, responder, provider) -> None:
    service = ServiceFactory(organisation=provider)
    response = client_for(responder).post(
        reverse("voice:change_new", kwargs={"slug": service.slug}), {"title": "Evening appointments"}
    )
    assert 'value="Evening appointments"' in response.content.decode()
    assert not Change.objects.exists()


def test_only_the_providers_people_record_changes(client_for, resident, provider) -> None:
    service = ServiceFactory(organisation=provider)
    assert client_for(resident).get(reverse("voice:change_new", kwargs={"slug": service.slug})).status_code == 403


def test_reader_reports_a_story_and_a_convener_takes_it_down(
    client, client_for, operator, django_capture_on_commit_callbacks
) -> None:
    from heard.organisations.enums import Role

    convener = UserFactory()
    MembershipFactory(user=convener, organisation=operator, role=Role.CONVENER)
    add_totp(convener)
    story = _published(ServiceFactory())
    response = client.post(
        reverse("voice:report", kwargs={"pk": story.pk}), {"reason": "personal_data", "detail": "Names a nurse"}
    )
    assert response.status_code == 302
    assert StoryReport.objects.get().reason == "personal_data"
    queue = client_for(convener).get(reverse("voice:moderation_queue")).content.decode()
    assert story.title in queue

    url = reverse("voice:moderate", kwargs={"pk": story.pk})
    assert (
        "Choose why the story is taken down."
        in client_for(convener).post(url, {"decision": "take_down"}).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(convener).post(url, {"decision": "take_down", "reason": "personal_data"})
    story.refresh_from_db()
    assert story.status == StoryStatus.REJECTED
    assert StoryReport.objects.get().resolved_at is not None
    assert mail.outbox[-1].to == [story.author.email]
    assert "we have taken it down" in mail.outbox[-1].body
    assert client.get(story.get_absolute_url()).status_code == 404


def test_service_figures_add_up() -> None:
    service = ServiceFactory()
    ratings = [(5, "yes"), (4, "yes"), (2, "no"), (1, "partly")]
    stories = [_published(service, rating_overall=r, listened=listened) for r, listened in ratings]
    StoryFactory(service=service, rating_overall=1)  # pending: not counted
    for story, days in [(stories[0], 2), (stories[2], 4), (stories[3], 10)]:
        answer = Response.objects.create(
            story=story, organisation=service.organisation, text="Hi", status="acknowledged"
        )
        Response.objects.filter(pk=answer.pk).update(created_at=story.published_at + dt.timedelta(days=days))
    figures = service_figures(service=service)
    assert figures.stories == 4
    assert figures.average == pytest.approx(3.0)
    assert figures.distribution == [(5, 1), (4, 1), (3, 0), (2, 1), (1, 1)]
    assert [(label, count) for label, count, _share in figures.listened] == [("Yes", 2), ("Partly", 1), ("No", 1)]
    assert figures.answered_share == pytest.approx(0.75)
    assert figures.median_days_to_answer == pytest.approx(4.0, abs=0.01)
    assert sum(count for _month, count, _avg in figures.months) == 4  # all published this month
