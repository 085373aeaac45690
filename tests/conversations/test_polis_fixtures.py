"""Our representative statements and group-aware consensus against Pol.is's own math.

red-dwarf's test fixtures hold, for five public pol.is conversations, the raw votes and what Pol.is's
Clojure math computed from them (math-pca2.json). Given Pol.is's groups and its per-group vote
counts, our repness must pick the same statements, in the same order, with the same figures, and
our group-aware consensus must be Pol.is's. The full fixtures (../shared/data/polis/
polis-math-fixtures) are used when present, else the trimmed copy kept in tests/data/polis/
polis-math-fixtures, so this always runs. The group counts are also rebuilt from the raw votes:
for below-100-ptpts always (its votes are kept in the repository), for the others when the full
fixtures are here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from heard.conversations.analysis import group_aware_consensus, representative_statements
from tests.conversations.polis_data import VENDORED, polis_dir

FIXTURES = (
    "150ptpt-3gp-no-strict-no-meta",
    "25ptpt-3gp-no-strict-with-meta",
    "50ptpt-3gp-strict-no-meta",
    "above-100-ptpts",
    "below-100-ptpts",
)


# The fixtures kept in the repository with their raw votes, so the rebuild below always runs.
WITH_VOTES = {"below-100-ptpts"}


def fixture_dir(name: str, *, marker: str = "math-pca2.json") -> Path | None:
    """The folder of one fixture holding `marker`: the full one if present, else the trimmed copy."""
    return polis_dir(f"polis-math-fixtures/{name}", marker=marker)


def load_math(name: str) -> dict[str, Any]:
    folder = fixture_dir(name)
    assert folder is not None, f"{name} should be in {VENDORED / 'polis-math-fixtures'}"
    return json.loads((folder / "math-pca2.json").read_text(encoding="utf-8"))


def polis_counts(math: dict[str, Any]) -> tuple[list[int], list[int], np.ndarray, np.ndarray, np.ndarray]:
    """Pol.is's groups, the statements, and its agree / disagree / vote counts per group and statement."""
    group_ids = [group["id"] for group in math["group-clusters"]]
    tids = sorted({int(t) for group in math["group-votes"].values() for t in group["votes"]})
    column = {t: j for j, t in enumerate(tids)}
    na, nd, ns = (np.zeros((len(group_ids), len(tids))) for _ in range(3))
    for g, gid in enumerate(group_ids):
        for t, counts in math["group-votes"][str(gid)]["votes"].items():
            j = column[int(t)]
            na[g, j], nd[g, j], ns[g, j] = counts["A"], counts["D"], counts["S"]
    return group_ids, tids, na, nd, ns


def assert_same_repness(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    assert [(e["statement_id"], e["direction"]) for e in ours] == [(e["tid"], e["repful-for"]) for e in theirs]
    for mine, polis in zip(ours, theirs, strict=True):
        assert (mine["n_success"], mine["n_trials"]) == (polis["n-success"], polis["n-trials"])
        assert mine["best_agree"] == polis.get("best-agree", False)
        assert mine["repness"] == pytest.approx(polis["repness"], rel=1e-12)
        assert mine["p_success"] == pytest.approx(polis["p-success"], rel=1e-12)
        assert mine["p_test"] == pytest.approx(polis["p-test"], rel=1e-12)
        # Pol.is rounds repness-test to a 32-bit float.
        assert mine["repness_test"] == pytest.approx(polis["repness-test"], rel=1e-6)


@pytest.mark.parametrize("name", FIXTURES)
def test_repness_matches_polis_given_its_groups(name):
    math = load_math(name)
    group_ids, tids, na, nd, ns = polis_counts(math)
    # Pol.is leaves moderated-out and meta statements out of repness.
    left_out = set(math["mod-out"]) | set(math["meta-tids"])
    excluded = np.array([t in left_out for t in tids])
    for g, gid in enumerate(group_ids):
        ours = representative_statements(g, na, nd, ns, np.array(tids), excluded)
        assert_same_repness(ours, math["repness"][str(gid)])


@pytest.mark.parametrize("name", FIXTURES)
def test_group_aware_consensus_matches_polis(name):
    math = load_math(name)
    _group_ids, tids, na, _nd, ns = polis_counts(math)
    ours = dict(zip(tids, group_aware_consensus(na, ns).tolist(), strict=True))
    theirs = {int(t): value for t, value in math["group-aware-consensus"].items()}
    assert set(ours) == set(theirs)
    for t, value in theirs.items():
        assert ours[t] == pytest.approx(value, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", FIXTURES)
def test_group_counts_rebuilt_from_the_raw_votes_are_polis(name):
    """The counts above are Pol.is's; rebuilt from the raw votes (the latest per pair, signs as in
    the CSV exports: +1 agree) and Pol.is's groups, they are the same, so the comparison holds from
    votes to representative statements."""
    folder = fixture_dir(name, marker="votes.json")
    if folder is None:
        assert name not in WITH_VOTES, f"{name}/votes.json should be in {VENDORED / 'polis-math-fixtures'}"
        pytest.skip(f"the raw votes of {name} are not here")
    math = json.loads((folder / "math-pca2.json").read_text(encoding="utf-8"))
    votes = json.loads((folder / "votes.json").read_text(encoding="utf-8"))
    base = dict(zip(math["base-clusters"]["id"], math["base-clusters"]["members"], strict=True))
    group_of = {pid: group["id"] for group in math["group-clusters"] for b in group["members"] for pid in base[b]}
    latest: dict[tuple[int, int], int] = {}
    for vote in sorted(votes, key=lambda v: float(v["modified"])):
        pair = (vote.get("pid", vote.get("participant_id")), vote.get("tid", vote.get("statement_id")))
        latest[pair] = int(vote["vote"])
    rebuilt: dict[tuple[int, int], list[int]] = {}
    for (pid, tid), value in latest.items():
        if pid in group_of:
            counts = rebuilt.setdefault((group_of[pid], tid), [0, 0, 0])
            counts[0] += value == 1
            counts[1] += value == -1
            counts[2] += 1
    polis = {
        (int(gid), int(t)): [c["A"], c["D"], c["S"]]
        for gid, group in math["group-votes"].items()
        for t, c in group["votes"].items()
        if c["S"]
    }
    assert rebuilt == polis
