"""The REST API over co-design: public reads of challenges, ideas, decisions and commitments, and
decisions and progress published by a token with the codesign:write scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from heard.api.enums import Scope
from heard.api.services import token_create
from heard.codesign import delivery
from heard.codesign.enums import CommitmentEventKind, CommitmentStatus, IdeaStatus, Outcome
from heard.codesign.models import Commitment, CommitmentEvent, Decision, Support
from heard.core.models import OutboundEmail
from heard.organisations.enums import Role
from tests.factories import (
    ChallengeFactory,
    IdeaFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    add_totp,
    phase_dates,
)

pytestmark = pytest.mark.django_db

SITE = "http://heard.test"
REFUSED_SECOND_DECISION = (
    "A published decision cannot be changed. Publish a correction instead: the first version stays on show beside it."
)


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.HEARD_SITE_URL = SITE


@pytest.fixture
def challenge(provider):
    """The council's published challenge about its repairs service, now in its decision phase."""
    return ChallengeFactory(
        organisation=provider,
        title="How might we fix repairs faster?",
        slug="repairs",
        service=ServiceFactory(organisation=provider, slug="housing-repairs"),
        budget=5000,
        **phase_dates("decision"),
    )


@pytest.fixture
def idea(challenge, resident):
    """Amara's shortlisted idea, waiting for its decision."""
    return IdeaFactory(challenge=challenge, author=resident, title="Text tenants before a visit", shortlisted=True)


@pytest.fixture
def neighbour(db):
    return UserFactory(email="neighbour@example.org", display_name="Bilal")


def _time(value: dt.datetime) -> str:
    """A time as the API writes it (ISO 8601, to the millisecond)."""
    return DjangoJSONEncoder().default(value)


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _key(organisation, by, scopes=(Scope.CODESIGN,)) -> str:
    _token, key = token_create(organisation=organisation, by=by, name="Decisions app", scopes=list(scopes))
    return key


def _post(client, url: str, body: dict, key: str | None = None):
    return client.post(url, body, content_type="application/json", **(bearer(key) if key else {}))


def _decided(idea, by, outcome=Outcome.ACCEPTED) -> Decision:
    return delivery.decision_publish(idea=idea, by=by, outcome=outcome, reason="It costs little and helps.")


def _committed(idea, by, *, due_on: dt.date | None = None) -> Commitment:
    """`idea`, accepted and made a commitment with one milestone."""
    _decided(idea, by)
    due_on = due_on or timezone.localdate() + dt.timedelta(days=60)
    return delivery.commitment_create(
        idea=idea,
        by=by,
        title="Text every tenant the day before",
        owner=by,
        owner_title="Head of Repairs",
        due_on=due_on,
        milestones=[("Pilot on one estate", due_on - dt.timedelta(days=30))],
    )


# Reading


def test_openapi_schema_lists_the_codesign_endpoints(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = {
        "/api/v1/challenges",
        "/api/v1/challenges/{slug}",
        "/api/v1/challenges/{slug}/ideas",
        "/api/v1/ideas/{idea_id}",
        "/api/v1/ideas/{idea_id}/decisions",
        "/api/v1/decisions",
        "/api/v1/commitments",
        "/api/v1/commitments/{commitment_id}",
        "/api/v1/commitments/{commitment_id}/progress",
    }
    assert paths <= set(schema["paths"])
    decide = schema["paths"]["/api/v1/ideas/{idea_id}/decisions"]
    assert set(decide) == {"post"}  # a published decision is never edited
    assert "no PUT or PATCH" in decide["post"]["description"]
    assert decide["post"]["tags"] == ["co-design"]


def test_challenge_list_shows_published_challenges_with_their_shape(client, challenge, idea, provider) -> None:
    ChallengeFactory(organisation=provider, slug="draft", published_at=None)
    IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN)
    listed = client.get("/api/v1/challenges").json()
    assert (listed["count"], listed["pages"], listed["page"]) == (1, 1, 1)
    assert listed["results"] == [
        {
            "slug": "repairs",
            "title": "How might we fix repairs faster?",
            "context": challenge.context,
            "constraints": "",
            "budget": 5000,
            "organisation": {"slug": "council", "name": "Millbrook Borough Council"},
            "service": "housing-repairs",
            "phase": "decision",
            "ideas_from": _time(challenge.ideas_from),
            "deliberation_from": _time(challenge.deliberation_from),
            "decision_from": _time(challenge.decision_from),
            "delivery_from": _time(challenge.delivery_from),
            "published_at": _time(challenge.published_at),
            "idea_count": 1,
            "url": SITE + "/challenges/repairs/",
        }
    ]
    assert client.get("/api/v1/challenges/repairs").json() == listed["results"][0]


def test_challenge_list_is_newest_first_and_filters_by_organisation(client, challenge, other_provider) -> None:
    theirs = ChallengeFactory(organisation=other_provider, slug="theirs", **phase_dates("ideas"))
    assert [c["slug"] for c in client.get("/api/v1/challenges").json()["results"]] == [theirs.slug, "repairs"]
    filtered = client.get("/api/v1/challenges", {"organisation": "brightwater"}).json()
    assert [c["slug"] for c in filtered["results"]] == ["theirs"]
    assert client.get("/api/v1/challenges", {"organisation": "nobody"}).status_code == 404


def test_challenge_draft_is_not_found(client, provider) -> None:
    draft = ChallengeFactory(organisation=provider, slug="draft", published_at=None)
    IdeaFactory(challenge=draft)
    assert client.get("/api/v1/challenges/draft").status_code == 404
    assert client.get("/api/v1/challenges/draft/ideas").status_code == 404
    assert client.get("/api/v1/challenges/unknown").json() == {"detail": "Not found.", "errors": {}}


@pytest.mark.parametrize("items", [1, 3])
def test_challenge_list_runs_a_fixed_number_of_queries(client, provider, items, django_assert_num_queries) -> None:
    for _ in range(items):
        ChallengeFactory(organisation=provider, service=ServiceFactory(organisation=provider))
    with django_assert_num_queries(2):  # count, page with organisations, services and idea counts
        response = client.get("/api/v1/challenges")
    assert len(response.json()["results"]) == items


def test_idea_list_shows_ideas_on_show_with_their_decisions(client, challenge, idea, manager) -> None:
    popular = IdeaFactory(challenge=challenge, support_count=5, title="Evening visits")
    IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN, title="Something rude")
    IdeaFactory(challenge=challenge, status=IdeaStatus.MERGED, merged_into=popular, title="Visits after work")
    commitment = _committed(idea, manager)
    correction = delivery.decision_correct(
        idea=idea, by=manager, outcome=Outcome.ADAPTED, reason="Texts, not calls.", correction_note="Texts only."
    )
    response = client.get("/api/v1/challenges/repairs/ideas")
    listed = response.json()
    assert [i["title"] for i in listed["results"]] == ["Evening visits", "Text tenants before a visit"]
    assert listed["results"][1] == {
        "id": idea.pk,
        "challenge": "repairs",
        "title": "Text tenants before a visit",
        "description": idea.description,
        "support_count": 0,
        "comment_count": 0,
        "shortlisted": True,
        "created_at": _time(idea.created_at),
        "url": f"{SITE}/challenges/repairs/ideas/{idea.pk}/",
        "decision": {
            "id": correction.pk,
            "idea_id": idea.pk,
            "outcome": "adapted",
            "reason": "Texts, not calls.",
            "version": 2,
            "correction_note": "Texts only.",
            "published_at": _time(correction.published_at),
        },
        "commitment": commitment.pk,
    }
    assert listed["results"][0]["decision"] is None
    assert listed["results"][0]["commitment"] is None
    assert "resident@example.org" not in response.content.decode()


def test_idea_list_orders_by_support_or_newest(client, challenge) -> None:
    older = IdeaFactory(challenge=challenge, support_count=9, created_at=timezone.now() - dt.timedelta(days=2))
    newer = IdeaFactory(challenge=challenge, support_count=1)
    by_support = client.get("/api/v1/challenges/repairs/ideas").json()["results"]
    newest = client.get("/api/v1/challenges/repairs/ideas", {"order": "new"}).json()["results"]
    assert [i["id"] for i in by_support] == [older.pk, newer.pk]
    assert [i["id"] for i in newest] == [newer.pk, older.pk]
    assert client.get("/api/v1/challenges/repairs/ideas", {"order": "random"}).status_code == 422


@pytest.mark.parametrize("items", [1, 3])
def test_idea_list_runs_a_fixed_number_of_queries(client, challenge, manager, items, django_assert_num_queries) -> None:
    for _ in range(items):
        _committed(IdeaFactory(challenge=challenge, shortlisted=True), manager)
    with django_assert_num_queries(4):  # challenge, count, page with commitments, decisions
        response = client.get("/api/v1/challenges/repairs/ideas")
    assert [i["commitment"] is not None for i in response.json()["results"]] == [True] * items


def test_idea_detail_shows_every_decision_version_newest_first(client, idea, manager) -> None:
    first = _decided(idea, manager, outcome=Outcome.DECLINED)
    second = delivery.decision_correct(
        idea=idea, by=manager, outcome=Outcome.ACCEPTED, reason="We found the money.", correction_note="New budget."
    )
    shown = client.get(f"/api/v1/ideas/{idea.pk}").json()
    assert [d["id"] for d in shown["decisions"]] == [second.pk, first.pk]
    assert shown["decision"]["id"] == second.pk
    assert (shown["status"], shown["merged_into"], shown["title"]) == ("published", None, idea.title)


def test_idea_detail_of_a_merged_idea_names_the_idea_it_joined(client, challenge, idea) -> None:
    merged = IdeaFactory(challenge=challenge, status=IdeaStatus.MERGED, merged_into=idea)
    shown = client.get(f"/api/v1/ideas/{merged.pk}").json()
    assert (shown["status"], shown["merged_into"], shown["decisions"]) == ("merged", idea.pk, [])


def test_idea_detail_hidden_or_on_a_draft_is_not_found(client, challenge, provider) -> None:
    hidden = IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN)
    drafted = IdeaFactory(challenge=ChallengeFactory(organisation=provider, published_at=None))
    assert client.get(f"/api/v1/ideas/{hidden.pk}").status_code == 404
    assert client.get(f"/api/v1/ideas/{drafted.pk}").status_code == 404


def test_decision_list_shows_current_versions_unless_all_are_asked_for(
    client, challenge, idea, manager, other_provider
) -> None:
    first = _decided(idea, manager, outcome=Outcome.DECLINED)
    second = delivery.decision_correct(
        idea=idea, by=manager, outcome=Outcome.ACCEPTED, reason="We found the money.", correction_note="New budget."
    )
    theirs = IdeaFactory(
        challenge=ChallengeFactory(organisation=other_provider, **phase_dates("decision")), shortlisted=True
    )
    other_decision = _decided(theirs, manager)
    current = client.get("/api/v1/decisions").json()
    assert [d["id"] for d in current["results"]] == [other_decision.pk, second.pk]
    assert current["results"][1] == {
        "id": second.pk,
        "idea_id": idea.pk,
        "outcome": "accepted",
        "reason": "We found the money.",
        "version": 2,
        "correction_note": "New budget.",
        "published_at": _time(second.published_at),
        "challenge": "repairs",
        "organisation": {"slug": "council", "name": "Millbrook Borough Council"},
        "url": f"{SITE}/challenges/repairs/ideas/{idea.pk}/",
    }
    everything = client.get("/api/v1/decisions", {"organisation": "council", "all_versions": True}).json()
    assert [d["id"] for d in everything["results"]] == [second.pk, first.pk]


def test_decision_list_leaves_out_draft_challenges(client, provider, manager) -> None:
    drafted = IdeaFactory(
        challenge=ChallengeFactory(organisation=provider, published_at=None, **phase_dates("decision")),
        shortlisted=True,
    )
    _decided(drafted, manager)
    assert client.get("/api/v1/decisions").json()["count"] == 0


@pytest.mark.parametrize("items", [1, 3])
def test_decision_list_runs_a_fixed_number_of_queries(
    client, challenge, manager, items, django_assert_num_queries
) -> None:
    for _ in range(items):
        _decided(IdeaFactory(challenge=challenge, shortlisted=True), manager)
    with django_assert_num_queries(2):  # count, page with ideas, challenges and organisations
        response = client.get("/api/v1/decisions")
    assert len(response.json()["results"]) == items


def test_commitment_list_says_which_are_late_and_filters(client, challenge, idea, manager) -> None:
    late = _committed(idea, manager, due_on=timezone.localdate() - dt.timedelta(days=1))
    on_time = _committed(IdeaFactory(challenge=challenge, shortlisted=True), manager)
    delivery.commitment_progress(commitment=on_time, by=manager, text="Started.", status=CommitmentStatus.IN_PROGRESS)
    listed = client.get("/api/v1/commitments").json()
    assert [(c["id"], c["late"]) for c in listed["results"]] == [(late.pk, True), (on_time.pk, False)]
    assert listed["results"][0] == {
        "id": late.pk,
        "idea_id": idea.pk,
        "challenge": "repairs",
        "organisation": {"slug": "council", "name": "Millbrook Borough Council"},
        "title": "Text every tenant the day before",
        "description": "",
        "owner_title": "Head of Repairs",
        "due_on": late.due_on.isoformat(),
        "status": "planned",
        "finished_on": None,
        "late": True,
        "url": f"{SITE}/commitments/{late.pk}/",
    }
    in_progress = client.get("/api/v1/commitments", {"status": "in_progress", "organisation": "council"}).json()
    assert [c["id"] for c in in_progress["results"]] == [on_time.pk]
    assert client.get("/api/v1/commitments", {"organisation": "brightwater"}).status_code == 404


@pytest.mark.parametrize("items", [1, 3])
def test_commitment_list_runs_a_fixed_number_of_queries(
    client, challenge, manager, items, django_assert_num_queries
) -> None:
    for _ in range(items):
        _committed(IdeaFactory(challenge=challenge, shortlisted=True), manager)
    with django_assert_num_queries(2):  # count, page with ideas, challenges and organisations
        response = client.get("/api/v1/commitments")
    assert len(response.json()["results"]) == items


def test_commitment_detail_shows_milestones_and_history_but_not_who(client, idea, manager) -> None:
    commitment = _committed(idea, manager)
    update = delivery.commitment_progress(
        commitment=commitment, by=manager, text="Pilot started.", status=CommitmentStatus.IN_PROGRESS
    )
    response = client.get(f"/api/v1/commitments/{commitment.pk}")
    shown = response.json()
    milestone = commitment.milestones.get()
    assert shown["milestones"] == [
        {"title": "Pilot on one estate", "due_on": milestone.due_on.isoformat(), "reached_on": None, "late": False}
    ]
    assert [(e["kind"], e["status_before"], e["status_after"]) for e in shown["history"]] == [
        ("status", "planned", "in_progress"),
        ("created", "", "planned"),
    ]
    assert shown["history"][0] == {
        "id": update.pk,
        "kind": "status",
        "text": "Pilot started.",
        "status_before": "planned",
        "status_after": "in_progress",
        "created_at": _time(update.created_at),
    }
    assert shown["status"] == "in_progress"
    assert "manager@example.org" not in response.content.decode()


def test_commitment_on_a_draft_challenge_is_not_found(client, provider, manager) -> None:
    drafted = IdeaFactory(
        challenge=ChallengeFactory(organisation=provider, published_at=None, **phase_dates("decision")),
        shortlisted=True,
    )
    commitment = _committed(drafted, manager)
    assert client.get(f"/api/v1/commitments/{commitment.pk}").status_code == 404
    assert client.get("/api/v1/commitments").json()["count"] == 0


# Writing


def test_decision_published_by_token_is_stored_and_emailed_to_the_author_and_supporters(
    client, idea, manager, provider, neighbour, django_capture_on_commit_callbacks
) -> None:
    Support.objects.create(idea=idea, user=neighbour)
    key = _key(provider, manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, f"/api/v1/ideas/{idea.pk}/decisions", {"outcome": "accepted", "reason": "Cheap and quick."}, key
        )
    assert response.status_code == 201, response.content
    decision = Decision.objects.get()
    assert (decision.idea, decision.outcome, decision.version, decision.decided_by, decision.organisation) == (
        idea,
        Outcome.ACCEPTED,
        1,
        manager,
        provider,
    )
    assert response.json() == {
        "id": decision.pk,
        "idea_id": idea.pk,
        "outcome": "accepted",
        "reason": "Cheap and quick.",
        "version": 1,
        "correction_note": "",
        "published_at": _time(decision.published_at),
    }
    emailed = set(OutboundEmail.objects.filter(kind="idea_decision").values_list("recipient", flat=True))
    assert emailed == {"resident@example.org", "neighbour@example.org"}


def test_second_decision_is_refused_and_nothing_changes(client, idea, manager, provider) -> None:
    first = _decided(idea, manager, outcome=Outcome.DECLINED)
    key = _key(provider, manager)
    response = _post(client, f"/api/v1/ideas/{idea.pk}/decisions", {"outcome": "accepted", "reason": "Changed."}, key)
    assert response.status_code == 400
    assert response.json() == {"detail": REFUSED_SECOND_DECISION, "errors": {}}
    assert list(Decision.objects.values_list("pk", "outcome", "version")) == [(first.pk, Outcome.DECLINED, 1)]


def test_decision_correction_by_token_adds_a_version_beside_the_first(
    client, idea, manager, provider, django_capture_on_commit_callbacks
) -> None:
    first = _decided(idea, manager, outcome=Outcome.DECLINED)
    key = _key(provider, manager)
    body = {"outcome": "adapted", "reason": "Texts, not calls.", "correction_note": "We can afford texts."}
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, f"/api/v1/ideas/{idea.pk}/decisions", body, key)
    assert response.status_code == 201, response.content
    assert (response.json()["version"], response.json()["correction_note"]) == (2, "We can afford texts.")
    assert list(Decision.objects.order_by("version").values_list("pk", "outcome")) == [
        (first.pk, Outcome.DECLINED),
        (response.json()["id"], Outcome.ADAPTED),
    ]
    assert OutboundEmail.objects.filter(kind="idea_correction", recipient="resident@example.org").exists()


def test_decision_correction_without_a_note_is_refused(client, idea, manager, provider) -> None:
    _decided(idea, manager)
    key = _key(provider, manager)
    body = {"outcome": "declined", "reason": "No money.", "correction_note": " "}
    response = _post(client, f"/api/v1/ideas/{idea.pk}/decisions", body, key)
    assert response.status_code == 400
    assert response.json()["errors"] == {"correction_note": ["Say what this corrects."]}
    assert Decision.objects.count() == 1


def test_decision_before_the_decision_phase_is_refused(client, challenge, idea, manager, provider) -> None:
    for name, value in phase_dates("deliberation").items():
        setattr(challenge, name, value)
    challenge.save()
    key = _key(provider, manager)
    response = _post(client, f"/api/v1/ideas/{idea.pk}/decisions", {"outcome": "accepted", "reason": "Yes."}, key)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Decisions open on")
    assert not Decision.objects.exists()


def test_decision_write_needs_a_token_with_the_codesign_scope(client, idea, manager, provider) -> None:
    body = {"outcome": "accepted", "reason": "Yes."}
    url = f"/api/v1/ideas/{idea.pk}/decisions"
    assert _post(client, url, body).status_code == 401
    wrong_scope = _key(provider, manager, scopes=[Scope.RESPONSES_WRITE, Scope.CHANGES_WRITE])
    refused = _post(client, url, body, wrong_scope)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("Send a valid API token")
    assert not Decision.objects.exists()


def test_decision_write_needs_a_maker_who_may_decide(client, idea, org_admin, provider) -> None:
    """An administrator may make tokens, but deciding is for the organisation's managers and conveners."""
    key = _key(provider, org_admin)
    response = _post(client, f"/api/v1/ideas/{idea.pk}/decisions", {"outcome": "accepted", "reason": "Yes."}, key)
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_decision_write_by_another_organisations_token_is_refused(client, idea, manager, other_provider) -> None:
    """The manager runs both organisations, but this token speaks for the other one."""
    MembershipFactory(user=manager, organisation=other_provider, role=Role.MANAGER)
    key = _key(other_provider, manager)
    response = _post(client, f"/api/v1/ideas/{idea.pk}/decisions", {"outcome": "accepted", "reason": "Yes."}, key)
    assert response.status_code == 403
    assert response.json()["detail"] == "This token may not do that, or not for this organisation."
    assert not Decision.objects.exists()


def test_decision_on_a_hidden_idea_is_not_found(client, challenge, manager, provider) -> None:
    hidden = IdeaFactory(challenge=challenge, status=IdeaStatus.HIDDEN, shortlisted=True)
    key = _key(provider, manager)
    response = _post(client, f"/api/v1/ideas/{hidden.pk}/decisions", {"outcome": "accepted", "reason": "Yes."}, key)
    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_commitment_progress_by_token_moves_its_status_and_tells_people(
    client, idea, manager, provider, django_capture_on_commit_callbacks
) -> None:
    commitment = _committed(idea, manager)
    key = _key(provider, manager)
    body = {"text": "The pilot has started.", "status": "in_progress"}
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, f"/api/v1/commitments/{commitment.pk}/progress", body, key)
    assert response.status_code == 201, response.content
    event = CommitmentEvent.objects.get(kind=CommitmentEventKind.STATUS)
    assert (event.text, event.status_before, event.status_after, event.by) == (
        "The pilot has started.",
        "planned",
        "in_progress",
        manager,
    )
    assert response.json()["id"] == event.pk
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.IN_PROGRESS
    assert OutboundEmail.objects.filter(kind="idea_progress", recipient="resident@example.org").exists()


def test_commitment_progress_on_a_kept_commitment_is_refused(client, idea, manager, provider) -> None:
    commitment = _committed(idea, manager)
    delivery.commitment_progress(commitment=commitment, by=manager, text="Done.", status=CommitmentStatus.KEPT)
    key = _key(provider, manager)
    body = {"text": "More.", "status": "in_progress"}
    response = _post(client, f"/api/v1/commitments/{commitment.pk}/progress", body, key)
    assert response.status_code == 400
    assert response.json()["detail"] == "This commitment is kept; its record is closed."
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.KEPT
    assert CommitmentEvent.objects.filter(commitment=commitment).count() == 2


def test_commitment_progress_by_another_organisations_token_is_refused(client, idea, manager, other_provider) -> None:
    commitment = _committed(idea, manager)
    outsider = UserFactory()
    MembershipFactory(user=outsider, organisation=other_provider, role=Role.MANAGER)
    add_totp(outsider)
    key = _key(other_provider, outsider)
    response = _post(
        client, f"/api/v1/commitments/{commitment.pk}/progress", {"text": "Hi.", "status": "in_progress"}, key
    )
    assert response.status_code == 403
    assert CommitmentEvent.objects.filter(commitment=commitment).count() == 1


def test_codesign_writes_count_towards_the_hourly_allowance(client, idea, manager, provider, settings) -> None:
    settings.HEARD_API_WRITES_PER_HOUR = 1
    commitment = _committed(idea, manager)
    key = _key(provider, manager)
    url = f"/api/v1/commitments/{commitment.pk}/progress"
    codes = [_post(client, url, {"text": "Step.", "status": "in_progress"}, key).status_code for _ in range(2)]
    assert codes == [201, 400]
    assert CommitmentEvent.objects.filter(commitment=commitment).count() == 2


def test_codesign_scope_is_offered_on_the_token_page_and_the_developers_page(
    client, client_for, manager, provider
) -> None:
    tokens = client_for(manager).get(reverse("api:tokens", kwargs={"slug": provider.slug})).content.decode()
    assert 'value="codesign:write"' in tokens
    assert "Publish decisions and commitment progress" in tokens
    developers = client.get(reverse("api:docs")).content.decode()
    assert "codesign:write" in developers
    assert "POST /ideas/{id}/decisions" in developers
