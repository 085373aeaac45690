"""Numbers as people read them."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format


def grouped(value: int | float | Decimal) -> str:
    """A count with its digits grouped by thousands the reader's way: "12,000" in British English,
    "12 000" in French. Asked for where counts are shown, because USE_THOUSAND_SEPARATOR stays off:
    with it every number a template prints would be grouped, ids and years in links and attributes too."""
    return number_format(value, force_grouping=True)
