"""Weighted estimates and their intervals, checked against values worked out independently.

The independent computations: textbook formulas (unweighted, post-stratified), the linearised
variance spelled out respondent by respondent with plain loops, a numerical derivative of a
raking written here from scratch (IPF), R's survey-package algorithm redone with a QR of a
full-rank treatment-coded model matrix, and a coverage simulation.
"""

import math

import numpy as np
import pytest

from heard.polls.estimation import (
    Z_95,
    Estimate,
    calibration_matrix,
    difference,
    difference_between_samples,
    kish_effective_size,
    mean,
    proportion,
)

# --- helpers written for the tests, independent of the module -------------------------------


def rake(codes: list[np.ndarray], targets: list[np.ndarray], start: np.ndarray, tolerance: float = 1e-13) -> np.ndarray:
    """Iterative proportional fitting of ``start`` to the level totals ``targets``, to machine precision."""
    w = start.astype(float).copy()
    for _ in range(5000):
        worst = 0.0
        for code, target in zip(codes, targets, strict=True):
            current = np.bincount(code, weights=w, minlength=target.size)
            w *= (target / current)[code]
            worst = max(worst, float(np.max(np.abs(current / target - 1.0))))
        if worst < tolerance:
            return w
    raise AssertionError("raking did not converge")


def treatment_coded(codes: list[np.ndarray]) -> np.ndarray:
    """R's ``model.matrix(~ a + b)``: an intercept and a dummy per level but the first."""
    columns = [np.ones(codes[0].size)]
    for code in codes:
        columns.extend((code == level).astype(float) for level in range(1, code.max() + 1))
    return np.column_stack(columns)


# A small post-stratified sample: stratum A has 4 respondents, B has 8; the population is 30% A.
STRATUM = ["A"] * 4 + ["B"] * 8
Y_PS = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]  # p_A = 3/4, p_B = 1/8
SHARE = {"A": 0.3, "B": 0.7}
N_PS = 12


def poststratified_weights() -> list[float]:
    counts = {h: STRATUM.count(h) for h in SHARE}
    return [SHARE[h] * N_PS / counts[h] for h in STRATUM]  # w_h = N_h / n_h, scaled to mean 1


# --- 1. unweighted --------------------------------------------------------------------------


def test_proportion_unweighted_equals_textbook():
    y = np.array([1, 0, 0, 1, 1, 0, 1, 1, 0, 1], dtype=float)
    n, p = 10, 0.6

    result = proportion(y, np.ones(n))

    assert result.estimate == pytest.approx(p, abs=1e-15)
    assert result.se == pytest.approx(math.sqrt(p * (1 - p) / (n - 1)), rel=1e-12)
    assert result.ci_low == pytest.approx(p - Z_95 * result.se, rel=1e-12)
    assert (result.unweighted_base, result.weighted_base, result.effective_base) == (10, 10.0, 10.0)


def test_mean_unweighted_equals_textbook():
    y = np.array([3, 5, 4, 1, 2, 5, 5, 4], dtype=float)
    n = y.size
    m = sum(y) / n
    s2 = sum((v - m) ** 2 for v in y) / (n - 1)

    result = mean(y, np.ones(n))

    assert result.estimate == pytest.approx(m, rel=1e-15)
    assert result.se == pytest.approx(math.sqrt(s2 / n), rel=1e-12)
    # Kish with equal weights: the population-style sd over √n.
    assert result.kish_high == pytest.approx(m + Z_95 * math.sqrt(s2 * (n - 1) / n / n), rel=1e-12)


# --- 2. post-stratification -----------------------------------------------------------------


def test_proportion_poststratified_equals_closed_form():
    weights = poststratified_weights()
    X = calibration_matrix({"stratum": STRATUM})
    # By hand: p_A = 3/4, p_B = 1/8, p = 0.3·0.75 + 0.7·0.125
    n_h = {"A": 4, "B": 8}
    p_h = {"A": 3 / 4, "B": 1 / 8}
    expected_p = 0.3 * 0.75 + 0.7 * 0.125
    expected_var = N_PS / (N_PS - 1) * sum(SHARE[h] ** 2 * p_h[h] * (1 - p_h[h]) / n_h[h] for h in SHARE)

    result = proportion(np.array(Y_PS, dtype=float), np.array(weights), X)

    assert result.estimate == pytest.approx(expected_p, abs=1e-12)
    assert result.se**2 == pytest.approx(expected_var, abs=1e-12)
    assert result.weighted_base == pytest.approx(12.0, abs=1e-12)


def test_proportion_uncalibrated_se_is_larger_than_poststratified():
    weights = np.array(poststratified_weights())
    y = np.array(Y_PS, dtype=float)

    calibrated = proportion(y, weights, calibration_matrix({"stratum": STRATUM}))
    fixed_weights = proportion(y, weights)

    p = fixed_weights.estimate
    by_hand = N_PS / (N_PS - 1) * sum((w * (v - p) / N_PS) ** 2 for w, v in zip(weights, Y_PS, strict=True))
    assert fixed_weights.se**2 == pytest.approx(by_hand, abs=1e-12)
    assert calibrated.estimate == p
    assert fixed_weights.se > calibrated.se * 1.2
    # The Kish interval does not see the calibration either.
    assert fixed_weights.kish_low == calibrated.kish_low


def test_proportion_poststratified_ignores_design_weight_convention():
    # With one weighting variable the weights are constant within each level, so regressing with
    # the raked weights and with the pre-raking ones (R's convention) give the same residuals.
    weights = np.array(poststratified_weights())
    X = calibration_matrix({"stratum": STRATUM})
    y = np.array(Y_PS, dtype=float)

    assert proportion(y, weights, X, design_weights=np.ones(N_PS)).se == pytest.approx(
        proportion(y, weights, X).se, rel=1e-12
    )


# --- 3. domains and differences, by hand ----------------------------------------------------

SEX = ["f", "m", "f", "f", "m", "m", "f", "m", "f", "f", "m", "m"]
# Respondent 4 (m) and 8 (f) were not asked the question.
Y_DOMAIN = [1, 0, 1, 0, None, 1, 0, 1, None, 1, 0, 0]


def hand_linearised_variance(z: list[float], weights: list[float]) -> float:
    """The post-stratified linearised variance: centre ``z`` within each stratum, then
    ``n/(n-1) Σ (w e - mean)²``, one respondent at a time."""
    n = len(z)
    e = []
    for i in range(n):
        members = [j for j in range(n) if STRATUM[j] == STRATUM[i]]
        e.append(z[i] - sum(z[j] for j in members) / len(members))
    u = [weights[i] * e[i] for i in range(n)]
    u_bar = sum(u) / n
    return n / (n - 1) * sum((v - u_bar) ** 2 for v in u)


def hand_domain(sex: str, weights: list[float]) -> tuple[float, list[float]]:
    base = [i for i in range(N_PS) if SEX[i] == sex and Y_DOMAIN[i] is not None]
    total = sum(weights[i] for i in base)
    p = sum(weights[i] * Y_DOMAIN[i] for i in base) / total
    z = [(Y_DOMAIN[i] - p) / total if i in base else 0.0 for i in range(N_PS)]
    return p, z


def domain_arrays():
    y = np.array([np.nan if v is None else v for v in Y_DOMAIN], dtype=float)
    return y, np.array(SEX) == "f", np.array(SEX) == "m"


def test_proportion_in_domain_equals_hand_worked_example():
    weights = poststratified_weights()
    y, women, _ = domain_arrays()
    p, z = hand_domain("f", weights)

    result = proportion(y, np.array(weights), calibration_matrix({"stratum": STRATUM}), domain=women)

    assert result.estimate == pytest.approx(p, abs=1e-12)
    assert result.se**2 == pytest.approx(hand_linearised_variance(z, weights), abs=1e-12)
    assert result.unweighted_base == 5  # six women, one not asked
    assert result.weighted_base == pytest.approx(
        sum(w for w, s, v in zip(weights, SEX, Y_DOMAIN, strict=True) if s == "f" and v is not None)
    )


def test_difference_equals_hand_worked_example():
    weights = poststratified_weights()
    y, women, men = domain_arrays()
    p_f, z_f = hand_domain("f", weights)
    p_m, z_m = hand_domain("m", weights)
    var = hand_linearised_variance([a - b for a, b in zip(z_f, z_m, strict=True)], weights)
    z_stat = (p_f - p_m) / math.sqrt(var)

    result = difference(y, np.array(weights), calibration_matrix({"stratum": STRATUM}), domain_a=women, domain_b=men)

    assert result.estimate == pytest.approx(p_f - p_m, abs=1e-12)
    assert result.se**2 == pytest.approx(var, abs=1e-12)
    assert result.z == pytest.approx(z_stat, rel=1e-10)
    assert result.p_value == pytest.approx(math.erfc(abs(z_stat) / math.sqrt(2)), rel=1e-10)
    assert result.significant is (result.p_value < 0.05)
    assert result.suppressed  # bases of 5 and 5


def test_difference_p_value_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    weights = poststratified_weights()
    y, women, men = domain_arrays()

    result = difference(y, np.array(weights), domain_a=women, domain_b=men)

    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(result.z)), rel=1e-12)
    assert stats.norm.ppf(0.975) == pytest.approx(Z_95, rel=1e-15)


def test_difference_of_a_group_with_itself_is_zero_and_not_significant():
    y, women, _ = domain_arrays()

    result = difference(y, np.array(poststratified_weights()), domain_a=women, domain_b=women, threshold=0)

    assert (result.estimate, result.se, result.z, result.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert not result.significant


def test_difference_between_samples_adds_variances():
    a = Estimate(0.6, 0.03, 0.54, 0.66, 0.5, 0.7, 400, 400.0, 300.0, False)
    b = Estimate(0.5, 0.04, 0.42, 0.58, 0.4, 0.6, 300, 300.0, 200.0, False)

    result = difference_between_samples(a, b)

    assert result.estimate == pytest.approx(0.1)
    assert result.se == pytest.approx(0.05)  # √(0.03² + 0.04²)
    assert result.z == pytest.approx(2.0)
    assert result.p_value == pytest.approx(0.04550026389635842, rel=1e-9)  # 2·(1 - Φ(2))
    assert result.significant
    assert not result.suppressed


# --- raking: against a numerical derivative and against R's algorithm ------------------------


def raked_sample(seed: int = 7, n: int = 60):
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 3, n)
    sex = rng.integers(0, 2, n)
    region = rng.integers(0, 2, n)
    y = (rng.random(n) < 0.25 + 0.2 * age / 2 + 0.15 * sex).astype(float)
    y[rng.random(n) < 0.1] = np.nan  # some were not asked
    codes = [age, sex, region]
    targets = [np.array([0.4, 0.35, 0.25]) * n, np.array([0.52, 0.48]) * n, np.array([0.6, 0.4]) * n]
    return y, codes, targets


@pytest.mark.parametrize("in_domain", [False, True])
def test_proportion_raked_se_equals_numerical_derivative_of_raking(in_domain):
    # The linearised variable of a raked estimate is its derivative with respect to each
    # respondent's starting weight. Work it out by central differences on an IPF raking.
    y, codes, targets = raked_sample()
    n = y.size
    domain = codes[1] == 1 if in_domain else np.ones(n, dtype=bool)
    base = domain & ~np.isnan(y)
    y0 = np.where(base, y, 0.0)

    def raked_estimate(start):
        w = rake(codes, targets, start)
        return float(np.sum(w * y0 * base) / np.sum(w * base))

    d, h = np.ones(n), 1e-4
    derivative = np.empty(n)
    for i in range(n):
        step = np.zeros(n)
        step[i] = h
        derivative[i] = (raked_estimate(d + step) - raked_estimate(d - step)) / (2 * h)
    u = d * derivative
    expected_se = math.sqrt(n / (n - 1) * np.sum((u - u.mean()) ** 2))
    weights = rake(codes, targets, d)
    X = calibration_matrix({"age": codes[0], "sex": codes[1], "region": codes[2]})

    result = proportion(y, weights, X, domain=domain if in_domain else None)

    assert result.estimate == pytest.approx(raked_estimate(d), abs=1e-13)
    assert result.se == pytest.approx(expected_se, rel=1e-8)
    assert result.se < proportion(y, weights, domain=domain if in_domain else None).se


def test_proportion_with_design_weights_follows_r_survey():
    # survey::calibrate keeps qr(mm * sqrt(d)) of the full-rank model matrix ~age+sex+region and
    # svyrecvar replaces the estimating function x by qr.resid(qr, x / (g·√d)) · g·√d.
    y, codes, targets = raked_sample(seed=11, n=80)
    n = y.size
    d = np.random.default_rng(3).uniform(0.5, 2.0, n)  # unequal weights before raking
    weights = rake(codes, targets, d)
    base = ~np.isnan(y)
    p = np.sum(weights[base] * y[base]) / np.sum(weights[base])
    x = np.where(base, weights * (np.nan_to_num(y) - p), 0.0) / np.sum(weights[base])  # svymean's estfun
    g_root_d = weights / d * np.sqrt(d)
    q, _ = np.linalg.qr(treatment_coded(codes) * np.sqrt(d)[:, None])
    scaled = x / g_root_d
    x_cal = (scaled - q @ (q.T @ scaled)) * g_root_d
    expected_se = math.sqrt(n / (n - 1) * np.sum((x_cal - x_cal.mean()) ** 2))
    X = calibration_matrix({"age": codes[0], "sex": codes[1], "region": codes[2]})

    r_style = proportion(y, weights, X, design_weights=d)
    default = proportion(y, weights, X)

    assert r_style.se == pytest.approx(expected_se, rel=1e-10)
    # The two conventions agree to first order, not exactly.
    assert default.se == pytest.approx(r_style.se, rel=0.05)


def test_proportion_coverage_of_raked_interval_is_near_95_percent():
    rng = np.random.default_rng(2024)
    population = 20_000
    age = rng.choice(4, population, p=[0.2, 0.3, 0.3, 0.2])
    sex = rng.choice(2, population, p=[0.49, 0.51])
    logit = -1.0 + 0.5 * age - 0.6 * sex + 0.4 * age * sex
    opinion = rng.random(population) < 1 / (1 + np.exp(-logit))
    truth = opinion.mean()
    # People answer polls with a propensity that depends on age and sex (multiplicatively, so
    # raking to the margins removes the bias) and not otherwise on their opinion.
    propensity = np.array([0.3, 0.6, 1.0, 1.6])[age] * np.array([1.0, 0.6])[sex]
    draw = propensity / propensity.sum()
    n, samples, covered, kish_covered = 400, 300, 0, 0
    for _ in range(samples):
        chosen = rng.choice(population, n, p=draw)
        codes = [age[chosen], sex[chosen]]
        targets = [np.bincount(age, minlength=4) / population * n, np.bincount(sex, minlength=2) / population * n]
        weights = rake(codes, targets, np.ones(n))
        X = calibration_matrix({"age": codes[0], "sex": codes[1]})

        result = proportion(opinion[chosen].astype(float), weights, X)

        covered += result.ci_low <= truth <= result.ci_high
        kish_covered += result.kish_low <= truth <= result.kish_high

    assert 0.90 <= covered / samples <= 0.99
    assert kish_covered >= covered  # Kish ignores what the raking gains, so it is wider here


# --- 4. Kish --------------------------------------------------------------------------------


def test_kish_effective_size_by_hand():
    # (0.5 + 0.5 + 1 + 2)² / (0.25 + 0.25 + 1 + 4) = 16 / 5.5
    assert kish_effective_size([0.5, 0.5, 1, 2]) == pytest.approx(16 / 5.5, rel=1e-15)
    assert kish_effective_size(np.ones(7)) == pytest.approx(7.0)
    assert kish_effective_size([0.0, 0.0]) == 0.0


def test_proportion_kish_interval_by_hand():
    weights = np.tile([0.5, 0.5, 1.0, 2.0, 1.0, 3.0], 4)
    y = np.tile([1, 0, 1, 1, np.nan, 0], 4)  # every fifth is outside the base
    # base weights 4 x (0.5, 0.5, 1, 2, 3): Σw = 28, Σw² = 58, n_eff = 28² / 58; p = 4 x (0.5 + 1 + 2) / 28 = 0.5
    n_eff = 28**2 / 58
    half = 1.959963984540054 * math.sqrt(0.25 / n_eff)

    result = proportion(y, weights, threshold=0)

    assert result.estimate == pytest.approx(0.5)
    assert result.effective_base == pytest.approx(n_eff, rel=1e-15)
    assert (result.kish_low, result.kish_high) == (pytest.approx(0.5 - half), pytest.approx(0.5 + half))
    assert (result.unweighted_base, result.weighted_base) == (20, 28.0)


def test_mean_kish_interval_by_hand():
    weights = np.array([1.0, 3.0, 2.0, 2.0])
    y = np.array([2, 4, 1, 5], dtype=float)
    # m = (2 + 12 + 2 + 10) / 8 = 3.25; s_w² = Σ w (y - m)² / Σ w; n_eff = 64 / 18
    m = 3.25
    s2 = (1 * 1.25**2 + 3 * 0.75**2 + 2 * 2.25**2 + 2 * 1.75**2) / 8
    half = Z_95 * math.sqrt(s2 / (64 / 18))

    result = mean(y, weights, threshold=0)

    assert result.estimate == pytest.approx(m)
    assert (result.kish_low, result.kish_high) == (pytest.approx(m - half), pytest.approx(m + half))


def test_proportion_kish_interval_is_clipped():
    y = np.array([1.0] * 9 + [0.0])

    result = proportion(y, np.array([1.0] * 9 + [0.2]), threshold=0)

    assert result.estimate == pytest.approx(9 / 9.2)
    assert result.kish_high == 1.0  # 9/9.2 + 1.96 √(p (1 - p) / 9.36) is over 1
    assert 0.0 <= result.ci_low <= result.ci_high <= 1.0


# --- 5. suppression, missing answers and edge cases -------------------------------------------


def test_proportion_suppressed_below_threshold_only():
    rng = np.random.default_rng(1)
    y = (rng.random(50) < 0.4).astype(float)

    at_threshold = proportion(y, np.ones(50))
    below = proportion(y[:49], np.ones(49))

    assert not at_threshold.suppressed
    assert below.suppressed
    assert below.estimate is not None  # the figures are there; the caller shows a note instead
    assert proportion(y[:49], np.ones(49), threshold=40).suppressed is False


def test_proportion_not_answered_is_outside_bases():
    y = np.array([1, 0, np.nan, 1, np.nan], dtype=float)
    weights = np.array([1.0, 2.0, 5.0, 1.0, 5.0])

    result = proportion(y, weights, threshold=3)

    assert result.unweighted_base == 3
    assert result.weighted_base == 4.0
    assert result.estimate == pytest.approx(0.5)
    assert not result.suppressed


def test_proportion_nan_answers_push_base_under_threshold():
    y = np.r_[np.ones(30), np.zeros(20), [np.nan]]

    assert proportion(y, np.ones(51)).unweighted_base == 50
    assert proportion(np.r_[y[1:], np.nan], np.ones(51)).suppressed


def test_proportion_empty_domain_has_no_estimate():
    y = np.array([1.0, 0.0, 1.0])
    nobody = np.zeros(3, dtype=bool)

    result = proportion(y, np.ones(3), calibration_matrix({"sex": ["f", "m", "f"]}), domain=nobody)

    assert result == Estimate(None, None, None, None, None, None, 0, 0.0, 0.0, True)
    assert mean(y, np.ones(3), domain=nobody, threshold=0).estimate is None
    gap = difference(y, np.ones(3), domain_a=nobody, domain_b=~nobody, threshold=0)
    assert (gap.estimate, gap.significant, gap.suppressed) == (None, False, True)


def test_proportion_domain_of_zero_weights_has_no_estimate():
    result = proportion(np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0]), domain=[True, True, False], threshold=0)

    assert result.estimate is None
    assert result.unweighted_base == 2
    assert result.suppressed


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_proportion_everyone_agrees_gives_degenerate_interval(value):
    weights = np.linspace(0.5, 2.0, 60)
    X = calibration_matrix({"age": np.arange(60) % 3})

    result = proportion(np.full(60, value), weights, X)

    assert result.estimate == value
    assert result.se == pytest.approx(0.0, abs=1e-15)
    assert result.ci_low == pytest.approx(value, abs=1e-14)
    assert result.ci_high == pytest.approx(value, abs=1e-14)
    assert (result.kish_low, result.kish_high) == (value, value)
    assert not result.suppressed


def test_difference_with_zero_se_and_a_gap_is_significant():
    y = np.r_[np.ones(60), np.zeros(60)]
    groups = np.r_[np.ones(60, dtype=bool), np.zeros(60, dtype=bool)]

    result = difference(y, np.ones(120), domain_a=groups, domain_b=~groups)

    assert result.estimate == 1.0
    assert result.se == pytest.approx(0.0, abs=1e-15)
    assert result.significant
    assert not result.suppressed


def test_proportion_rejects_what_is_not_an_indicator():
    with pytest.raises(ValueError, match="0 or 1"):
        proportion(np.array([0.0, 2.0]), np.ones(2))
    with pytest.raises(ValueError, match="non-negative"):
        proportion(np.array([0.0, 1.0]), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="same length"):
        proportion(np.array([0.0, 1.0]), np.ones(3))


def test_proportion_single_respondent_has_no_se():
    result = proportion(np.array([1.0]), np.ones(1), threshold=0)

    assert result.estimate == 1.0
    assert (result.se, result.ci_low, result.ci_high) == (None, None, None)


# --- the design matrix ----------------------------------------------------------------------


def test_calibration_matrix_one_hot_every_level():
    X = calibration_matrix({"sex": ["m", "f", "f", None], "age": [2, 0, 1, 2]})

    assert X.tolist() == [
        [0, 0, 1, 0, 0, 1],  # sex: None, f, m (as text) — then age 0, 1, 2
        [0, 1, 0, 1, 0, 0],
        [0, 1, 0, 0, 1, 0],
        [1, 0, 0, 0, 0, 1],
    ]
    assert X.sum(axis=1).tolist() == [2, 2, 2, 2]


def test_calibration_matrix_rejects_columns_of_different_lengths():
    with pytest.raises(ValueError, match="expected 3"):
        calibration_matrix({"sex": ["m", "f", "f"], "age": [1, 2]})
