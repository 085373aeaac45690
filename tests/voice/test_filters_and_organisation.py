"""A service's stories filter by rating and answer; an organisation's page adds up its services."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from heard.voice.enums import ResponseStatus, StoryStatus
from heard.voice.models import Change, Response
from tests.factories import ServiceFactory, StoryFactory

pytestmark = pytest.mark.django_db


def _published(service, rating, title):
    return StoryFactory(
        service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now(), rating_overall=rating, title=title
    )


@pytest.fixture
def service(provider):
    service = ServiceFactory(organisation=provider, name="Housing repairs", slug="housing-repairs")
    low = _published(service, 1, "Waited all day")
    _published(service, 5, "Came on time")
    answered = _published(service, 2, "No call back")
    Response.objects.create(story=answered, organisation=provider, text="Sorry.", status=ResponseStatus.CHANGE_PLANNED)
    Response.objects.create(story=low, organisation=provider, text="Noted.", status=ResponseStatus.ACKNOWLEDGED)
    return service


def _titles(response) -> list[str]:
    return [story.title for story in response.context["page"]]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({}, ["No call back", "Came on time", "Waited all day"]),
        ({"rating": "1"}, ["Waited all day"]),
        ({"answer": "unanswered"}, ["Came on time"]),
        ({"answer": "change_planned"}, ["No call back"]),
        ({"rating": "1", "answer": "change_planned"}, []),
        ({"rating": "9"}, ["No call back", "Came on time", "Waited all day"]),  # a bad filter shows all
    ],
)
def test_stories_filter_by_rating_and_answer(client, service, query, titles) -> None:
    response = client.get(reverse("voice:service_stories", kwargs={"slug": service.slug}), query)
    assert response.status_code == 200
    assert sorted(_titles(response)) == sorted(titles)


def test_filters_are_kept_in_pagination_links(client, service, settings) -> None:
    settings.HEARD_PAGE_SIZE = 1
    page = client.get(reverse("voice:service_stories", kwargs={"slug": service.slug}), {"answer": ""}).content.decode()
    assert "answer=&amp;page=2" in page or "page=2&amp;answer=" in page


def test_organisation_page_adds_up_its_public_services(client, provider, service) -> None:
    other = ServiceFactory(organisation=provider, name="Parks", slug="parks")
    _published(other, 4, "Lovely park")
    hidden = ServiceFactory(organisation=provider, name="Hidden", slug="hidden", is_private=True)
    _published(hidden, 1, "Private matter")
    Change.objects.create(service=other, title="New benches", changed_on="2026-10-01")
    response = client.get(reverse("voice:organisation_feedback", kwargs={"slug": provider.slug}))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.stories == 4  # the private service's story is not counted
    assert figures.average == pytest.approx((1 + 5 + 2 + 4) / 4)
    assert figures.answered_share == pytest.approx(2 / 4)
    rows = [(s.name, s.story_count) for s in response.context["page"]]
    assert rows == [("Housing repairs", 3), ("Parks", 1)]
    page = response.content.decode()
    assert "New benches" in page
    assert "Hidden" not in page


@pytest.mark.parametrize("count", [1, 12])
def test_organisation_page_runs_a_fixed_number_of_queries(client, provider, django_assert_num_queries, count) -> None:
    for n in range(count):
        svc = ServiceFactory(organisation=provider)
        story = _published(svc, 3, f"Story {n}")
        Response.objects.create(story=story, organisation=provider, text="Thanks.", status=ResponseStatus.ACKNOWLEDGED)
        Change.objects.create(service=svc, title=f"Change {n}", changed_on="2026-10-01")
    with django_assert_num_queries(7):  # organisation, figures (3), count, page of services, changes
        client.get(reverse("voice:organisation_feedback", kwargs={"slug": provider.slug}))


def test_a_story_answered_twice_counts_once(client, provider) -> None:
    service = ServiceFactory(organisation=provider, slug="twice")
    story = _published(service, 4, "Answered twice")
    _published(service, 2, "Not answered")
    for status in (ResponseStatus.ACKNOWLEDGED, ResponseStatus.CHANGE_MADE):
        Response.objects.create(story=story, organisation=provider, text="Update.", status=status)
    figures = client.get(reverse("voice:service_stories", kwargs={"slug": "twice"})).context["figures"]
    assert (figures.stories, figures.average, figures.answered_share) == (2, 3.0, 0.5)
    assert [count for _rating, count in figures.distribution] == [0, 1, 0, 1, 0]


@pytest.mark.parametrize("count", [1, 8])
def test_recording_a_change_reads_its_authors_in_a_fixed_number_of_queries(
    provider, responder, django_assert_num_queries, django_capture_on_commit_callbacks, count
) -> None:
    from heard.voice.services import change_record

    service = ServiceFactory(organisation=provider)
    stories = [_published(service, 3, f"Story {n}") for n in range(count)]
    # A fixed 10 (the change and its links, the log, the authors, their settings...), then only the
    # email each author is sent; before, each story also fetched its author and their settings.
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(10 + count):
        change_record(service=service, by=responder, title="Better", changed_on="2026-11-01", stories=stories)
