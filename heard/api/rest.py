"""The REST API, version 1: public reads of services, stories, responses and changes, and of
co-design's challenges, ideas, decisions and commitments; and writes by API token. The OpenAPI
schema is served at /api/v1/openapi.json and described on /developers/.

Reads need no token and show only what anyone may read on the site. Each write names its scope;
the token acts as the person who made it, and the same permissions as on the site are checked
through heard.core.permissions."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError
from ninja.security import HttpBearer

from heard.api import schemas
from heard.api.enums import Scope
from heard.api.models import ApiToken
from heard.api.services import token_for_key, token_write_refusal
from heard.codesign import delivery
from heard.codesign import selectors as codesign_selectors
from heard.codesign.models import Challenge, Commitment, CommitmentEvent, Decision, Idea
from heard.core.permissions import check
from heard.directory.models import Service
from heard.directory.selectors import service_detail, service_search
from heard.organisations.models import Organisation
from heard.voice import selectors as voice_selectors
from heard.voice import services as voice_services
from heard.voice.models import Story

MAX_PER_PAGE = 100
# Ideas anyone may read: on show, or merged into another (which says where it went). Hidden ones are not.


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`, for a token holding `scope`."""

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return token_for_key(token, scope=self.scope)


api = NinjaAPI(
    title="Heard API",
    version="1",
    description=(
        "Services, the stories residents tell about them, providers' answers and the changes they made; "
        "co-design challenges, residents' ideas, the decisions published on them and the commitments that followed. "
        "Reading is open to everyone; writing needs an API token with the right scope."
    ),
    urls_namespace="api-v1",
    docs_url=None,
)


class Paging(Schema):
    page: int = 1
    per_page: int = 20


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> Any:
    errors = {field: [str(m) for m in messages] for field, messages in getattr(error, "message_dict", {}).items()}
    return api.create_response(request, {"detail": " ".join(error.messages), "errors": errors}, status=400)


@api.exception_handler(InputError)
def _input_error(request: HttpRequest, error: InputError) -> Any:
    """Input of the wrong shape: 422, with the problem beside each field, as other refusals."""
    errors: dict[str, list[str]] = {}
    for problem in error.errors:
        # The field's name: the last part of the location that is not a list position.
        field = next((str(part) for part in reversed(problem.get("loc", ())) if not isinstance(part, int)), "input")
        errors.setdefault(field, []).append(str(problem.get("msg", "")))
    return api.create_response(request, {"detail": _("Some of the input is not right."), "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, error: AuthenticationError) -> Any:
    return api.create_response(
        request,
        {
            "detail": _("Send a valid API token with the scope this needs, as Authorization: Bearer <token>."),
            "errors": {},
        },
        status=401,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> Any:
    """Ninja's own refusals, such as a body that is not JSON."""
    return api.create_response(
        request, {"detail": _("The request could not be read. Send JSON."), "errors": {}}, status=error.status_code
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, error: PermissionDenied) -> Any:
    return api.create_response(
        request, {"detail": _("This token may not do that, or not for this organisation."), "errors": {}}, status=403
    )


def _page(items: QuerySet, paging: Paging) -> tuple[dict[str, Any], list[Any]]:
    per_page = max(1, min(paging.per_page, MAX_PER_PAGE))
    page = Paginator(items, per_page).get_page(paging.page)
    return {"count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages}, list(page)


def _url(path: str) -> str:
    return settings.HEARD_SITE_URL + path


def _organisation(organisation: Any) -> dict[str, str]:
    return {"slug": organisation.slug, "name": organisation.name}


def _service(service: Service) -> dict[str, Any]:
    return {
        "slug": service.slug,
        "uid": str(service.uid),
        "name": service.name,
        "description": service.description,
        "category": service.category,
        "status": service.status,
        "organisation": _organisation(service.organisation),
        "areas": [area.name for area in service.areas.all()],
        "eligibility": service.eligibility,
        "fees": service.fees,
        "url": service.url,
        "email": service.email,
        "phone": service.phone,
        "address": service.address,
        "opening_hours": service.opening_hours,
        "html_url": _url(service.get_absolute_url()),
    }


def _response(response: Any) -> dict[str, Any]:
    return {
        "id": response.pk,
        "story_id": response.story_id,
        "organisation": _organisation(response.organisation),
        "status": response.status,
        "text": response.text,
        "created_at": response.created_at,
    }


def _story(story: Story) -> dict[str, Any]:
    return {
        "id": story.pk,
        "service": story.service.slug,
        "title": story.title,
        "text": story.public_text,
        "author": story.shown_name,
        "rating_overall": story.rating_overall,
        "rating_access": story.rating_access,
        "rating_respect": story.rating_respect,
        "rating_outcome": story.rating_outcome,
        "listened": story.listened,
        "published_at": story.published_at,
        "html_url": _url(story.get_absolute_url()),
        "responses": [_response(response) for response in story.responses.all()],
    }


def _public_service(slug: str) -> Service:
    return service_detail(slug=slug)


def _public_organisation(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug)


def _challenge(challenge: Challenge) -> dict[str, Any]:
    """A challenge from `codesign_selectors.public_challenges()`, which counts its ideas."""
    return {
        "slug": challenge.slug,
        "title": challenge.title,
        "context": challenge.context,
        "constraints": challenge.constraints,
        "budget": int(challenge.budget) if challenge.budget is not None else None,
        "organisation": _organisation(challenge.organisation),
        "service": challenge.service.slug if challenge.service else None,
        "phase": challenge.phase.value,
        "ideas_from": challenge.ideas_from,
        "deliberation_from": challenge.deliberation_from,
        "decision_from": challenge.decision_from,
        "delivery_from": challenge.delivery_from,
        "published_at": challenge.published_at,
        "idea_count": challenge.idea_total,
        "url": _url(challenge.get_absolute_url()),
    }


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "idea_id": decision.idea_id,
        "outcome": decision.outcome,
        "reason": decision.reason,
        "version": decision.version,
        "correction_note": decision.correction_note,
        "published_at": decision.published_at,
    }


def _idea(idea: Idea, *, challenge: Challenge, decisions: list[Decision]) -> dict[str, Any]:
    """`challenge` is passed in so a list of one challenge's ideas does not load it for each idea;
    `decisions` are the idea's decision versions, the current one first. The author is left out:
    their name is on the site, their address never leaves it."""
    commitment = getattr(idea, "commitment", None)  # loaded with the idea (select_related), or none
    return {
        "id": idea.pk,
        "challenge": challenge.slug,
        "title": idea.title,
        "description": idea.description,
        "support_count": idea.support_count,
        "comment_count": idea.comment_count,
        "shortlisted": idea.shortlisted,
        "created_at": idea.created_at,
        "url": _url(reverse("codesign:idea", kwargs={"slug": challenge.slug, "pk": idea.pk})),
        "decision": _decision(decisions[0]) if decisions else None,
        "commitment": commitment.pk if commitment else None,
    }


def _commitment(commitment: Commitment) -> dict[str, Any]:
    return {
        "id": commitment.pk,
        "idea_id": commitment.idea_id,
        "challenge": commitment.idea.challenge.slug,
        "organisation": _organisation(commitment.organisation),
        "title": commitment.title,
        "description": commitment.description,
        "owner_title": commitment.owner_title,
        "due_on": commitment.due_on,
        "status": commitment.status,
        "finished_on": commitment.finished_on,
        "late": commitment.is_late,
        "url": _url(commitment.get_absolute_url()),
    }


def _commitment_event(event: CommitmentEvent) -> dict[str, Any]:
    # Who wrote it stays on the site: the public record is the organisation's, not a person's.
    return {
        "id": event.pk,
        "kind": event.kind,
        "text": event.text,
        "status_before": event.status_before,
        "status_after": event.status_after,
        "created_at": event.created_at,
    }


def _public_challenge(slug: str) -> Challenge:
    return get_object_or_404(codesign_selectors.public_challenges(), slug=slug)


def _acting_person(request: HttpRequest, organisation: Any) -> Any:
    """The person a token acts as, for something belonging to `organisation`: a token speaks
    only for its own organisation, and only as far as its maker's roles allow."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if organisation.pk != token.organisation_id:
        raise PermissionDenied
    return token.created_by


def _write_allowed(request: HttpRequest) -> None:
    refusal = token_write_refusal(request, request.auth)  # type: ignore[attr-defined]
    if refusal:
        raise ValidationError(refusal)


# Reading


@api.get("/services", response=schemas.ServicePage, tags=["services"], summary="List services")
def services_list(request: HttpRequest, paging: Query[Paging], q: str = "", category: str = "") -> Any:
    items = service_search(text=q, category=category).prefetch_related("areas")
    meta, rows = _page(items, paging)
    return {**meta, "results": [_service(service) for service in rows]}


@api.get("/services/{slug}", response=schemas.ServiceOut, tags=["services"], summary="One service")
def services_detail(request: HttpRequest, slug: str) -> Any:
    return _service(_public_service(slug))


@api.get("/stories", response=schemas.StoryPage, tags=["stories"], summary="Published stories, newest first")
def stories_list(request: HttpRequest, paging: Query[Paging], service: str = "", rating: int | None = None) -> Any:
    about = _public_service(service) if service else None
    meta, rows = _page(voice_selectors.public_stories(service=about, rating=rating), paging)
    return {**meta, "results": [_story(story) for story in rows]}


@api.get("/stories/{story_id}", response=schemas.StoryOut, tags=["stories"], summary="One published story")
def stories_detail(request: HttpRequest, story_id: int) -> Any:
    return _story(get_object_or_404(voice_selectors.public_stories(), pk=story_id))


@api.get("/responses", response=schemas.ResponsePage, tags=["responses"], summary="Providers' answers")
def responses_list(request: HttpRequest, paging: Query[Paging], service: str = "", status: str = "") -> Any:
    about = _public_service(service) if service else None
    meta, rows = _page(voice_selectors.public_responses(service=about, status=status), paging)
    return {**meta, "results": [_response(response) for response in rows]}


@api.get("/changes", response=schemas.ChangePage, tags=["changes"], summary="“You said, we did”")
def changes_list(request: HttpRequest, paging: Query[Paging], service: str = "") -> Any:
    about = _public_service(service) if service else None
    meta, rows = _page(voice_selectors.public_changes(service=about), paging)
    return {
        **meta,
        "results": [
            {
                "id": change.pk,
                "service": change.service.slug,
                "title": change.title,
                "description": change.description,
                "changed_on": change.changed_on,
                "stories": [story.pk for story in change.stories.all()],
            }
            for change in rows
        ],
    }


@api.get("/challenges", response=schemas.ChallengePage, tags=["co-design"], summary="Published challenges, newest")
def challenges_list(request: HttpRequest, paging: Query[Paging], organisation: str = "") -> Any:
    challenges = codesign_selectors.public_challenges()
    if organisation:
        challenges = challenges.filter(organisation=_public_organisation(organisation))
    meta, rows = _page(challenges, paging)
    return {**meta, "results": [_challenge(challenge) for challenge in rows]}


@api.get("/challenges/{slug}", response=schemas.ChallengeOut, tags=["co-design"], summary="One published challenge")
def challenges_detail(request: HttpRequest, slug: str) -> Any:
    return _challenge(_public_challenge(slug))


@api.get(
    "/challenges/{slug}/ideas",
    response=schemas.IdeaPage,
    tags=["co-design"],
    summary="A challenge's ideas on show",
    description="Most supported first (`order=support`), or newest first (`order=new`). "
    "Hidden and merged ideas are not listed; a merged idea is still found by its id.",
)
def challenge_ideas(
    request: HttpRequest, slug: str, paging: Query[Paging], order: Literal["support", "new"] = "support"
) -> Any:
    challenge = _public_challenge(slug)
    meta, rows = _page(codesign_selectors.ideas(challenge=challenge, order=order), paging)
    return {
        **meta,
        "results": [_idea(idea, challenge=challenge, decisions=idea.decision_versions) for idea in rows],
    }


@api.get("/ideas/{idea_id}", response=schemas.IdeaDetailOut, tags=["co-design"], summary="One idea and its decisions")
def ideas_detail(request: HttpRequest, idea_id: int) -> Any:
    idea = codesign_selectors.public_idea(pk=idea_id)
    decisions = codesign_selectors.decisions_of(idea)
    return {
        **_idea(idea, challenge=idea.challenge, decisions=decisions),
        "status": idea.status,
        "merged_into": idea.merged_into_id,
        "decisions": [_decision(decision) for decision in decisions],
    }


@api.get(
    "/decisions",
    response=schemas.DecisionPage,
    tags=["co-design"],
    summary="Decisions on ideas, newest first",
    description="The current version of each decision; `all_versions=true` lists corrected versions too.",
)
def decisions_list(
    request: HttpRequest, paging: Query[Paging], organisation: str = "", all_versions: bool = False
) -> Any:
    by = _public_organisation(organisation) if organisation else None
    meta, rows = _page(codesign_selectors.public_decisions(organisation=by, all_versions=all_versions), paging)
    return {
        **meta,
        "results": [
            {
                **_decision(decision),
                "challenge": decision.idea.challenge.slug,
                "organisation": _organisation(decision.organisation),
                "url": _url(decision.idea.get_absolute_url()),
            }
            for decision in rows
        ],
    }


@api.get("/commitments", response=schemas.CommitmentPage, tags=["co-design"], summary="Commitments, soonest due first")
def commitments_list(request: HttpRequest, paging: Query[Paging], organisation: str = "", status: str = "") -> Any:
    commitments = codesign_selectors.public_commitments()
    if organisation:
        commitments = commitments.filter(organisation=_public_organisation(organisation))
    if status:
        commitments = commitments.filter(status=status)
    meta, rows = _page(commitments, paging)
    return {**meta, "results": [_commitment(commitment) for commitment in rows]}


@api.get(
    "/commitments/{commitment_id}",
    response=schemas.CommitmentDetailOut,
    tags=["co-design"],
    summary="One commitment, with its milestones and history",
)
def commitments_detail(request: HttpRequest, commitment_id: int) -> Any:
    history = CommitmentEvent.objects.order_by("-created_at", "-pk")
    found = codesign_selectors.public_commitments().prefetch_related("milestones", Prefetch("events", queryset=history))
    commitment = get_object_or_404(found, pk=commitment_id)
    return {
        **_commitment(commitment),
        "milestones": [
            {"title": m.title, "due_on": m.due_on, "reached_on": m.reached_on, "late": m.is_late}
            for m in commitment.milestones.all()
        ],
        "history": [_commitment_event(event) for event in commitment.events.all()],
    }


# Writing


@api.post(
    "/stories",
    response={201: schemas.SubmittedOut, 400: schemas.ErrorOut, 404: schemas.ErrorOut},
    auth=TokenAuth(Scope.STORIES_WRITE),
    tags=["stories"],
    summary="Tell a story (it waits to be checked)",
)
def stories_create(request: HttpRequest, payload: schemas.StoryIn) -> Any:
    _write_allowed(request)
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    story = voice_services.story_submit(
        service=_public_service(payload.service),
        by=None,
        title=payload.title,
        text=payload.text,
        rating_overall=payload.rating_overall,
        listened=payload.listened,
        rating_access=payload.rating_access,
        rating_respect=payload.rating_respect,
        rating_outcome=payload.rating_outcome,
        author_email=payload.author_email,
        author_name=payload.author_name,
        site_url=settings.HEARD_SITE_URL,
        confirm_email=token.confirm_by_email and bool(payload.author_email),
        via_token=token.pk,
    )
    return Status(201, {"id": story.pk, "status": story.status})


@api.post(
    "/stories/{story_id}/responses",
    response={201: schemas.ResponseOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut, 404: schemas.ErrorOut},
    auth=TokenAuth(Scope.RESPONSES_WRITE),
    tags=["responses"],
    summary="Answer a published story",
)
def responses_create(request: HttpRequest, story_id: int, payload: schemas.ResponseIn) -> Any:
    _write_allowed(request)
    story = voice_selectors.published_story(request, story_id)
    person = _acting_person(request, story.service.organisation)
    check(person, "voice.respond", story)
    response = voice_services.response_create(
        story=story, by=person, text=payload.text, status=payload.status, site_url=settings.HEARD_SITE_URL
    )
    return Status(201, _response(response))


@api.post(
    "/changes",
    response={201: schemas.ChangeOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut, 404: schemas.ErrorOut},
    auth=TokenAuth(Scope.CHANGES_WRITE),
    tags=["changes"],
    summary="Record a change to a service and the stories behind it",
)
def changes_create(request: HttpRequest, payload: schemas.ChangeIn) -> Any:
    _write_allowed(request)
    service = _public_service(payload.service)
    person = _acting_person(request, service.organisation)
    check(person, "voice.record_change", service)
    stories = list(Story.objects.filter(pk__in=payload.stories))
    if len(stories) != len(set(payload.stories)):
        raise ValidationError({"stories": [_("Some of these stories do not exist.")]})
    change = voice_services.change_record(
        service=service,
        by=person,
        title=payload.title,
        description=payload.description,
        changed_on=payload.changed_on,
        stories=stories,
        site_url=settings.HEARD_SITE_URL,
    )
    return Status(
        201,
        {
            "id": change.pk,
            "service": service.slug,
            "title": change.title,
            "description": change.description,
            "changed_on": change.changed_on,
            "stories": [story.pk for story in stories],
        },
    )


@api.post(
    "/ideas/{idea_id}/decisions",
    response={201: schemas.DecisionOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut, 404: schemas.ErrorOut},
    auth=TokenAuth(Scope.CODESIGN),
    tags=["co-design"],
    summary="Publish the decision on a shortlisted idea, or correct it",
    description=(
        "Without `correction_note`, publishes the first decision on a shortlisted idea once its challenge "
        "reaches the decision phase; the idea's author and supporters are emailed. A decision is published "
        "for good: there is no PUT or PATCH, and a second decision is refused (400). To put something right, "
        "post again with `correction_note` saying what the new version corrects: it is published as the next "
        "version, and the earlier ones stay on show beside it."
    ),
)
def decisions_create(request: HttpRequest, idea_id: int, payload: schemas.DecisionIn) -> Any:
    _write_allowed(request)
    idea = codesign_selectors.public_idea(pk=idea_id)
    person = _acting_person(request, idea.challenge.organisation)
    check(person, "codesign.decide", idea)
    if payload.correction_note is None:
        decision = delivery.decision_publish(
            idea=idea, by=person, outcome=payload.outcome, reason=payload.reason, site_url=settings.HEARD_SITE_URL
        )
    else:
        decision = delivery.decision_correct(
            idea=idea,
            by=person,
            outcome=payload.outcome,
            reason=payload.reason,
            correction_note=payload.correction_note,
            site_url=settings.HEARD_SITE_URL,
        )
    return Status(201, _decision(decision))


@api.post(
    "/commitments/{commitment_id}/progress",
    response={201: schemas.CommitmentEventOut, 400: schemas.ErrorOut, 403: schemas.ErrorOut, 404: schemas.ErrorOut},
    auth=TokenAuth(Scope.CODESIGN),
    tags=["co-design"],
    summary="Post progress on a commitment, perhaps with a new status",
    description="Kept and dropped are final; dropping needs the reason in `text`. Everyone behind the idea is emailed.",
)
def commitments_progress(request: HttpRequest, commitment_id: int, payload: schemas.ProgressIn) -> Any:
    _write_allowed(request)
    commitment = get_object_or_404(codesign_selectors.public_commitments(), pk=commitment_id)
    person = _acting_person(request, commitment.idea.challenge.organisation)
    check(person, "codesign.update_commitment", commitment)
    event = delivery.commitment_progress(
        commitment=commitment, by=person, text=payload.text, status=payload.status, site_url=settings.HEARD_SITE_URL
    )
    return Status(201, _commitment_event(event))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> Any:
    return api.create_response(request, {"detail": _("Not found."), "errors": {}}, status=404)
