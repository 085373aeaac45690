"""Pol.is exports: read and write the openData layout (plain Python and numpy, no Django).

A Pol.is export is a directory of CSV files (compdemocracy/openData):

- `comments.csv`: timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated,
  comment-body; newer exports drop `datetime` and add `is-meta`, `is-seed` and
  `group-informed-consensus`. `moderated` is 1 (accepted), 0 (not yet moderated) or -1 (moderated
  out). `is-meta` (true/false) marks a statement about the participant ("I work in public health")
  that Pol.is shows but keeps out of its math.
- `votes.csv`: timestamp, datetime, comment-id, voter-id, vote; one row per vote cast, so a participant
  who changed their mind has several rows for one statement.
- `participants-votes.csv`: participant, (xid in newer exports), group-id, n-comments, n-votes, n-agree,
  n-disagree, then one column per comment id holding the participant's vote (empty = not voted).
  `group-id` is the opinion group Pol.is itself gave the participant (empty = not clustered).
- `summary.csv`: key, value rows without a header (topic, url, views, voters, ..., conversation-description).

Vote signs, as in these files: +1 agree, -1 disagree, 0 pass (Pol.is's database uses the opposite sign
for agree and disagree; its exports do not).

Moderation. `moderated` is 1 (accepted, shown), 0 (not checked yet) or -1 (moderated out). The app
imports 1 as accepted and -1 as rejected. A 0 statement comes in shown if someone other than its
author voted on it (Pol.is without strict moderation showed it, and its math used it), and waiting to
be checked otherwise (under strict moderation only its author's own vote is there). It exports
accepted, pending and rejected as 1, 0 and -1, so a pending statement comes back pending. For the
analysis (`to_votes`), moderated-out (-1) and meta statements are excluded, as in Pol.is's math;
unmoderated (0) ones are not. The app, which has no "meta" status, imports a meta statement as
rejected, and leaves pending statements out of its maps as it does rejected ones (they have not
been checked, so they must not be shown as representative).

Reading (`read_export`). The latest vote per (participant, statement) wins: the one with the greatest
timestamp (a vote without a timestamp counts as older than any with one). Two rows for the same
(participant, statement) and the same timestamp, or both without one, are the same vote twice: read
once if they agree, rejected as a duplicate if they do not. When `votes.csv` is missing (some exports
lack it), the votes come from the comment columns of `participants-votes.csv`, without timestamps;
when it is there, those columns are not read (only the participant ids and `group-id` are).
`comments.csv`, `summary.csv` and one of the two vote files are required.

Votes are held in numpy arrays (`PolisVotes`, about 26 bytes a vote), not one object per vote: an
export with millions of votes is read in one pass of the csv module, and the latest vote per pair is
found by sorting.

Anything malformed raises `PolisFormatError` naming the file, the line and the reason, before anything
is returned, so that a caller can import all or nothing. Malformed means: a missing file or column;
text that is not UTF-8, or holds a NUL byte; a value that is not an integer where one is needed, or an
id or timestamp outside a 64-bit integer (timestamps: outside the years 1 to 9999); a vote other than
-1, 0 or 1; a `moderated` other than -1, 0 or 1; an `is-meta` other than true/false (or 1/0); a vote
or a participants-votes column for a comment id that is not in `comments.csv`; a `comments.csv` with
no statements; a row with the wrong number of fields; and a duplicate row, which is a second row for
the same key: the same comment-id in `comments.csv`, the same participant in `participants-votes.csv`,
or the same (voter-id, comment-id, timestamp) in `votes.csv` with a different vote. A `votes.csv` row
identical in every field to an earlier one is read once and not rejected: Pol.is's own exports contain
such repeats (one to five rows in six of the openData conversations) and they say nothing new.

Writing (`write_export`, or `export_tables` for the rows of each file) produces the same layout from a
`PolisExport`, which the app can build from its own conversations; reading what it wrote gives the same
`PolisExport` back. The rows are produced one at a time, so a large export is never held as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import operator
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

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
META_COLUMN = "is-meta"
REQUIRED_COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
REQUIRED_VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
# Columns of participants-votes.csv that are neither required nor comment ids (newer exports add `xid`,
# the participant's id in the embedding site).
PARTICIPANT_EXTRA_COLUMNS = ("xid",)
REQUIRED_PARTICIPANT_COLUMNS = ("participant", "group-id")
VOTE_VALUES = {"-1": -1, "0": 0, "1": 1}
FLAG_VALUES = {"true": True, "false": False, "1": True, "0": False, "": False}
MODERATED_OUT = -1
UNMODERATED = 0
ACCEPTED = 1
# Ids are kept as 64-bit integers; timestamps (milliseconds since 1970-01-01 UTC) must also be a date
# a `datetime` can hold, from 0001-01-01 to the start of 9999-12-31 (so that a second later, when an
# imported conversation closes, is one too).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
TIMESTAMP_MIN, TIMESTAMP_MAX = -62_135_596_800_000, 253_402_214_400_000


def gettext_noop(message: str) -> str:
    """Marks a reason for a malformed export for translation, and returns it as it is. Django's own
    `gettext_noop` would need its settings, which this module is used without; `makemessages` finds
    the marker by its name."""
    return message


# Reasons given in more than one place (see PolisFormatError: marked for translation, said in English).
_UNREADABLE = gettext_noop("unreadable CSV (%(error)s)")
_NOT_A_VOTE = gettext_noop("%(column)s %(value)s is not -1, 0 or 1")
# Votes turned into Python values at a time, when iterating or writing (bounds the memory it takes).
_WRITE_CHUNK = 65_536


class PolisFormatError(ValueError):
    """A malformed export: `file`, `line` (1-based, None for the whole file) and why.

    The reason is a template marked with `gettext_noop` and its parameters, kept apart so that the
    app can show it in the reader's language (`message(gettext)`) while this module, used without
    Django's settings (the benchmarks, `manage.py opinion_map`), says it in English: `reason` and
    `str(error)`. Parameters are file and column names and values as they are in the files, never
    translated."""

    def __init__(self, file: str, line: int | None, template: str, /, **params: Any) -> None:
        self.file, self.line, self.template, self.params = file, line, template, params
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {self.reason}")

    def message(self, translate: Callable[[str], str] = gettext_noop) -> str:
        """The reason, its template passed through `translate` (`gettext` in the app)."""
        text = translate(self.template)
        # Without parameters the text is left as it is: a "%" a translator wrote must not break it.
        return text % self.params if self.params else text

    @property
    def reason(self) -> str:
        return self.message()


@dataclass(frozen=True, slots=True)
class PolisStatement:
    """A comment. `moderated`: 1 accepted, 0 not yet moderated, -1 moderated out. Moderated-out and
    meta statements are excluded from the analysis."""

    id: int
    text: str
    author_id: int | None = None
    moderated: int = ACCEPTED
    timestamp: int | None = None  # milliseconds since 1970-01-01 UTC, as Pol.is writes them
    is_meta: bool = False

    @property
    def excluded(self) -> bool:
        return self.moderated == MODERATED_OUT or self.is_meta


@dataclass(frozen=True, slots=True)
class PolisVote:
    """A vote: +1 agree, -1 disagree, 0 pass."""

    participant_id: int
    statement_id: int
    vote: int
    timestamp: int | None = None  # milliseconds since 1970-01-01 UTC


class PolisVotes(Sequence[PolisVote]):
    """Votes as parallel numpy arrays, about 26 bytes a vote: `participant_ids` and `statement_ids`
    (int64), `values` (int8: +1, -1, 0) and `timestamps` (int64 milliseconds, meaningful where `timed`
    is True). Also a sequence of `PolisVote`, made one at a time, for small exports and tests."""

    __slots__ = ("participant_ids", "statement_ids", "timed", "timestamps", "values")

    def __init__(
        self,
        participant_ids: npt.ArrayLike,
        statement_ids: npt.ArrayLike,
        values: npt.ArrayLike,
        timestamps: npt.ArrayLike | None = None,
        timed: npt.ArrayLike | None = None,
    ) -> None:
        self.participant_ids = np.asarray(participant_ids, dtype=np.int64)
        self.statement_ids = np.asarray(statement_ids, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.int8)
        n = len(self.values)
        if timestamps is None:
            self.timestamps = np.zeros(n, dtype=np.int64)
            self.timed = np.zeros(n, dtype=bool)
        else:
            self.timestamps = np.asarray(timestamps, dtype=np.int64)
            self.timed = np.ones(n, dtype=bool) if timed is None else np.asarray(timed, dtype=bool)
        if not len(self.participant_ids) == len(self.statement_ids) == n == len(self.timestamps) == len(self.timed):
            raise ValueError("the vote arrays must have the same length")

    @classmethod
    def of(cls, votes: Iterable[PolisVote]) -> PolisVotes:
        listed = list(votes)
        return cls(
            [v.participant_id for v in listed],
            [v.statement_id for v in listed],
            [v.vote for v in listed],
            [0 if v.timestamp is None else v.timestamp for v in listed],
            [v.timestamp is not None for v in listed],
        )

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> PolisVote: ...

    @overload
    def __getitem__(self, index: slice) -> PolisVotes: ...

    def __getitem__(self, index: int | slice) -> PolisVote | PolisVotes:
        if isinstance(index, slice):
            return PolisVotes(
                self.participant_ids[index],
                self.statement_ids[index],
                self.values[index],
                self.timestamps[index],
                self.timed[index],
            )
        i = operator.index(index)
        if not -len(self) <= i < len(self):
            raise IndexError("vote index out of range")
        return PolisVote(
            int(self.participant_ids[i]),
            int(self.statement_ids[i]),
            int(self.values[i]),
            int(self.timestamps[i]) if self.timed[i] else None,
        )

    def __iter__(self) -> Iterator[PolisVote]:
        for participant, statement, value, timestamp in self.tuples():
            yield PolisVote(participant, statement, value, timestamp)

    def tuples(self) -> Iterator[tuple[int, int, int, int | None]]:
        """(participant, statement, vote, timestamp or None) for each vote, as plain ints, a chunk of
        the arrays at a time (cheaper than one PolisVote each when writing a million)."""
        for start in range(0, len(self), _WRITE_CHUNK):
            part = slice(start, start + _WRITE_CHUNK)
            for participant, statement, value, timestamp, timed in zip(
                self.participant_ids[part].tolist(),
                self.statement_ids[part].tolist(),
                self.values[part].tolist(),
                self.timestamps[part].tolist(),
                self.timed[part].tolist(),
                strict=True,
            ):
                yield participant, statement, value, timestamp if timed else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PolisVotes):
            return (
                np.array_equal(self.participant_ids, other.participant_ids)
                and np.array_equal(self.statement_ids, other.statement_ids)
                and np.array_equal(self.values, other.values)
                and np.array_equal(self.timed, other.timed)
                and np.array_equal(self.timestamps[self.timed], other.timestamps[other.timed])
            )
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside

    def __repr__(self) -> str:
        return f"<PolisVotes: {len(self)} votes>"

    @property
    def all_timed(self) -> bool:
        return bool(len(self)) and bool(self.timed.all())


@dataclass(frozen=True)
class PolisExport:
    """One conversation in the Pol.is export layout.

    `votes` holds one vote per (participant, statement), the latest, in time order (any iterable of
    `PolisVote` is accepted and kept as `PolisVotes`). `groups` maps participant ids to the group
    Pol.is gave them (None = not clustered); empty when unknown. `summary` holds summary.csv's keys
    and values as text.
    """

    statements: tuple[PolisStatement, ...]
    votes: PolisVotes
    groups: dict[int, int | None] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "statements", tuple(self.statements))
        if not isinstance(self.votes, PolisVotes):
            object.__setattr__(self, "votes", PolisVotes.of(self.votes))

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
        """The votes for `analysis.analyse`, with moderated-out and meta statements excluded."""
        return Votes.from_triples(
            self.votes.participant_ids,
            self.votes.statement_ids,
            self.votes.values,
            statements=np.asarray(sorted(s.id for s in self.statements), dtype=np.int64),
            excluded=[s.id for s in self.statements if s.excluded],
        )

    def admitted(self, min_votes: int = 7) -> np.ndarray | None:
        """The participants Pol.is would have clustered, replayed from the vote timestamps (see
        `analysis.admitted_from_history`), for `analyse(..., admitted=...)`; None when a vote has no
        timestamp (an export without votes.csv). Only the latest vote per pair is kept here, so a
        participant who changed a vote counts that statement from the change."""
        if not self.votes.all_timed:
            return None
        return admitted_from_history(
            self.votes.participant_ids,
            self.votes.statement_ids,
            self.votes.timestamps.astype(np.float64),
            min_votes=min_votes,
        )


# --- reading --------------------------------------------------------------------------------------


def read_export(directory: str | os.PathLike[str]) -> PolisExport:
    """Read a Pol.is export directory; PolisFormatError (file, line, reason) if anything is malformed."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PolisFormatError(str(directory), None, gettext_noop("not a directory"))
    for name in (COMMENTS, SUMMARY):
        if not (directory / name).is_file():
            raise PolisFormatError(name, None, gettext_noop("missing file"))
    has_votes = (directory / VOTES).is_file()
    has_participants = (directory / PARTICIPANTS_VOTES).is_file()
    if not has_votes and not has_participants:
        raise PolisFormatError(
            VOTES,
            None,
            gettext_noop("missing file (and no %(other)s to read the votes from)"),
            other=PARTICIPANTS_VOTES,
        )

    statements = _read_comments(directory / COMMENTS)
    known = {s.id for s in statements}
    summary = _read_summary(directory / SUMMARY)
    groups: dict[int, int | None] = {}
    table_votes = None
    if has_participants:
        # With votes.csv there, the vote columns are not read: votes.csv says the same, with times.
        groups, table_votes = _read_participants_votes(directory / PARTICIPANTS_VOTES, known, votes=not has_votes)
    votes = _read_votes(directory / VOTES, known) if has_votes else table_votes
    if votes is None:  # not reached: one of the two files is there (checked above)
        raise PolisFormatError(VOTES, None, gettext_noop("missing file"))
    return PolisExport(statements=tuple(statements), votes=votes, groups=groups, summary=summary)


def _lines(path: Path, name: str) -> Iterator[str]:
    """The file's lines as text: UTF-8 (a byte-order mark is skipped) without NUL bytes, else an error
    naming the line."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            for number, line in enumerate(handle, 1):
                if "\x00" in line:
                    raise PolisFormatError(name, number, gettext_noop("a NUL byte: this is not a CSV text file"))
                yield line
        except UnicodeDecodeError:
            raise _not_utf8(path, name) from None


def _not_utf8(path: Path, name: str) -> PolisFormatError:
    """The error for a file that is not UTF-8, at its first line that is not (found again line by line:
    the text reader decodes in blocks, so it cannot say where)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                return PolisFormatError(
                    name,
                    number,
                    gettext_noop(
                        "not UTF-8 text (byte %(byte)s at byte %(position)s of the line); save the file as UTF-8"
                    ),
                    byte=f"0x{raw[error.start]:02x}",
                    position=error.start + 1,
                )
    return PolisFormatError(name, None, gettext_noop("not UTF-8 text; save the file as UTF-8"))


def _table(
    path: Path, name: str, required: Sequence[str]
) -> tuple[list[str], dict[str, int], Iterator[tuple[int, list[str]]]]:
    """A CSV file with a header: the header, each column's index, and (line number, record) for each
    record, checking the shape. The header is checked before any record is read."""
    reader = csv.reader(_lines(path, name))
    try:
        header = next(reader)
    except StopIteration:
        raise PolisFormatError(name, 1, gettext_noop("empty file, expected a header row")) from None
    except csv.Error as error:
        raise PolisFormatError(name, 1, _UNREADABLE, error=str(error)) from None
    header = [column.strip() for column in header]
    missing = [column for column in required if column not in header]
    if missing:
        raise PolisFormatError(name, 1, gettext_noop("missing column(s): %(columns)s"), columns=", ".join(missing))
    duplicated = [column for column, count in Counter(header).items() if count > 1]
    if duplicated:
        raise PolisFormatError(name, 1, gettext_noop("duplicate column(s): %(columns)s"), columns=", ".join(duplicated))
    return header, {column: index for index, column in enumerate(header)}, _records(reader, name, len(header))


def _records(reader: Any, name: str, width: int) -> Iterator[tuple[int, list[str]]]:
    while True:
        line = reader.line_num + 1  # where the next record starts (a quoted field may span lines)
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PolisFormatError(name, line, _UNREADABLE, error=str(error)) from None
        if not record or record == [""]:
            continue
        if len(record) != width:
            raise PolisFormatError(
                name,
                line,
                gettext_noop("expected %(expected)s fields, found %(found)s"),
                expected=width,
                found=len(record),
            )
        yield line, record


def _optional_integer(value: str, name: str, line: int, column: str) -> int | None:
    return None if value.strip() == "" else _integer(value, name, line, column)


def _integer(value: str, name: str, line: int, column: str) -> int:
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        try:
            real = float(text)  # "3.0", as a spreadsheet may write it
        except ValueError:
            real = math.nan
        if not (math.isfinite(real) and real == int(real)):
            raise PolisFormatError(
                name, line, gettext_noop("%(column)s %(value)s is not an integer"), column=column, value=repr(value)
            ) from None
        number = int(real)
    if not INT64_MIN <= number <= INT64_MAX:
        raise PolisFormatError(
            name,
            line,
            gettext_noop("%(column)s %(value)s is out of range (more than a 64-bit integer)"),
            column=column,
            value=repr(value),
        )
    return number


def _timestamp(value: str, name: str, line: int) -> int | None:
    timestamp = _optional_integer(value, name, line, "timestamp")
    if timestamp is not None and not TIMESTAMP_MIN <= timestamp <= TIMESTAMP_MAX:
        raise PolisFormatError(
            name,
            line,
            gettext_noop("timestamp %(value)s is out of range (milliseconds since 1970 for a year from 1 to 9999)"),
            value=repr(value),
        )
    return timestamp


def _flag(value: str, name: str, line: int, column: str) -> bool:
    flag = FLAG_VALUES.get(value.strip().lower())
    if flag is None:
        raise PolisFormatError(
            name, line, gettext_noop("%(column)s %(value)s is not true or false"), column=column, value=repr(value)
        )
    return flag


def _read_comments(path: Path) -> list[PolisStatement]:
    _header, columns, records = _table(path, COMMENTS, REQUIRED_COMMENT_COLUMNS)
    at_id, at_author, at_moderated = columns["comment-id"], columns["author-id"], columns["moderated"]
    at_body, at_time, at_meta = columns["comment-body"], columns["timestamp"], columns.get(META_COLUMN)
    statements: list[PolisStatement] = []
    first_line: dict[int, int] = {}
    for line, row in records:
        statement_id = _integer(row[at_id], COMMENTS, line, "comment-id")
        if statement_id in first_line:
            raise PolisFormatError(
                COMMENTS,
                line,
                gettext_noop("duplicate row: comment-id %(id)s already on line %(first)s"),
                id=statement_id,
                first=first_line[statement_id],
            )
        first_line[statement_id] = line
        moderated = _integer(row[at_moderated], COMMENTS, line, "moderated")
        if moderated not in (MODERATED_OUT, UNMODERATED, ACCEPTED):
            raise PolisFormatError(COMMENTS, line, _NOT_A_VOTE, column="moderated", value=repr(row[at_moderated]))
        statements.append(
            PolisStatement(
                id=statement_id,
                text=row[at_body],
                author_id=_optional_integer(row[at_author], COMMENTS, line, "author-id"),
                moderated=moderated,
                timestamp=_timestamp(row[at_time], COMMENTS, line),
                is_meta=_flag(row[at_meta], COMMENTS, line, META_COLUMN) if at_meta is not None else False,
            )
        )
    if not statements:
        raise PolisFormatError(
            COMMENTS, None, gettext_noop("no statements: the file has a header row and nothing else")
        )
    statements.sort(key=lambda s: s.id)
    return statements


def _vote(value: str, name: str, line: int, *, comment: str | None = None) -> int:
    """A vote in the "vote" column of votes.csv, or in the column of `comment` in participants-votes.csv."""
    vote = VOTE_VALUES.get(value.strip())
    if vote is None:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        vote = int(number) if number in (-1.0, 0.0, 1.0) else None
    if vote is None and comment is not None:
        raise PolisFormatError(
            name,
            line,
            gettext_noop("vote on comment %(comment)s: %(value)s is not -1, 0 or 1"),
            comment=comment,
            value=repr(value),
        )
    if vote is None:
        raise PolisFormatError(name, line, _NOT_A_VOTE, column="vote", value=repr(value))
    return vote


def _read_votes(path: Path, known: set[int]) -> PolisVotes:
    """votes.csv, one pass: each row's fields go into typed arrays (the check of each field is the
    slow path, taken only when the quick conversion fails), then duplicates and the latest vote per
    pair are found by sorting."""
    _header, columns, records = _table(path, VOTES, REQUIRED_VOTE_COLUMNS)
    at_comment, at_voter, at_vote, at_time = (
        columns["comment-id"],
        columns["voter-id"],
        columns["vote"],
        columns["timestamp"],
    )
    comments, voters, stamps, lines = array("q"), array("q"), array("q"), array("q")
    values, timed = array("b"), array("b")
    try:
        for line, row in records:
            try:
                comment = int(row[at_comment])
            except ValueError:
                comment = _integer(row[at_comment], VOTES, line, "comment-id")
            if comment not in known:
                raise PolisFormatError(
                    VOTES,
                    line,
                    gettext_noop("unknown statement: comment-id %(id)s is not in %(file)s"),
                    id=comment,
                    file=COMMENTS,
                )
            try:
                voter = int(row[at_voter])
            except ValueError:
                voter = _integer(row[at_voter], VOTES, line, "voter-id")
            if not INT64_MIN <= voter <= INT64_MAX:
                voter = _integer(row[at_voter], VOTES, line, "voter-id")  # raises: out of range
            vote = VOTE_VALUES.get(row[at_vote])
            if vote is None:
                vote = _vote(row[at_vote], VOTES, line)
            text = row[at_time]
            try:
                stamp: int | None = int(text) if text else None
            except ValueError:
                stamp = _timestamp(text, VOTES, line)
            if stamp is not None and not TIMESTAMP_MIN <= stamp <= TIMESTAMP_MAX:
                _timestamp(text, VOTES, line)  # raises: out of range
            comments.append(comment)
            voters.append(voter)
            values.append(vote)
            stamps.append(0 if stamp is None else stamp)
            timed.append(stamp is not None)
            lines.append(line)
    except PolisFormatError:
        # A conflicting duplicate above the bad row is the first thing wrong in the file: say that.
        _latest_votes(comments, voters, values, stamps, timed, lines)
        raise
    return _latest_votes(comments, voters, values, stamps, timed, lines)


def _latest_votes(
    comments: array[int],
    voters: array[int],
    values: array[int],
    stamps: array[int],
    timed: array[int],
    lines: array[int],
) -> PolisVotes:
    """The latest vote per (voter, comment) in (time, line) order, from votes.csv's rows in file order;
    PolisFormatError at the first row that repeats an earlier (voter, comment, timestamp) with another
    vote. A row repeating an earlier one exactly is dropped."""
    n = len(lines)
    comment = np.frombuffer(comments, dtype=np.int64, count=n) if n else np.zeros(0, dtype=np.int64)
    voter = np.frombuffer(voters, dtype=np.int64, count=n) if n else np.zeros(0, dtype=np.int64)
    value = np.frombuffer(values, dtype=np.int8, count=n) if n else np.zeros(0, dtype=np.int8)
    stamp = np.frombuffer(stamps, dtype=np.int64, count=n) if n else np.zeros(0, dtype=np.int64)
    has_time = np.frombuffer(timed, dtype=np.int8, count=n).astype(bool) if n else np.zeros(0, dtype=bool)
    if not n:
        return PolisVotes(voter, comment, value, stamp, has_time)
    # A vote without a timestamp is older than any with one: it sorts as the smallest int64 (a timed
    # vote never has it, timestamps being limited to datetimes).
    when = np.where(has_time, stamp, INT64_MIN)
    # By voter, comment, then time; rows are in line order and the sort is stable, so ties keep it.
    # (Temporaries are dropped as soon as they are used: this is the peak of reading a large export.)
    order = np.lexsort((when, comment, voter))
    sorted_voter = voter[order]
    same_pair = sorted_voter[1:] == sorted_voter[:-1]
    del sorted_voter
    sorted_comment = comment[order]
    same_pair &= sorted_comment[1:] == sorted_comment[:-1]
    del sorted_comment
    sorted_when = when[order]
    del when
    # The first row of each (voter, comment, time), and for every row the position of that first row.
    first = np.where(np.r_[True, ~(same_pair & (sorted_when[1:] == sorted_when[:-1]))], np.arange(n), 0)
    del sorted_when
    np.maximum.accumulate(first, out=first)
    sorted_value = value[order]
    conflicting = np.flatnonzero(sorted_value != sorted_value[first])
    del sorted_value
    if len(conflicting):
        bad = conflicting[np.argmin(order[conflicting])]  # the first in the file
        row, earlier = order[bad], order[first[bad]]
        timestamp = int(stamp[row]) if has_time[row] else None
        raise PolisFormatError(
            VOTES,
            int(lines[row]),
            gettext_noop(
                "duplicate row: voter %(voter)s on comment %(comment)s at timestamp %(timestamp)s "
                "already voted %(vote)s on line %(first)s"
            ),
            voter=int(voter[row]),
            comment=int(comment[row]),
            timestamp=timestamp,
            vote=int(value[earlier]),
            first=int(lines[earlier]),
        )
    # Each pair's latest time is its last group of rows; of a group (the same vote, repeated), the
    # first row is kept.
    latest = order[first[np.r_[~same_pair, True]]]
    del order, first, same_pair
    latest.sort()  # line order, then (stable) time order
    latest = latest[np.argsort(np.where(has_time[latest], stamp[latest], INT64_MIN), kind="stable")]
    return PolisVotes(voter[latest], comment[latest], value[latest], stamp[latest], has_time[latest])


def _read_participants_votes(
    path: Path, known: set[int], *, votes: bool
) -> tuple[dict[int, int | None], PolisVotes | None]:
    """Each participant's Pol.is group and, with `votes`, their votes from the comment columns."""
    header, columns, records = _table(path, PARTICIPANTS_VOTES, REQUIRED_PARTICIPANT_COLUMNS)
    comment_columns: list[tuple[int, str, int]] = []
    for index, column in enumerate(header):
        if column in PARTICIPANT_COLUMNS or column in PARTICIPANT_EXTRA_COLUMNS:
            continue
        try:
            statement_id = _integer(column, PARTICIPANTS_VOTES, 1, "column")
        except PolisFormatError:
            raise PolisFormatError(
                PARTICIPANTS_VOTES,
                1,
                gettext_noop("column %(column)s is neither one of %(columns)s nor a comment id"),
                column=repr(column),
                columns=", ".join(PARTICIPANT_COLUMNS),
            ) from None
        if statement_id not in known:
            raise PolisFormatError(
                PARTICIPANTS_VOTES,
                1,
                gettext_noop("unknown statement: column %(column)s is not a comment-id in %(file)s"),
                column=repr(column),
                file=COMMENTS,
            )
        comment_columns.append((index, column, statement_id))
    at_participant, at_group = columns["participant"], columns["group-id"]
    groups: dict[int, int | None] = {}
    first_line: dict[int, int] = {}
    participants, statements, values = array("q"), array("q"), array("b")
    for line, row in records:
        participant = _integer(row[at_participant], PARTICIPANTS_VOTES, line, "participant")
        if participant in first_line:
            raise PolisFormatError(
                PARTICIPANTS_VOTES,
                line,
                gettext_noop("duplicate row: participant %(participant)s already on line %(first)s"),
                participant=participant,
                first=first_line[participant],
            )
        first_line[participant] = line
        groups[participant] = _optional_integer(row[at_group], PARTICIPANTS_VOTES, line, "group-id")
        if not votes:
            continue
        for index, column, statement_id in comment_columns:
            cell = row[index]
            if cell == "":
                continue
            vote = VOTE_VALUES.get(cell)
            if vote is None:
                vote = _vote(cell, PARTICIPANTS_VOTES, line, comment=column)
            participants.append(participant)
            statements.append(statement_id)
            values.append(vote)
    if not votes:
        return groups, None
    return groups, PolisVotes(
        np.array(participants, dtype=np.int64), np.array(statements, dtype=np.int64), np.array(values, dtype=np.int8)
    )


def _read_summary(path: Path) -> dict[str, str]:
    """summary.csv: one (key, value) row each, no header."""
    summary: dict[str, str] = {}
    for line, (key, value) in _records(csv.reader(_lines(path, SUMMARY)), SUMMARY, 2):
        if key in summary:
            raise PolisFormatError(SUMMARY, line, gettext_noop("duplicate row: key %(key)s"), key=repr(key))
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
    for name, rows in export_tables(export):
        _write_csv(directory / name, rows)


def export_tables(export: PolisExport) -> list[tuple[str, Iterator[list[Any]]]]:
    """Each file of the export, as its name and its rows (the header first). The rows are made as
    they are consumed, a few at a time, so that writing a large export holds no more than its votes'
    arrays and one row of participants-votes.csv."""
    statements = sorted(export.statements, key=lambda s: s.id)
    statement_ids = np.asarray([s.id for s in statements], dtype=np.int64)
    votes = export.votes
    # The participants-votes table and the counts take one vote per pair, the last one given.
    pair_participants, pair_index = np.unique(votes.participant_ids, return_inverse=True)
    if len(statement_ids):
        column = np.minimum(np.searchsorted(statement_ids, votes.statement_ids), len(statement_ids) - 1)
        known = statement_ids[column] == votes.statement_ids
    else:
        column, known = np.zeros(len(votes), dtype=np.intp), np.zeros(len(votes), dtype=bool)
    keys = pair_index.astype(np.int64) * (len(statement_ids) + 1) + np.where(known, column, len(statement_ids))
    _, last_from_end = np.unique(keys[::-1], return_index=True)
    last = len(keys) - 1 - last_from_end  # sorted by participant, then statement
    last = last[known[last]]
    table_rows, table_cols, table_values = pair_index[last], column[last], votes.values[last]
    agrees = np.bincount(table_cols[table_values == 1], minlength=len(statement_ids))
    disagrees = np.bincount(table_cols[table_values == -1], minlength=len(statement_ids))
    authored = Counter(s.author_id for s in statements if s.author_id is not None)
    voters = set(pair_participants.tolist())
    has_meta = any(s.is_meta for s in statements)

    def comment_rows() -> Iterator[list[Any]]:
        header = list(COMMENT_COLUMNS)
        if has_meta:
            header.insert(header.index("moderated") + 1, META_COLUMN)
        yield header
        for position, s in enumerate(statements):
            row: list[Any] = [
                _text(s.timestamp),
                _datetime(s.timestamp),
                s.id,
                _text(s.author_id),
                int(agrees[position]),
                int(disagrees[position]),
                s.moderated,
                s.text,
            ]
            if has_meta:
                row.insert(header.index(META_COLUMN), "true" if s.is_meta else "false")
            yield row

    def vote_rows() -> Iterator[list[Any]]:
        yield list(VOTE_COLUMNS)
        for participant, statement, value, timestamp in votes.tuples():
            if timestamp is not None:
                yield [timestamp, _datetime(timestamp), statement, participant, value]
            else:
                yield ["", "", statement, participant, value]

    def participant_rows() -> Iterator[list[Any]]:
        yield [*PARTICIPANT_COLUMNS, *statement_ids.tolist()]
        participants = sorted(voters | set(export.groups))
        # Where each participant's votes start in the (participant-sorted) table.
        bounds = np.searchsorted(table_rows, np.arange(len(pair_participants) + 1))
        position = {participant: i for i, participant in enumerate(pair_participants.tolist())}
        cells = {1: "1", -1: "-1", 0: "0"}
        for participant in participants:
            row = [""] * len(statement_ids)
            agree = disagree = count = 0
            i = position.get(participant)
            if i is not None:
                part = slice(bounds[i], bounds[i + 1])
                for j, value in zip(table_cols[part].tolist(), table_values[part].tolist(), strict=True):
                    row[j] = cells[value]
                    agree += value == 1
                    disagree += value == -1
                count = int(bounds[i + 1] - bounds[i])
            group = export.groups.get(participant)
            yield [participant, _text(group), authored[participant], count, agree, disagree, *row]

    def summary_rows() -> Iterator[list[Any]]:
        groups = export.groups
        summary = {
            "topic": export.summary.get("topic", ""),
            "url": export.summary.get("url", ""),
            **export.summary,
            "voters": str(len(voters)),
            "voters-in-conv": str(sum(1 for p in voters if groups.get(p) is not None)),
            "commenters": str(len(authored)),
            "comments": str(len(statements)),
            "groups": str(len({g for g in groups.values() if g is not None})),
        }
        if "conversation-description" in summary:  # Pol.is puts it last
            summary["conversation-description"] = summary.pop("conversation-description")
        for key, value in summary.items():
            yield [key, value]

    return [
        (COMMENTS, comment_rows()),
        (VOTES, vote_rows()),
        (PARTICIPANTS_VOTES, participant_rows()),
        (SUMMARY, summary_rows()),
    ]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _datetime(timestamp: int | None) -> str:
    """Pol.is's human-readable datetime column ("Wed Jun 18 08:16:54 UTC 2014"), in UTC."""
    if timestamp is None:
        return ""
    return _second(timestamp // 1000)


@functools.lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    # Votes come in bursts: many share a second, and formatting is the slow part of writing a row.
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def write_csv_rows(handle: Any, rows: Iterable[list[Any]]) -> None:
    """Rows onto a text handle as Pol.is writes them (comma-separated, minimal quoting, LF)."""
    csv.writer(handle, lineterminator="\n").writerows(rows)


def _write_csv(path: Path, rows: Iterable[list[Any]]) -> None:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place below
        "w", newline="", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    )
    try:
        with handle:
            write_csv_rows(handle, rows)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
