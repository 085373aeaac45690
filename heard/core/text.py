"""Plain text from outside (API clients, forms): characters that are not text are taken out.

Control characters other than tab and line breaks have no place in what people write; NUL cannot
be stored by PostgreSQL, and XML 1.0 cannot carry most of the others, so one stray byte from a
client could otherwise break every XML answer that includes it."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; the two non-characters
# U+FFFE and U+FFFF; lone surrogates (which cannot be encoded as UTF-8).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def without_control_characters(value: str) -> str:
    return _NOT_TEXT.sub("", value)


def spreadsheet_safe(value: str) -> str:
    """Words someone wrote, never read as a formula when a CSV or Excel file is opened."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def required_text(value: str, *, field: str, empty: str, limit: int = 10_000) -> str:
    """What someone wrote, tidied, for a field that must not be empty: a ValidationError naming the
    field (with `empty` as its message) when nothing is left, or when it is longer than `limit`."""
    cleaned = without_control_characters(value or "").strip()
    if not cleaned:
        raise ValidationError({field: empty})
    if len(cleaned) > limit:
        raise ValidationError({field: _("Write %(limit)d characters or fewer.") % {"limit": limit}})
    return cleaned
