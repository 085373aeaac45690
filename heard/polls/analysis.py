"""Weighting a wave to population margins, and computing its results for the results pages.

Both run in background tasks (`heard.polls.tasks`): raking and estimation read every answer,
and pages only read what this module stores on the wave."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.core.services import log_action
from heard.polls import estimation, variables
from heard.polls.enums import CHOICE_KINDS, QuestionKind, RespondentStatus
from heard.polls.models import Answer, Question, Respondent, Wave
from heard.polls.weighting import RakingError, rake

MARGIN_SUM_TOLERANCE = 0.001
# A grid statement's "agree" share: the two agreeing points of the scale.
AGREE = {"4", "5"}


# --- Margins ------------------------------------------------------------------------------------


def margins_check(margins: dict[str, dict[str, float]], *, poll_variables: set[str]) -> dict[str, dict[str, float]]:
    """Shares per variable that name real levels, are not negative and add up to 1 (percentages
    adding up to 100 are turned into shares). Raises ValidationError naming what is wrong."""
    problems: list[str] = []
    clean: dict[str, dict[str, float]] = {}
    for variable, shares in margins.items():
        if variable not in variables.LABELS:
            problems.append(_("%(variable)s is not a weighting variable.") % {"variable": variable})
            continue
        if variable not in poll_variables:
            problems.append(
                _("No question of this poll asks about %(variable)s.") % {"variable": variables.LABELS[variable]}
            )
            continue
        known = set(variables.levels(variable))
        unknown = sorted(set(shares) - known)
        if unknown:
            problems.append(
                _("%(variable)s has no level %(level)s.")
                % {"variable": variables.LABELS[variable], "level": unknown[0]}
            )
            continue
        missing = sorted(known - set(shares))
        if missing:
            problems.append(
                _("%(variable)s needs a share for %(level)s.")
                % {"variable": variables.LABELS[variable], "level": variables.level_label(variable, missing[0])}
            )
            continue
        if not all(math.isfinite(share) for share in shares.values()):
            problems.append(
                _("%(variable)s has a share that is not a number.") % {"variable": variables.LABELS[variable]}
            )
            continue
        if any(share < 0 for share in shares.values()):
            problems.append(_("%(variable)s has a negative share.") % {"variable": variables.LABELS[variable]})
            continue
        total = sum(shares.values())
        if abs(total - 100) <= 100 * MARGIN_SUM_TOLERANCE:
            shares = {level: share / 100 for level, share in shares.items()}
            total = 1.0
        if abs(total - 1) > MARGIN_SUM_TOLERANCE:
            problems.append(
                _("The shares of %(variable)s add up to %(total)s, not 100%%.")
                % {"variable": variables.LABELS[variable], "total": f"{total:.4g}"}
            )
            continue
        # Rescaled to add up to exactly 1, so raking takes them as they are.
        clean[variable] = {level: float(share) / total for level, share in shares.items()}
    if problems:
        raise ValidationError(problems)
    if not clean:
        raise ValidationError(_("Give the population shares of at least one weighting variable."))
    return clean


def margins_from_csv(content: bytes) -> dict[str, dict[str, float]]:
    """Margins from a CSV with the columns variable, level, share (a proportion or a percentage)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again.")) from error
    try:
        return _margins_rows(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise ValidationError(_("The file could not be read as CSV: %(error)s") % {"error": error}) from error


def _margins_rows(reader: Any) -> dict[str, dict[str, float]]:
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[:3] != ["variable", "level", "share"]:
        raise ValidationError(_("The first line must be the headings: variable, level, share."))
    margins: dict[str, dict[str, float]] = defaultdict(dict)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise ValidationError(_("Line %(line)d needs a variable, a level and a share.") % {"line": line})
        variable, level, share = (cell.strip() for cell in row[:3])
        try:
            value = float(share.rstrip("%"))
        except ValueError as error:
            raise ValidationError(
                _("Line %(line)d: the share %(share)s is not a number.") % {"line": line, "share": share}
            ) from error
        if level in margins[variable]:
            raise ValidationError(
                _("Line %(line)d: %(variable)s %(level)s is given twice.")
                % {"line": line, "variable": variable, "level": level}
            )
        margins[variable][level] = value
    return dict(margins)


# --- The data of a wave -----------------------------------------------------------------------


def _counted(wave: Wave) -> Any:
    """Complete responses, not flagged as repeats from one connection."""
    return Respondent.objects.filter(wave=wave, status=RespondentStatus.COMPLETE, possible_duplicate=False)


def _profile_columns(wave: Wave, respondents: Any, ids: list[int], wanted: set[str]) -> dict[str, np.ndarray]:
    """Each weighting variable's level per respondent (in the order of `ids`); MISSING for no
    answer or "prefer not to say"."""
    index = {pk: n for n, pk in enumerate(ids)}
    columns = {variable: np.full(len(ids), variables.MISSING, dtype=object) for variable in wanted}
    stated = {variable: set(variables.levels(variable)) for variable in wanted}
    rows = Answer.objects.filter(respondent__in=respondents, question__kind=QuestionKind.PROFILE).values_list(
        "respondent_id", "question__weighting_variable", "choices"
    )
    for respondent_id, variable, choices in rows.iterator(chunk_size=5000):
        if variable in columns and choices and choices[0] in stated[variable]:
            columns[variable][index[respondent_id]] = choices[0]
    return {variable: column.astype(str) for variable, column in columns.items()}


def _with_missing(column: np.ndarray, shares: dict[str, float]) -> dict[str, float]:
    """Keep the not-stated group at its sample share and scale the population's shares to the rest.

    That share is an estimate, but the intervals treat it as a known total, so where many people
    do not state a weighting variable they are somewhat too narrow (in a simulation with 30% not
    stated, 95% intervals covered 92% of the time); with a few per cent not stated the effect is
    negligible. docs/polls-estimation.md says so."""
    missing_share = float(np.mean(column == variables.MISSING))
    if missing_share == 0:
        return shares
    return {**{level: share * (1 - missing_share) for level, share in shares.items()}, variables.MISSING: missing_share}


# --- Weighting ----------------------------------------------------------------------------------


# Weights are written this many respondents at a time (a bounded statement on every database).
_UPDATE_BATCH = 5000


def wave_weight(
    *, wave: Wave, margins: dict[str, dict[str, float]] | None = None, cap: float | None = None, by: Any = None
) -> bool:
    """Rake the wave's counted responses to `margins` (by default the wave's own) and store the
    margins, the weights and the report together. If raking cannot be done, nothing of the last
    good weighting changes: the wave only says why (`weighting_error`). Returns whether it worked."""
    margins = wave.margins if margins is None else margins
    cap = wave.weight_cap if margins is wave.margins else cap
    counted = _counted(wave)
    ids = list(counted.order_by("pk").values_list("pk", flat=True))
    try:
        if not ids:
            raise RakingError(_("No one has completed this wave yet."))
        if not margins:
            raise RakingError(_("Give the population margins first."))
        columns = _profile_columns(wave, counted, ids, set(margins))
        targets = {variable: _with_missing(columns[variable], shares) for variable, shares in margins.items()}
        result = rake(columns, targets, tolerance=1e-6, max_iterations=1000, cap=cap)
        if not result.converged:
            raise RakingError(
                _(
                    "The weights did not meet the margins within %(n)d rounds (largest gap %(gap).2g). "
                    "Check the margins, or allow larger weights."
                )
                % {"n": result.iterations, "gap": result.max_margin_error}
            )
    except RakingError as error:
        Wave.objects.filter(pk=wave.pk).update(weighting_error=str(error))
        wave.weighting_error = str(error)
        log_action(action="poll.weighting_failed", by=by, target=wave, organisation_id=wave.poll.organisation_id)
        return False
    with transaction.atomic():
        # Only complete responses are touched: people still answering are never locked out.
        Respondent.objects.filter(wave=wave, status=RespondentStatus.COMPLETE).exclude(
            pk__in=counted.values("pk")
        ).update(weight=None)
        by_weight: dict[float, list[int]] = defaultdict(list)
        for pk, weight in zip(ids, result.weights.tolist(), strict=True):
            by_weight[weight].append(pk)
        # Respondents who share every weighting level share a weight: one update per cell.
        for weight, pks in by_weight.items():
            for start in range(0, len(pks), _UPDATE_BATCH):
                Respondent.objects.filter(pk__in=pks[start : start + _UPDATE_BATCH]).update(weight=weight)
        wave.margins = margins
        wave.weight_cap = cap
        wave.weighted_at = timezone.now()
        wave.weighting_error = ""
        wave.weighting_report = {
            "respondents": len(ids),
            "converged": result.converged,
            "iterations": result.iterations,
            "max_margin_error": result.max_margin_error,
            "min_weight": result.min_weight,
            "max_weight": result.max_weight,
            "effective_sample_size": result.effective_sample_size,
            "design_effect": result.design_effect,
            "variables": sorted(margins),
        }
        wave.save(update_fields=["margins", "weight_cap", "weighted_at", "weighting_error", "weighting_report"])
        log_action(action="poll.weighted", by=by, target=wave, organisation_id=wave.poll.organisation_id)
    return True


# --- Results ------------------------------------------------------------------------------------


def _estimate(e: Any) -> dict[str, Any]:
    """An estimate as JSON can hold it: rounded, and None for what is not a finite number."""
    return {
        key: (round(value, 6) if math.isfinite(value) else None) if isinstance(value, float) else value
        for key, value in asdict(e).items()
    }


@dataclass
class WaveData:
    """A wave's complete responses as arrays, one position per respondent."""

    n: int
    weights: np.ndarray
    # Each profile variable's level per respondent (MISSING when not stated).
    columns: dict[str, np.ndarray]
    # The variables the weights were raked on (empty when not weighted).
    calibrated: list[str]
    # Per (question, statement): option code -> 1.0 chosen / 0.0 not chosen / NaN not answered.
    choices: dict[tuple[int, int | None], dict[str, np.ndarray]] = field(default_factory=dict)
    # Per question: the number given, NaN when not answered.
    numbers: dict[int, np.ndarray] = field(default_factory=dict)
    text_counts: dict[int, int] = field(default_factory=dict)


def wave_data(wave: Wave) -> WaveData:
    """Read a wave's answers once into arrays. Once a wave is weighted, its results count the
    responses that have weights; later ones wait for the next weighting."""
    weighted = wave.weighted_at is not None
    counted = _counted(wave)
    if weighted:
        counted = counted.filter(weight__isnull=False)
    pairs = list(counted.order_by("pk").values_list("pk", "weight"))
    ids = [pk for pk, _weight in pairs]
    n = len(ids)
    index = {pk: i for i, pk in enumerate(ids)}
    weights = np.array([weight if weighted else 1.0 for _pk, weight in pairs], dtype=float)
    profile_variables = set(
        wave.poll.questions.filter(kind=QuestionKind.PROFILE).values_list("weighting_variable", flat=True)
    )
    data = WaveData(
        n=n,
        weights=weights,
        columns=_profile_columns(wave, counted, ids, profile_variables),
        calibrated=list(wave.weighting_report.get("variables", [])) if weighted else [],
    )
    answered: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    picked: dict[tuple[int, int | None], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = Answer.objects.filter(respondent__in=counted).values_list(
        "respondent_id", "question_id", "item_id", "choices", "number", "text"
    )
    for respondent_id, question_id, item_id, choices, number, text in rows.iterator(chunk_size=5000):
        i = index[respondent_id]
        if text:
            data.text_counts[question_id] = data.text_counts.get(question_id, 0) + 1
        elif number is not None:
            data.numbers.setdefault(question_id, np.full(n, np.nan))[i] = number
        else:
            answered[(question_id, item_id)].append(i)
            for code in choices:
                picked[(question_id, item_id)][code].append(i)
    for key, positions in answered.items():
        base = np.full(n, np.nan)
        base[positions] = 0.0
        data.choices[key] = {}
        for code, chosen in picked[key].items():
            column = base.copy()
            column[chosen] = 1.0
            data.choices[key][code] = column
    return data


def results_from(questions: list[Question], data: WaveData) -> dict[str, Any]:
    """Every question's weighted estimates with both intervals, bases and suppression, and
    breakdowns by each profile variable with each group compared to everyone else."""
    n, weights = data.n, data.weights
    # The linearisation regresses on the weights before raking, as R's survey::calibrate does;
    # for a self-selected sample those are all 1.
    design = np.ones(n)
    calibrated = {v: data.columns[v] for v in data.calibrated}
    X = estimation.calibration_matrix(calibrated) if calibrated and n else None
    unanswered = np.full(n, np.nan)

    def indicator(key: tuple[int, int | None], codes: set[str]) -> np.ndarray:
        by_code = data.choices.get(key)
        if not by_code:
            return unanswered
        base = next(iter(by_code.values()))
        result = np.where(np.isnan(base), np.nan, 0.0)
        for code in codes:
            if code in by_code:
                result = np.fmax(result, by_code[code])
        return result

    groups = {
        variable: [
            (level, variables.level_label(variable, level), column == level)
            for level in [*variables.levels(variable), variables.MISSING]
            if (column == level).any()
        ]
        for variable, column in data.columns.items()
    }

    def estimate_rows(key: tuple[int, int | None], options: list[tuple[str, str, set[str]]]) -> tuple[list, dict]:
        ys = [indicator(key, codes) for _code, _label, codes in options]
        out = [
            {"code": code, "label": label, **_estimate(estimation.proportion(y, weights, X, design_weights=design))}
            for (code, label, _codes), y in zip(options, ys, strict=True)
        ]
        breakdown = {}
        for variable, levels in groups.items():
            per_level = []
            for level, level_label, mask in levels:
                cells = []
                for y in ys:
                    cell = _estimate(estimation.proportion(y, weights, X, domain=mask, design_weights=design))
                    cell["gap"] = _estimate(
                        estimation.difference(y, weights, X, domain_a=mask, domain_b=~mask, design_weights=design)
                    )
                    cells.append(cell)
                per_level.append({"level": level, "label": level_label, "cells": cells})
            breakdown[variable] = {"label": str(variables.LABELS[variable]), "levels": per_level}
        return out, breakdown

    results: list[dict[str, Any]] = []
    for question in questions:
        entry: dict[str, Any] = {"code": question.code, "text": question.text, "kind": question.kind}
        options = [(o.code, o.label, {o.code}) for o in question.options.all()]
        if question.kind in CHOICE_KINDS:
            entry["rows"], entry["breakdowns"] = estimate_rows((question.pk, None), options)
        elif question.kind == QuestionKind.MATRIX:
            entry["items"] = []
            for item in question.items.all():
                rows_, breakdown = estimate_rows((question.pk, item.pk), [(item.code, item.label, AGREE)])
                entry["items"].append({"label": item.label, **rows_[0], "breakdowns": breakdown})
        elif question.kind == QuestionKind.SCALE:
            entry["mean"] = _estimate(
                estimation.mean(data.numbers.get(question.pk, unanswered), weights, X, design_weights=design)
            )
        else:
            entry["answers"] = data.text_counts.get(question.pk, 0)
        results.append(entry)
    return {
        "respondents": n,
        "weighted": bool(data.calibrated),
        "questions": results,
        "threshold": estimation.SUPPRESSION_THRESHOLD,
    }


def wave_results(*, wave: Wave) -> dict[str, Any]:
    questions = list(wave.poll.questions.prefetch_related("options", "items"))
    results = results_from(questions, wave_data(wave))
    complete = Respondent.objects.filter(wave=wave, status=RespondentStatus.COMPLETE)
    results["excluded_duplicates"] = complete.filter(possible_duplicate=True).count()
    results["awaiting_weights"] = (
        complete.filter(possible_duplicate=False, weight__isnull=True).count() if wave.weighted_at else 0
    )
    return results


def wave_results_store(*, wave: Wave) -> Wave:
    wave.results = wave_results(wave=wave)
    wave.results_computed_at = timezone.now()
    wave.save(update_fields=["results", "results_computed_at"])
    return wave


def profile_variables(poll: Any) -> set[str]:
    return set(
        Question.objects.filter(poll=poll, kind=QuestionKind.PROFILE).values_list("weighting_variable", flat=True)
    )
