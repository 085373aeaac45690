"""UK postcodes: tidy what a person typed, check its shape, and take the part Heard needs.

Heard matches places by postcode district (the outward code, "E8" in "E8 1EA") or sector
("E8 1"), never storing a full postcode where the district will do.
"""

from __future__ import annotations

import re

# The shapes of UK postcodes (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA).
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise(value: str) -> str:
    """Upper case, no spaces: "e8 1ea " -> "E81EA"."""
    return re.sub(r"\s+", "", value or "").upper()


def is_valid(value: str, *, allow_district: bool = False) -> bool:
    """A full postcode, or (if allowed) a district on its own such as "E8"."""
    compact = normalise(value)
    if _FULL.match(compact):
        return True
    return allow_district and bool(_OUTWARD.match(compact))


def formatted(value: str) -> str:
    """ "e81ea" -> "E8 1EA"; a district stays as it is."""
    compact = normalise(value)
    match = _FULL.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else compact


def district(value: str) -> str:
    """The outward code: "E8 1EA" -> "E8". Returns "" for something that is not a postcode."""
    compact = normalise(value)
    match = _FULL.match(compact)
    if match:
        return match.group(1)
    return compact if _OUTWARD.match(compact) else ""


def normalise_prefix(value: str) -> str:
    """The stored form of a prefix an administrator typed: a district ("e8" -> "E8"), a sector
    ("e8 1" -> "E8 1") or a full postcode ("e81ea" -> "E8 1EA"). The space between outward and
    inward code is kept, so the sector "SE1 1" never collides with the district "SE11".
    Returns "" for something that is not a prefix."""
    text = " ".join((value or "").upper().split())
    if _FULL.match(normalise(text)):
        return formatted(text)
    if _OUTWARD.match(text):
        return text
    outward, _, inward = text.partition(" ")
    if _OUTWARD.match(outward) and re.fullmatch(r"[0-9][A-Z]?", inward):
        return f"{outward} {inward}"
    return ""


def prefixes(value: str) -> list[str]:
    """Every stored prefix a postcode could match, longest first: "E14 2AB" -> ["E14 2AB",
    "E14 2A", "E14 2", "E14"]. The district is the shortest, so "E1" never matches "E14"."""
    compact = normalise(value)
    match = _FULL.match(compact)
    if match:
        outward, inward = match.group(1), match.group(2)
        return [f"{outward} {inward[:n]}" for n in range(len(inward), 0, -1)] + [outward]
    if _OUTWARD.match(compact):
        return [compact]
    return []
