"""A service's public pages run the same number of queries however much has been said about it.

`benchmarks/pages.py` times the same pages on 500,000 stories; these tests make an N+1 fail the
build on any database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from heard.directory.models import Service
from heard.voice.enums import ResponseStatus, StoryStatus
from heard.voice.models import Change, Response
from tests.factories import ServiceFactory, StoryFactory, WardFactory

pytestmark = pytest.mark.django_db


def _service_with_history(count: int) -> Service:
    """A service in `count` areas, with `count` published stories (each answered, one of them
    changed something), and a story still waiting to be checked."""
    service = ServiceFactory()
    service.areas.add(*[WardFactory() for _ in range(count)])
    now = timezone.now()
    stories = [
        StoryFactory(
            service=service,
            status=StoryStatus.PUBLISHED,
            published_at=now - dt.timedelta(days=10 * n),
            rating_overall=1 + n % 5,
        )
        for n in range(count)
    ]
    for story, status in zip(stories, ResponseStatus, strict=False):
        Response.objects.create(story=story, organisation=service.organisation, text="Thank you.", status=status)
    change = Change.objects.create(service=service, title="Evening opening", changed_on=now.date())
    change.stories.add(*stories)
    StoryFactory(service=service)
    return service


@pytest.mark.parametrize("count", [1, 3])
def test_service_page_runs_a_fixed_number_of_queries_whatever_its_stories(
    client, django_assert_num_queries, count
) -> None:
    service = _service_with_history(count)
    with django_assert_num_queries(2):  # service with provider, areas with parents
        response = client.get(reverse("directory:service", kwargs={"slug": service.slug}))
    assert response.status_code == 200
    assert service.name in response.content.decode()


@pytest.mark.parametrize("count", [1, 3, 25])
def test_story_list_runs_a_fixed_number_of_queries_with_answers_and_changes(
    client, django_assert_num_queries, count
) -> None:
    service = _service_with_history(count)
    # service, its areas, count, page with authors; figures: totals, first answers, months; changes
    with django_assert_num_queries(8):
        response = client.get(reverse("voice:service_stories", kwargs={"slug": service.slug}))
    assert response.context["figures"].stories == count
    assert len(response.context["page"].object_list) == min(count, settings.HEARD_PAGE_SIZE)
