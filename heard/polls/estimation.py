"""Weighted estimates for poll results, with intervals that account for the weighting.

A numerical core: numpy only, no Django, no ORM. Each function takes one value per respondent of
the wave (arrays of length n, in the same order as the weights) and returns a small frozen
dataclass that the results pages and exports render.

Design assumed: a single-stage sample drawn with replacement, no strata, no clusters, whose
weights were raked (calibrated) to population margins on the weighting variables. Nothing here
rakes; it takes the final weights ``w`` and the design matrix ``X`` of the variables they were
raked on (:func:`calibration_matrix`).

Estimator. For a question, ``y_i`` is the respondent's answer (a 0/1 indicator for "chose this
option", or a score) or NaN where the question was not asked or not answered. The base of a
cell is ``δ_i = [i in the domain] · [y_i answered]``, and the estimate is the ratio::

    p = Σ w_i δ_i y_i / Σ w_i δ_i

Linearisation (Taylor). The ratio's linearised variable is::

    z_i = δ_i (y_i - p) / Σ_j w_j δ_j

It is zero outside the domain but those respondents stay in the sample: domain estimation is
not estimation on a subsample, so the variance sums over all n respondents.

Calibration. Raking fixes the weighted totals of every level of every weighting variable, so
the part of ``z`` those levels explain has no sampling variance. We take it out by weighted
least squares on ``X``::

    B = (Xᵀ W X)⁺ Xᵀ W z,   e = z - X B

With the raked weights as ``W`` (the default) ``w_i e_i`` is exactly the derivative of the raked
estimate with respect to respondent i's starting weight (differentiate the calibration equations
``Σ w_k x_k = T``), so this is the Taylor linearisation of the raking estimator itself. Deville &
Särndal (1992) and R's ``survey::calibrate`` weight the regression by the weights *before*
calibration instead (``qr(mm * sqrt(d))`` in the survey package); pass ``design_weights`` to
reproduce that. The two agree exactly for post-stratification (one weighting variable) and to
first order otherwise. ``X`` is rank-deficient (all levels of all variables, so each variable's
columns sum to one): the pseudo-inverse (``lstsq``) gives the unique projection regardless.

Variance, single stage with replacement (R's ``svyrecvar`` for ``svydesign(ids=~1)``)::

    u_i = w_i e_i,   var(p) = n/(n-1) Σ_i (u_i - ū)²,   se = √var

95% interval: ``p ± 1.96 se`` (Wald), clipped to [0, 1] for proportions.

Kish interval, shown beside it for comparison: it treats the weighted sample as a simple random
sample of the effective size ``n_eff = (Σ w)² / Σ w²`` over the respondents in the base::

    p ± 1.96 √(p (1 - p) / n_eff)              (proportions, clipped to [0, 1])
    m ± 1.96 s_w / √n_eff,  s_w² = Σ wδ (y - m)² / Σ wδ    (means)

It ignores what the raking gains (and that the weights come from the data), so it is usually
wider for variables related to the weighting ones.

Suppression: a cell whose unweighted base is under ``threshold`` (default 50) is marked
``suppressed``; its figures are still computed, and the caller shows a note instead of them. A
cell with no one in its base (or zero weight in it) has no estimate: ``estimate``, ``se`` and the
interval ends are ``None`` and it is always suppressed.

See docs/polls-estimation.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "SUPPRESSION_THRESHOLD",
    "Z_95",
    "Difference",
    "Estimate",
    "MeanEstimate",
    "calibration_matrix",
    "difference",
    "difference_between_samples",
    "kish_effective_size",
    "mean",
    "proportion",
]

#: Cells with fewer respondents than this in their base are suppressed.
SUPPRESSION_THRESHOLD = 50

#: The 97.5% point of the standard normal ("1.96"), for two-sided 95% intervals.
Z_95 = 1.959963984540054

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """A weighted proportion (0–1), or mean, with its linearised and Kish 95% intervals."""

    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    kish_low: float | None
    kish_high: float | None
    unweighted_base: int
    weighted_base: float
    effective_base: float
    suppressed: bool


# A weighted mean of a score (0–10, a Likert item scored 1–5) has the same figures as a proportion;
# its intervals are not clipped (the caller knows the scale's range).
MeanEstimate = Estimate


@dataclass(frozen=True)
class Difference:
    """``a - b`` with a Wald test of "no difference" (two-sided, normal).

    ``z`` is ``estimate / se``. When ``se`` is 0 the test degenerates: a non-zero difference gets
    ``z = ±inf``, ``p_value = 0`` and is significant; a zero one gets ``z = 0``, ``p_value = 1``.
    """

    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p_value: float | None
    significant: bool
    suppressed: bool


def calibration_matrix(columns: Mapping[str, Sequence[Any] | NDArray[Any]]) -> FloatArray:
    """The n x L one-hot matrix of every level of every weighting variable.

    ``columns`` maps each variable the weights were raked on to its value per respondent. Each
    distinct value is a level, a missing one (None, NaN) included, so pass the columns as the
    raking saw them. Variables come in the mapping's order, levels sorted within each. The
    matrix is rank-deficient by design (each variable's block sums to a column of ones);
    the estimators handle that.
    """
    blocks: list[FloatArray] = []
    n: int | None = None
    for name, values in columns.items():
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"Weighting variable {name!r} must be one-dimensional.")
        if n is None:
            n = array.shape[0]
        elif array.shape[0] != n:
            raise ValueError(f"Weighting variable {name!r} has {array.shape[0]} values, expected {n}.")
        if array.dtype.kind == "O":
            # Mixed objects (None beside strings) cannot be sorted; their text keeps levels apart.
            array = array.astype(str)
        _, codes = np.unique(array, return_inverse=True)
        codes = codes.reshape(-1)
        levels = int(codes.max()) + 1 if codes.size else 0
        blocks.append(np.eye(levels, dtype=np.float64)[codes])
    if not blocks:
        raise ValueError("At least one weighting variable is needed.")
    return np.hstack(blocks)


def kish_effective_size(weights: ArrayLike) -> float:
    """Kish's effective sample size ``(Σ w)² / Σ w²``; 0 for no weight at all."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    sum_of_squares = float(np.dot(w, w))
    if sum_of_squares == 0.0:
        return 0.0
    return float(w.sum()) ** 2 / sum_of_squares


def proportion(
    y: ArrayLike,
    weights: ArrayLike,
    X: ArrayLike | None = None,
    *,
    domain: ArrayLike | None = None,
    threshold: int = SUPPRESSION_THRESHOLD,
    design_weights: ArrayLike | None = None,
) -> Estimate:
    """The weighted share of the base with ``y = 1``, with its 95% intervals.

    ``y`` holds 0/1 per respondent, NaN where the question was not asked or not answered (those
    respondents are outside the base). ``domain`` is an optional boolean mask of a subgroup.
    ``X`` is :func:`calibration_matrix` of the weighting variables; without it the weights are
    treated as fixed. ``design_weights`` (the weights before raking) switches the residualising
    regression to R's ``survey::calibrate`` convention; see the module docstring.
    """
    cell = _cell(y, weights, X, domain=domain, design_weights=design_weights, indicator=True)
    if cell.estimate is None:
        return Estimate(None, None, None, None, None, None, cell.unweighted_base, 0.0, 0.0, True)
    p = cell.estimate
    kish_half = Z_95 * math.sqrt(max(p * (1.0 - p), 0.0) / cell.effective_base)
    ci_low, ci_high = _wald(p, cell.se)
    return Estimate(
        estimate=p,
        se=cell.se,
        ci_low=_clip01(ci_low),
        ci_high=_clip01(ci_high),
        kish_low=_clip01(p - kish_half),
        kish_high=_clip01(p + kish_half),
        unweighted_base=cell.unweighted_base,
        weighted_base=cell.weighted_base,
        effective_base=cell.effective_base,
        suppressed=cell.unweighted_base < threshold,
    )


def mean(
    y: ArrayLike,
    weights: ArrayLike,
    X: ArrayLike | None = None,
    *,
    domain: ArrayLike | None = None,
    threshold: int = SUPPRESSION_THRESHOLD,
    design_weights: ArrayLike | None = None,
) -> MeanEstimate:
    """The weighted mean score over the base, with its 95% intervals (not clipped).

    As :func:`proportion`, for any numeric ``y`` (NaN outside the base). The Kish interval is
    ``m ± 1.96 s_w / √n_eff`` with ``s_w`` the weighted standard deviation in the base.
    """
    cell = _cell(y, weights, X, domain=domain, design_weights=design_weights, indicator=False)
    if cell.estimate is None:
        return MeanEstimate(None, None, None, None, None, None, cell.unweighted_base, 0.0, 0.0, True)
    m = cell.estimate
    kish_half = Z_95 * math.sqrt(cell.weighted_variance / cell.effective_base)
    ci_low, ci_high = _wald(m, cell.se)
    return MeanEstimate(
        estimate=m,
        se=cell.se,
        ci_low=ci_low,
        ci_high=ci_high,
        kish_low=m - kish_half,
        kish_high=m + kish_half,
        unweighted_base=cell.unweighted_base,
        weighted_base=cell.weighted_base,
        effective_base=cell.effective_base,
        suppressed=cell.unweighted_base < threshold,
    )


def difference(
    y: ArrayLike,
    weights: ArrayLike,
    X: ArrayLike | None = None,
    *,
    domain_a: ArrayLike,
    domain_b: ArrayLike,
    threshold: int = SUPPRESSION_THRESHOLD,
    design_weights: ArrayLike | None = None,
) -> Difference:
    """The difference ``a - b`` between two subgroups of the same wave, with a significance test.

    For 0/1 ``y`` it is ``p_a - p_b``; for scores, the difference of the means. Both estimates
    come from the same sample, and through the raking they are correlated even when the groups
    do not overlap, so the difference is linearised jointly: ``z = z_a - z_b`` is residualised
    on ``X`` and put through the variance formula once, which carries their covariance. The
    interval is not clipped. Suppressed when either base is under ``threshold``.
    """
    y_arr, w, x_mat, reg_w = _validate(y, weights, X, design_weights=design_weights, indicator=False)
    answered = ~np.isnan(y_arr)
    parts = []
    for mask in (domain_a, domain_b):
        base = answered & _mask(mask, y_arr.shape[0])
        parts.append(_ratio(y_arr, w, base))
    (p_a, z_a, n_a), (p_b, z_b, n_b) = parts
    suppressed = n_a < threshold or n_b < threshold
    if p_a is None or p_b is None or z_a is None or z_b is None:
        return Difference(None, None, None, None, None, None, significant=False, suppressed=True)
    estimate = p_a - p_b
    se = _standard_error(w, _residualise(z_a - z_b, x_mat, reg_w))
    return _tested(estimate, se, suppressed=suppressed)


def difference_between_samples(
    a: Estimate | MeanEstimate,
    b: Estimate | MeanEstimate,
) -> Difference:
    """``a - b`` for estimates from independent samples (two waves), with a significance test.

    Independent samples have no covariance: ``se = √(se_a² + se_b²)``. Suppressed when either is.
    """
    suppressed = a.suppressed or b.suppressed
    if a.estimate is None or b.estimate is None:
        return Difference(None, None, None, None, None, None, significant=False, suppressed=True)
    se = None if a.se is None or b.se is None else math.hypot(a.se, b.se)
    return _tested(a.estimate - b.estimate, se, suppressed=suppressed)


# --- internals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    estimate: float | None
    se: float | None
    unweighted_base: int
    weighted_base: float
    effective_base: float
    weighted_variance: float


def _cell(
    y: ArrayLike,
    weights: ArrayLike,
    X: ArrayLike | None,
    *,
    domain: ArrayLike | None,
    design_weights: ArrayLike | None,
    indicator: bool,
) -> _Cell:
    y_arr, w, x_mat, reg_w = _validate(y, weights, X, design_weights=design_weights, indicator=indicator)
    base = ~np.isnan(y_arr)
    if domain is not None:
        base &= _mask(domain, y_arr.shape[0])
    estimate, z, unweighted_base = _ratio(y_arr, w, base)
    if estimate is None or z is None:
        return _Cell(None, None, unweighted_base, 0.0, 0.0, 0.0)
    w_base = w[base]
    deviations = y_arr[base] - estimate
    weighted_base = float(w_base.sum())
    return _Cell(
        estimate=estimate,
        se=_standard_error(w, _residualise(z, x_mat, reg_w)),
        unweighted_base=unweighted_base,
        weighted_base=weighted_base,
        effective_base=kish_effective_size(w_base),
        weighted_variance=float(np.dot(w_base, deviations * deviations)) / weighted_base,
    )


def _validate(
    y: ArrayLike,
    weights: ArrayLike,
    X: ArrayLike | None,
    *,
    design_weights: ArrayLike | None,
    indicator: bool,
) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray]:
    y_arr = np.asarray(y, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if y_arr.ndim != 1 or w.shape != y_arr.shape:
        raise ValueError("y and weights must be one-dimensional and of the same length.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("Weights must be finite and non-negative.")
    if np.any(np.isinf(y_arr)):
        raise ValueError("y must be finite, or NaN outside the base.")
    if indicator:
        answered = y_arr[~np.isnan(y_arr)]
        if np.any((answered != 0.0) & (answered != 1.0)):
            raise ValueError("A proportion needs y of 0 or 1 (NaN outside the base).")
    x_mat = None
    if X is not None:
        x_mat = np.asarray(X, dtype=np.float64)
        if x_mat.ndim != 2 or x_mat.shape[0] != y_arr.shape[0]:
            raise ValueError("X must be an n x L matrix with a row per respondent.")
    if design_weights is None:
        reg_w = w
    else:
        reg_w = np.asarray(design_weights, dtype=np.float64)
        if reg_w.shape != w.shape or not np.all(np.isfinite(reg_w)) or np.any(reg_w < 0):
            raise ValueError("design_weights must be finite, non-negative and one per respondent.")
    return y_arr, w, x_mat, reg_w


def _mask(domain: ArrayLike, n: int) -> NDArray[np.bool_]:
    mask = np.asarray(domain, dtype=bool)
    if mask.shape != (n,):
        raise ValueError("A domain must be a boolean mask with one entry per respondent.")
    return mask


def _ratio(y: FloatArray, w: FloatArray, base: NDArray[np.bool_]) -> tuple[float | None, FloatArray | None, int]:
    """The ratio ``Σ wδy / Σ wδ`` and its linearised variable ``z`` over all n respondents."""
    unweighted_base = int(base.sum())
    wd = np.where(base, w, 0.0)
    total = float(wd.sum())
    if total <= 0.0:
        return None, None, unweighted_base
    y_in = np.where(base, y, 0.0)
    estimate = float(np.dot(wd, y_in)) / total
    z = np.where(base, y_in - estimate, 0.0) / total
    return estimate, z, unweighted_base


# (X, regression weights, projector) for the last few pairs seen, matched by identity: a wave's
# results ask for thousands of estimates with the very same X and weight arrays.
_PROJECTORS: list[tuple[FloatArray, FloatArray, FloatArray]] = []
_PROJECTOR_CACHE_SIZE = 4


def _projector(x_mat: FloatArray, reg_w: FloatArray) -> FloatArray:
    """``(√W X)⁺``, the pseudo-inverse that gives ``B`` from ``√W z``, worked out once per pair of
    arrays instead of solving a least-squares problem for every estimate. The cache holds the
    arrays themselves, so an id is never reused while its entry lives; arrays must not be changed
    in place between calls (none of our callers do)."""
    for cached_x, cached_w, projector in _PROJECTORS:
        if cached_x is x_mat and cached_w is reg_w:
            return projector
    projector = np.asarray(np.linalg.pinv(x_mat * np.sqrt(reg_w)[:, None]), dtype=np.float64)
    _PROJECTORS.append((x_mat, reg_w, projector))
    if len(_PROJECTORS) > _PROJECTOR_CACHE_SIZE:
        _PROJECTORS.pop(0)
    return projector


def _residualise(z: FloatArray, x_mat: FloatArray | None, reg_w: FloatArray) -> FloatArray:
    """``e = z - X B`` with ``B = (Xᵀ W X)⁺ Xᵀ W z``: what the calibration leaves to chance."""
    if x_mat is None:
        return z
    coefficients = _projector(x_mat, reg_w) @ (z * np.sqrt(reg_w))
    return z - x_mat @ coefficients


def _standard_error(w: FloatArray, e: FloatArray) -> float | None:
    """With-replacement, single stage: ``√(n/(n-1) Σ (u - ū)²)`` with ``u = w e``."""
    n = e.shape[0]
    if n < 2:
        return None
    u = w * e
    centred = u - u.mean()
    return math.sqrt(n / (n - 1) * float(np.dot(centred, centred)))


def _wald(estimate: float, se: float | None) -> tuple[float | None, float | None]:
    if se is None:
        return None, None
    return estimate - Z_95 * se, estimate + Z_95 * se


def _clip01(value: float | None) -> float | None:
    return None if value is None else min(max(value, 0.0), 1.0)


def _tested(estimate: float, se: float | None, *, suppressed: bool) -> Difference:
    if se is None:
        return Difference(estimate, None, None, None, None, None, significant=False, suppressed=suppressed)
    if se > 0.0:
        z = estimate / se
    elif estimate == 0.0:
        z = 0.0
    else:
        z = math.copysign(math.inf, estimate)
    p_value = math.erfc(abs(z) / math.sqrt(2.0))
    ci_low, ci_high = _wald(estimate, se)
    return Difference(
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        z=z,
        p_value=p_value,
        significant=p_value < 0.05,
        suppressed=suppressed,
    )
