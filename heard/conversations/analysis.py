"""Opinion maps: the numerical core of a conversation's analysis (numpy / scipy, no Django).

Participants vote on statements (agree, disagree or pass). `analyse()` turns those votes into the map
people see: each participant's place on a plane, opinion groups, what each group stands for, what all
groups share, where they differ, and which statements to show new participants first. It follows
Pol.is's published method (the Clojure `polismath`, described in docs/conversations-analysis.md),
with the differences that document lists and explains.

The steps, and why each is cheap at 100,000 participants x 2,000 statements:

1. **Matrix.** One row per participant, one column per statement that has at least one vote. A missing
   vote is imputed with the column mean, as Pol.is does. After centring on the column means an imputed
   cell is exactly 0, so the centred matrix has as many non-zeros as there are votes: it is kept as a
   scipy CSR matrix and never made dense. Moderated-out statements count as a 0 for everybody
   (Pol.is's `zero-out-columns`): they vanish from the centred matrix but still count in the scaling.
2. **PCA.** The top two right singular vectors of the centred matrix, by block power (subspace)
   iteration with Rayleigh-Ritz: each iteration is two sparse x thin-dense products. It starts from
   the previous analysis's components when there is one (warm start), so an update converges in a few
   iterations. Each participant's projection is scaled by sqrt(statements / their votes), Pol.is's
   sparsity-aware projection, so that someone who voted on few statements is not pulled to the centre.
3. **Groups.** Only participants with at least `min_votes` votes are clustered. Their 2-D positions
   are first grouped into up to 100 base clusters (k-means), then the base clusters (weighted by
   size) into k = 2..5 groups by k-means, k chosen by the silhouette over base clusters, as Pol.is
   does. Everything is seeded; the previous analysis's centres seed the next one, a change of k must
   win several updates running (Pol.is's k smoother), and new groups take the ids of the previous
   groups they overlap most (Hungarian matching), so groups do not relabel from one update to the next.
4. **Statements.** Per group and statement the agree / disagree / vote counts come from one
   `np.bincount` over the votes; Pol.is's representativeness (repness) tests, group-informed consensus,
   our divisiveness measure and Pol.is's comment priority are then vectorised over all statements.

Vote signs. +1 = agree, -1 = disagree, 0 = pass, as in Pol.is's CSV exports and red-dwarf. (Pol.is's
database and Clojure math use the opposite sign for agree and disagree; nothing here does.)

Ids. Participant and statement ids may be any sortable values (ints or strings); they are returned as
given. `Analysis.to_dict()` needs them to be JSON values (ints or strings).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.cluster.vq import vq
from scipy.optimize import linear_sum_assignment

AGREE = 1
DISAGREE = -1
PASS = 0

# One-sided 90% confidence, Pol.is's threshold for every test below (norm.ppf(0.90)).
Z_90 = 1.2815515655446004
# Below these, the app shows "not enough votes yet" instead of a map.
MIN_PARTICIPANTS = 10  # clusterable participants (each with at least `min_votes` votes)
MIN_STATEMENTS = 3  # statements (not moderated out) with at least one vote
# Pol.is's numbers: base clusters, statements picked per list, consecutive wins before k changes.
BASE_CLUSTERS = 100
PICK_MAX = 5
K_BUFFER = 4
# Pol.is's greedy-n: while fewer participants than this are clustered, the top voters are added.
GREEDY_PARTICIPANTS = 15
# Power iteration: 2 components plus 4 more to speed convergence; stop at this relative residual.
_OVERSAMPLE = 4
_PCA_TOLERANCE = 1e-6
_PCA_MAX_ITERATIONS = 100
_KMEANS_MAX_ITERATIONS = 100
_GROUP_RESTARTS = 10
# A cold start must beat the warm-started grouping's inertia by this factor to replace it.
_WARM_PREFERENCE = 0.99

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Votes:
    """The votes of one conversation, one per (participant, statement): the caller keeps the latest.

    `participants` and `statements` hold the ids; `rows[i]`, `cols[i]` index into them and `values[i]`
    is the vote: +1 agree, -1 disagree, 0 pass. `statements` may list statements nobody voted on yet.
    `excluded_statements` are ids of statements moderated out: treated as Pol.is does (a 0 for every
    participant), so they shape nothing but still count in the sparsity scaling, and they are never
    representative, consensus or shown to new participants.
    """

    participants: np.ndarray
    statements: np.ndarray
    rows: IntArray
    cols: IntArray
    values: npt.NDArray[np.int8]
    excluded_statements: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.values)
        if len(self.rows) != n or len(self.cols) != n:
            raise ValueError("rows, cols and values must have the same length")
        if n:
            if self.rows.min() < 0 or self.rows.max() >= len(self.participants):
                raise ValueError("a row index is outside the participants")
            if self.cols.min() < 0 or self.cols.max() >= len(self.statements):
                raise ValueError("a column index is outside the statements")
            if self.values.min() < -1 or self.values.max() > 1:
                raise ValueError("votes must be -1 (disagree), 0 (pass) or +1 (agree)")

    @classmethod
    def from_triples(
        cls,
        participant_ids: Sequence[Any] | np.ndarray,
        statement_ids: Sequence[Any] | np.ndarray,
        values: Sequence[int] | np.ndarray,
        *,
        statements: Sequence[Any] | np.ndarray | None = None,
        excluded: Iterable[Any] = (),
    ) -> Votes:
        """Votes from parallel (participant id, statement id, vote) sequences.

        When a (participant, statement) pair occurs more than once, the later one wins: pass the votes
        in time order. Participants are sorted by id, so the order of the input does not matter.
        `statements` lists every statement (in the order wanted), including those without votes;
        by default, the statements voted on, sorted by id.
        """
        participant_ids = np.asarray(participant_ids)
        statement_ids = np.asarray(statement_ids)
        raw = np.asarray(values)
        if not (len(participant_ids) == len(statement_ids) == len(raw)):
            raise ValueError("participant_ids, statement_ids and values must have the same length")
        if len(raw) and (raw.min() < -1 or raw.max() > 1 or not np.all(raw == np.round(raw))):
            raise ValueError("votes must be -1 (disagree), 0 (pass) or +1 (agree)")
        participants, rows = np.unique(participant_ids, return_inverse=True)
        if statements is None:
            statement_array, cols = np.unique(statement_ids, return_inverse=True)
        else:
            statement_array = np.asarray(statements)
            cols = _positions(statement_array, statement_ids)
        rows = rows.astype(np.intp, copy=False)
        cols = cols.astype(np.intp, copy=False)
        # The last vote for each pair: unique over the reversed keys finds each key's last occurrence.
        # The keys come back sorted, so the votes end up in row-major order (what CSR wants).
        keys = rows.astype(np.int64) * max(len(statement_array), 1) + cols
        _, last_from_end = np.unique(keys[::-1], return_index=True)
        keep = len(keys) - 1 - last_from_end
        return cls(
            participants=participants,
            statements=statement_array,
            rows=rows[keep],
            cols=cols[keep],
            values=raw[keep].astype(np.int8),
            excluded_statements=tuple(excluded),
        )


def _positions(ids: np.ndarray, wanted: np.ndarray) -> IntArray:
    """The index of each of `wanted` in `ids` (ValueError if one is missing)."""
    order = np.argsort(ids, kind="stable")
    found = np.searchsorted(ids[order], wanted)
    found = np.minimum(found, len(ids) - 1) if len(ids) else found
    if len(wanted) and (not len(ids) or np.any(ids[order][found] != wanted)):
        missing = wanted[ids[order][found] != wanted][0] if len(ids) else wanted[0]
        raise ValueError(f"statement {missing.item()!r} is not among the statements")
    return order[found]


@dataclass(frozen=True)
class Analysis:
    """The opinion map of a conversation, as plain JSON-ready values (see `to_dict`).

    `enough_votes` False means there is no map yet ("not enough votes yet"): fewer than
    MIN_PARTICIPANTS participants with `min_votes` votes, or fewer than MIN_STATEMENTS statements with
    votes. Then the participant and group fields are empty, and only `statement_order` and
    `statements_stats` are filled in.

    - `participants_clustered`: ids of the participants placed in groups; `coordinates[i]` is the
      (x, y) of `participants_clustered[i]` on the map.
    - `statement_ids`, `center`, `components`: the PCA (column means and two components, aligned with
      `statement_ids`); kept so that the next analysis can start from them.
    - `groups`: `{id, members, size, centroid, repness}`; `repness` lists up to 5 representative
      statements `{statement_id, direction, n_success, n_trials, p_success, p_test, repness,
      repness_test, z, best_agree}` in Pol.is's order (its best agree first, then agrees, then
      disagrees). `z` is Pol.is's two-proportion z of the group against the rest (= `repness_test`).
    - `consensus`: `{statement_id, direction, probability, p_test, group_probabilities}`: up to 5 per
      direction, by group-informed consensus (see `analyse`).
    - `divisive`: `{statement_id, divisiveness, z, group_means, most_for, most_against}`: up to 5
      statements on which groups differ most (see `analyse`).
    - `statement_order`: statement ids, most useful first for someone new (Pol.is's priority).
    - `statements_stats`: per statement `{statement_id, agree, disagree, pass, excluded, extremity,
      priority, gac_agree, gac_disagree}`.
    - `k`, `silhouette`: the number of groups and the silhouette that chose it.
    - `base_centres`, `k_candidate`, `k_candidate_runs`: state for the next update (warm start and
      Pol.is's k smoother).
    """

    enough_votes: bool
    participants_total: int
    votes_total: int
    participants_clustered: list[Any] = field(default_factory=list)
    coordinates: list[list[float]] = field(default_factory=list)
    statement_ids: list[Any] = field(default_factory=list)
    center: list[float] = field(default_factory=list)
    components: list[list[float]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    consensus: list[dict[str, Any]] = field(default_factory=list)
    divisive: list[dict[str, Any]] = field(default_factory=list)
    statement_order: list[Any] = field(default_factory=list)
    statements_stats: list[dict[str, Any]] = field(default_factory=list)
    k: int = 0
    silhouette: float = 0.0
    base_centres: list[list[float]] = field(default_factory=list)
    k_candidate: int = 0
    k_candidate_runs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def labels(self) -> dict[Any, int]:
        """Each clustered participant's group id."""
        return {member: group["id"] for group in self.groups for member in group["members"]}


def analyse(
    votes: Votes,
    *,
    min_votes: int = 7,
    k_min: int = 2,
    k_max: int = 5,
    seed: int = 0,
    previous: Analysis | None = None,
    min_participants: int = MIN_PARTICIPANTS,
    min_statements: int = MIN_STATEMENTS,
    k_buffer: int = K_BUFFER,
    admitted: Iterable[Any] | np.ndarray | None = None,
) -> Analysis:
    """The opinion map of `votes`; pass the last result as `previous` so that it changes smoothly.

    Who is clustered: participants with at least min(`min_votes`, statements with votes) votes (votes on
    moderated-out statements count, as in Pol.is), everyone clustered in `previous` (once in, in), and
    the participant ids in `admitted` (those Pol.is would have let in earlier in the conversation's
    history, see `admitted_from_history`; ids not among the voters are ignored).

    Groups: k from `k_min` to min(`k_max`, 2 + base clusters // 12), by the silhouette over base
    clusters. With `previous`, its k is kept until another k has been best `k_buffer` updates running.

    Consensus (group-informed): for each statement, the product over groups of each group's smoothed
    probability of agreeing, (A_g + 1) / (S_g + 2) (S_g = the group's votes, passes included); likewise
    for disagreeing. A statement is listed when every group leans that way (probability > 0.5) and the
    clustered participants as a whole do so significantly (Pol.is's one-proportion test > 1.2816),
    the top 5 by that product per direction.

    Divisive: for each statement, each group's mean vote shrunk towards 0, (A_g - D_g) / (S_g + 2).
    The divisiveness is half the gap between the most favourable and the least favourable group (0 = all
    groups alike, near 1 = one group all agrees, another all disagrees); `z` is that gap over its
    standard error. Listed when z > 1.2816, the top 5 by divisiveness.

    Statement order: Pol.is's comment priority, from the clustered participants' votes (everyone's while
    there is no map): importance = (1 - p)·(E + 1)·a with p = (P + 1)/(S + 2) the share of passes,
    a = (A + 1)/(S + 2) the share of agrees and E the statement's extremity on the map, and priority =
    (importance · (1 + 8·2^(-S/5)))², which lets statements with few votes come up. Descending priority,
    ties in statement order; moderated-out statements are left out. (Pol.is draws statements at random
    with these weights; the app may do the same with `statements_stats[...]["priority"]`.)
    """
    if not 2 <= k_min <= k_max:
        raise ValueError("need 2 <= k_min <= k_max")
    n_participants = len(votes.participants)
    n_statements = len(votes.statements)
    rows, cols, values = votes.rows, votes.cols, votes.values
    moderated_out = set(votes.excluded_statements)
    excluded = np.fromiter((s in moderated_out for s in votes.statements.tolist()), dtype=bool, count=n_statements)

    # Per statement counts over everybody, and who is clusterable.
    agree_all: FloatArray = np.bincount(cols, weights=values == AGREE, minlength=n_statements).astype(np.float64)
    disagree_all: FloatArray = np.bincount(cols, weights=values == DISAGREE, minlength=n_statements).astype(np.float64)
    seen_all = np.bincount(cols, minlength=n_statements).astype(np.float64)
    voted = seen_all > 0
    n_active = int(voted.sum())  # Pol.is's matrix columns: statements with at least one vote
    usable = voted & ~excluded
    votes_per_participant = np.bincount(rows, minlength=n_participants)
    threshold = min(min_votes, n_active)
    clusterable = votes_per_participant >= max(threshold, 1)
    if previous is not None and previous.participants_clustered:
        clusterable |= np.isin(votes.participants, _as_array(previous.participants_clustered, votes.participants))
    if admitted is not None:
        wanted = admitted if isinstance(admitted, np.ndarray) else _as_array(list(admitted), votes.participants)
        if len(wanted):
            clusterable |= np.isin(votes.participants, wanted)

    common: dict[str, Any] = {"participants_total": n_participants, "votes_total": len(values)}
    if int(clusterable.sum()) < min_participants or int(usable.sum()) < min_statements:
        extremity = np.zeros(n_statements)
        priority = _priority(agree_all, seen_all - agree_all - disagree_all, seen_all, extremity)
        return Analysis(
            enough_votes=False,
            statement_order=_order(votes.statements, priority, excluded),
            statements_stats=_statement_stats(
                votes.statements, agree_all, disagree_all, seen_all, excluded, extremity, priority, None, None
            ),
            **common,
        )

    # 1. The centred matrix over the usable statements: votes minus column means, missing = 0.
    column_index = np.full(n_statements, -1, dtype=np.intp)
    column_index[usable] = np.arange(int(usable.sum()))
    means = np.zeros(n_statements)
    means[usable] = (agree_all[usable] - disagree_all[usable]) / seen_all[usable]
    matrix = _centred_matrix(rows, cols, values, means, column_index, n_participants)
    # Pol.is's `rating-mat` has a 0 for every participant in each moderated-out column: those count
    # as votes in the scaling, and the scaling's statement count is every column of the matrix.
    n_excluded_active = int((voted & excluded).sum())
    usable_votes = np.bincount(rows[usable[cols]], minlength=n_participants) + n_excluded_active
    scale = np.sqrt(n_active / np.maximum(usable_votes, 1))

    # 2. PCA, warm-started from the previous components mapped onto today's statements.
    usable_ids = votes.statements[usable]
    start = None
    if previous is not None and previous.components:
        start = _map_previous_components(previous, usable_ids)
    rng = np.random.default_rng(seed)
    components = _top_components(matrix, start=start, rng=rng)
    components = _orient(components, start)
    projection = np.asarray(matrix @ components.T) * scale[:, None]

    # 3. Groups among the clusterable participants.
    clustered = np.flatnonzero(clusterable)
    points = projection[clustered]
    previous_base = np.asarray(previous.base_centres, dtype=np.float64) if previous is not None else None
    _, base_centres, base_weights = _base_clusters(points, previous_base, rng)
    n_base = len(base_centres)
    top_k = min(k_max, 2 + n_base // 12, n_base)
    if top_k < k_min:
        extremity = np.zeros(n_statements)
        priority = _priority(agree_all, seen_all - agree_all - disagree_all, seen_all, extremity)
        return Analysis(
            enough_votes=False,
            statement_order=_order(votes.statements, priority, excluded),
            statements_stats=_statement_stats(
                votes.statements, agree_all, disagree_all, seen_all, excluded, extremity, priority, None, None
            ),
            **common,
        )
    distances = np.sqrt(((base_centres[:, None, :] - base_centres[None, :, :]) ** 2).sum(axis=2))
    previous_centroids = _previous_centroids(previous)
    fits: dict[int, tuple[IntArray, FloatArray, float]] = {}
    for k in range(k_min, top_k + 1):
        warm = previous_centroids if previous_centroids is not None and len(previous_centroids) == k else None
        labels_k, centroids_k = _group_kmeans(base_centres, base_weights, k, warm, rng)
        fits[k] = (labels_k, centroids_k, _silhouette(distances, labels_k))
    best_k = max(fits, key=lambda k: (round(fits[k][2], 12), -k))
    k, k_candidate, k_candidate_runs = _smooth_k(best_k, fits, previous, k_buffer)
    _, base_centroids, silhouette = fits[k]
    warm = previous_centroids if previous_centroids is not None and len(previous_centroids) == k else None
    participant_group, centroids = _refine_groups(points, base_centroids, warm, rng)

    # Stable ids: match the previous groups by shared members, else order by size.
    group_ids = _group_ids(participant_group, centroids, votes.participants[clustered], previous)
    label_of_row = np.full(n_participants, -1, dtype=np.intp)
    label_of_row[clustered] = participant_group

    # 4. Per group and statement counts, then the statistics.
    n_groups = len(centroids)
    in_group = label_of_row[rows] >= 0
    keys = label_of_row[rows[in_group]] * n_statements + cols[in_group]
    group_values = values[in_group]
    size = n_groups * n_statements
    na: FloatArray = (
        np.bincount(keys, weights=group_values == AGREE, minlength=size)
        .reshape(n_groups, n_statements)
        .astype(np.float64)
    )
    nd: FloatArray = (
        np.bincount(keys, weights=group_values == DISAGREE, minlength=size)
        .reshape(n_groups, n_statements)
        .astype(np.float64)
    )
    ns = np.bincount(keys, minlength=size).reshape(n_groups, n_statements).astype(np.float64)
    del keys, group_values, in_group

    extremity = np.zeros(n_statements)
    extremity[usable] = np.abs(1 - means[usable]) * np.hypot(components[0], components[1]) * math.sqrt(n_active)
    agree_in, disagree_in, seen_in = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    priority = _priority(agree_in, seen_in - agree_in - disagree_in, seen_in, extremity)
    gac_agree = group_aware_consensus(na, ns)
    gac_disagree = group_aware_consensus(nd, ns)

    ids = votes.statements
    member_ids = votes.participants[clustered]
    groups = []
    for g in sorted(range(n_groups), key=lambda g: group_ids[g]):
        members = member_ids[participant_group == g]
        groups.append(
            {
                "id": int(group_ids[g]),
                "members": members.tolist(),
                "size": len(members),
                "centroid": [float(c) for c in centroids[g]],
                "repness": representative_statements(g, na, nd, ns, ids, excluded),
            }
        )
    return Analysis(
        enough_votes=True,
        participants_clustered=member_ids.tolist(),
        coordinates=np.round(points, 6).tolist(),
        statement_ids=usable_ids.tolist(),
        center=means[usable].tolist(),
        components=components.tolist(),
        groups=groups,
        consensus=_consensus(na, nd, ns, ids, excluded, group_ids, gac_agree, gac_disagree),
        divisive=_divisive(na, nd, ns, ids, excluded, group_ids),
        statement_order=_order(ids, priority, excluded),
        statements_stats=_statement_stats(
            ids, agree_in, disagree_in, seen_in, excluded, extremity, priority, gac_agree, gac_disagree
        ),
        k=n_groups,
        silhouette=float(silhouette),
        base_centres=base_centres.tolist(),
        k_candidate=k_candidate,
        k_candidate_runs=k_candidate_runs,
        **common,
    )


def admitted_from_history(
    participant_ids: Sequence[Any] | np.ndarray,
    statement_ids: Sequence[Any] | np.ndarray,
    timestamps: Sequence[float] | np.ndarray,
    *,
    min_votes: int = 7,
    greedy: int = GREEDY_PARTICIPANTS,
) -> np.ndarray:
    """The participants Pol.is would have clustered by now, replaying its admission over time.

    Pol.is (conversation.clj `in-conv`) clusters a participant once their vote count reaches
    min(`min_votes`, statements voted on so far), and keeps them afterwards ("once in, in"); while
    fewer than `greedy` (15) are in, it adds the top voters until there are 15. Replayed from one
    (participant, statement, time) per vote, every vote ever cast or only the latest per pair: a
    participant's count at time t is the number of statements they had voted on by t, and the number
    of statements is those anybody had voted on by t (ties in time count as simultaneous). Pol.is
    checks at each of its updates; this checks after every vote, as if it updated that often, so
    the first `greedy` participants to vote are in, plus everyone who at some vote of theirs had voted
    on min(`min_votes`, statements so far) statements. Sorting only: no loop over votes or
    participants. Returns the admitted participant ids, sorted.
    """
    participant_ids = np.asarray(participant_ids)
    statement_ids = np.asarray(statement_ids)
    times = np.asarray(timestamps, dtype=np.float64)
    if not (len(participant_ids) == len(statement_ids) == len(times)):
        raise ValueError("participant_ids, statement_ids and timestamps must have the same length")
    if not len(times):
        return participant_ids[:0]
    participants, rows = np.unique(participant_ids, return_inverse=True)
    statements, cols = np.unique(statement_ids, return_inverse=True)
    # Each vote's rank in time (ties in any order: simultaneous votes are counted together below). The
    # sorts below are of (key, rank) packed into one int64, much quicker than argsorts and lexsorts.
    order = np.argsort(times)
    sorted_times = times[order]
    rank = np.empty(len(times), dtype=np.int64)
    rank[order] = np.arange(len(times))
    del order
    shift = max(int(len(times) - 1).bit_length(), 1)
    mask = (1 << shift) - 1
    pairs = rows.astype(np.int64) * len(statements) + cols
    if int(pairs.max()).bit_length() + shift > 62:
        raise ValueError("too many votes, participants and statements to replay at once")
    # The first vote of each (participant, statement): a changed vote does not add to the count.
    packed = np.sort((pairs << shift) | rank)
    del pairs, rank
    first = np.r_[True, (packed[1:] >> shift) != (packed[:-1] >> shift)]
    kept = packed[first]
    del packed, first
    kept_rows = (kept >> shift) // len(statements)
    # By voter, in time order.
    packed = np.sort((kept_rows << shift) | (kept & mask))
    del kept, kept_rows
    voter_rows = packed >> shift
    voter_times = sorted_times[packed & mask]
    del packed
    # Statements voted on by anybody by each vote's time (simultaneous votes included).
    statement_first = np.full(len(statements), np.inf)
    np.minimum.at(statement_first, cols, times)
    n_statements = np.searchsorted(np.sort(statement_first), voter_times, side="right")
    # Each voter's count just after each of their votes (their votes at the same time count together):
    # the end of each (voter, time) run minus the voter's start.
    new_voter = np.r_[True, voter_rows[1:] != voter_rows[:-1]]
    new_time = new_voter | np.r_[True, voter_times[1:] != voter_times[:-1]]
    voter_start = np.flatnonzero(new_voter)
    time_end = np.r_[np.flatnonzero(new_time)[1:], len(voter_rows)]
    count = time_end[np.cumsum(new_time) - 1] - voter_start[np.cumsum(new_voter) - 1]
    qualifies = count >= np.minimum(min_votes, n_statements)
    admitted = np.zeros(len(participants), dtype=bool)
    admitted[voter_rows[qualifies]] = True
    # Greedy: the first `greedy` participants to vote (each was among the top voters while fewer were in).
    voters, first_time = voter_rows[voter_start], voter_times[voter_start]
    admitted[voters[np.lexsort((voters, first_time))[:greedy]]] = True
    return participants[admitted]


# --- matrix and PCA ---------------------------------------------------------------------------------


def _as_array(ids: list[Any], like: np.ndarray) -> np.ndarray:
    try:
        return np.asarray(ids, dtype=like.dtype)
    except (TypeError, ValueError):
        return np.asarray(ids, dtype=object)


def _centred_matrix(
    rows: IntArray,
    cols: IntArray,
    values: npt.NDArray[np.int8],
    means: FloatArray,
    column_index: IntArray,
    n_participants: int,
) -> sp.csr_matrix:
    """CSR of vote - column mean over the usable columns; a missing vote (imputed with the mean) is 0."""
    column = column_index[cols]
    keep = column >= 0
    if not np.all(keep):
        rows, cols, values, column = rows[keep], cols[keep], values[keep], column[keep]
    data = values - means[cols]
    if len(rows) > 1 and np.any(rows[1:] < rows[:-1]):
        order = np.argsort(rows, kind="stable")
        rows, data, column = rows[order], data[order], column[order]
    indptr = np.zeros(n_participants + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_participants), out=indptr[1:])
    n_columns = int(column_index.max()) + 1
    index_type = np.int32 if max(n_columns, len(data)) < 2**31 else np.int64
    return sp.csr_matrix(
        (data, column.astype(index_type), indptr.astype(index_type)), shape=(n_participants, n_columns)
    )


def _map_previous_components(previous: Analysis, statement_ids: np.ndarray) -> FloatArray | None:
    """The previous components on today's statements (0 for new ones), or None if nothing is shared."""
    position = {statement: i for i, statement in enumerate(previous.statement_ids)}
    old = np.asarray(previous.components, dtype=np.float64)
    if old.ndim != 2 or old.shape[0] != 2:
        return None
    mapped = np.zeros((2, len(statement_ids)))
    for j, statement in enumerate(statement_ids.tolist()):
        i = position.get(statement)
        if i is not None:
            mapped[:, j] = old[:, i]
    if not np.all(np.linalg.norm(mapped, axis=1) > 0):
        return None
    return mapped


def _top_components(matrix: sp.csr_matrix, *, start: FloatArray | None, rng: np.random.Generator) -> FloatArray:
    """The top 2 right singular vectors of `matrix` (rows of a 2 x columns array), unit length.

    Block power iteration on matrixᵀ·matrix with Rayleigh-Ritz, from `start` (the previous components)
    plus seeded random vectors. Stops when both Ritz vectors' relative residuals are below tolerance.
    """
    n_columns = matrix.shape[1]
    block = min(2 + _OVERSAMPLE, n_columns)
    basis = rng.standard_normal((n_columns, block))
    if start is not None:
        basis[:, :2] = start.T
    basis, _ = np.linalg.qr(basis)
    transposed = matrix.T.tocsr()
    vectors = basis[:, :2]
    for _ in range(_PCA_MAX_ITERATIONS):
        image = transposed @ (matrix @ basis)
        small = basis.T @ image
        eigenvalues, eigenvectors = np.linalg.eigh((small + small.T) / 2)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
        vectors = basis @ eigenvectors[:, :2]
        residual = image @ eigenvectors[:, :2] - vectors * eigenvalues[:2]
        top = max(eigenvalues[0], 1e-300)
        if np.all(np.linalg.norm(residual, axis=0) <= _PCA_TOLERANCE * top):
            break
        basis, _ = np.linalg.qr(image @ eigenvectors)
    if vectors.shape[1] < 2:
        vectors = np.hstack([vectors, np.zeros((n_columns, 2 - vectors.shape[1]))])
    return vectors.T.copy()


def _orient(components: FloatArray, start: FloatArray | None) -> FloatArray:
    """Fix each component's sign: as the previous one's, else with its largest entry positive."""
    for i in range(len(components)):
        if start is not None:
            sign = np.sign(components[i] @ start[i])
        else:
            sign = np.sign(components[i][np.argmax(np.abs(components[i]))])
        if sign < 0:
            components[i] = -components[i]
    return components


# --- clustering -----------------------------------------------------------------------------------


def _kmeans(
    points: FloatArray, centres: FloatArray, weights: FloatArray | None = None
) -> tuple[IntArray, FloatArray, float]:
    """Lloyd's k-means from `centres`; an emptied cluster restarts at the point farthest from its centre."""
    centres = centres.copy()
    k = len(centres)
    w = np.ones(len(points)) if weights is None else weights
    labels = np.zeros(len(points), dtype=np.intp)
    for iteration in range(_KMEANS_MAX_ITERATIONS):
        new_labels, dist = vq(points, centres, check_finite=False)
        new_labels = new_labels.astype(np.intp)
        if iteration and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        mass = np.bincount(labels, weights=w, minlength=k)
        empty = np.flatnonzero(mass == 0)
        for c, far in zip(empty, np.argsort(-dist * w)[: len(empty)], strict=False):
            labels[far] = c
        mass = np.bincount(labels, weights=w, minlength=k)
        # A cluster still empty (fewer weighted points than clusters) keeps its centre.
        filled = mass > 0
        for axis in range(points.shape[1]):
            sums = np.bincount(labels, weights=w * points[:, axis], minlength=k)
            centres[filled, axis] = sums[filled] / mass[filled]
    _, dist = vq(points, centres, check_finite=False)
    return labels, centres, float((w * dist**2).sum())


def _plus_plus(points: FloatArray, weights: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    """k-means++ seeding (weighted, seeded)."""
    chosen = [int(rng.choice(len(points), p=weights / weights.sum()))]
    nearest = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        mass = weights * nearest
        total = mass.sum()
        pick = int(rng.choice(len(points), p=mass / total)) if total > 0 else int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, ((points - points[pick]) ** 2).sum(axis=1))
    return points[chosen].copy()


def _base_clusters(
    points: FloatArray, previous: FloatArray | None, rng: np.random.Generator
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Up to 100 base clusters of the participants' positions: labels, centres, member counts."""
    distinct = np.unique(points, axis=0) if len(points) <= 10 * BASE_CLUSTERS else None
    k = min(BASE_CLUSTERS, len(distinct) if distinct is not None else BASE_CLUSTERS)
    if distinct is not None and len(distinct) <= BASE_CLUSTERS:
        # Fewer distinct positions than base clusters: each position is one.
        labels = _positions_rows(distinct, points)
        return labels, distinct, np.bincount(labels, minlength=len(distinct)).astype(np.float64)
    ones = np.ones(len(points))
    if previous is not None and previous.ndim == 2 and len(previous) > 0:
        start = previous[:k]
        if len(start) < k:
            # Add centres where the previous ones fit worst (k-means++ on the distance to them).
            extra = _plus_plus(points, ones, k, rng)
            start = np.vstack([start, extra[: k - len(start)]])
    else:
        start = _plus_plus(points, ones, k, rng)
    labels, centres, _ = _kmeans(points, start)
    # Drop empty clusters, and keep the ids dense.
    counts = np.bincount(labels, minlength=len(centres))
    kept = np.flatnonzero(counts > 0)
    remap = np.full(len(centres), -1, dtype=np.intp)
    remap[kept] = np.arange(len(kept))
    return remap[labels], centres[kept], counts[kept].astype(np.float64)


def _positions_rows(distinct: FloatArray, points: FloatArray) -> IntArray:
    labels, _ = vq(points, distinct, check_finite=False)
    return labels.astype(np.intp)


def _group_kmeans(
    centres: FloatArray, weights: FloatArray, k: int, warm: FloatArray | None, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Weighted k-means of the base centres: the best of seeded restarts, preferring the warm start."""
    best: tuple[IntArray, FloatArray, float] | None = None
    for _ in range(_GROUP_RESTARTS):
        fit = _kmeans(centres, _plus_plus(centres, weights, k, rng), weights)
        if best is None or fit[2] < best[2] - 1e-12:
            best = fit
    assert best is not None  # noqa: S101 - at least one restart ran
    if warm is not None:
        warm_fit = _kmeans(centres, warm, weights)
        if len(np.unique(warm_fit[0])) == k and best[2] >= _WARM_PREFERENCE * warm_fit[2]:
            best = warm_fit
    return best[0], best[1]


def _refine_groups(
    points: FloatArray, base_centroids: FloatArray, warm: FloatArray | None, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """k-means of the participants themselves for the chosen k: the lowest inertia among starts from the
    base-cluster grouping, from seeded k-means++ restarts and from the previous centroids, the last
    preferred unless beaten by 1%. (Grouping through base clusters, as Pol.is does, leaves participants
    near a boundary in the wrong group when their base cluster straddles it.)"""
    k = len(base_centroids)
    best = _kmeans(points, base_centroids)
    ones = np.ones(len(points))
    for _ in range(_GROUP_RESTARTS):
        fit = _kmeans(points, _plus_plus(points, ones, k, rng))
        if fit[2] < best[2] * (1 - 1e-9) and len(np.unique(fit[0])) == k:
            best = fit
    if warm is not None:
        warm_fit = _kmeans(points, warm)
        if len(np.unique(warm_fit[0])) == k and best[2] >= _WARM_PREFERENCE * warm_fit[2]:
            best = warm_fit
    return best[0], best[1]


def _silhouette(distances: FloatArray, labels: IntArray) -> float:
    """Pol.is's silhouette over base clusters: unweighted; a base cluster alone in its group scores 0."""
    n = len(labels)
    groups = np.unique(labels)
    if len(groups) < 2:
        return -1.0
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    sums = distances @ onehot  # n x groups: total distance to each group
    sizes = onehot.sum(axis=0)
    own = np.searchsorted(groups, labels)
    own_size = sizes[own] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(own_size > 0, sums[np.arange(n), own] / np.maximum(own_size, 1), 0.0)
        mean_to = sums / sizes[None, :]
        mean_to[np.arange(n), own] = np.inf
        b = mean_to.min(axis=1)
        s = np.where(own_size > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


def _smooth_k(best_k: int, fits: dict[int, Any], previous: Analysis | None, k_buffer: int) -> tuple[int, int, int]:
    """Pol.is's k smoother: keep the previous k until another has been best `k_buffer` updates running."""
    if previous is None or not previous.enough_votes or previous.k not in fits:
        return best_k, best_k, 1
    runs = previous.k_candidate_runs + 1 if previous.k_candidate == best_k else 1
    if best_k == previous.k or runs >= k_buffer:
        return best_k, best_k, runs
    return previous.k, best_k, runs


def _previous_centroids(previous: Analysis | None) -> FloatArray | None:
    if previous is None or not previous.groups:
        return None
    return np.asarray([group["centroid"] for group in sorted(previous.groups, key=lambda g: g["id"])])


def _group_ids(labels: IntArray, centroids: FloatArray, member_ids: np.ndarray, previous: Analysis | None) -> list[int]:
    """An id per group: the previous group it shares most members with (Hungarian), else by size.

    When no member is shared (a whole new population), the nearest previous centroid instead.
    Groups left unmatched take the smallest ids not in use, the largest group first.
    """
    k = len(centroids)
    sizes = np.bincount(labels, minlength=k)
    by_size = sorted(range(k), key=lambda g: (-sizes[g], centroids[g][0], centroids[g][1]))
    if previous is None or not previous.groups:
        ranks = [0] * k
        for rank, g in enumerate(by_size):
            ranks[g] = rank
        return ranks
    old_ids = [group["id"] for group in previous.groups]
    index = {member: i for i, member in enumerate(member_ids.tolist())}
    overlap = np.zeros((k, len(old_ids)))
    for j, group in enumerate(previous.groups):
        rows = [index[m] for m in group["members"] if m in index]
        if rows:
            overlap[:, j] = np.bincount(labels[rows], minlength=k)
    by_members = overlap.sum() > 0
    if by_members:
        cost = -overlap
    else:
        old_centroids = np.asarray([group["centroid"] for group in previous.groups])
        cost = np.sqrt(((centroids[:, None, :] - old_centroids[None, :, :]) ** 2).sum(axis=2))
    ids: list[int | None] = [None] * k
    for g, j in zip(*linear_sum_assignment(cost), strict=True):
        if not by_members or overlap[g, j] > 0:
            ids[g] = int(old_ids[j])
    taken = {i for i in ids if i is not None}
    free = (i for i in itertools.count() if i not in taken)
    for g in by_size:
        if ids[g] is None:
            ids[g] = next(free)
    return [int(i) for i in ids]  # type: ignore[arg-type]


# --- statements ----------------------------------------------------------------------------------


def _prop_test(successes: FloatArray, trials: FloatArray) -> FloatArray:
    """Pol.is's one-proportion test (with its +1 smoothing)."""
    return 2 * np.sqrt(trials + 1) * ((successes + 1) / (trials + 1) - 0.5)


def _two_prop_test(succ_in: FloatArray, succ_out: FloatArray, n_in: FloatArray, n_out: FloatArray) -> FloatArray:
    """Pol.is's two-proportion z (1 added to every count); 0 where the pooled proportion is 1."""
    succ_in, succ_out, n_in, n_out = succ_in + 1, succ_out + 1, n_in + 1, n_out + 1
    pi1, pi2 = succ_in / n_in, succ_out / n_out
    pooled = (succ_in + succ_out) / (n_in + n_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (pi1 - pi2) / np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
    return np.where(pooled >= 1, 0.0, np.nan_to_num(z))


def group_aware_consensus(counts: FloatArray, seen: FloatArray) -> FloatArray:
    """Pol.is's group-aware consensus of every statement: the product over groups of each group's
    smoothed share (A_g + 1) / (S_g + 2), from per group x statement counts of agrees (or disagrees)
    and of votes."""
    result: FloatArray = np.prod((counts + 1) / (seen + 2), axis=0)
    return result


def representative_statements(
    g: int, na: FloatArray, nd: FloatArray, ns: FloatArray, ids: np.ndarray, excluded: npt.NDArray[np.bool_]
) -> list[dict[str, Any]]:
    """Pol.is's representative statements of group `g` (repness.clj `select-rep-comments`, as red-dwarf
    ports it), from per group x statement counts of agrees `na`, disagrees `nd` and votes `ns` (row g
    is the group, the others are "the rest"), statement `ids` and the `excluded` ones. Entries as in
    `Analysis.groups[...]["repness"]`."""
    a, d, n = na[g], nd[g], ns[g]
    a_rest, d_rest, n_rest = na.sum(axis=0) - a, nd.sum(axis=0) - d, ns.sum(axis=0) - n
    pa, pd = (a + 1) / (n + 2), (d + 1) / (n + 2)
    pat, pdt = _prop_test(a, n), _prop_test(d, n)
    ra = pa / ((1 + a_rest) / (2 + n_rest))
    rd = pd / ((1 + d_rest) / (2 + n_rest))
    rat = _two_prop_test(a, a_rest, n, n_rest)
    rdt = _two_prop_test(d, d_rest, n, n_rest)
    candidates = np.flatnonzero(~excluded & (n > 0))

    def entry(j: int) -> dict[str, Any]:
        agree = bool(rat[j] > rdt[j])
        return {
            "statement_id": ids[j].item() if hasattr(ids[j], "item") else ids[j],
            "direction": "agree" if agree else "disagree",
            "n_success": int(a[j] if agree else d[j]),
            "n_trials": int(n[j]),
            "p_success": float(pa[j] if agree else pd[j]),
            "p_test": float(pat[j] if agree else pdt[j]),
            "repness": float(ra[j] if agree else rd[j]),
            "repness_test": float(rat[j] if agree else rdt[j]),
            "z": float(rat[j] if agree else rdt[j]),
            "best_agree": False,
        }

    # Pol.is's best agree: a running best over the statements in order (see docs).
    best: int | None = None
    for j in candidates.tolist():
        if a[j] == 0 and d[j] == 0:
            continue
        if best is not None:
            if ra[best] > 1.0:
                if ra[j] * rat[j] * pa[j] * pat[j] > ra[best] * rat[best] * pa[best] * pat[best]:
                    best = j
            elif pa[j] * pat[j] > pa[best] * pat[best]:
                best = j
        elif pat[j] > Z_90 or (ra[j] > 1.0 and pa[j] > 0.5):
            best = j
    sufficient = candidates[((rat > Z_90) & (pat > Z_90) | (rdt > Z_90) & (pdt > Z_90))[candidates]]
    head: list[dict[str, Any]] = []
    if best is not None:
        head = [{**entry(best), "best_agree": True}]
    elif len(sufficient) == 0 and len(candidates):
        overall = candidates[int(np.argmax(np.maximum(rat, rdt)[candidates]))]
        head = [entry(int(overall))]
    rest = [entry(int(j)) for j in sufficient if j != best]
    rest.sort(key=lambda e: e["repness"] * e["repness_test"] * e["p_success"] * e["p_test"], reverse=True)
    # Pol.is's select-rep-comments: the best agree (if any) in front of the sufficient ones; with no
    # best agree, the sufficient ones alone (a group that disagrees with everything has no best agree);
    # with neither, the statement with the strongest two-proportion z.
    selected = (head + rest)[:PICK_MAX]
    # Agrees before disagrees (a stable sort, as Pol.is's).
    return sorted(selected, key=lambda e: e["direction"] != "agree")


def _consensus(
    na: FloatArray,
    nd: FloatArray,
    ns: FloatArray,
    ids: np.ndarray,
    excluded: npt.NDArray[np.bool_],
    group_ids: list[int],
    gac_agree: FloatArray,
    gac_disagree: FloatArray,
) -> list[dict[str, Any]]:
    """Group-informed consensus: statements every group leans the same way on (see `analyse`), ranked
    by their group-aware consensus (`group_aware_consensus`, worked out once by the caller)."""
    chosen: list[dict[str, Any]] = []
    order = np.argsort(group_ids)
    for direction, counts, product in (("agree", na, gac_agree), ("disagree", nd, gac_disagree)):
        per_group = (counts + 1) / (ns + 2)
        test = _prop_test(counts.sum(axis=0), ns.sum(axis=0))
        ok = ~excluded & np.all(per_group > 0.5, axis=0) & (test > Z_90) & (ns.sum(axis=0) > 0)
        candidates = np.flatnonzero(ok)
        candidates = candidates[np.argsort(-product[candidates], kind="stable")][:PICK_MAX]
        chosen.extend(
            {
                "statement_id": ids[j].item() if hasattr(ids[j], "item") else ids[j],
                "direction": direction,
                "probability": float(product[j]),
                "p_test": float(test[j]),
                "group_probabilities": {str(group_ids[g]): float(per_group[g, j]) for g in order},
            }
            for j in candidates.tolist()
        )
    return chosen


def _divisive(
    na: FloatArray,
    nd: FloatArray,
    ns: FloatArray,
    ids: np.ndarray,
    excluded: npt.NDArray[np.bool_],
    group_ids: list[int],
) -> list[dict[str, Any]]:
    """Statements on which groups differ most (see `analyse`)."""
    means = (na - nd) / (ns + 2)
    # The variance of a vote in {-1, 0, 1}, from smoothed shares, so that it is never 0.
    second = (na + nd + 1) / (ns + 2)
    variance = np.maximum(second - means**2, 1e-9)
    high, low = np.argmax(means, axis=0), np.argmin(means, axis=0)
    columns = np.arange(means.shape[1])
    gap = means[high, columns] - means[low, columns]
    error = np.sqrt(variance[high, columns] / (ns[high, columns] + 2) + variance[low, columns] / (ns[low, columns] + 2))
    z = gap / error
    ok = ~excluded & (z > Z_90) & np.all(ns > 0, axis=0)
    candidates = np.flatnonzero(ok)
    candidates = candidates[np.argsort(-gap[candidates], kind="stable")][:PICK_MAX]
    order = np.argsort(group_ids)
    return [
        {
            "statement_id": ids[j].item() if hasattr(ids[j], "item") else ids[j],
            "divisiveness": float(gap[j] / 2),
            "z": float(z[j]),
            "group_means": {str(group_ids[g]): float(means[g, j]) for g in order},
            "most_for": int(group_ids[high[j]]),
            "most_against": int(group_ids[low[j]]),
        }
        for j in candidates.tolist()
    ]


def _priority(agree: FloatArray, passes: FloatArray, seen: FloatArray, extremity: FloatArray) -> FloatArray:
    """Pol.is's comment priority (conversation.clj `importance-metric`, `priority-metric`)."""
    p = (passes + 1) / (seen + 2)
    a = (agree + 1) / (seen + 2)
    importance = (1 - p) * (extremity + 1) * a
    return (importance * (1 + 8 * 2 ** (-seen / 5))) ** 2


def _order(ids: np.ndarray, priority: FloatArray, excluded: npt.NDArray[np.bool_]) -> list[Any]:
    candidates = np.flatnonzero(~excluded)
    ranked = candidates[np.argsort(-priority[candidates], kind="stable")]
    return ids[ranked].tolist()


def _statement_stats(
    ids: np.ndarray,
    agree: FloatArray,
    disagree: FloatArray,
    seen: FloatArray,
    excluded: npt.NDArray[np.bool_],
    extremity: FloatArray,
    priority: FloatArray,
    gac_agree: FloatArray | None,
    gac_disagree: FloatArray | None,
) -> list[dict[str, Any]]:
    statement_ids = ids.tolist()
    return [
        {
            "statement_id": statement_ids[j],
            "agree": int(agree[j]),
            "disagree": int(disagree[j]),
            "pass": int(seen[j] - agree[j] - disagree[j]),
            "excluded": bool(excluded[j]),
            "extremity": float(extremity[j]),
            "priority": float(priority[j]),
            "gac_agree": None if gac_agree is None else float(gac_agree[j]),
            "gac_disagree": None if gac_disagree is None else float(gac_disagree[j]),
        }
        for j in range(len(statement_ids))
    ]


# --- comparing groupings ---------------------------------------------------------------------------


def adjusted_rand_index(first: Sequence[Any] | np.ndarray, second: Sequence[Any] | np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = identical, about 0 = chance)."""
    _, a = np.unique(np.asarray(first), return_inverse=True)
    _, b = np.unique(np.asarray(second), return_inverse=True)
    n = len(a)
    if n != len(b):
        raise ValueError("the labelings must have the same length")
    if n < 2:
        return 1.0
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(x: FloatArray) -> float:
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows, columns = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * columns / (n * (n - 1) / 2)
    maximum = (rows + columns) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)
