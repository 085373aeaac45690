"""The REST API: public reads, and writes by token with scopes, through the same permissions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from heard.api.enums import Scope
from heard.api.services import token_create, token_revoke
from heard.organisations.enums import Role
from heard.voice.enums import ResponseStatus, StoryStatus
from heard.voice.models import Change, Response, Story
from tests.factories import MembershipFactory, ServiceFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(provider):
    return ServiceFactory(organisation=provider, name="Housing repairs", slug="housing-repairs")


@pytest.fixture
def published(service):
    return StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now(), rating_overall=2)


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_openapi_schema_is_served(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/services", "/api/v1/stories", "/api/v1/changes", "/api/v1/responses"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"].values()
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes)


def test_reads_show_only_what_the_site_shows(client, service, published) -> None:
    StoryFactory(service=service, status=StoryStatus.PENDING)
    hidden = ServiceFactory(slug="hidden", is_private=True)
    StoryFactory(service=hidden, status=StoryStatus.PUBLISHED, published_at=timezone.now())
    services = client.get("/api/v1/services").json()
    assert [s["slug"] for s in services["results"]] == ["housing-repairs"]
    stories = client.get("/api/v1/stories").json()
    assert stories["count"] == 1
    assert stories["results"][0]["id"] == published.pk
    assert client.get(f"/api/v1/stories/{published.pk}").json()["title"] == published.title
    assert client.get("/api/v1/services/hidden").status_code == 404
    assert client.get("/api/v1/stories", {"rating": 5}).json()["count"] == 0
    assert client.get("/api/v1/stories", {"service": "housing-repairs"}).json()["count"] == 1


def test_lists_are_paginated(client, service) -> None:
    for _ in range(5):
        StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now())
    page = client.get("/api/v1/stories", {"per_page": 2, "page": 3}).json()
    assert (page["count"], page["pages"], page["page"], len(page["results"])) == (5, 3, 3, 1)
    assert client.get("/api/v1/stories", {"per_page": 1000}).json()["results"].__len__() == 5


def test_story_list_runs_a_fixed_number_of_queries(client, service, django_assert_num_queries) -> None:
    for _ in range(4):
        story = StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now())
        Response.objects.create(story=story, organisation=service.organisation, text="Ok", status="acknowledged")
    with django_assert_num_queries(3):  # count, page with services and authors, answers with organisations
        client.get("/api/v1/stories")


def test_a_token_with_stories_write_tells_a_story(client, service, provider, site_admin) -> None:
    _token, key = token_create(organisation=provider, by=site_admin, name="App", scopes=[Scope.STORIES_WRITE])
    body = {
        "service": "housing-repairs",
        "title": "Quick",
        "text": "Fixed fast.",
        "rating_overall": 5,
        "listened": "yes",
    }
    response = client.post("/api/v1/stories", body, content_type="application/json", **bearer(key))
    assert response.status_code == 201
    story = Story.objects.get(pk=response.json()["id"])
    assert (story.status, story.author) == (StoryStatus.PENDING, None)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"rating_overall": 6}, 422),
        ({"listened": "maybe"}, 400),
        ({"text": "x" * 5001}, 422),
        ({"service": "nope"}, 404),
    ],
)
def test_bad_stories_are_refused_and_nothing_is_stored(client, service, provider, site_admin, change, status) -> None:
    _token, key = token_create(organisation=provider, by=site_admin, name="App", scopes=[Scope.STORIES_WRITE])
    body = {"service": "housing-repairs", "title": "Quick", "text": "Fixed.", "rating_overall": 5, "listened": "yes"}
    response = client.post("/api/v1/stories", {**body, **change}, content_type="application/json", **bearer(key))
    assert response.status_code == status
    assert Story.objects.count() == 0


def test_writes_need_a_token_with_the_scope(client, service, provider, site_admin) -> None:
    body = {"service": "housing-repairs", "title": "Q", "text": "T", "rating_overall": 5, "listened": "yes"}
    assert client.post("/api/v1/stories", body, content_type="application/json").status_code == 401
    token, key = token_create(organisation=provider, by=site_admin, name="App", scopes=[Scope.OPEN311])
    assert client.post("/api/v1/stories", body, content_type="application/json", **bearer(key)).status_code == 401
    token_revoke(token=token, by=site_admin)
    _token, writer = token_create(organisation=provider, by=site_admin, name="W", scopes=[Scope.STORIES_WRITE])
    token_revoke(token=_token, by=site_admin)
    assert client.post("/api/v1/stories", body, content_type="application/json", **bearer(writer)).status_code == 401


@pytest.fixture
def speaker(manager, provider):
    """A manager who also answers stories: the person a CRM's token acts as."""
    MembershipFactory(user=manager, organisation=provider, role=Role.RESPONDER)
    return manager


def test_a_responders_token_answers_and_the_permission_is_checked(
    client, published, speaker, provider, other_provider
) -> None:
    _token, key = token_create(organisation=provider, by=speaker, name="CRM", scopes=[Scope.RESPONSES_WRITE])
    body = {"text": "We are looking into it.", "status": ResponseStatus.LOOKING_INTO_IT}
    response = client.post(
        f"/api/v1/stories/{published.pk}/responses", body, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 201
    assert Response.objects.get().author == speaker
    other_story = StoryFactory(
        service=ServiceFactory(organisation=other_provider), status=StoryStatus.PUBLISHED, published_at=timezone.now()
    )
    refused = client.post(
        f"/api/v1/stories/{other_story.pk}/responses", body, content_type="application/json", **bearer(key)
    )
    assert refused.status_code == 403
    assert Response.objects.count() == 1


def test_a_token_stops_working_when_its_maker_may_no_longer_make_tokens(client, published, speaker, provider) -> None:
    _token, key = token_create(organisation=provider, by=speaker, name="CRM", scopes=[Scope.RESPONSES_WRITE])
    speaker.memberships.filter(role=Role.MANAGER).delete()  # still a responder, no longer a manager
    body = {"text": "Hello.", "status": ResponseStatus.ACKNOWLEDGED}
    response = client.post(
        f"/api/v1/stories/{published.pk}/responses", body, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 401


def test_a_change_is_recorded_with_its_stories(client, service, published, speaker, provider) -> None:
    _token, key = token_create(organisation=provider, by=speaker, name="CRM", scopes=[Scope.CHANGES_WRITE])
    body = {
        "service": "housing-repairs",
        "title": "Evening visits",
        "changed_on": "2026-11-20",
        "stories": [published.pk],
    }
    response = client.post("/api/v1/changes", body, content_type="application/json", **bearer(key))
    assert response.status_code == 201, response.content
    change = Change.objects.get()
    assert list(change.stories.all()) == [published]
    listed = client.get("/api/v1/changes").json()
    assert listed["results"][0]["stories"] == [published.pk]
    missing = client.post(
        "/api/v1/changes", {**body, "stories": [999999]}, content_type="application/json", **bearer(key)
    )
    assert missing.status_code == 400
    assert Change.objects.count() == 1


def test_writes_per_token_are_rate_limited(client, service, provider, site_admin, settings) -> None:
    settings.HEARD_API_WRITES_PER_HOUR = 2
    _token, key = token_create(organisation=provider, by=site_admin, name="App", scopes=[Scope.STORIES_WRITE])
    body = {"service": "housing-repairs", "title": "Q", "text": "T", "rating_overall": 5, "listened": "yes"}
    codes = [
        client.post("/api/v1/stories", body, content_type="application/json", **bearer(key)).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 400]
    assert Story.objects.count() == 2


def test_a_token_speaks_only_for_its_own_organisation(client, speaker, provider, other_provider) -> None:
    """Its maker answers for another organisation too, but this token is the provider's."""
    MembershipFactory(user=speaker, organisation=other_provider, role=Role.RESPONDER)
    _token, key = token_create(organisation=provider, by=speaker, name="CRM", scopes=[Scope.RESPONSES_WRITE])
    theirs = StoryFactory(
        service=ServiceFactory(organisation=other_provider), status=StoryStatus.PUBLISHED, published_at=timezone.now()
    )
    body = {"text": "Hello.", "status": ResponseStatus.ACKNOWLEDGED}
    response = client.post(
        f"/api/v1/stories/{theirs.pk}/responses", body, content_type="application/json", **bearer(key)
    )
    assert response.status_code == 403
    assert Response.objects.count() == 0


def test_odd_input_is_refused_with_the_field_named(client, service, speaker, provider) -> None:
    _token, key = token_create(organisation=provider, by=speaker, name="CRM", scopes=[Scope.CHANGES_WRITE])
    body = {"service": "housing-repairs", "title": "T", "changed_on": "2026-11-20", "stories": [10**30]}
    response = client.post("/api/v1/changes", body, content_type="application/json", **bearer(key))
    assert response.status_code == 422
    assert "stories" in response.json()["errors"]
    not_json = client.post("/api/v1/changes", "{", content_type="application/json", **bearer(key))
    assert not_json.status_code == 400
    assert not_json.json()["detail"]
    assert client.post("/api/v1/changes", body, content_type="application/json").json()["detail"].startswith("Send")
    titled = {**body, "title": "Benches\u0000", "stories": []}
    assert client.post("/api/v1/changes", titled, content_type="application/json", **bearer(key)).status_code == 201
    assert Change.objects.get().title == "Benches"
