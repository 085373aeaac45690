"""What the results pages show, built from the figures a background task stored on each wave:
no estimation happens while a page is served."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from heard.polls import variables
from heard.polls.models import Poll, Wave

CHART_WIDTH = 200  # the bar area of a chart, in SVG units (100% = full width)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _interval(low: float | None, high: float | None) -> str:
    return "–" if low is None or high is None else f"{low * 100:.0f}–{high * 100:.0f}%"


def _row(label: str, cell: dict[str, Any], y: int) -> dict[str, Any]:
    estimate = cell.get("estimate")
    suppressed = cell.get("suppressed", True) or estimate is None
    scale = CHART_WIDTH / 100
    return {
        "label": label,
        "suppressed": suppressed,
        "value": percent(estimate),
        "ci": _interval(cell.get("ci_low"), cell.get("ci_high")),
        "kish": _interval(cell.get("kish_low"), cell.get("kish_high")),
        "base": cell.get("unweighted_base", 0),
        "y": y,
        "width": 0 if suppressed else round((estimate or 0) * 100 * scale, 1),
        "ci_x1": 0 if suppressed else round((cell.get("ci_low") or 0) * 100 * scale, 1),
        "ci_x2": 0 if suppressed else round((cell.get("ci_high") or 0) * 100 * scale, 1),
    }


def _chart(rows: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    built = [_row(label, cell, n * 22) for n, (label, cell) in enumerate(rows)]
    return {"rows": built, "height": max(22, len(built) * 22)}


def _gap_mark(gap: dict[str, Any]) -> str:
    if gap.get("suppressed") or not gap.get("significant") or gap.get("estimate") is None:
        return ""
    return "higher" if gap["estimate"] > 0 else "lower"


def _question(entry: dict[str, Any], by: str, trends: dict[str, list]) -> dict[str, Any]:
    shown: dict[str, Any] = {"code": entry["code"], "text": entry["text"], "kind": entry["kind"]}
    if "rows" in entry:
        shown["chart"] = _chart([(row["label"], row) for row in entry["rows"]])
        breakdown = entry.get("breakdowns", {}).get(by)
        if breakdown:
            shown["breakdown"] = {
                "label": variables.LABELS.get(by, breakdown["label"]),
                "options": [row["label"] for row in entry["rows"]],
                "levels": [
                    {
                        "label": variables.level_label(by, level["level"]),
                        "cells": [
                            {
                                "value": percent(cell["estimate"]),
                                "suppressed": cell["suppressed"] or cell["estimate"] is None,
                                "base": cell["unweighted_base"],
                                "mark": _gap_mark(cell["gap"]),
                            }
                            for cell in level["cells"]
                        ],
                    }
                    for level in breakdown["levels"]
                ],
            }
        shown["trend"] = trends.get(entry["code"], [])
    elif "items" in entry:
        shown["chart"] = _chart([(item["label"], item) for item in entry["items"]])
        shown["agree_note"] = True
    elif "mean" in entry:
        mean = entry["mean"]
        shown["mean"] = {
            "value": "–" if mean["estimate"] is None else f"{mean['estimate']:.1f}",
            "ci": "–" if mean["ci_low"] is None else f"{mean['ci_low']:.1f}–{mean['ci_high']:.1f}",
            "base": mean["unweighted_base"],
            "suppressed": mean["suppressed"],
        }
    else:
        shown["answers"] = entry.get("answers", 0)
    return shown


def _trends(waves: list[Wave]) -> dict[str, list[dict[str, Any]]]:
    """Per question, each option's share in every wave with results (oldest first)."""
    if len(waves) < 2:
        return {}
    trends: dict[str, dict[str, list[str]]] = {}
    for wave in waves:
        for entry in wave.results.get("questions", []):
            for row in entry.get("rows", []):
                value = "–" if row["suppressed"] else percent(row["estimate"])
                trends.setdefault(entry["code"], {}).setdefault(row["label"], []).append(value)
    return {
        code: [{"label": label, "values": values} for label, values in options.items()]
        for code, options in trends.items()
    }


def results_context(request: HttpRequest, poll: Poll, *, analyst: bool = False) -> dict[str, Any]:
    """Analysts see every wave with results as it comes in; everyone else sees waves once they
    have closed."""
    waves_with_results = poll.waves.filter(results_computed_at__isnull=False)
    if not analyst:
        waves_with_results = waves_with_results.filter(published_at__isnull=False, closes_at__lte=timezone.now())
    waves = list(waves_with_results.order_by("number"))
    asked = request.GET.get("wave", "")
    wave = next((w for w in waves if str(w.number) == asked), waves[-1] if waves else None)
    results = wave.results if wave else {}
    profile = sorted(
        {var for entry in results.get("questions", []) for var in entry.get("breakdowns", {})},
        key=lambda v: list(variables.LABELS).index(v),
    )
    by = request.GET.get("by", "")
    if by not in profile:
        by = ""
    trends = _trends(waves)
    return {
        "poll": poll,
        "wave": wave,
        "waves": waves,
        "results": results,
        "by": by,
        "by_choices": [(v, variables.LABELS[v]) for v in profile],
        "questions": [_question(entry, by, trends) for entry in results.get("questions", [])],
        "trend_waves": [w.label for w in waves] if len(waves) > 1 else [],
        "report": wave.weighting_report if wave else {},
        "threshold": results.get("threshold", 50),
        "no_results": _("No results yet: they appear once answers have come in and been counted."),
    }
