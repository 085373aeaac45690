"""Raking (iterative proportional fitting): weights that make a sample match known population margins.

A poll's respondents are rarely a fair picture of the people it speaks for: too many of one age group,
too few of one area. Raking gives each respondent a weight so that, for every weighting variable
(age band, sex, area...), the weighted share of each level equals its share in the population, taken
from the census or a register. `rake()` does this for any number of variables at once.

How it works, and why it is fast. Respondents who share every weighting level (the same age band, sex
and area...) always get the same weight, so the work is done on those *cells*, not on respondents:

1. each variable's labels are encoded to integer codes in one vectorised pass;
2. the codes are combined into a cell id (mixed radix) and the cells counted;
3. iterative proportional fitting runs on the cell counts: for each variable in turn, every cell's
   weight is multiplied by target total / weighted total of its level (`np.bincount`);
4. the cell weights are spread back to respondents through the inverse index.

There is no Python loop over respondents or cells: the loops are over variables and iterations only.
After step 2 the cost does not depend on the number of respondents.

The stopping rule is the largest absolute difference, over every level of every variable, between the
weighted sample share and the target share. Libraries that stop when the weights change little between
iterations can report success while a margin is still off; this one cannot.

Messages. Errors are `RakingError` (a `ValueError`) with plain English messages naming the variable
and level at fault. They are deliberately not marked for translation here: this module is a numerical
core with no Django imports (see docs/polls-weighting.md), and Django's `gettext` needs configured
settings to work. The layers that show these messages to people (the `rake_sample` command, the
polls views) say what went wrong in their own, translated, words and quote this message as detail.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

# Each variable's target shares must add up to 1 within this. Census tables are published rounded
# (to 0.1% or 1 person in 1,000), so asking for more would reject honest input; the shares are then
# rescaled to add up to exactly 1 before raking.
MARGIN_SUM_TOLERANCE = 1e-4

# The cell grid is counted with one np.bincount when it has at most this many cells (32 MB of counts);
# beyond that np.unique groups the cells instead (a sort, slower but with no memory cost for the grid).
_DENSE_GRID_LIMIT = 1 << 22
# Mixed-radix cell ids stay below this, well inside int64; past it the ids are compacted first.
_CELL_ID_LIMIT = 1 << 40
# A fixed odd multiplier for the string hash below (the 64-bit golden ratio).
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

Labels: TypeAlias = Sequence[Hashable] | npt.NDArray[Any]
FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.intp]


class RakingError(ValueError):
    """The columns or margins given to `rake()` cannot be raked; the message says which and why."""


@dataclass(frozen=True, eq=False)
class RakeResult:
    """What `rake()` found: the weights and how good they are.

    `weights` has one weight per respondent, in input order, with mean 1. `max_margin_error` is the
    largest absolute difference between a weighted sample share and its target share, over every level
    of every variable, for these weights. `converged` is `max_margin_error <= tolerance`: when it is
    False the weights are the best found within the iteration limit (and under the cap, if any) and the
    caller must say so. `effective_sample_size` is Kish's (Σw)² / Σw², and `design_effect` is
    n / effective_sample_size. `capped` is True when the cap trimmed weights at some point in the
    raking, so the cap changed the result.
    """

    weights: FloatArray
    iterations: int
    max_margin_error: float
    converged: bool
    effective_sample_size: float
    design_effect: float
    min_weight: float
    max_weight: float
    capped: bool


def rake(
    columns: Mapping[str, Labels],
    margins: Mapping[str, Mapping[Hashable, float]],
    *,
    tolerance: float = 1e-6,
    max_iterations: int = 1000,
    cap: float | None = None,
) -> RakeResult:
    """Weight respondents so that their weighted shares match `margins` on every variable.

    `columns` maps each weighting variable to its respondents' level labels, one per respondent, all
    of the same length: a list or a numpy array of strings, numbers or anything else hashable. Labels
    are compared as `str(label)`, so 3 and "3" are the same level (but 3.0 is "3.0"). Numpy string or
    integer arrays are the fast path; lists of Python strings become one in a single pass.

    `margins` maps each variable to `{level: population share}`. A variable's shares must be at least 0
    and add up to 1 within MARGIN_SUM_TOLERANCE (they are then rescaled to add up to exactly 1).
    Levels with share 0 are allowed only if no respondent has them.

    Raking stops as soon as `max_margin_error <= tolerance`, or after `max_iterations` sweeps through
    the variables. `cap`, if given, is the largest weight allowed (weights have mean 1, so it must be
    greater than 1): after every sweep weights above it are trimmed to it and the excess is spread over
    the others in proportion to their weights, and raking goes on until the margins are met with every
    weight within the cap, or the iteration limit. Not converging is not an error: the result says so.

    Raises RakingError when the input is unusable, naming the variable and level.
    """
    _check_parameters(tolerance=tolerance, max_iterations=max_iterations, cap=cap)
    variables = _check_variables(columns, margins)
    targets = {variable: _target_shares(variable, margins[variable]) for variable in variables}
    codes = _encode_all(variables, columns, targets)
    count = len(next(iter(codes.values())))
    sizes = [len(targets[variable]) for variable in variables]
    cell_of_respondent, cell_counts, cell_codes = _group_cells([codes[variable] for variable in variables], sizes)
    shares = [np.fromiter(targets[variable].values(), dtype=np.float64) for variable in variables]
    _check_levels(variables, targets, shares, cell_codes, cell_counts)

    cell_weights, iterations, error, capped = _fit(
        cell_counts, cell_codes, shares, tolerance=tolerance, max_iterations=max_iterations, cap=cap
    )

    weighted = cell_counts * cell_weights
    total = weighted.sum()
    squares = (weighted * cell_weights).sum()
    effective = float(total * total / squares)
    return RakeResult(
        weights=cell_weights[cell_of_respondent],
        iterations=iterations,
        max_margin_error=error,
        converged=error <= tolerance,
        effective_sample_size=effective,
        design_effect=count / effective,
        min_weight=float(cell_weights.min()),
        max_weight=float(cell_weights.max()),
        capped=capped,
    )


# From this many respondents, the variables are encoded on several threads: reading the labels is
# most of the work, and numpy lets go of the interpreter lock while it compares and gathers.
_PARALLEL_FROM = 200_000


def _encode_all(
    variables: list[str], columns: Mapping[str, Labels], targets: Mapping[str, Mapping[str, float]]
) -> dict[str, IntArray]:
    def encode(variable: str) -> IntArray:
        return _encode(variable, columns[variable], targets[variable])

    workers = min(len(variables), os.cpu_count() or 1)
    if workers < 2 or len(columns[variables[0]]) < _PARALLEL_FROM:
        return {variable: encode(variable) for variable in variables}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(variables, pool.map(encode, variables), strict=True))


def _check_parameters(*, tolerance: float, max_iterations: int, cap: float | None) -> None:
    if not (isinstance(tolerance, numbers.Real) and math.isfinite(tolerance) and tolerance > 0):
        raise RakingError(f"The tolerance must be a number greater than 0, not {tolerance!r}.")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, numbers.Integral) or max_iterations < 1:
        raise RakingError(
            f"The maximum number of iterations must be a whole number, 1 or more, not {max_iterations!r}."
        )
    if cap is not None and not (isinstance(cap, numbers.Real) and math.isfinite(cap) and cap > 1):
        # Weights have mean 1: a cap of 1 or less leaves no weight free to move.
        raise RakingError(f"The cap must be a number greater than 1 (weights have mean 1), not {cap!r}.")


def _check_variables(columns: Mapping[str, Labels], margins: Mapping[str, Mapping[Hashable, float]]) -> list[str]:
    if not margins:
        raise RakingError("There are no margins: give at least one weighting variable.")
    without_column = [variable for variable in margins if variable not in columns]
    if without_column:
        raise RakingError(f"Margins are given for {_names(without_column)}, but the sample has no such column.")
    without_margins = [variable for variable in columns if variable not in margins]
    if without_margins:
        raise RakingError(f"The sample has {_names(without_margins)} to weight on, but no margins for it.")
    lengths = {variable: len(columns[variable]) for variable in margins}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{variable!r} has {length}" for variable, length in lengths.items())
        raise RakingError(f"The columns have different numbers of respondents: {listed}.")
    if not next(iter(lengths.values())):
        raise RakingError("There are no respondents to weight.")
    return list(margins)


def _target_shares(variable: str, levels: Mapping[Hashable, float]) -> dict[str, float]:
    """The variable's target shares by level label, checked, and rescaled to add up to exactly 1."""
    if not isinstance(levels, Mapping) or not levels:
        raise RakingError(f"The margins for {variable!r} must map each level to its share, and have at least one.")
    shares: dict[str, float] = {}
    for level, share in levels.items():
        label = str(level)
        if label in shares:
            raise RakingError(f"The margins for {variable!r} give level {label!r} twice.")
        if isinstance(share, bool) or not isinstance(share, numbers.Real) or not math.isfinite(share):
            raise RakingError(f"The share of level {label!r} of {variable!r} must be a number, not {share!r}.")
        if share < 0:
            raise RakingError(f"The share of level {label!r} of {variable!r} is negative ({share}).")
        shares[label] = float(share)
    total = math.fsum(shares.values())
    if abs(total - 1) > MARGIN_SUM_TOLERANCE:
        raise RakingError(f"The shares of {variable!r} add up to {total:.6g}, not 1.")
    return {label: share / total for label, share in shares.items()}


def _encode(variable: str, labels: Labels, targets: Mapping[str, float]) -> IntArray:
    """Each respondent's level of `variable` as its index in `targets`, in one vectorised pass."""
    values = np.asarray(labels)
    if values.ndim != 1:
        raise RakingError(f"The column {variable!r} must be a flat sequence of labels, one per respondent.")
    _check_missing(variable, values)
    if values.dtype.kind not in "iubfU":
        # Objects, bytes, dates...: compare as their str(), as documented.
        values = values.astype(str) if values.dtype.kind != "S" else np.char.decode(values, "utf-8")
    if values.dtype.kind == "U":
        codes = _encode_strings(values, targets)
    elif values.dtype.kind in "iu":
        codes = _encode_integers(values, targets)
    else:
        codes = None
    if codes is not None:
        return codes

    # The general way, which also finds the labels that have no margin, to name them.
    uniques, inverse = np.unique(values, return_inverse=True)
    level_index = {label: index for index, label in enumerate(targets)}
    lookup = np.empty(len(uniques), dtype=np.intp)
    for position, unique in enumerate(uniques):
        label = str(unique)
        if label not in level_index:
            respondents = int(np.count_nonzero(inverse == position))
            raise RakingError(
                f"Level {label!r} of {variable!r} ({respondents} respondents) is not in the margins: "
                "give it a share, or recode it to a level that has one."
            )
        lookup[position] = level_index[label]
    return lookup[inverse.reshape(-1)]


def _encode_strings(values: npt.NDArray[np.str_], targets: Mapping[str, float]) -> IntArray | None:
    """Encode strings through a small hash table of the margins' labels; None if a label is not among them.

    np.unique sorts strings, which is slow (a third of a second for a million). Instead a key is read
    from each string (one 4- or 8-byte word of it, when that word tells the margins' labels apart, else
    a hash of all of it), the key picks a slot in a small table of the margins' labels, and every
    respondent's label is compared with the label in its slot, so the result is exact whatever the key.
    """
    width = values.dtype.itemsize // 4
    candidates = [(index, label) for index, label in enumerate(targets) if 0 < len(label) <= width]
    if not width or not candidates:
        return None
    values = np.ascontiguousarray(values)
    levels = np.array([label for _, label in candidates], dtype=values.dtype)
    value_words, level_words = _words(values), _words(levels)
    distinct = [
        column for column in range(level_words.shape[1]) if len(np.unique(level_words[:, column])) == len(levels)
    ]
    if distinct:
        value_keys = value_words[:, distinct[0]] * _HASH_MULTIPLIER
        level_keys = level_words[:, distinct[0]] * _HASH_MULTIPLIER
    else:
        value_keys, level_keys = _hash_words(value_words), _hash_words(level_words)
    for bits in range(len(candidates).bit_length() + 1, 21):
        slots = level_keys >> np.uint64(64 - bits)
        if len(np.unique(slots)) == len(slots):
            break
    else:
        return None
    # Empty slots point at the first label: a respondent whose key lands there cannot have that label
    # (its key would have led to the label's own slot), so the comparison below rejects it.
    table = np.zeros(1 << bits, dtype=np.intp)
    table[slots] = np.arange(len(candidates))
    positions = table[value_keys >> np.uint64(64 - bits)]
    if not np.array_equal(levels[positions], values):
        return None
    if len(candidates) == len(targets):
        return positions
    return np.array([index for index, _ in candidates], dtype=np.intp)[positions]


def _words(values: npt.NDArray[np.str_]) -> npt.NDArray[np.unsignedinteger[Any]]:
    """Fixed-width strings as rows of 8-byte words (4-byte ones when the width is odd), without a copy."""
    word = np.uint64 if values.dtype.itemsize % 8 == 0 else np.uint32
    words: npt.NDArray[np.unsignedinteger[Any]] = values.view(word).reshape(len(values), -1)  # type: ignore[assignment]
    return words


def _hash_words(words: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.uint64]:
    """A 64-bit polynomial hash of each row of words, its top bits mixed from all of them."""
    hashes = np.zeros(len(words), dtype=np.uint64)
    for column in range(words.shape[1]):
        hashes *= _HASH_MULTIPLIER
        hashes += words[:, column]
    # Multiplication only carries upwards: fold the low bits in again before the top bits are used.
    hashes ^= hashes >> np.uint64(29)
    hashes *= _HASH_MULTIPLIER
    return hashes


def _encode_integers(values: npt.NDArray[np.integer[Any]], targets: Mapping[str, float]) -> IntArray | None:
    """Encode integers through a lookup table over their range; None if the range is too wide."""
    low, high = int(values.min()), int(values.max())
    if high - low >= _DENSE_GRID_LIMIT or high >= 1 << 62 or low <= -(1 << 62):
        return None
    shifted = values.astype(np.int64) - low
    level_index = {label: index for index, label in enumerate(targets)}
    table = np.full(high - low + 1, -1, dtype=np.intp)
    for offset in np.flatnonzero(np.bincount(shifted)):
        label = str(int(offset) + low)
        if label not in level_index:
            return None
        table[offset] = level_index[label]
    return table[shifted]


def _check_missing(variable: str, values: npt.NDArray[Any]) -> None:
    if values.dtype.kind == "f":
        missing = np.isnan(values)
    elif values.dtype.kind == "O":
        # None is the only object equal to None; NaN is the only value unequal to itself.
        missing = (values == None) | (values != values)  # noqa: E711 -- elementwise, not an identity test
    else:
        return
    if missing.any():
        first = int(np.argmax(missing))
        raise RakingError(
            f"{int(missing.sum())} respondents have no level of {variable!r} (the first is respondent "
            f"{first}, counting from 0): weight only respondents with a level of every variable."
        )


def _group_cells(codes: list[IntArray], sizes: list[int]) -> tuple[IntArray, FloatArray, list[IntArray]]:
    """Group respondents who share every level into cells.

    Returns each respondent's cell, each cell's respondent count, and each cell's level code for every
    variable.
    """
    cell = np.zeros(len(codes[0]), dtype=np.int64)
    radix = 1
    compacted = False
    for variable_codes, size in zip(codes, sizes, strict=True):
        if radix * size > _CELL_ID_LIMIT:
            # Too many possible cells for one integer id: renumber the cells seen so far densely.
            distinct, cell = np.unique(cell, return_inverse=True)
            radix, compacted = len(distinct), True
        cell = cell * size + variable_codes
        radix *= size

    if not compacted and radix <= _DENSE_GRID_LIMIT:
        grid_counts = np.bincount(cell, minlength=radix)
        occupied = np.flatnonzero(grid_counts)
        dense = np.empty(radix, dtype=np.intp)
        dense[occupied] = np.arange(len(occupied))
        cell_codes = []
        remainder = occupied
        for size in reversed(sizes):
            remainder, level = np.divmod(remainder, size)
            cell_codes.append(level.astype(np.intp))
        cell_codes.reverse()
        return dense[cell], grid_counts[occupied].astype(np.float64), cell_codes

    _, first, inverse, counts = np.unique(cell, return_index=True, return_inverse=True, return_counts=True)
    cell_codes = [variable_codes[first] for variable_codes in codes]
    return inverse.astype(np.intp, copy=False), counts.astype(np.float64), cell_codes


def _check_levels(
    variables: list[str],
    targets: Mapping[str, Mapping[str, float]],
    shares: list[FloatArray],
    cell_codes: list[IntArray],
    cell_counts: FloatArray,
) -> None:
    for variable, variable_shares, codes in zip(variables, shares, cell_codes, strict=True):
        counts = np.bincount(codes, weights=cell_counts, minlength=len(variable_shares))
        labels = list(targets[variable])
        for index in np.flatnonzero((counts == 0) & (variable_shares > 0)):
            raise RakingError(
                f"Level {labels[index]!r} of {variable!r} has a share of {variable_shares[index]:.6g} in the "
                "margins but no respondent has it (an empty weighting cell): merge it with a neighbouring "
                "level, or drop the variable."
            )
        for index in np.flatnonzero((counts > 0) & (variable_shares == 0)):
            raise RakingError(
                f"Level {labels[index]!r} of {variable!r} has a share of 0 in the margins but "
                f"{int(counts[index])} respondents have it: their weight would be 0. Leave them out, or give "
                "the level a share."
            )


def _fit(
    cell_counts: FloatArray,
    cell_codes: list[IntArray],
    shares: list[FloatArray],
    *,
    tolerance: float,
    max_iterations: int,
    cap: float | None,
) -> tuple[FloatArray, int, float, bool]:
    """Iterative proportional fitting on the cells.

    Returns the cell weights (mean 1 over respondents), the sweeps done, the final maximum margin error
    and whether the cap trimmed any weight.
    """
    respondents = cell_counts.sum()
    target_totals = [variable_shares * respondents for variable_shares in shares]
    weights = np.ones(len(cell_counts))
    capped = False

    def margin_error() -> float:
        weighted = cell_counts * weights
        total = weighted.sum()
        return max(
            float(np.abs(np.bincount(codes, weights=weighted, minlength=len(target)) / total - target).max())
            for codes, target in zip(cell_codes, shares, strict=True)
        )

    error = margin_error()
    iterations = 0
    while error > tolerance and iterations < max_iterations:
        iterations += 1
        for codes, totals in zip(cell_codes, target_totals, strict=True):
            current = np.bincount(codes, weights=cell_counts * weights, minlength=len(totals))
            # Levels nobody has have target 0 (checked): their factor is never used, keep it finite.
            factors = np.divide(totals, current, out=np.ones_like(totals), where=current > 0)
            weights *= factors[codes]
        if cap is not None:
            weights, trimmed = _trim(weights, cell_counts, cap=cap)
            capped = capped or trimmed
        error = margin_error()

    weights *= respondents / (cell_counts * weights).sum()
    return weights, iterations, error, capped


def _trim(weights: FloatArray, cell_counts: FloatArray, *, cap: float) -> tuple[FloatArray, bool]:
    """Trim weights above `cap` to it, spreading the excess over the others in proportion to their weight.

    The result has mean 1 and no weight above the cap. It solves mean(min(cap, s * w)) = 1 for the
    scale s exactly, rather than clipping and rescaling in a loop that only approaches the cap.
    """
    respondents = cell_counts.sum()
    scaled = weights * (respondents / (cell_counts * weights).sum())
    over = scaled > cap
    if not over.any():
        # Left exactly as they were, so that a cap that never binds cannot change the result at all.
        return weights, False
    weights = scaled
    while True:
        free = ~over
        scale = (respondents - cap * cell_counts[over].sum()) / (cell_counts[free] * weights[free]).sum()
        grown = over | (weights * scale > cap)
        if np.array_equal(grown, over):
            break
        over = grown
    return np.where(over, cap, weights * scale), True


def _names(variables: list[str]) -> str:
    return ", ".join(repr(variable) for variable in variables)
