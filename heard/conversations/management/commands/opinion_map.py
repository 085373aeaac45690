"""Analyse a Pol.is export without the database: manage.py opinion_map --polis-dir DIR --json OUT.json.

Reads the export (comments.csv, votes.csv or participants-votes.csv, summary.csv; see
heard/conversations/polis.py), runs the opinion-map analysis (heard/conversations/analysis.py) and
writes the result. With --replay-admission and vote timestamps (votes.csv), the participants clustered
also include those Pol.is would have admitted over the conversation's history (`PolisExport.admitted`:
min(7, statements so far) votes at any time, once in, in, and the first 15 voters); off by default,
as it does not bring the groups closer to Pol.is's own (docs/performance.md). It writes:

    {"participants_clustered": n,
     "groups": [{"id": g, "members": [participant ids],
                 "repness": [{"statement_id", "direction", "p_success", "repness", "z"}]}],
     "consensus": [{"statement_id", "direction", "probability"}]}

with participant and statement ids as in the export. When there are not enough votes for a map,
`participants_clustered` is 0 and both lists are empty. A malformed export (text that is not UTF-8
included) is an error naming the file, line and reason, and nothing is written; the output goes to a
temporary file beside OUT.json, renamed into place at the end.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from heard.conversations.analysis import Analysis, analyse
from heard.conversations.polis import PolisFormatError, read_export


class Command(BaseCommand):
    help = "Compute the opinion map of a Pol.is export (openData layout) and write it as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--polis-dir", required=True, type=Path, help="the export's directory")
        parser.add_argument("--json", required=True, type=Path, help="where to write the result")
        parser.add_argument("--seed", type=int, default=0, help="seed of the analysis (default 0)")
        parser.add_argument("--min-votes", type=int, default=7, help="votes a participant needs to be clustered")
        parser.add_argument(
            "--replay-admission",
            action="store_true",
            help="also cluster whom Pol.is would have admitted earlier, replayed from the vote timestamps",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            export = read_export(options["polis_dir"])
        except (PolisFormatError, OSError) as error:
            # PolisFormatError covers text that is not UTF-8 too; OSError, a file that cannot be opened.
            raise CommandError(_("The Pol.is export cannot be read: %(reason)s") % {"reason": error}) from error
        # Optionally, Pol.is's admission replayed from the vote timestamps (None without timestamps).
        admitted = export.admitted(min_votes=options["min_votes"]) if options["replay_admission"] else None
        analysis = analyse(export.to_votes(), seed=options["seed"], min_votes=options["min_votes"], admitted=admitted)
        result = opinion_map_json(analysis)
        write_json(options["json"], result)
        counts = {"participants": result["participants_clustered"], "groups": len(result["groups"])}
        self.stdout.write(
            _("%(participants)d participants in %(groups)d groups; written to %(path)s")
            % {**counts, "path": options["json"]}
        )


def opinion_map_json(analysis: Analysis) -> dict[str, Any]:
    """The command's output shape, from an analysis."""
    return {
        "participants_clustered": len(analysis.participants_clustered),
        "groups": [
            {
                "id": group["id"],
                "members": group["members"],
                "repness": [
                    {key: entry[key] for key in ("statement_id", "direction", "p_success", "repness", "z")}
                    for entry in group["repness"]
                ],
            }
            for group in analysis.groups
        ],
        "consensus": [
            {key: entry[key] for key in ("statement_id", "direction", "probability")} for entry in analysis.consensus
        ],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    target = path.resolve()
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place below
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
        )
    except OSError as error:
        raise CommandError(_("Cannot write %(path)s: %(error)s") % {"path": path, "error": error}) from error
    try:
        with handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
