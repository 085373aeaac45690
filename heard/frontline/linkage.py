"""Record linkage of flags: which flags probably concern the same person or household (numpy,
scipy and rapidfuzz; no Django). The app calls `link()` over the whole set (a nightly job) and
`links_for()` for a new flag against the earlier flags it picked as candidates.

The model is Fellegi–Sunter, as splink implements it, vectorised over arrays of pairs:

1. **Normalise** (`linkage_compare.normalise`): tidy names, addresses and postcodes so that equal
   things compare equal ("12 Oak Rd, ls14ap" and "12 oak road", "LS1 4AP").
2. **Block** (`candidate_pairs`): every pair of 200,000 flags is 2 x 10^10 comparisons, so only
   pairs sharing a key under at least one of five rules are compared (`blocking_keys`: full
   postcode; district + surname Soundex; sector + first initial; house number + street; first
   name + surname). Several rules, because each catches what another misses: a typo in the
   surname, a missing postcode, a nickname. Each rule sorts the records by its key and pairs each
   block in numpy; the pairs of all rules are unioned. A block of more than `max_block_size`
   records (a common name in a big district) would be quadratic, so in such a block a record is
   paired only with its `window` neighbours in (surname, first name, age) order: the
   sorted-neighbourhood method, which keeps the likely pairs and the cost linear.
3. **Compare** (`linkage_compare.compare`): each field of each pair becomes a level, from "exact"
   to "different", or "missing" when either side is unknown.
4. **Estimate** (`estimate`), unsupervised and seeded, as splink trains: u (how often each level
   happens for two different people) from random pairs of records; m (how often for the same
   person) by expectation maximisation (EM) with u held fixed, in blocks that chose pairs on some
   fields, teaching only the *other* fields (`_training_keys`): pairs with the same name teach age
   and place, pairs with the same postcode and surname teach first name and age, pairs with the
   same first name and age teach surname and place. Not one EM over all candidates: those were
   chosen for agreeing on a place or a name, so neighbours and relatives fill them, and EM then
   learns "same household" instead of "same person" (it did, on the benchmark's data). Each share
   is smoothed towards a default with a few pseudo-pairs, so a small data set falls back to
   sensible values instead of zeros; a block kind with fewer than `MIN_EM_PAIRS` pairs is skipped
   and its fields keep their defaults. The prior (lambda, the probability that two random flags
   are the same person) is the number of matches EM found among same-name pairs, divided by the
   share of matches that have the same name, over all pairs.
5. **Score** (`score`): a field's partial weight is log2(m/u) of its level (0 when missing: an
   unknown field is neither for nor against); the match weight is their sum, and the probability
   adds the prior's log2(lambda / (1 - lambda)). People at one address share a postcode, an
   address and mostly a surname, so counting each against random pairs would count "same place"
   three times and make a household one person: when the postcode agrees, the address (and when
   the postcode or address agrees, the surname) is weighed against u measured on random pairs
   *within one postcode*, which is what it adds once the place is known.
6. **Links and clusters**: a "person" link for each pair whose probability reaches `threshold`; a
   "household" link for a pair below it at the same address and postcode where a flag names
   nobody (it could be about anyone there). Each carries the evidence (every field's level and
   partial weight, never a value). Clusters are the connected components of the links (scipy).

`Parameters.to_dict()` is JSON, so the app can keep the model a nightly run trained and score new
flags with it (`links_for`). Nothing here logs or keeps personal details between calls.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from heard.frontline.linkage_compare import (
    FIELDS,
    LEVELS,
    MISSING,
    IntArray,
    LevelArray,
    Normalised,
    ObjectArray,
    Records,
    compare,
    normalise,
    split_name,
)

__all__ = [
    "FIELDS",
    "LEVELS",
    "Link",
    "Linkage",
    "Normalised",
    "Parameters",
    "Records",
    "blocking_keys",
    "candidate_pairs",
    "clusters",
    "compare",
    "estimate",
    "link",
    "links_for",
    "links_from_levels",
    "normalise",
    "score",
    "split_name",
]

FloatArray = npt.NDArray[np.float64]

# 200 records make 19,900 pairs; beyond that, each record meets its 20 nearest in name order.
MAX_BLOCK_SIZE = 200
WINDOW = 20
THRESHOLD = 0.9
U_PAIRS = 500_000
MIN_EM_PAIRS = 100
_EM_MAX_ITERATIONS = 200
_EM_TOLERANCE = 1e-6
_PSEUDO_PAIRS_M = 10.0  # how strongly EM's m is pulled towards the defaults
_PSEUDO_PAIRS_U = 100.0  # and the sampled u
_DUPLICATES_PER_FLAG = 0.1  # the default prior: one flag in ten has an earlier flag about the same person
# Fields that people at one postcode share (a household's surname, its address): their u is
# measured again on pairs within one postcode, and used when the pair is known to share a place
# (see `score`).
WITHIN_POSTCODE = ("surname", "address")
_FIRST_NAME, _ADDRESS, _POSTCODE = (FIELDS.index(name) for name in ("first_name", "address", "postcode"))

# Defaults, in LEVELS order: what EM starts from and falls back to (splink-like starting values).
DEFAULT_M: dict[str, tuple[float, ...]] = {
    "first_name": (0.80, 0.08, 0.06, 0.03, 0.03),
    "surname": (0.88, 0.06, 0.03, 0.03),
    "age": (0.60, 0.25, 0.10, 0.045, 0.005),
    "address": (0.70, 0.15, 0.05, 0.10),
    "postcode": (0.85, 0.05, 0.05, 0.05),
}
DEFAULT_U: dict[str, tuple[float, ...]] = {
    "first_name": (0.01, 0.002, 0.02, 0.01, 0.958),
    "surname": (0.003, 0.002, 0.03, 0.965),
    "age": (0.04, 0.05, 0.10, 0.26, 0.55),
    "address": (0.00002, 0.00003, 0.01, 0.98995),
    "postcode": (0.0001, 0.002, 0.01, 0.9879),
}
DEFAULT_U_WITHIN_POSTCODE: dict[str, tuple[float, ...]] = {
    "surname": (0.5, 0.02, 0.03, 0.45),
    "address": (0.3, 0.05, 0.05, 0.6),
}


class FieldEvidence(TypedDict):
    level: str  # a name from LEVELS, or "missing"
    weight: float  # log2(m/u) of that level; 0 when missing


@dataclass(frozen=True)
class Link:
    id_a: int  # id_a < id_b
    id_b: int
    kind: Literal["person", "household"]  # see `links_from_levels`
    match_weight: float  # the sum of the evidence's weights (without the prior)
    probability: float
    evidence: dict[str, FieldEvidence]


@dataclass(frozen=True)
class Parameters:
    """The model: m and u per field and level (in LEVELS order), and the prior."""

    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    u_within_postcode: dict[str, tuple[float, ...]]  # WITHIN_POSTCODE fields, for pairs at one place
    match_prior: float  # lambda: the probability that two random flags concern the same person
    em_iterations: int = 0
    trained: bool = False  # False: the defaults (too few candidate pairs to learn from)

    @classmethod
    def default(cls, *, records: int) -> Parameters:
        return cls(
            m=dict(DEFAULT_M),
            u=dict(DEFAULT_U),
            u_within_postcode=dict(DEFAULT_U_WITHIN_POSTCODE),
            match_prior=min(0.5, _DUPLICATES_PER_FLAG / max(records - 1, 1)),
        )

    @property
    def prior_weight(self) -> float:
        return math.log2(self.match_prior / (1 - self.match_prior))

    def to_dict(self) -> dict[str, Any]:
        return {
            "m": {name: list(values) for name, values in self.m.items()},
            "u": {name: list(values) for name, values in self.u.items()},
            "u_within_postcode": {name: list(values) for name, values in self.u_within_postcode.items()},
            "match_prior": self.match_prior,
            "em_iterations": self.em_iterations,
            "trained": self.trained,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Parameters:
        return cls(
            m={name: tuple(data["m"][name]) for name in FIELDS},
            u={name: tuple(data["u"][name]) for name in FIELDS},
            u_within_postcode={
                name: tuple(data.get("u_within_postcode", DEFAULT_U_WITHIN_POSTCODE)[name]) for name in WITHIN_POSTCODE
            },
            match_prior=float(data["match_prior"]),
            em_iterations=int(data.get("em_iterations", 0)),
            trained=bool(data.get("trained", False)),
        )


@dataclass(frozen=True)
class Linkage:
    links: list[Link]  # ordered by (id_a, id_b)
    clusters: IntArray  # one per record, in the records' order: the smallest id of its cluster
    parameters: Parameters
    candidate_pairs: int
    seconds: dict[str, float]  # wall time of each step


# --- Blocking ----------------------------------------------------------------------------------

_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


def soundex(name: str) -> str:
    """American Soundex of a normalised name ("robert", "rupert" -> "r163"): a blocking key that
    survives most typos after the first letter."""
    letters = [char for char in name if "a" <= char <= "z"]
    if not letters:
        return ""
    code, last = letters[0], letters[0].translate(_SOUNDEX)
    for char in letters[1:]:
        digit = char.translate(_SOUNDEX)
        if digit.isdigit():
            if digit != last:
                code += digit
            last = digit
        elif char not in "hw":  # a vowel separates two equal codes; h and w do not
            last = ""
    return (code + "000")[:4]


def _joined(*columns: Iterable[str]) -> list[str]:
    """Keys made of several columns; "" where any part is unknown."""
    return ["|".join(parts) if all(parts) else "" for parts in zip(*columns, strict=True)]


def blocking_keys(normalised: Normalised) -> dict[str, list[str]]:
    """Each blocking rule's key for each record ("" = no key: that rule does not block the record)."""
    n = normalised
    codes = {name: soundex(name) for name in set(n.surname)}
    return {
        "postcode": list(n.postcode),
        "district_surname": _joined(n.district, [codes[name] for name in n.surname]),
        "sector_first_initial": _joined(n.sector, [name[:1] for name in n.first_canonical]),
        "address": [
            f"{key}|{flat}" if key else "" for key, flat in zip(_joined(n.number, n.street), n.flat, strict=True)
        ],
        "name": _joined(n.first_canonical, n.surname),
    }


def _training_keys(normalised: Normalised) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """The blocks EM learns m from, and the fields each can teach: those the block did not choose
    on, and not correlated with what it chose on (so no address within a postcode)."""
    n = normalised
    ages = [str(age) if age >= 0 else "" for age in n.age]
    return {
        "name": (_joined(n.first_canonical, n.surname), ("age", "address", "postcode")),
        "postcode_surname": (_joined(n.postcode, n.surname), ("first_name", "age")),
        "first_name_age": (_joined(n.first_canonical, ages), ("surname", "address", "postcode")),
    }


def _codes(values: Sequence[str] | ObjectArray) -> IntArray:
    """Integer codes in order of first appearance; "" -> -1."""
    table: dict[str, int] = {}
    return np.fromiter(
        (-1 if not value else table.setdefault(value, len(table)) for value in values),
        dtype=np.int64,
        count=len(values),
    )


def _pairs_in_blocks(
    codes: IntArray, order_key: IntArray, max_block_size: int, window: int
) -> tuple[IntArray, IntArray]:
    """Every pair within each block of equal codes (-1: no block); in a block bigger than
    `max_block_size`, each record with the next `window` in `order_key` order. No Python loop:
    each record's number of partners ahead of it, then the pairs by repeat and cumulative sums."""
    keyed = np.flatnonzero(codes >= 0)
    order = keyed[np.lexsort((order_key[keyed], codes[keyed]))]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(order) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(order)])
    size = np.repeat(sizes, sizes)
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    reach = np.where(size <= max_block_size, size - 1, window)
    ahead = np.minimum(reach, size - 1 - rank)  # partners after each record in its block
    left = np.repeat(np.arange(len(order)), ahead)
    step = np.arange(len(left)) - np.repeat(np.cumsum(ahead) - ahead, ahead) + 1
    return order[left], order[left + step]


def _ranks(values: ObjectArray) -> IntArray:
    """Each string's rank in alphabetical order, so that the numbers sort as the strings do."""
    rank = {value: position for position, value in enumerate(sorted(set(values)))}
    return np.fromiter((rank[value] for value in values), dtype=np.int64, count=len(values))


def _order_key(normalised: Normalised) -> IntArray:
    """Each record's place in (surname, first name, age) order: the order of a capped block."""
    n = normalised
    key = np.empty(len(n), dtype=np.int64)
    key[np.lexsort((n.age, _ranks(n.first_name), _ranks(n.surname)))] = np.arange(len(n))
    return key


def candidate_pairs(
    normalised: Normalised, *, max_block_size: int = MAX_BLOCK_SIZE, window: int = WINDOW
) -> tuple[IntArray, IntArray]:
    """Positions (ia < ib) of the pairs that share a key under at least one blocking rule, each once,
    in order. Never all pairs: at most max(max_block_size - 1, window) partners per record and rule."""
    n = len(normalised)
    order_key = _order_key(normalised)
    found = [np.zeros(0, dtype=np.int64)]
    for keys in blocking_keys(normalised).values():
        a, b = _pairs_in_blocks(_codes(keys), order_key, max_block_size, window)
        found.append(np.minimum(a, b) * n + np.maximum(a, b))
    unique = np.unique(np.concatenate(found))
    return unique // max(n, 1), unique % max(n, 1)


# --- Parameters --------------------------------------------------------------------------------


def _shares(
    levels: LevelArray, column: int, weights: FloatArray | None, prior: Sequence[float], strength: float
) -> FloatArray:
    """A field's level shares among pairs (weighted), smoothed towards `prior` with `strength` pseudo-pairs."""
    known = levels[:, column] >= 0
    counts = np.bincount(
        levels[known, column], weights=None if weights is None else weights[known], minlength=len(prior)
    ).astype(np.float64)
    return (counts + strength * np.asarray(prior)) / (counts.sum() + strength)


def _random_pairs(n: int, count: int, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    count = min(count, n * (n - 1) // 2)
    a = rng.integers(0, n, count)
    b = rng.integers(0, max(n - 1, 1), count)
    return a, b + (b >= a)


def _pairs_within_postcodes(normalised: Normalised, count: int, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """Random pairs of different records with the same full postcode."""
    codes = _codes(normalised.postcode)
    keyed = np.flatnonzero(codes >= 0)
    order = keyed[np.argsort(codes[keyed], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(order) else order
    sizes = np.diff(np.r_[starts, len(order)])
    start, size = np.repeat(starts, sizes), np.repeat(sizes, sizes)
    shared = np.flatnonzero(size >= 2)
    if len(shared) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pick = shared[rng.integers(0, len(shared), min(count, len(shared) * 10))]
    offset = rng.integers(1, size[pick])  # another member of the same postcode
    partner = start[pick] + (pick - start[pick] + offset) % size[pick]
    return order[pick], order[partner]


def _expectation_maximisation(
    levels: LevelArray, fields: Sequence[str], u: dict[str, tuple[float, ...]]
) -> tuple[dict[str, FloatArray], float, int]:
    """m of `fields` and the share of matches among pairs, by EM with u held at the random-pair
    values, over the distinct level patterns (a few hundred) rather than the pairs."""
    columns = [FIELDS.index(name) for name in fields]
    base = 8  # levels + 1 per field fit in 3 bits
    codes = ((levels[:, columns].astype(np.int64) + 1) * base ** np.arange(len(columns))).sum(axis=1)
    distinct, counts = np.unique(codes, return_counts=True)
    patterns = ((distinct[:, None] // base ** np.arange(len(columns))) % base - 1).astype(np.int8)
    weights = counts.astype(np.float64)
    m = {name: np.asarray(DEFAULT_M[name]) for name in fields}
    log_u = {name: np.log(np.asarray(u[name])) for name in fields}
    share, iterations, change = 0.1, 0, 1.0
    while change > _EM_TOLERANCE and iterations < _EM_MAX_ITERATIONS:
        iterations += 1
        log_ratio = np.full(len(patterns), math.log(share / (1 - share)))
        for column, name in enumerate(fields):
            known = patterns[:, column] >= 0
            level = patterns[known, column]
            log_ratio[known] += np.log(m[name][level]) - log_u[name][level]
        matched = weights / (1 + np.exp(-np.clip(log_ratio, -700, 700)))
        new_share = float(np.clip(matched.sum() / weights.sum(), 1e-9, 1 - 1e-9))
        change = abs(new_share - share)
        share = new_share
        for column, name in enumerate(fields):
            new_m = _shares(patterns, column, matched, DEFAULT_M[name], _PSEUDO_PAIRS_M)
            change = max(change, float(np.abs(new_m - m[name]).max()))
            m[name] = new_m
    return m, share, iterations


def estimate(
    normalised: Normalised,
    *,
    seed: int = 0,
    u_pairs: int = U_PAIRS,
    workers: int = 1,
    max_block_size: int = MAX_BLOCK_SIZE,
    window: int = WINDOW,
) -> Parameters:
    """The model's parameters, unsupervised and seeded: u from `u_pairs` random pairs; m by EM in
    three kinds of block (see `_training_keys`), each teaching the fields it did not block on
    (averaged when two teach the same field); the prior from the matches EM found among pairs with
    the same name, divided by the share of matches that have the same name."""
    n = len(normalised)
    defaults = Parameters.default(records=n)
    if n < 2:
        return defaults
    rng = np.random.default_rng(seed)
    random_levels = compare(normalised, normalised, *_random_pairs(n, u_pairs, rng), workers=workers)
    u = {
        name: tuple(_shares(random_levels, column, None, DEFAULT_U[name], _PSEUDO_PAIRS_U).tolist())
        for column, name in enumerate(FIELDS)
    }
    same_postcode = compare(
        normalised, normalised, *_pairs_within_postcodes(normalised, u_pairs // 5, rng), workers=workers
    )
    u_within = {
        name: tuple(
            _shares(same_postcode, FIELDS.index(name), None, DEFAULT_U_WITHIN_POSTCODE[name], _PSEUDO_PAIRS_U).tolist()
        )
        for name in WITHIN_POSTCODE
    }
    learnt: dict[str, list[FloatArray]] = {name: [] for name in FIELDS}
    order_key = _order_key(normalised)
    same_name_matches, iterations = -1.0, 0
    for session, (keys, fields) in _training_keys(normalised).items():
        ia, ib = _pairs_in_blocks(_codes(keys), order_key, max_block_size, window)
        if len(ia) < MIN_EM_PAIRS:
            continue
        m, share, steps = _expectation_maximisation(compare(normalised, normalised, ia, ib, workers=workers), fields, u)
        iterations += steps
        for name in fields:
            learnt[name].append(m[name])
        if session == "name":
            same_name_matches = share * len(ia)
    m_final = {
        name: tuple(np.mean(learnt[name], axis=0).tolist()) if learnt[name] else DEFAULT_M[name] for name in FIELDS
    }
    prior = defaults.match_prior
    if same_name_matches > 0:
        # The share of matching pairs that the "name" block holds: both names known and the same.
        known = (random_levels[:, [FIELDS.index("first_name"), FIELDS.index("surname")]] >= 0).mean(axis=0)
        first, surname = m_final["first_name"], m_final["surname"]
        recall = known[0] * (first[0] + first[1]) * known[1] * surname[0]
        prior = float(np.clip(same_name_matches / max(recall, 1e-3) / (n * (n - 1) / 2), 1e-12, 0.5))
    return Parameters(
        m=m_final,
        u=u,
        u_within_postcode=u_within,
        match_prior=prior,
        em_iterations=iterations,
        trained=any(learnt.values()),
    )


# --- Scores, links and clusters ------------------------------------------------------------------


def _weights_table(m: Sequence[float], u: Sequence[float]) -> FloatArray:
    """log2(m/u) per level, with 0 first for "missing" (index level + 1)."""
    return np.r_[0.0, np.log2(np.asarray(m) / np.asarray(u))]


def score(levels: LevelArray, parameters: Parameters) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(partial weights, one column per field; match weights; probabilities) of compared pairs."""
    partial = np.empty(levels.shape, dtype=np.float64)
    for column, name in enumerate(FIELDS):
        partial[:, column] = _weights_table(parameters.m[name], parameters.u[name])[levels[:, column] + 1]
    # The address is weighed as within a postcode when the postcode agrees; the surname whenever
    # the postcode or the address agrees: either way the pair shares a place.
    same_postcode = levels[:, _POSTCODE] == 0
    same_address = (levels[:, _ADDRESS] >= 0) & (levels[:, _ADDRESS] <= 1)
    place = {"address": same_postcode, "surname": same_postcode | same_address}
    for name in WITHIN_POSTCODE:
        column, rows = FIELDS.index(name), place[name]
        within = _weights_table(parameters.m[name], parameters.u_within_postcode[name])
        partial[rows, column] = within[levels[rows, column] + 1]
    weights = partial.sum(axis=1)
    probabilities = 1 / (1 + np.exp2(-np.clip(weights + parameters.prior_weight, -1000, 1000)))
    return partial, weights, probabilities


def links_from_levels(
    ids_a: IntArray, ids_b: IntArray, levels: LevelArray, parameters: Parameters, *, threshold: float = THRESHOLD
) -> list[Link]:
    """Pairs whose probability of being the same person reaches `threshold` ("person" links), and
    pairs below it at the same address and postcode where a flag names nobody ("household" links:
    it may be about anyone there). Both carry the person model's weight and evidence."""
    partial, weights, probabilities = score(levels, parameters)
    person = probabilities >= threshold
    same_address = (levels[:, _ADDRESS] >= 0) & (levels[:, _ADDRESS] <= 1) & (levels[:, _POSTCODE] == 0)
    household = ~person & same_address & (levels[:, _FIRST_NAME] == MISSING)
    links = []
    for k in np.flatnonzero(person | household):
        evidence: dict[str, FieldEvidence] = {}
        for column, name in enumerate(FIELDS):
            level = int(levels[k, column])
            evidence[name] = {
                "level": "missing" if level == MISSING else LEVELS[name][level],
                "weight": round(float(partial[k, column]), 3),
            }
        a, b = int(ids_a[k]), int(ids_b[k])
        kind: Literal["person", "household"] = "person" if person[k] else "household"
        links.append(Link(min(a, b), max(a, b), kind, float(weights[k]), float(probabilities[k]), evidence))
    return links


def clusters(ids: Sequence[int] | IntArray, links: Sequence[Link]) -> IntArray:
    """For each id, the smallest id of its connected component under the links (itself if unlinked):
    groups of flags that probably concern one person or household."""
    ids = np.asarray(ids, dtype=np.int64)
    order = np.argsort(ids, kind="stable")

    def position(values: list[int]) -> IntArray:
        return order[np.searchsorted(ids, np.array(values, dtype=np.int64), sorter=order)]

    a, b = position([link.id_a for link in links]), position([link.id_b for link in links])
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    count, labels = connected_components(graph, directed=False)
    smallest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, ids)
    return smallest[labels]


def link(
    records: Records,
    *,
    parameters: Parameters | None = None,
    threshold: float = THRESHOLD,
    seed: int = 0,
    workers: int = 1,
    max_block_size: int = MAX_BLOCK_SIZE,
    window: int = WINDOW,
) -> Linkage:
    """Link a whole set of flags: normalise, block, compare, estimate (unless `parameters` are
    given), score; the person links at or above `threshold` and the household links (see `links_from_levels`),
    ordered by ids, and clusters. Deterministic for the same records, `seed` and `parameters`."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        seconds[step], clock = time.perf_counter() - clock, time.perf_counter()

    normalised = normalise(records)
    lap("normalise")
    ia, ib = candidate_pairs(normalised, max_block_size=max_block_size, window=window)
    lap("block")
    levels = compare(normalised, normalised, ia, ib, workers=workers)
    lap("compare")
    if parameters is None:
        parameters = estimate(normalised, seed=seed, workers=workers, max_block_size=max_block_size, window=window)
    lap("estimate")
    found = sorted(
        links_from_levels(normalised.ids[ia], normalised.ids[ib], levels, parameters, threshold=threshold),
        key=lambda item: (item.id_a, item.id_b),
    )
    lap("score")
    groups = clusters(normalised.ids, found)
    lap("cluster")
    return Linkage(links=found, clusters=groups, parameters=parameters, candidate_pairs=len(ia), seconds=seconds)


def links_for(new: Records, existing: Records, parameters: Parameters, *, threshold: float = THRESHOLD) -> list[Link]:
    """Score new flags (usually one) against every existing flag given, with the same comparisons
    and a model from `link` or `estimate` (or `Parameters.default`); their links, as `link` makes
    them, the heaviest first. No blocking here: the caller picks the existing flags (the same
    postcode district, or surname, ...). A pair of equal ids is skipped."""
    left, right = normalise(new), normalise(existing)
    ia = np.repeat(np.arange(len(left), dtype=np.int64), len(right))
    ib = np.tile(np.arange(len(right), dtype=np.int64), len(left))
    different = left.ids[ia] != right.ids[ib]
    ia, ib = ia[different], ib[different]
    levels = compare(left, right, ia, ib)
    found = links_from_levels(left.ids[ia], right.ids[ib], levels, parameters, threshold=threshold)
    found.sort(key=lambda item: (-item.match_weight, item.id_a, item.id_b))
    return found
