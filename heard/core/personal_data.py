"""The register of where personal data lives, so that download and erasure reach all of it.

Each app registers, in its `AppConfig.ready()`, every model that holds data about a person: how to
find that person's rows, which fields to put in their download, and how to erase them (delete the
rows, or blank the fields and keep the row because it is a public contribution). A test checks that
every model with a link to the user model is registered, so a new app cannot forget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import models

Erase = Literal["delete", "anonymise", "keep"]


@dataclass(frozen=True)
class PersonalDataSource:
    # The heading of this part in the person's download.
    name: str
    model: type[models.Model]
    # Returns the queryset of this person's rows.
    rows_for: Callable[[Any], models.QuerySet]
    # Fields to include in the person's download.
    fields: tuple[str, ...]
    erase: Erase
    # For erase="anonymise": field name -> value written in place of the personal value.
    anonymise_with: dict[str, Any] = field(default_factory=dict)
    # Why the model links to a person without holding their personal data (erase="keep").
    reason: str = ""
    # Reasons, in words for the person, why erasing them now would break something (for example,
    # they are an organisation's only administrator). Erasure waits until there are none.
    blocks_erasure: Callable[[Any], list[str]] | None = None


_sources: dict[str, PersonalDataSource] = {}


def register(source: PersonalDataSource, *, before: str | None = None) -> None:
    """Add a source. Erasure goes through sources in order; `before` puts this one ahead of
    another, when this one finds its rows through data the other erases."""
    global _sources
    if before is None or before not in _sources:
        _sources[source.name] = source
        return
    reordered: dict[str, PersonalDataSource] = {}
    for name, existing in _sources.items():
        if name == before:
            reordered[source.name] = source
        reordered[name] = existing
    _sources = reordered


def sources() -> list[PersonalDataSource]:
    return list(_sources.values())


def erasure_blockers(user: Any) -> list[str]:
    return [reason for source in _sources.values() if source.blocks_erasure for reason in source.blocks_erasure(user)]


def registered_models() -> set[type[models.Model]]:
    return {source.model for source in _sources.values()}


def for_user_field(model: type[models.Model], field_name: str = "user") -> Callable[[Any], models.QuerySet]:
    """The common case: rows whose `field_name` foreign key is the person."""
    return lambda user: model._default_manager.filter(**{field_name: user})
