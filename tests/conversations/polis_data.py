"""Where the real Pol.is conversations are: HEARD_POLIS_DATA if set, the full set beside the
project (../shared/data/polis), and the three kept in the repository (tests/data/polis)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

VENDORED = Path(__file__).resolve().parents[1] / "data" / "polis"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"


KEPT = {"15-per-hour-seattle", "brexit-consensus", "canadian-electoral-reform"}


def polis_dir(name: str, *, marker: str = "comments.csv") -> Path | None:
    """The first folder `name` holding `marker` (by default a conversation's export), or None if it
    is nowhere here."""
    for root in (os.environ.get("HEARD_POLIS_DATA"), SHARED, VENDORED):
        if root and (Path(root) / name / marker).is_file():
            return Path(root) / name
    return None


def here(name: str) -> Path:
    """A real conversation's folder. The three kept in the repository must be there; the others are
    tested when the full set is present."""
    found = polis_dir(name)
    if found is None:
        assert name not in KEPT, f"{name} should be in tests/data/polis"
        pytest.skip(f"the Pol.is export {name} is not here")
    return found
