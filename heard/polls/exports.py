"""Research exports of a wave: CSV (one row per respondent, with its weight), an Excel workbook
of the result tables, and SPSS .sav with variable and value labels (pyreadstat)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from heard.accounts.enums import PREFER_NOT
from heard.core.services import log_action
from heard.core.text import spreadsheet_safe
from heard.polls.enums import QuestionKind, RespondentStatus
from heard.polls.models import Answer, Question, Respondent, Wave

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


def _columns(questions: list[Question]) -> list[dict[str, Any]]:
    """Every column of the respondent file: name, label, value labels, and how to read it."""
    # No database ids or times of day: a row cannot be matched to an invitation or a log entry.
    columns: list[dict[str, Any]] = [
        {"name": "respondent", "label": str(_("Respondent number")), "kind": "meta"},
        {"name": "channel", "label": str(_("How they were reached")), "kind": "meta"},
        {"name": "submitted", "label": str(_("Date they sent their answers")), "kind": "meta"},
        {
            "name": "repeat",
            "label": str(_("Possible repeat from one connection (left out of results)")),
            "kind": "meta",
        },
        {"name": "weight", "label": str(_("Weight")), "kind": "meta"},
    ]
    for question in questions:
        options = list(question.options.all())
        if question.kind == QuestionKind.MULTIPLE:
            for option in options:
                columns.append(
                    {
                        "name": f"{question.code}_{option.code}",
                        "label": f"{question.text}: {option.label}",
                        "kind": "flag",
                        "question": question.pk,
                        "code": option.code,
                        "values": {0: str(_("Not chosen")), 1: str(_("Chosen"))},
                    }
                )
        elif question.kind == QuestionKind.MATRIX:
            for item in question.items.all():
                columns.append(
                    {
                        "name": f"{question.code}_{item.code}",
                        "label": f"{question.text}: {item.label}",
                        "kind": "choice",
                        "question": question.pk,
                        "item": item.pk,
                        "options": options,
                    }
                )
        elif question.kind == QuestionKind.SCALE:
            columns.append({"name": question.code, "label": question.text, "kind": "number", "question": question.pk})
        elif question.kind == QuestionKind.TEXT:
            columns.append({"name": question.code, "label": question.text, "kind": "text", "question": question.pk})
        else:
            columns.append(
                {
                    "name": question.code,
                    "label": question.text,
                    "kind": "choice",
                    "question": question.pk,
                    "options": options,
                }
            )
    return columns


def _numeric_code(options: list[Any], code: str) -> int | str:
    """SPSS wants numbers with value labels: a choice's position (1, 2...) unless its code is a number."""
    codes = [option.code for option in options]
    if all(c.lstrip("-").isdigit() for c in codes):
        return int(code)
    return codes.index(code) + 1 if code in codes else code


def respondent_rows(wave: Wave, *, numeric: bool = False) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    questions = list(wave.poll.questions.prefetch_related("options", "items"))
    columns = _columns(questions)
    respondents = list(
        Respondent.objects.filter(wave=wave, status=RespondentStatus.COMPLETE)
        .order_by("pk")
        .values_list("pk", "channel", "submitted_at", "possible_duplicate", "weight")
    )
    answers: dict[int, dict[tuple[int, int | None], Any]] = defaultdict(dict)
    for respondent_id, question_id, item_id, choices, number, text in (
        Answer.objects.filter(respondent__wave=wave, respondent__status=RespondentStatus.COMPLETE)
        .values_list("respondent_id", "question_id", "item_id", "choices", "number", "text")
        .iterator(chunk_size=5000)
    ):
        answers[respondent_id][(question_id, item_id)] = text or (number if number is not None else choices)
    rows = []
    for number, (pk, channel, submitted, repeat, weight) in enumerate(respondents, start=1):
        given = answers.get(pk, {})
        row: list[Any] = [
            number,
            channel,
            submitted.date().isoformat() if submitted else "",
            int(repeat),
            weight if weight is not None else "",
        ]
        for column in columns[5:]:
            value = given.get((column["question"], column.get("item")))
            if column["kind"] == "flag":
                row.append("" if value is None else int(column["code"] in value))
            elif column["kind"] == "choice":
                code = value[0] if value else None
                row.append("" if code is None else (_numeric_code(column["options"], code) if numeric else code))
            elif column["kind"] == "text":
                row.append("" if value is None else spreadsheet_safe(value))
            else:
                row.append("" if value is None else value)
        rows.append(row)
    return columns, rows


def _csv(wave: Wave) -> bytes:
    columns, rows = respondent_rows(wave)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column["name"] for column in columns])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(wave: Wave) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Results"
    results = wave.results or {}
    sheet.append([wave.poll.title, wave.label])
    sheet.append(
        [
            _("Respondents"),
            results.get("respondents", 0),
            _("Weighted"),
            _("yes") if results.get("weighted") else _("no"),
        ]
    )
    sheet.append([])
    for entry in results.get("questions", []):
        sheet.append([f"{entry['code']}: {entry['text']}"])
        rows = entry.get("rows") or entry.get("items") or []
        if rows:
            sheet.append(
                [
                    _("Answer"),
                    _("Weighted share"),
                    _("95% interval from"),
                    _("95% interval to"),
                    _("Kish interval from"),
                    _("Kish interval to"),
                    _("Answers (unweighted)"),
                ]
            )
            for row in rows:
                hidden = row["suppressed"]
                sheet.append(
                    [
                        row["label"],
                        None if hidden else row["estimate"],
                        None if hidden else row["ci_low"],
                        None if hidden else row["ci_high"],
                        None if hidden else row["kish_low"],
                        None if hidden else row["kish_high"],
                        row["unweighted_base"],
                    ]
                )
        elif "mean" in entry:
            mean = entry["mean"]
            sheet.append(
                [_("Average"), mean["estimate"], mean["ci_low"], mean["ci_high"], "", "", mean["unweighted_base"]]
            )
        sheet.append([])
    # Shares as percentages in the sheet (the cells hold fractions).
    for row in sheet.iter_rows(min_col=2, max_col=6):
        for cell in row:
            if isinstance(cell.value, float) and 0 <= cell.value <= 1:
                cell.number_format = "0.0%"
    data = workbook.create_sheet("Respondents")
    columns, rows = respondent_rows(wave)
    data.append([column["name"] for column in columns])
    for row in rows:
        data.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sav(wave: Wave) -> bytes:
    import pandas as pd
    import pyreadstat

    columns, rows = respondent_rows(wave, numeric=True)
    frame = pd.DataFrame(rows, columns=[column["name"] for column in columns]).replace("", None)
    value_labels: dict[str, dict[Any, str]] = {}
    for column in columns:
        if column["kind"] == "flag":
            value_labels[column["name"]] = column["values"]
        elif column["kind"] == "choice":
            value_labels[column["name"]] = {
                _numeric_code(column["options"], option.code): option.label for option in column["options"]
            }
        if column["kind"] in ("flag", "choice", "number") or column["name"] in ("respondent", "weight"):
            frame[column["name"]] = pd.to_numeric(frame[column["name"]], errors="coerce")
    missing: dict[str, list[Any]] = {}
    for column in columns:
        if column["kind"] == "choice":
            codes = [option.code for option in column["options"]]
            if PREFER_NOT in codes:
                missing[column["name"]] = [_numeric_code(column["options"], PREFER_NOT)]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "poll.sav")
        pyreadstat.write_sav(
            frame,
            path,
            column_labels=[column["label"][:250] for column in columns],
            variable_value_labels=value_labels,
            # "Prefer not to say" is an answer, but not a value to average or count as a level.
            missing_ranges=missing,
        )
        with open(path, "rb") as handle:
            return handle.read()


def download(*, wave: Wave, fmt: str, by: Any) -> HttpResponse:
    body = {"csv": _csv, "xlsx": _xlsx, "sav": _sav}[fmt](wave)
    log_action(
        action="poll.exported", by=by, target=wave, organisation_id=wave.poll.organisation_id, data={"format": fmt}
    )
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"{slugify(wave.poll.title)[:60]}-wave-{wave.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
