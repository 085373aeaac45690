"""Short names for web addresses, unique among their kind."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(taken: QuerySet, base: str, *, fallback: str = "item", max_length: int = 200) -> str:
    """`base` as a slug, with -2, -3... added until no row of `taken` has it."""
    slug = slugify(base)[:max_length] or fallback
    used = set(taken.filter(slug__startswith=slug).values_list("slug", flat=True))  # one query
    candidate, n = slug, 2
    while candidate in used:
        candidate = f"{slug}-{n}"
        n += 1
    return candidate
