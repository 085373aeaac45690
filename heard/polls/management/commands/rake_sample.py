"""Weight a sample file to population margins: manage.py rake_sample --sample S.csv --margins M.json --out W.csv.

The margins file is JSON, `{"variable": {"level": share, ...}, ...}`; its variables are the sample's
columns to weight on (other columns are carried through untouched). The output is the sample, every
row and column in the same order, with a `weight` column added. Nothing is written unless raking
succeeds and converges: the output goes to a temporary file beside it, renamed into place at the end.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from heard.polls.weighting import RakeResult, RakingError, rake

WEIGHT_COLUMN = "weight"


class Command(BaseCommand):
    help = "Weight the respondents of a CSV sample by raking to population margins given as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", required=True, type=Path, help="the sample, CSV (UTF-8) with a header row")
        parser.add_argument("--margins", required=True, type=Path, help="JSON: {variable: {level: share}}")
        parser.add_argument("--out", required=True, type=Path, help="where to write the sample with weights")
        parser.add_argument("--cap", type=float, default=None, help="the largest weight allowed (weights have mean 1)")
        parser.add_argument("--tolerance", type=float, default=1e-6, help="largest margin error accepted")
        parser.add_argument("--max-iterations", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        margins = read_margins(options["margins"])
        header, rows = read_sample(options["sample"], variables=list(margins))
        columns = {variable: [row[header.index(variable)] for row in rows] for variable in margins}
        try:
            result = rake(
                columns,
                margins,
                tolerance=options["tolerance"],
                max_iterations=options["max_iterations"],
                cap=options["cap"],
            )
        except RakingError as error:
            raise CommandError(_("The sample cannot be weighted: %(reason)s") % {"reason": error}) from error
        if not result.converged:
            raise CommandError(
                _(
                    "Raking did not converge in %(iterations)d iterations: the largest margin error is "
                    "%(error).3g, above the tolerance %(tolerance).3g. Nothing was written. Raise "
                    "--max-iterations, loosen or drop --cap, or merge sparse levels."
                )
                % {"iterations": result.iterations, "error": result.max_margin_error, "tolerance": options["tolerance"]}
            )
        write_weighted(options["out"], header, rows, result)
        self.stdout.write(summary(result, respondents=len(rows), out=options["out"]))


def read_margins(path: Path) -> dict[str, dict[str, float]]:
    try:
        margins = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise CommandError(
            _("Cannot read the margins file %(path)s: %(error)s") % {"path": path, "error": error}
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(
            _("The margins file %(path)s is not valid JSON: %(error)s") % {"path": path, "error": error}
        ) from error
    if not isinstance(margins, dict) or not all(isinstance(levels, dict) for levels in margins.values()):
        raise CommandError(
            _('The margins file %(path)s must hold {"variable": {"level": share, ...}, ...}.') % {"path": path}
        )
    return margins


def read_sample(path: Path, *, variables: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the sample, checked: every row complete, every weighting variable answered."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            if not header:
                raise CommandError(_("The sample %(path)s is empty: it needs a header row.") % {"path": path})
            duplicated = sorted({name for name in header if header.count(name) > 1})
            if duplicated:
                raise CommandError(_("The sample has more than one column named %(names)s.") % {"names": duplicated})
            if WEIGHT_COLUMN in header:
                raise CommandError(_("The sample already has a column named %(name)r.") % {"name": WEIGHT_COLUMN})
            missing = [variable for variable in variables if variable not in header]
            if missing:
                raise CommandError(
                    _("The margins name %(variables)s, but the sample has no such column.") % {"variables": missing}
                )
            positions = {variable: header.index(variable) for variable in variables}
            rows = []
            for row in reader:
                if len(row) != len(header):
                    raise CommandError(
                        _("Line %(line)d of the sample has %(found)d fields, not %(expected)d as the header has.")
                        % {"line": reader.line_num, "found": len(row), "expected": len(header)}
                    )
                for variable, position in positions.items():
                    if not row[position].strip():
                        raise CommandError(
                            _("Line %(line)d of the sample has no value for %(variable)r.")
                            % {"line": reader.line_num, "variable": variable}
                        )
                rows.append(row)
    except OSError as error:
        raise CommandError(_("Cannot read the sample %(path)s: %(error)s") % {"path": path, "error": error}) from error
    except UnicodeDecodeError as error:
        raise CommandError(_("The sample %(path)s is not UTF-8 text.") % {"path": path}) from error
    except csv.Error as error:
        raise CommandError(
            _("The sample %(path)s is not valid CSV: %(error)s") % {"path": path, "error": error}
        ) from error
    return header, rows


def write_weighted(path: Path, header: list[str], rows: list[list[str]], result: RakeResult) -> None:
    """Write the rows with their weights beside `path`, then move the file into place, so a failure leaves none."""
    directory = path.resolve().parent
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise CommandError(_("Cannot write to %(path)s: %(error)s") % {"path": directory, "error": error}) from error
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow([*header, WEIGHT_COLUMN])
            for row, weight in zip(rows, result.weights.tolist(), strict=True):
                writer.writerow([*row, repr(weight)])
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": error}) from error
        raise


def summary(result: RakeResult, *, respondents: int, out: Path) -> str:
    return _(
        "Weighted %(respondents)d respondents in %(iterations)d iterations.\n"
        "Maximum margin error: %(error).3g\n"
        "Weights: %(min).4f – %(max).4f%(capped)s\n"
        "Effective sample size: %(ess).1f\n"
        "Design effect: %(deff).3f\n"
        "Written to %(out)s"
    ) % {
        "respondents": respondents,
        "iterations": result.iterations,
        "error": result.max_margin_error,
        "min": result.min_weight,
        "max": result.max_weight,
        "capped": _(" (capped)") if result.capped else "",
        "ess": result.effective_sample_size,
        "deff": result.design_effect,
        "out": out,
    }
