"""Pol.is exports: read and write the openData layout (plain Python, no Django).

A Pol.is export is a directory of CSV files (compdemocracy/openData):

- `comments.csv`: timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated,
  comment-body. `moderated` is 1 (accepted), 0 (not yet moderated) or -1 (moderated out).
- `votes.csv`: timestamp, datetime, comment-id, voter-id, vote; one row per vote cast, so a participant
  who changed their mind has several rows for one statement.
- `participants-votes.csv`: participant, (xid in newer exports), group-id, n-comments, n-votes, n-agree,
  n-disagree, then one column per comment id holding the participant's vote (empty = not voted).
  `group-id` is the opinion group Pol.is itself gave the participant (empty = not clustered).
- `summary.csv`: key, value rows without a header (topic, url, views, voters, ..., conversation-description).

Vote signs, as in these files: +1 agree, -1 disagree, 0 pass (Pol.is's database uses the opposite sign
for agree and disagree; its exports do not).

Reading (`read_export`). The latest vote per (participant, statement) wins: the one with the greatest
timestamp; among rows without a timestamp, the last in the file. When `votes.csv` is missing (some
exports lack it), the votes come from the comment columns of `participants-votes.csv`, without
timestamps. `comments.csv`, `summary.csv` and one of the two vote files are required.

Anything malformed raises `PolisFormatError` naming the file, the line and the reason, before anything
is returned, so that a caller can import all or nothing. Malformed means: a missing file or column; a
value that is not an integer where one is needed; a vote other than -1, 0 or 1; a `moderated` other
than -1, 0 or 1; a vote or a participants-votes column for a comment id that is not in `comments.csv`;
a row with the wrong number of fields; and a duplicate row, which is a second row for the same key:
the same comment-id in `comments.csv`, the same participant in `participants-votes.csv`, or the same
(voter-id, comment-id, timestamp) in `votes.csv` with a different vote. A `votes.csv` row identical in
every field to an earlier one is read once and not rejected: Pol.is's own exports contain such
repeats (one to five rows in six of the openData conversations) and they say nothing new.

Writing (`write_export`) produces the same layout from a `PolisExport`, which the app can build from
its own conversations; reading what it wrote gives the same `PolisExport` back.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from heard.conversations.analysis import Votes, admitted_from_history

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"
SUMMARY = "summary.csv"

COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
REQUIRED_COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
REQUIRED_VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
# Columns of participants-votes.csv that are neither required nor comment ids (newer exports add `xid`,
# the participant's id in the embedding site).
PARTICIPANT_EXTRA_COLUMNS = ("xid",)
REQUIRED_PARTICIPANT_COLUMNS = ("participant", "group-id")
VOTE_VALUES = {"-1": -1, "0": 0, "1": 1}
MODERATED_OUT = -1


class PolisFormatError(ValueError):
    """A malformed export: `file`, `line` (1-based, None for the whole file) and `reason`."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file, self.line, self.reason = file, line, reason
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class PolisStatement:
    """A comment. `moderated`: 1 accepted, 0 not yet moderated, -1 moderated out (excluded)."""

    id: int
    text: str
    author_id: int | None = None
    moderated: int = 1
    timestamp: int | None = None  # milliseconds since 1970-01-01 UTC, as Pol.is writes them

    @property
    def excluded(self) -> bool:
        return self.moderated == MODERATED_OUT


@dataclass(frozen=True, slots=True)
class PolisVote:
    """A vote: +1 agree, -1 disagree, 0 pass."""

    participant_id: int
    statement_id: int
    vote: int
    timestamp: int | None = None  # milliseconds since 1970-01-01 UTC


@dataclass(frozen=True)
class PolisExport:
    """One conversation in the Pol.is export layout.

    `votes` holds one vote per (participant, statement), the latest, in time order. `groups` maps
    participant ids to the group Pol.is gave them (None = not clustered); empty when unknown.
    `summary` holds summary.csv's keys and values as text.
    """

    statements: tuple[PolisStatement, ...]
    votes: tuple[PolisVote, ...]
    groups: dict[int, int | None] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return self.summary.get("topic", "")

    @property
    def url(self) -> str:
        return self.summary.get("url", "")

    @property
    def description(self) -> str:
        return self.summary.get("conversation-description", "")

    def to_votes(self) -> Votes:
        """The votes for `analysis.analyse`, with moderated-out statements excluded."""
        return Votes.from_triples(
            np.fromiter((v.participant_id for v in self.votes), dtype=np.int64, count=len(self.votes)),
            np.fromiter((v.statement_id for v in self.votes), dtype=np.int64, count=len(self.votes)),
            np.fromiter((v.vote for v in self.votes), dtype=np.int8, count=len(self.votes)),
            statements=np.asarray(sorted(s.id for s in self.statements), dtype=np.int64),
            excluded=[s.id for s in self.statements if s.excluded],
        )

    def admitted(self, min_votes: int = 7) -> np.ndarray | None:
        """The participants Pol.is would have clustered, replayed from the vote timestamps (see
        `analysis.admitted_from_history`), for `analyse(..., admitted=...)`; None when a vote has no
        timestamp (an export without votes.csv). Only the latest vote per pair is kept here, so a
        participant who changed a vote counts that statement from the change."""
        if not self.votes or any(v.timestamp is None for v in self.votes):
            return None
        n = len(self.votes)
        return admitted_from_history(
            np.fromiter((v.participant_id for v in self.votes), dtype=np.int64, count=n),
            np.fromiter((v.statement_id for v in self.votes), dtype=np.int64, count=n),
            np.fromiter((v.timestamp for v in self.votes), dtype=np.float64, count=n),
            min_votes=min_votes,
        )


# --- reading --------------------------------------------------------------------------------------


def read_export(directory: str | os.PathLike[str]) -> PolisExport:
    """Read a Pol.is export directory; PolisFormatError (file, line, reason) if anything is malformed."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PolisFormatError(str(directory), None, "not a directory")
    for name in (COMMENTS, SUMMARY):
        if not (directory / name).is_file():
            raise PolisFormatError(name, None, "missing file")
    has_votes = (directory / VOTES).is_file()
    has_participants = (directory / PARTICIPANTS_VOTES).is_file()
    if not has_votes and not has_participants:
        raise PolisFormatError(VOTES, None, f"missing file (and no {PARTICIPANTS_VOTES} to read the votes from)")

    statements = _read_comments(directory / COMMENTS)
    known = {s.id for s in statements}
    summary = _read_summary(directory / SUMMARY)
    groups: dict[int, int | None] = {}
    table_votes: list[PolisVote] = []
    if has_participants:
        groups, table_votes = _read_participants_votes(directory / PARTICIPANTS_VOTES, known)
    votes = _read_votes(directory / VOTES, known) if has_votes else table_votes
    return PolisExport(statements=tuple(statements), votes=tuple(votes), groups=groups, summary=summary)


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each record of a CSV file with a header, checking the shape."""
    name = path.name
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise PolisFormatError(name, 1, "empty file, expected a header row") from None
        except csv.Error as error:
            raise PolisFormatError(name, 1, f"unreadable CSV ({error})") from None
        header = [column.strip() for column in header]
        missing = [column for column in required if column not in header]
        if missing:
            raise PolisFormatError(name, 1, f"missing column(s): {', '.join(missing)}")
        duplicated = [column for column, count in Counter(header).items() if count > 1]
        if duplicated:
            raise PolisFormatError(name, 1, f"duplicate column(s): {', '.join(duplicated)}")
        while True:
            line = reader.line_num + 1  # where the next record starts (a quoted field may span lines)
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise PolisFormatError(name, line, f"unreadable CSV ({error})") from None
            if not record or record == [""]:
                continue
            if len(record) != len(header):
                raise PolisFormatError(name, line, f"expected {len(header)} fields, found {len(record)}")
            yield line, dict(zip(header, record, strict=True))


def _optional_integer(value: str, name: str, line: int, column: str) -> int | None:
    return None if value.strip() == "" else _integer(value, name, line, column)


def _integer(value: str, name: str, line: int, column: str) -> int:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)  # "3.0", as a spreadsheet may write it
    except ValueError:
        number = math.nan
    if math.isfinite(number) and number == int(number):
        return int(number)
    raise PolisFormatError(name, line, f"{column} {value!r} is not an integer")


def _read_comments(path: Path) -> list[PolisStatement]:
    statements: list[PolisStatement] = []
    first_line: dict[int, int] = {}
    for line, row in _rows(path, REQUIRED_COMMENT_COLUMNS):
        statement_id = _integer(row["comment-id"], COMMENTS, line, "comment-id")
        if statement_id in first_line:
            raise PolisFormatError(
                COMMENTS, line, f"duplicate row: comment-id {statement_id} already on line {first_line[statement_id]}"
            )
        first_line[statement_id] = line
        moderated = _integer(row["moderated"], COMMENTS, line, "moderated")
        if moderated not in (-1, 0, 1):
            raise PolisFormatError(COMMENTS, line, f"moderated {row['moderated']!r} is not -1, 0 or 1")
        statements.append(
            PolisStatement(
                id=statement_id,
                text=row["comment-body"],
                author_id=_optional_integer(row["author-id"], COMMENTS, line, "author-id"),
                moderated=moderated,
                timestamp=_optional_integer(row["timestamp"], COMMENTS, line, "timestamp"),
            )
        )
    statements.sort(key=lambda s: s.id)
    return statements


def _vote(value: str, name: str, line: int, what: str) -> int:
    vote = VOTE_VALUES.get(value.strip())
    if vote is None:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        vote = int(number) if number in (-1.0, 0.0, 1.0) else None
    if vote is None:
        raise PolisFormatError(name, line, f"{what} {value!r} is not -1, 0 or 1")
    return vote


def _read_votes(path: Path, known: set[int]) -> list[PolisVote]:
    latest: dict[tuple[int, int], tuple[int, int, PolisVote]] = {}  # (voter, comment) -> (time, line, vote)
    seen: dict[tuple[int, int, int | None], tuple[int, int]] = {}  # (voter, comment, time) -> (vote, line)
    for line, row in _rows(path, REQUIRED_VOTE_COLUMNS):
        statement_id = _integer(row["comment-id"], VOTES, line, "comment-id")
        voter_id = _integer(row["voter-id"], VOTES, line, "voter-id")
        timestamp = _optional_integer(row["timestamp"], VOTES, line, "timestamp")
        if statement_id not in known:
            raise PolisFormatError(VOTES, line, f"unknown statement: comment-id {statement_id} is not in {COMMENTS}")
        vote = _vote(row["vote"], VOTES, line, "vote")
        key = (voter_id, statement_id, timestamp)
        if key in seen:
            earlier_vote, earlier_line = seen[key]
            if earlier_vote != vote:
                raise PolisFormatError(
                    VOTES,
                    line,
                    f"duplicate row: voter {voter_id} on comment {statement_id} at timestamp {timestamp} "
                    f"already voted {earlier_vote} on line {earlier_line}",
                )
            continue  # the same row again: read once
        seen[key] = (vote, line)
        order = (-1 if timestamp is None else timestamp, line)
        current = latest.get((voter_id, statement_id))
        if current is None or order > current[:2]:
            latest[(voter_id, statement_id)] = (*order, PolisVote(voter_id, statement_id, vote, timestamp))
    return [entry[2] for entry in sorted(latest.values(), key=lambda entry: entry[:2])]


def _read_participants_votes(path: Path, known: set[int]) -> tuple[dict[int, int | None], list[PolisVote]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    comment_columns: list[tuple[str, int]] = []
    for column in header:
        column = column.strip()
        if column in PARTICIPANT_COLUMNS or column in PARTICIPANT_EXTRA_COLUMNS:
            continue
        statement_id = _integer(column, PARTICIPANTS_VOTES, 1, "column")
        if statement_id not in known:
            raise PolisFormatError(
                PARTICIPANTS_VOTES, 1, f"unknown statement: column {column!r} is not a comment-id in {COMMENTS}"
            )
        comment_columns.append((column, statement_id))
    groups: dict[int, int | None] = {}
    first_line: dict[int, int] = {}
    votes: list[PolisVote] = []
    for line, row in _rows(path, REQUIRED_PARTICIPANT_COLUMNS):
        participant = _integer(row["participant"], PARTICIPANTS_VOTES, line, "participant")
        if participant in first_line:
            raise PolisFormatError(
                PARTICIPANTS_VOTES,
                line,
                f"duplicate row: participant {participant} already on line {first_line[participant]}",
            )
        first_line[participant] = line
        groups[participant] = _optional_integer(row["group-id"], PARTICIPANTS_VOTES, line, "group-id")
        for column, statement_id in comment_columns:
            cell = row[column]
            if cell == "":
                continue
            vote = _vote(cell, PARTICIPANTS_VOTES, line, f"vote on comment {column}:")
            votes.append(PolisVote(participant, statement_id, vote, None))
    return groups, votes


def _read_summary(path: Path) -> dict[str, str]:
    summary: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise PolisFormatError(SUMMARY, line, f"unreadable CSV ({error})") from None
            if not record or record == [""]:
                continue
            if len(record) != 2:
                raise PolisFormatError(SUMMARY, line, f"expected 2 fields (key, value), found {len(record)}")
            key, value = record
            if key in summary:
                raise PolisFormatError(SUMMARY, line, f"duplicate row: key {key!r}")
            summary[key] = value
    return summary


# --- writing --------------------------------------------------------------------------------------


def write_export(directory: str | os.PathLike[str], export: PolisExport) -> None:
    """Write `export` as comments.csv, votes.csv, participants-votes.csv and summary.csv in `directory`.

    The counts in comments.csv, participants-votes.csv and summary.csv are computed from the votes
    (summary keys given in `export.summary` are kept, the computed ones replaced). Each file is
    written to a temporary name first and then renamed, so a failure leaves no half-written file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    statements = sorted(export.statements, key=lambda s: s.id)
    agrees: Counter[int] = Counter()
    disagrees: Counter[int] = Counter()
    by_participant: dict[int, dict[int, int]] = {}
    for vote in export.votes:
        by_participant.setdefault(vote.participant_id, {})[vote.statement_id] = vote.vote
    for choices in by_participant.values():
        for statement_id, vote in choices.items():
            if vote == 1:
                agrees[statement_id] += 1
            elif vote == -1:
                disagrees[statement_id] += 1
    authored = Counter(s.author_id for s in statements if s.author_id is not None)

    comment_rows = [
        [
            _text(s.timestamp),
            _datetime(s.timestamp),
            s.id,
            _text(s.author_id),
            agrees[s.id],
            disagrees[s.id],
            s.moderated,
            s.text,
        ]
        for s in statements
    ]
    vote_rows = [
        [_text(v.timestamp), _datetime(v.timestamp), v.statement_id, v.participant_id, v.vote] for v in export.votes
    ]
    participants = sorted(set(by_participant) | set(export.groups))
    statement_ids = [s.id for s in statements]
    participant_rows = []
    for participant in participants:
        choices = by_participant.get(participant, {})
        participant_rows.append(
            [
                participant,
                _text(export.groups.get(participant)),
                authored[participant],
                len(choices),
                sum(1 for v in choices.values() if v == 1),
                sum(1 for v in choices.values() if v == -1),
                *(_text(choices.get(statement_id)) for statement_id in statement_ids),
            ]
        )
    group_ids = {g for g in export.groups.values() if g is not None}
    summary = {
        "topic": export.summary.get("topic", ""),
        "url": export.summary.get("url", ""),
        **export.summary,
        "voters": str(len(by_participant)),
        "voters-in-conv": str(sum(1 for p in by_participant if export.groups.get(p) is not None)),
        "commenters": str(len(authored)),
        "comments": str(len(statements)),
        "groups": str(len(group_ids)),
    }
    if "conversation-description" in summary:  # Pol.is puts it last
        summary["conversation-description"] = summary.pop("conversation-description")

    _write_csv(directory / COMMENTS, [list(COMMENT_COLUMNS), *comment_rows])
    _write_csv(directory / VOTES, [list(VOTE_COLUMNS), *vote_rows])
    _write_csv(directory / PARTICIPANTS_VOTES, [[*PARTICIPANT_COLUMNS, *statement_ids], *participant_rows])
    _write_csv(directory / SUMMARY, [[key, value] for key, value in summary.items()])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _datetime(timestamp: int | None) -> str:
    """Pol.is's human-readable datetime column ("Wed Jun 18 08:16:54 UTC 2014"), in UTC."""
    if timestamp is None:
        return ""
    moment = dt.datetime.fromtimestamp(timestamp / 1000, tz=dt.UTC)
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place below
        "w", newline="", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    )
    try:
        with handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
