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


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
