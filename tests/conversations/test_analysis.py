"""The opinion-map analysis on planted structure: participants in known groups with known leanings."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest

from heard.conversations.analysis import (
    Analysis,
    Votes,
    adjusted_rand_index,
    admitted_from_history,
    analyse,
    representative_statements,
)

CONSENSUS = 4  # statements 0..3: every group agrees


@dataclass
class Planted:
    truth: np.ndarray  # each participant's planted group
    lean: np.ndarray  # groups x statements: +1 the group agrees, -1 it disagrees
    votes: Votes


def planted(
    participants: int = 600,
    statements: int = 60,
    density: float = 0.4,
    *,
    seed: int = 1,
    shares: tuple[float, ...] = (0.45, 0.35, 0.2),
    follow: float = 0.75,
    against: float = 0.1,
) -> Planted:
    """Three groups; a member votes their group's way with probability `follow`, the other way with
    `against`, and passes otherwise. Past the consensus statements, the groups never all agree or all
    disagree, so that consensus is only where it was planted."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(len(shares), size=participants, p=np.array(shares) / sum(shares))
    patterns = np.array([[1, 1, -1], [1, -1, 1], [-1, 1, 1], [-1, -1, 1], [-1, 1, -1], [1, -1, -1]]).T
    lean = patterns[:, rng.integers(0, patterns.shape[1], statements)]
    lean[:, :CONSENSUS] = 1
    seen = rng.random((participants, statements)) < density
    rows, cols = np.nonzero(seen)
    u = rng.random(len(rows))
    way = lean[truth[rows], cols]
    values = np.where(u < follow, way, np.where(u < follow + against, -way, 0))
    votes = Votes.from_triples(rows + 1000, cols + 1, values)  # ids are not indices
    return Planted(truth=truth, lean=lean, votes=votes)


def planted_labels(data: Planted, analysis: Analysis) -> tuple[np.ndarray, np.ndarray]:
    labels = analysis.labels()
    ids = np.array(analysis.participants_clustered)
    return data.truth[ids - 1000], np.array([labels[i] for i in ids.tolist()])


def group_to_planted(data: Planted, analysis: Analysis) -> dict[int, int]:
    truth, ours = planted_labels(data, analysis)
    return {g: int(np.bincount(truth[ours == g]).argmax()) for g in np.unique(ours)}


@pytest.fixture(scope="module")
def data() -> Planted:
    return planted()


@pytest.fixture(scope="module")
def result(data: Planted) -> Analysis:
    return analyse(data.votes)


def test_analyse_recovers_planted_groups(data, result):
    assert result.enough_votes
    assert result.k == 3
    truth, ours = planted_labels(data, result)
    assert adjusted_rand_index(truth, ours) >= 0.9
    assert [g["id"] for g in result.groups] == [0, 1, 2]
    sizes = [g["size"] for g in result.groups]
    assert sizes == sorted(sizes, reverse=True), "ids follow size on a cold start"
    assert len(result.coordinates) == len(result.participants_clustered)


def test_analyse_repness_directions_match_planted_leanings(data, result):
    mapping = group_to_planted(data, result)
    for group in result.groups:
        assert group["repness"], "every group has representative statements"
        planted_group = mapping[group["id"]]
        for entry in group["repness"]:
            sign = 1 if entry["direction"] == "agree" else -1
            assert data.lean[planted_group, entry["statement_id"] - 1] == sign
            assert entry["z"] == entry["repness_test"]
            assert entry["p_success"] > 0.5
        directions = [entry["direction"] for entry in group["repness"]]
        assert directions == sorted(directions, key=lambda d: d != "agree"), "agrees come first"


def test_analyse_finds_consensus_where_planted(result):
    agreed = [entry for entry in result.consensus if entry["direction"] == "agree"]
    assert agreed
    assert {entry["statement_id"] for entry in result.consensus} <= set(range(1, CONSENSUS + 1))
    for entry in agreed:
        assert all(p > 0.5 for p in entry["group_probabilities"].values())
        assert entry["probability"] == pytest.approx(np.prod(list(entry["group_probabilities"].values())))


def test_analyse_divisive_statements_split_the_groups(data, result):
    assert result.divisive
    mapping = group_to_planted(data, result)
    for entry in result.divisive:
        j = entry["statement_id"] - 1
        assert j >= CONSENSUS
        assert data.lean[mapping[entry["most_for"]], j] == 1
        assert data.lean[mapping[entry["most_against"]], j] == -1


def test_analyse_statement_order_lists_every_statement_once(data, result):
    assert sorted(result.statement_order) == sorted(data.votes.statements.tolist())
    priority = {s["statement_id"]: s["priority"] for s in result.statements_stats}
    ranked = [priority[s] for s in result.statement_order]
    assert ranked == sorted(ranked, reverse=True)


def test_analyse_statement_order_puts_unseen_statements_first(data):
    votes = data.votes
    with_new = Votes(
        participants=votes.participants,
        statements=np.append(votes.statements, 999),
        rows=votes.rows,
        cols=votes.cols,
        values=votes.values,
    )
    assert analyse(with_new).statement_order[0] == 999


def test_analyse_skips_participants_below_min_votes(data):
    votes = data.votes
    counts = np.bincount(votes.rows, minlength=len(votes.participants))
    result = analyse(votes, min_votes=25)
    clustered = set(result.participants_clustered)
    assert clustered == set(votes.participants[counts >= 25].tolist())
    assert 0 < len(clustered) < len(votes.participants)


def test_analyse_with_too_few_votes_has_no_map():
    few = Votes.from_triples([1, 1, 2, 2, 3], [1, 2, 1, 2, 1], [1, -1, 1, 0, -1])
    result = analyse(few)
    assert not result.enough_votes
    assert result.groups == []
    assert result.participants_clustered == []
    assert result.consensus == []
    assert sorted(result.statement_order) == [1, 2]
    assert result.statements_stats[0] == {
        "statement_id": 1,
        "agree": 2,
        "disagree": 1,
        "pass": 0,
        "excluded": False,
        "extremity": 0.0,
        "priority": pytest.approx(result.statements_stats[0]["priority"]),
        "gac_agree": None,
        "gac_disagree": None,
    }


def test_analyse_without_votes_has_no_map():
    empty = Votes.from_triples([], [], [], statements=[1, 2, 3])
    result = analyse(empty)
    assert not result.enough_votes
    assert result.statement_order == [1, 2, 3]


def test_analyse_is_the_same_whatever_the_input_order(data):
    votes = data.votes
    order = np.random.default_rng(5).permutation(len(votes.values))
    shuffled = Votes.from_triples(
        votes.participants[votes.rows[order]], votes.statements[votes.cols[order]], votes.values[order]
    )
    assert analyse(shuffled).to_dict() == analyse(votes).to_dict()


def test_analyse_keeps_group_ids_after_new_votes(data, result):
    more = planted(seed=2)  # a new wave of voters in the same three camps, and new votes
    votes = data.votes
    combined = Votes.from_triples(
        np.concatenate([votes.participants[votes.rows], more.votes.participants[more.votes.rows] + 5000]),
        np.concatenate([votes.statements[votes.cols], votes.statements[votes.cols][: len(more.votes.cols)]]),
        np.concatenate([votes.values, more.votes.values]),
    )
    before = result.labels()
    after = analyse(combined, previous=result).labels()
    shared = [p for p in before if p in after]
    same = np.mean([before[p] == after[p] for p in shared])
    assert same >= 0.97


def test_analyse_follows_previous_group_ids(data, result):
    # Rename the previous groups: the next analysis takes the new names rather than its own order.
    renamed = result.to_dict()
    renamed["groups"] = [{**g, "id": {0: 7, 1: 3, 2: 5}[g["id"]]} for g in renamed["groups"]]
    again = analyse(data.votes, previous=Analysis.from_dict(renamed))
    assert sorted(g["id"] for g in again.groups) == [3, 5, 7]
    old = Analysis.from_dict(renamed).labels()
    new = again.labels()
    assert all(old[p] == new[p] for p in old)


def test_analyse_warm_start_gives_the_same_components(data, result):
    warm = analyse(data.votes, previous=result, seed=9)
    np.testing.assert_allclose(warm.components, result.components, atol=1e-5)
    np.testing.assert_allclose(warm.coordinates, result.coordinates, atol=1e-4)
    assert warm.labels() == result.labels()


def test_analyse_keeps_k_until_another_wins_several_updates(data, result):
    state = result.to_dict()
    state["k"], state["groups"] = 2, [{**g, "id": min(g["id"], 1)} for g in state["groups"][:2]]
    state["k_candidate"], state["k_candidate_runs"] = 2, 5
    forced = Analysis.from_dict(state)
    first = analyse(data.votes, previous=forced, k_buffer=3)
    assert (first.k, first.k_candidate, first.k_candidate_runs) == (2, 3, 1)
    second = analyse(data.votes, previous=first, k_buffer=3)
    assert (second.k, second.k_candidate_runs) == (2, 2)
    third = analyse(data.votes, previous=second, k_buffer=3)
    assert third.k == 3


def test_analyse_leaves_moderated_out_statements_aside(data, result):
    top = [entry["statement_id"] for group in result.groups for entry in group["repness"]][:3]
    votes = data.votes
    moderated = Votes(
        participants=votes.participants,
        statements=votes.statements,
        rows=votes.rows,
        cols=votes.cols,
        values=votes.values,
        excluded_statements=(*top, 1),
    )
    again = analyse(moderated)
    listed = {e["statement_id"] for g in again.groups for e in g["repness"]}
    listed |= {e["statement_id"] for e in again.consensus} | {e["statement_id"] for e in again.divisive}
    assert not listed & {*top, 1}
    assert not set(again.statement_order) & {*top, 1}
    assert not set(again.statement_ids) & {*top, 1}
    stats = {s["statement_id"]: s for s in again.statements_stats}
    assert stats[1]["excluded"]
    assert stats[1]["agree"] > 0
    truth, ours = planted_labels(data, again)
    assert adjusted_rand_index(truth, ours) >= 0.9


def test_analysis_round_trips_through_json(result):
    text = json.dumps(result.to_dict())
    assert Analysis.from_dict(json.loads(text)) == result


def test_votes_from_triples_keeps_the_last_vote_per_pair():
    votes = Votes.from_triples(["b", "a", "b"], [2, 2, 2], [1, -1, -1], statements=[1, 2])
    assert votes.participants.tolist() == ["a", "b"]
    assert votes.statements.tolist() == [1, 2]
    assert sorted(zip(votes.rows.tolist(), votes.cols.tolist(), votes.values.tolist(), strict=True)) == [
        (0, 1, -1),
        (1, 1, -1),
    ]


@pytest.mark.parametrize(
    ("participants", "statements", "values", "kwargs", "message"),
    [
        ([1], [1], [2], {}, "votes must be -1"),
        ([1], [1], [0.5], {}, "votes must be -1"),
        ([1, 2], [1], [1], {}, "same length"),
        ([1], [3], [1], {"statements": [1, 2]}, "statement 3 is not among"),
    ],
)
def test_votes_from_triples_rejects_bad_votes(participants, statements, values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Votes.from_triples(participants, statements, values, **kwargs)


def test_adjusted_rand_index():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 2, 2]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(0.2424, abs=1e-4)


def test_admitted_from_history_replays_polis_admission():
    # Statements appear one by one; participant 1 votes on both existing statements early (in: 2 >= min(7, 2)),
    # then many others arrive with 7 votes or with 1; the first 15 voters are in (greedy), once in, in.
    participants, statements, times = [1, 1], [10, 11], [1.0, 2.0]
    t = 3.0
    for p in range(2, 17):  # 2..16: the first 15 voters are 1..15, so 16 is not greedy-admitted
        participants.append(p)
        statements.append(10)
        times.append(t)
        t += 1
    for j in range(12, 20):  # more statements, voted on by participant 100 (8 votes: in by the threshold)
        participants.append(100)
        statements.append(j)
        times.append(t)
        t += 1
    admitted = admitted_from_history(participants, statements, times)
    assert set(admitted.tolist()) == {*range(1, 16), 100}
    # A vote changed later does not count twice.
    again = admitted_from_history([*participants, 16], [*statements, 10], [*times, t])
    assert 16 not in set(again.tolist())


def test_analyse_clusters_admitted_participants(data):
    counts = np.bincount(data.votes.rows, minlength=len(data.votes.participants))
    threshold = int(np.median(counts))  # half the participants fall below it
    below = data.votes.participants[counts < threshold][:5].tolist()
    assert below
    without = analyse(data.votes, min_votes=threshold)
    assert not set(below) & set(without.participants_clustered)
    result = analyse(data.votes, min_votes=threshold, admitted=[*below, "nobody"])
    assert set(result.participants_clustered) == set(without.participants_clustered) | set(below)


def test_analyse_keeps_previously_clustered_participants(data, result):
    # Once in, in: a participant clustered last time stays clustered even below today's threshold.
    counts = np.bincount(data.votes.rows, minlength=len(data.votes.participants))
    threshold = int(np.median(counts))
    kept = [p for p in result.participants_clustered if counts[np.searchsorted(data.votes.participants, p)] < threshold]
    assert kept
    again = analyse(data.votes, min_votes=threshold, previous=result)
    assert set(kept) <= set(again.participants_clustered)


# --- representative statements of a group with no "best agree" (Pol.is's select-rep-comments) ------


def test_representative_statements_of_a_group_that_disagrees_with_everything():
    # Group 0 (20 people) disagrees with all three statements; group 1 (20) agrees with them all.
    na = np.array([[0.0, 0.0, 0.0], [20.0, 20.0, 20.0]])
    nd = np.array([[20.0, 20.0, 20.0], [0.0, 0.0, 0.0]])
    ns = np.full((2, 3), 20.0)
    ids = np.array([7, 8, 9])
    entries = representative_statements(0, na, nd, ns, ids, np.zeros(3, dtype=bool))
    assert [(e["statement_id"], e["direction"], e["best_agree"]) for e in entries] == [
        (7, "disagree", False),
        (8, "disagree", False),
        (9, "disagree", False),
    ]
    assert all(e["n_success"] == 20 and e["p_success"] == pytest.approx(21 / 22) for e in entries)


def test_analyse_lists_what_a_disagreeing_group_stands_for():
    rng = np.random.default_rng(3)
    statements = 8
    rows, cols, values = [], [], []
    for participant in range(60):
        agreeing = participant < 30
        skipped = rng.integers(0, statements)  # one statement each is passed, so no two are alike
        for statement in range(statements):
            rows.append(participant)
            cols.append(statement)
            values.append(0 if statement == skipped else (1 if agreeing else -1))
    result = analyse(Votes.from_triples(rows, cols, values))
    assert result.k == 2
    by_members = {min(group["members"]) < 30: group for group in result.groups}
    against = by_members[False]
    assert sorted(against["members"]) == list(range(30, 60))
    assert len(against["repness"]) == 5
    assert {e["direction"] for e in against["repness"]} == {"disagree"}
    assert {e["direction"] for e in by_members[True]["repness"]} == {"agree"}
