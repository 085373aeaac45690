"""The shapes the REST API reads and writes (pydantic, through django-ninja)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from heard.voice.models import MAX_STORY_LENGTH


class OrganisationOut(Schema):
    slug: str
    name: str


class ServiceOut(Schema):
    slug: str
    uid: str
    name: str
    description: str
    category: str
    status: str
    organisation: OrganisationOut
    areas: list[str]
    eligibility: str
    fees: str
    url: str
    email: str
    phone: str
    address: str
    opening_hours: str
    html_url: str


class ServicePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ServiceOut]


class ResponseOut(Schema):
    id: int
    story_id: int
    organisation: OrganisationOut
    status: str
    text: str
    created_at: dt.datetime


class StoryOut(Schema):
    id: int
    service: str = Field(description="The service's slug")
    title: str
    text: str
    author: str
    rating_overall: int
    rating_access: int | None
    rating_respect: int | None
    rating_outcome: int | None
    listened: str
    published_at: dt.datetime | None
    html_url: str
    responses: list[ResponseOut]


class StoryPage(Schema):
    count: int
    page: int
    pages: int
    results: list[StoryOut]


class ResponsePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ResponseOut]


class ChangeOut(Schema):
    id: int
    service: str
    title: str
    description: str
    changed_on: dt.date
    stories: list[int]


class ChangePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ChangeOut]


class StoryIn(Schema):
    service: str = Field(description="The service's slug")
    title: str = Field(max_length=120)
    text: str = Field(max_length=MAX_STORY_LENGTH)
    rating_overall: int = Field(ge=1, le=5)
    listened: str = Field(description="yes, partly or no")
    rating_access: int | None = Field(default=None, ge=1, le=5)
    rating_respect: int | None = Field(default=None, ge=1, le=5)
    rating_outcome: int | None = Field(default=None, ge=1, le=5)
    author_name: str = Field(default="", max_length=80)
    author_email: str = Field(default="", description="Where the author hears the outcome (optional)")


class SubmittedOut(Schema):
    id: int
    status: str


class ResponseIn(Schema):
    text: str = Field(max_length=MAX_STORY_LENGTH)
    status: str = Field(description="acknowledged, looking_into_it, change_planned or change_made")


class ChangeIn(Schema):
    service: str
    title: str = Field(max_length=200)
    description: str = ""
    changed_on: dt.date
    stories: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = []


# Co-design


class ChallengeOut(Schema):
    slug: str
    title: str
    context: str
    constraints: str
    budget: int | None = Field(description="In pounds, when the challenge has one")
    organisation: OrganisationOut
    service: str | None = Field(description="The service's slug, when the challenge is about one")
    phase: str = Field(description="upcoming, ideas, deliberation, decision or delivery, going by today's date")
    ideas_from: dt.datetime
    deliberation_from: dt.datetime
    decision_from: dt.datetime
    delivery_from: dt.datetime
    published_at: dt.datetime
    idea_count: int = Field(description="Ideas on show")
    url: str


class ChallengePage(Schema):
    count: int
    page: int
    pages: int
    results: list[ChallengeOut]


class DecisionOut(Schema):
    id: int
    idea_id: int
    outcome: str = Field(description="accepted, adapted or declined")
    reason: str
    version: int = Field(description="1, or higher for a correction; every version stays on show")
    correction_note: str = Field(description="What a correction corrects (empty for version 1)")
    published_at: dt.datetime


class IdeaOut(Schema):
    id: int
    challenge: str = Field(description="The challenge's slug")
    title: str
    description: str
    support_count: int
    comment_count: int
    shortlisted: bool
    created_at: dt.datetime
    url: str
    decision: DecisionOut | None = Field(description="The current version of the decision, if there is one")
    commitment: int | None = Field(description="The commitment's id, if the idea became one")


class IdeaPage(Schema):
    count: int
    page: int
    pages: int
    results: list[IdeaOut]


class IdeaDetailOut(IdeaOut):
    status: str = Field(description="published, or merged into another idea")
    merged_into: int | None = Field(description="The idea this one was merged into")
    decisions: list[DecisionOut] = Field(description="Every version of the decision, the current one first")


class DecisionListOut(DecisionOut):
    challenge: str = Field(description="The challenge's slug")
    organisation: OrganisationOut
    url: str = Field(description="The idea's page")


class DecisionPage(Schema):
    count: int
    page: int
    pages: int
    results: list[DecisionListOut]


class CommitmentOut(Schema):
    id: int
    idea_id: int
    challenge: str = Field(description="The challenge's slug")
    organisation: OrganisationOut
    title: str
    description: str
    owner_title: str = Field(description="The job title of the person who answers for it")
    due_on: dt.date
    status: str = Field(description="planned, in_progress, kept or dropped")
    finished_on: dt.date | None = Field(description="When it was kept or dropped")
    late: bool = Field(description="Still open after its due date")
    url: str


class CommitmentPage(Schema):
    count: int
    page: int
    pages: int
    results: list[CommitmentOut]


class MilestoneOut(Schema):
    title: str
    due_on: dt.date
    reached_on: dt.date | None
    late: bool


class CommitmentEventOut(Schema):
    id: int
    kind: str = Field(description="created, progress, status, due_date, milestone or late")
    text: str
    status_before: str
    status_after: str
    created_at: dt.datetime


class CommitmentDetailOut(CommitmentOut):
    milestones: list[MilestoneOut]
    history: list[CommitmentEventOut] = Field(description="Newest first")


class DecisionIn(Schema):
    outcome: str = Field(description="accepted, adapted (accepted with changes) or declined")
    reason: str = Field(max_length=10_000)
    correction_note: str | None = Field(
        default=None,
        max_length=300,
        description="Give this to correct the published decision: a new version is published beside it",
    )


class ProgressIn(Schema):
    text: str = Field(max_length=4000)
    status: str = Field(description="planned, in_progress, kept or dropped (kept and dropped are final)")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
