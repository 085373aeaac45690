"""Raking (heard/polls/weighting.py) and the rake_sample command that puts it to work on files."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import weightipy
from django.core.management import CommandError, call_command

from heard.polls.weighting import RakingError, rake


def margin_error(columns: dict, margins: dict, weights: np.ndarray) -> float:
    """Worked out here independently of rake(): the largest |weighted share - target| of any level."""
    labels = {variable: np.asarray([str(value) for value in values]) for variable, values in columns.items()}
    return max(
        abs(weights[labels[variable] == str(level)].sum() / weights.sum() - share)
        for variable, levels in margins.items()
        for level, share in levels.items()
    )


def random_sample(respondents: int, sizes: list[int], seed: int) -> tuple[dict, dict]:
    """Correlated, skewed respondents and margins that differ from them."""
    rng = np.random.default_rng(seed)
    trait = rng.standard_normal(respondents)
    columns, margins = {}, {}
    for number, size in enumerate(sizes):
        population = rng.dirichlet(np.full(size, 3.0))
        tilt = np.exp(np.linspace(-0.7, 0.7, size))
        sample = population * tilt / (population * tilt).sum()
        latent = 0.6 * trait + 0.8 * rng.standard_normal(respondents)
        codes = np.minimum(np.searchsorted(np.cumsum(sample), 1 / (1 + np.exp(-1.7 * latent))), size - 1)
        labels = np.array([f"level {level}" for level in range(size)])
        columns[f"variable{number}"] = labels[codes]
        margins[f"variable{number}"] = {
            str(label): float(share) for label, share in zip(labels, population, strict=True)
        }
    return columns, margins


# Hand-worked examples


def test_rake_one_variable_is_post_stratification() -> None:
    # Three men and one woman, to a population half and half: weight = target share / sample share.
    result = rake({"sex": ["m", "m", "m", "f"]}, {"sex": {"m": 0.5, "f": 0.5}})

    assert result.weights == pytest.approx([0.5 / 0.75, 0.5 / 0.75, 0.5 / 0.75, 0.5 / 0.25])
    assert result.converged
    assert result.max_margin_error <= 1e-12
    assert result.min_weight == pytest.approx(2 / 3)
    assert result.max_weight == pytest.approx(2)
    assert not result.capped


def test_rake_two_by_two_matches_the_closed_form() -> None:
    # Cells (a1,b1)=2, (a1,b2)=1, (a2,b1)=1, (a2,b2)=1: odds ratio 2. Raking keeps the odds ratio and
    # meets the margins, so the fitted count x of (a1,b1) solves x * (R2 - C1 + x) = 2 (R1 - x)(C1 - x).
    columns = {"a": ["a1", "a1", "a1", "a2", "a2"], "b": ["b1", "b1", "b2", "b1", "b2"]}
    margins = {"a": {"a1": 0.6, "a2": 0.4}, "b": {"b1": 0.3, "b2": 0.7}}
    row1, row2, col1 = 0.6 * 5, 0.4 * 5, 0.3 * 5
    # x^2 + (R2 - C1) x = 2 (R1 C1 - (R1 + C1) x + x^2)  =>  x^2 - (R2 - C1 + 2 R1 + 2 C1) x + 2 R1 C1 = 0
    b = row2 - col1 + 2 * row1 + 2 * col1
    x = (b - math.sqrt(b * b - 8 * row1 * col1)) / 2
    fitted = {("a1", "b1"): x, ("a1", "b2"): row1 - x, ("a2", "b1"): col1 - x, ("a2", "b2"): row2 - col1 + x}
    counts = {("a1", "b1"): 2, ("a1", "b2"): 1, ("a2", "b1"): 1, ("a2", "b2"): 1}

    result = rake(columns, margins, tolerance=1e-12)

    expected = [fitted[cell] / counts[cell] for cell in zip(columns["a"], columns["b"], strict=True)]
    assert result.weights == pytest.approx(expected, abs=1e-10)
    assert result.converged


def test_rake_kish_effective_sample_size_and_design_effect() -> None:
    result = rake({"sex": ["m", "m", "m", "f"]}, {"sex": {"m": 0.5, "f": 0.5}})

    # Weights 2/3, 2/3, 2/3, 2: (sum w)^2 / sum w^2 = 16 / (3 * 4/9 + 4) = 3.
    assert result.effective_sample_size == pytest.approx(3)
    assert result.design_effect == pytest.approx(4 / 3)


def test_rake_sample_already_matching_needs_no_iteration() -> None:
    result = rake({"sex": ["m", "f"]}, {"sex": {"m": 0.5, "f": 0.5}})

    assert result.iterations == 0
    assert list(result.weights) == [1.0, 1.0]
    assert result.design_effect == pytest.approx(1)


def test_rake_labels_compare_as_strings_and_keep_input_order() -> None:
    # Integer labels meet margins keyed by strings or integers alike. The only weights that meet these
    # margins: the age 1 and 2 respondents carry their age's share, the two age 3 ones share the rest
    # so that north and south are even.
    columns = {"age": np.array([3, 1, 2, 3]), "area": ["north", "south", "north", "south"]}
    margins = {"age": {"1": 0.2, 2: 0.3, "3": 0.5}, "area": {"north": 0.5, "south": 0.5}}

    result = rake(columns, margins, tolerance=1e-12)

    assert result.converged
    assert result.weights == pytest.approx([0.8, 0.8, 1.2, 1.2], abs=1e-10)


def test_rake_object_and_string_arrays_give_the_same_weights() -> None:
    columns, margins = random_sample(3000, [3, 5], seed=7)
    as_objects = {variable: np.array(values.tolist(), dtype=object) for variable, values in columns.items()}

    assert np.array_equal(rake(columns, margins).weights, rake(as_objects, margins).weights)


# Agreement with weightipy


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rake_agrees_with_weightipy_on_random_data(seed: int) -> None:
    columns, margins = random_sample(5000, [4, 6, 9], seed=seed)
    scheme = weightipy.scheme_from_dict(
        {variable: {level: share * 100 for level, share in levels.items()} for variable, levels in margins.items()},
        name="test",
    )

    ours = rake(columns, margins, tolerance=1e-10).weights
    theirs = weightipy.weight(pd.DataFrame(columns), scheme).to_numpy(dtype=np.float64)

    assert np.abs(ours / ours.mean() - theirs / theirs.mean()).max() <= 1e-6


# Bad input


@pytest.mark.parametrize(
    ("columns", "margins", "message"),
    [
        ({"sex": ["m", "f"]}, {"sex": {"m": 0.5, "f": 0.6}}, "The shares of 'sex' add up to 1.1, not 1."),
        ({"sex": ["m", "f", "x"]}, {"sex": {"m": 0.5, "f": 0.5}}, "Level 'x' of 'sex' (1 respondents) is not in"),
        (
            {"sex": ["m", "m"]},
            {"sex": {"m": 0.5, "f": 0.5}},
            "Level 'f' of 'sex' has a share of 0.5 in the margins but no respondent has it (an empty weighting cell)",
        ),
        ({"sex": ["m", "f"]}, {"sex": {"m": 1.5, "f": -0.5}}, "The share of level 'f' of 'sex' is negative (-0.5)."),
        (
            {"sex": ["m", "f"]},
            {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 1.0}},
            "Margins are given for 'age', but the sample has no such column.",
        ),
        (
            {"sex": ["m", "f"], "age": ["young", "old"]},
            {"sex": {"m": 0.5, "f": 0.5}},
            "The sample has 'age' to weight on, but no margins for it.",
        ),
        (
            {"sex": ["m", "f"], "age": ["young"]},
            {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 1.0}},
            "The columns have different numbers of respondents: 'sex' has 2, 'age' has 1.",
        ),
        ({"sex": []}, {"sex": {"m": 0.5, "f": 0.5}}, "There are no respondents to weight."),
        (
            {"sex": ["m", None, "f"]},
            {"sex": {"m": 0.5, "f": 0.5}},
            "1 respondents have no level of 'sex' (the first is respondent 1, counting from 0)",
        ),
        (
            {"score": [1.0, float("nan")]},
            {"score": {"1.0": 1.0}},
            "1 respondents have no level of 'score' (the first is respondent 1",
        ),
        (
            {"sex": ["m", "f", "m"]},
            {"sex": {"m": 1.0, "f": 0.0}},
            "Level 'f' of 'sex' has a share of 0 in the margins but 1 respondents have it",
        ),
        ({"sex": ["m"]}, {"sex": {"m": "all"}}, "The share of level 'm' of 'sex' must be a number, not 'all'."),
        ({"sex": ["1"]}, {"sex": {1: 0.5, "1": 0.5}}, "The margins for 'sex' give level '1' twice."),
        ({"sex": ["m"]}, {}, "There are no margins"),
    ],
)
def test_rake_bad_input_says_what_is_wrong(columns: dict, margins: dict, message: str) -> None:
    with pytest.raises(RakingError) as raised:
        rake(columns, margins)

    assert message in str(raised.value)


def test_rake_margins_within_the_rounding_allowance_are_rescaled() -> None:
    # Census tables are rounded: 0.33 + 0.33 + 0.34005 is accepted, and rescaled to add up to 1.
    result = rake({"age": ["a", "b", "c"]}, {"age": {"a": 0.33, "b": 0.33, "c": 0.34005}}, tolerance=1e-12)

    assert result.converged
    assert result.weights.sum() == pytest.approx(3)


def test_rake_unknown_level_in_a_large_string_column_is_named() -> None:
    labels = np.array(["north", "south"] * 50_000 + ["west"])

    with pytest.raises(RakingError, match=r"Level 'west' of 'area' \(1 respondents\) is not in the margins"):
        rake({"area": labels}, {"area": {"north": 0.5, "south": 0.5}})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cap": 1.0}, "The cap must be a number greater than 1"),
        ({"tolerance": 0}, "The tolerance must be a number greater than 0"),
        ({"max_iterations": 0}, "The maximum number of iterations must be a whole number, 1 or more"),
    ],
)
def test_rake_bad_parameters_say_what_is_wrong(options: dict, message: str) -> None:
    with pytest.raises(RakingError, match=message):
        rake({"sex": ["m", "f"]}, {"sex": {"m": 0.5, "f": 0.5}}, **options)


# The cap


def test_rake_cap_is_respected_and_margins_still_met() -> None:
    columns, margins = random_sample(20_000, [4, 6, 8], seed=11)
    uncapped = rake(columns, margins)

    result = rake(columns, margins, cap=0.75 * uncapped.max_weight)

    assert uncapped.max_weight > result.max_weight
    assert result.capped
    assert result.converged
    assert result.weights.max() <= 0.75 * uncapped.max_weight * (1 + 1e-9)
    assert result.weights.mean() == pytest.approx(1)
    assert margin_error(columns, margins, result.weights) <= 1e-6


def test_rake_cap_that_cannot_be_met_is_reported_not_converged() -> None:
    # One woman in ten must stand for half the population: weight 5. A cap of 2 cannot allow that.
    result = rake({"sex": ["f"] + ["m"] * 9}, {"sex": {"f": 0.5, "m": 0.5}}, cap=2, max_iterations=50)

    assert not result.converged
    assert result.capped
    assert result.max_weight <= 2 + 1e-9
    assert result.max_margin_error == pytest.approx(0.5 - 0.2, abs=1e-9)


def test_rake_cap_above_every_weight_changes_nothing() -> None:
    columns, margins = random_sample(5000, [3, 4], seed=5)

    capped = rake(columns, margins, cap=1000)

    assert not capped.capped
    assert np.array_equal(capped.weights, rake(columns, margins).weights)
    assert capped.max_weight < 1000


# Convergence is reported honestly


def test_rake_too_few_iterations_is_not_converged() -> None:
    columns, margins = random_sample(5000, [4, 6, 8], seed=3)

    result = rake(columns, margins, tolerance=1e-9, max_iterations=1)

    assert result.iterations == 1
    assert not result.converged
    assert result.max_margin_error > 1e-9
    assert result.max_margin_error == pytest.approx(margin_error(columns, margins, result.weights), rel=1e-9)


def test_rake_impossible_margins_are_not_converged() -> None:
    # Every a1 is b1 and every a2 is b2, so the shares of a and b must be equal: these margins cannot be met.
    columns = {"a": ["a1", "a1", "a2"], "b": ["b1", "b1", "b2"]}
    margins = {"a": {"a1": 0.5, "a2": 0.5}, "b": {"b1": 0.3, "b2": 0.7}}

    result = rake(columns, margins, max_iterations=200)

    assert not result.converged
    assert result.iterations == 200
    assert result.max_margin_error == pytest.approx(margin_error(columns, margins, result.weights), rel=1e-9)
    assert result.max_margin_error > 0.1


def test_rake_converged_means_every_margin_is_within_tolerance() -> None:
    columns, margins = random_sample(20_000, [4, 6, 8, 10, 12], seed=9)

    result = rake(columns, margins, tolerance=1e-9)

    assert result.converged
    assert margin_error(columns, margins, result.weights) <= 1e-9


# The command


def write_sample(path: Path, rows: list[list[str]], *, bom: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as file:
        csv.writer(file).writerows(rows)


SAMPLE = [
    ["id", "sex", "age", "comment"],
    ["1", "m", "young", "Hello, world"],
    ["2", "m", "old", ""],
    ["3", "m", "old", "línea"],
    ["4", "f", "young", "x"],
    ["5", "f", "old", "y"],
]
MARGINS = {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 0.4, "old": 0.6}}


def run_rake_sample(tmp_path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "rake_sample",
        "--sample",
        str(tmp_path / "sample.csv"),
        "--margins",
        str(tmp_path / "margins.json"),
        "--out",
        str(tmp_path / "weighted.csv"),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_rake_sample_writes_every_row_and_column_with_weights(tmp_path: Path) -> None:
    write_sample(tmp_path / "sample.csv", SAMPLE, bom=True)
    (tmp_path / "margins.json").write_text(json.dumps(MARGINS), encoding="utf-8")

    printed = run_rake_sample(tmp_path)

    with (tmp_path / "weighted.csv").open(encoding="utf-8", newline="") as file:
        written = list(csv.reader(file))
    assert written[0] == [*SAMPLE[0], "weight"]
    assert [row[:-1] for row in written[1:]] == SAMPLE[1:]
    weights = np.array([float(row[-1]) for row in written[1:]])
    expected = rake({"sex": list("mmmff"), "age": ["young", "old", "old", "young", "old"]}, MARGINS).weights
    assert weights == pytest.approx(expected, rel=1e-15)
    assert "Maximum margin error" in printed
    assert "Effective sample size" in printed
    assert "Design effect" in printed
    assert "iterations" in printed
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("rows", "margins", "message"),
    [
        ([*SAMPLE[:3], ["3", "m"], *SAMPLE[4:]], MARGINS, "Line 4 of the sample has 2 fields, not 4"),
        ([*SAMPLE[:2], ["2", "", "old", ""]], MARGINS, "Line 3 of the sample has no value for 'sex'"),
        (SAMPLE, {**MARGINS, "area": {"north": 1.0}}, "the sample has no such column"),
        (SAMPLE, {"sex": {"m": 0.5, "f": 0.6}, "age": MARGINS["age"]}, "The shares of 'sex' add up to 1.1, not 1."),
        (
            SAMPLE,
            {"sex": {"m": 1.0}, "age": MARGINS["age"]},
            "Level 'f' of 'sex' (2 respondents) is not in the margins",
        ),
        (
            [*SAMPLE, ["6", "f", "old", "z"]],
            {"sex": {"m": 0.5, "f": 0.5}, "age": {"young": 0.4, "old": 0.5, "middle": 0.1}},
            "Level 'middle' of 'age' has a share of 0.1 in the margins but no respondent has it",
        ),
    ],
)
def test_rake_sample_bad_input_names_the_problem_and_writes_nothing(
    tmp_path: Path, rows: list[list[str]], margins: dict, message: str
) -> None:
    write_sample(tmp_path / "sample.csv", rows)
    (tmp_path / "margins.json").write_text(json.dumps(margins), encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        run_rake_sample(tmp_path)

    assert message in str(raised.value)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["margins.json", "sample.csv"]


def test_rake_sample_bad_json_writes_nothing(tmp_path: Path) -> None:
    write_sample(tmp_path / "sample.csv", SAMPLE)
    (tmp_path / "margins.json").write_text('{"sex": {"m": 0.5,', encoding="utf-8")

    with pytest.raises(CommandError, match="is not valid JSON"):
        run_rake_sample(tmp_path)

    assert not (tmp_path / "weighted.csv").exists()


def test_rake_sample_not_converging_writes_nothing_and_keeps_an_old_output(tmp_path: Path) -> None:
    write_sample(tmp_path / "sample.csv", SAMPLE)
    (tmp_path / "margins.json").write_text(json.dumps(MARGINS), encoding="utf-8")
    (tmp_path / "weighted.csv").write_text("old", encoding="utf-8")

    with pytest.raises(CommandError, match="Raking did not converge in 1 iterations"):
        run_rake_sample(tmp_path, "--max-iterations", "1", "--tolerance", "1e-12", "--cap", "1.05")

    assert (tmp_path / "weighted.csv").read_text(encoding="utf-8") == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["margins.json", "sample.csv", "weighted.csv"]
