"""Pol.is exports: reading real ones, writing ours, and rejecting malformed ones with file, line and reason."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from heard.conversations.polis import (
    PolisExport,
    PolisFormatError,
    PolisStatement,
    PolisVote,
    read_export,
    write_export,
)
from tests.conversations.polis_data import here


def participants_table(directory: Path) -> list[dict[str, str]]:
    with (directory / "participants-votes.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_read_export_seattle():
    export = read_export(here("15-per-hour-seattle"))
    assert export.topic == "$15/hour"
    assert export.url == "https://pol.is/2demo"
    assert len(export.statements) == int(export.summary["comments"]) == 54
    assert sum(s.excluded for s in export.statements) == 23
    # 2,995 rows, of which 123 are earlier votes overridden by a later one on the same statement.
    assert len(export.votes) == 2872
    assert len(export.votes) == sum(int(row["n-votes"]) for row in participants_table(here("15-per-hour-seattle")))
    assert {g for g in export.groups.values() if g is not None} == {0, 1}
    timestamps = [v.timestamp for v in export.votes]
    assert timestamps == sorted(timestamps)
    votes = export.to_votes()
    assert len(votes.values) == 2872
    assert set(votes.excluded_statements) == {s.id for s in export.statements if s.excluded}


def test_read_export_without_votes_csv_reads_participants_votes():
    directory = here("american-assembly.bowling-green")
    assert not (directory / "votes.csv").exists()
    export = read_export(directory)
    assert len(export.statements) == 896
    assert len(export.votes) == sum(int(row["n-votes"]) for row in participants_table(directory)) == 225524
    assert all(v.timestamp is None for v in export.votes[:10])


def test_read_export_keeps_the_latest_vote(tmp_path):
    write_small_export(tmp_path)
    rewrite(
        tmp_path / "votes.csv",
        lambda rows: [*rows, ["300", "", "1", "10", "-1"], ["250", "", "1", "10", "0"]],
    )
    export = read_export(tmp_path)
    assert [v.vote for v in export.votes if (v.participant_id, v.statement_id) == (10, 1)] == [-1]


def test_write_export_round_trips_a_real_conversation(tmp_path):
    export = read_export(here("brexit-consensus"))
    write_export(tmp_path, export)
    again = read_export(tmp_path)
    assert again.statements == export.statements
    assert again.votes == export.votes
    assert again.groups == export.groups
    assert again.topic == export.topic
    assert again.description == export.description
    assert again.summary["voters"] == export.summary["voters"]
    with (tmp_path / "comments.csv").open(newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert " UTC " in first["datetime"]


def test_write_export_round_trips_votes_without_timestamps(tmp_path):
    export = small_export()
    undated = PolisExport(
        statements=export.statements,
        votes=tuple(PolisVote(v.participant_id, v.statement_id, v.vote) for v in export.votes),
        groups=export.groups,
        summary=export.summary,
    )
    write_export(tmp_path, undated)
    assert read_export(tmp_path).votes == undated.votes


# --- malformed exports ---------------------------------------------------------------------------


def small_export() -> PolisExport:
    statements = tuple(
        PolisStatement(id=i, text=f"Statement {i}, with a comma", author_id=10 + i, moderated=1, timestamp=100 + i)
        for i in range(1, 4)
    )
    votes = tuple(
        PolisVote(participant_id=p, statement_id=s, vote=(1, -1, 0)[(p + s) % 3], timestamp=200 + 3 * p + s)
        for p in (10, 11, 12)
        for s in (1, 2, 3)
    )
    return PolisExport(
        statements=statements,
        votes=votes,
        groups={10: 0, 11: 1, 12: None},
        summary={"topic": "Buses", "url": "https://example.org", "conversation-description": "Line 1\nline 2"},
    )


def write_small_export(directory: Path) -> PolisExport:
    export = small_export()
    write_export(directory, export)
    return export


FILES = ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")


def zipped(folder: Path, names: Iterable[str] = FILES, *, prefix: str = "") -> SimpleUploadedFile:
    """The export's files in `folder` as an uploaded .zip, each at `prefix` + its name (a prefix
    "export/" puts them in one folder, as some archivers do)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(folder / name, f"{prefix}{name}")
    return SimpleUploadedFile("export.zip", buffer.getvalue(), content_type="application/zip")


def rewrite(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(change(rows))


def test_small_export_reads_back(tmp_path):
    export = write_small_export(tmp_path)
    again = read_export(tmp_path)
    assert (again.statements, again.votes, again.groups) == (export.statements, export.votes, export.groups)
    # The counts are computed from the data and added to the summary.
    assert again.summary == {
        **export.summary,
        "voters": "3",
        "voters-in-conv": "2",
        "commenters": "3",
        "comments": "3",
        "groups": "2",
    }
    assert list(again.summary)[-1] == "conversation-description"


def test_read_export_accepts_a_repeated_identical_vote_row(tmp_path):
    export = write_small_export(tmp_path)
    rewrite(tmp_path / "votes.csv", lambda rows: [*rows, rows[3]])
    assert read_export(tmp_path).votes == export.votes


def drop_column(name):
    def change(rows):
        index = rows[0].index(name)
        return [row[:index] + row[index + 1 :] for row in rows]

    return change


def rename_column(name, new_name):
    def change(rows):
        rows[0][rows[0].index(name)] = new_name
        return rows

    return change


def set_cell(line, column, value):
    """Set one cell; `line` is the 1-based line in the file (these files have no multi-line fields)."""

    def change(rows):
        rows[line - 1][rows[0].index(column)] = value
        return rows

    return change


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("comments.csv", None, "comments.csv: missing file"),
        ("summary.csv", None, "summary.csv: missing file"),
        ("comments.csv", drop_column("comment-body"), "comments.csv, line 1: missing column(s): comment-body"),
        ("votes.csv", drop_column("vote"), "votes.csv, line 1: missing column(s): vote"),
        ("votes.csv", drop_column("voter-id"), "votes.csv, line 1: missing column(s): voter-id"),
        (
            "participants-votes.csv",
            drop_column("group-id"),
            "participants-votes.csv, line 1: missing column(s): group-id",
        ),
        ("votes.csv", set_cell(3, "comment-id", "99"), "votes.csv, line 3: unknown statement: comment-id 99"),
        ("votes.csv", set_cell(4, "vote", "2"), "votes.csv, line 4: vote '2' is not -1, 0 or 1"),
        ("votes.csv", set_cell(4, "vote", "agree"), "votes.csv, line 4: vote 'agree' is not -1, 0 or 1"),
        ("votes.csv", set_cell(5, "voter-id", "x7"), "votes.csv, line 5: voter-id 'x7' is not an integer"),
        (
            "participants-votes.csv",
            set_cell(1, "3", "42"),
            "participants-votes.csv, line 1: unknown statement: column '42'",
        ),
        ("comments.csv", set_cell(3, "comment-id", "1"), "comments.csv, line 3: duplicate row: comment-id 1"),
        ("comments.csv", set_cell(2, "moderated", "2"), "comments.csv, line 2: moderated '2' is not -1, 0 or 1"),
        (
            "participants-votes.csv",
            set_cell(4, "participant", "10"),
            "participants-votes.csv, line 4: duplicate row: participant 10 already on line 2",
        ),
        ("votes.csv", lambda rows: [*rows, rows[1][:4]], "votes.csv, line 11: expected 5 fields, found 4"),
        (
            "participants-votes.csv",
            rename_column("group-id", "grp"),
            "participants-votes.csv, line 1: missing column(s): group-id",
        ),
        (
            "participants-votes.csv",
            rename_column("n-votes", "votes"),
            "participants-votes.csv, line 1: column 'votes' is neither one of participant, group-id",
        ),
        ("votes.csv", rename_column("vote", "vote\x00"), "votes.csv, line 1: a NUL byte: this is not a CSV text file"),
        ("comments.csv", lambda rows: rows[:1], "comments.csv: no statements"),
        (
            "votes.csv",
            set_cell(5, "voter-id", str(2**63)),
            "votes.csv, line 5: voter-id '9223372036854775808' is out of range (more than a 64-bit integer)",
        ),
        (
            "comments.csv",
            set_cell(3, "comment-id", "1" + "0" * 19),
            "comments.csv, line 3: comment-id '10000000000000000000' is out of range",
        ),
        (
            "participants-votes.csv",
            set_cell(2, "participant", str(-(2**63) - 1)),
            "participants-votes.csv, line 2: participant '-9223372036854775809' is out of range",
        ),
        (
            "votes.csv",
            set_cell(6, "timestamp", "300000000000000"),
            "votes.csv, line 6: timestamp '300000000000000' is out of range",
        ),
        (
            "comments.csv",
            set_cell(2, "timestamp", "-70000000000000"),
            "comments.csv, line 2: timestamp '-70000000000000' is out of range",
        ),
        (
            "participants-votes.csv",
            set_cell(3, "group-id", "x"),
            "participants-votes.csv, line 3: group-id 'x' is not an integer",
        ),
    ],
)
def test_read_export_rejects_malformed_files(tmp_path, file, change, message):
    write_small_export(tmp_path)
    if change is None:
        (tmp_path / file).unlink()
    else:
        rewrite(tmp_path / file, change)
    with pytest.raises(PolisFormatError) as raised:
        read_export(tmp_path)
    assert str(raised.value).startswith(message)
    assert raised.value.file == file


def test_read_export_rejects_a_conflicting_duplicate_vote(tmp_path):
    write_small_export(tmp_path)

    def conflicting(rows):
        copy = list(rows[2])
        copy[4] = "1" if copy[4] != "1" else "-1"
        return [*rows, copy]

    rewrite(tmp_path / "votes.csv", conflicting)
    with pytest.raises(PolisFormatError, match=r"^votes.csv, line 11: duplicate row: voter \d+ on comment \d+"):
        read_export(tmp_path)


def test_read_export_needs_a_vote_file(tmp_path):
    write_small_export(tmp_path)
    (tmp_path / "votes.csv").unlink()
    assert len(read_export(tmp_path).votes) == 9  # from participants-votes.csv
    (tmp_path / "participants-votes.csv").unlink()
    with pytest.raises(PolisFormatError, match=r"^votes\.csv: missing file"):
        read_export(tmp_path)


# --- the command ---------------------------------------------------------------------------------


def test_opinion_map_command_rejects_a_malformed_export_and_writes_nothing(tmp_path):
    source = tmp_path / "export"
    write_small_export(source)
    rewrite(source / "votes.csv", set_cell(4, "vote", "7"))
    out = tmp_path / "map.json"
    with pytest.raises(CommandError, match=r"votes.csv, line 4: vote '7' is not -1, 0 or 1"):
        call_command("opinion_map", "--polis-dir", str(source), "--json", str(out))
    assert list(tmp_path.iterdir()) == [source]


def test_opinion_map_command_with_too_few_votes_writes_an_empty_map(tmp_path):
    write_small_export(tmp_path / "export")
    out = tmp_path / "map.json"
    call_command("opinion_map", "--polis-dir", str(tmp_path / "export"), "--json", str(out))
    assert json.loads(out.read_text()) == {"participants_clustered": 0, "groups": [], "consensus": []}


def test_read_export_reports_the_first_fault_in_the_file(tmp_path):
    write_small_export(tmp_path)

    def conflicting_then_bad(rows):
        copy = list(rows[2])
        copy[4] = "1" if copy[4] != "1" else "-1"
        rows.insert(5, copy)  # line 6: the same voter, comment and time as line 3, another vote
        rows[8][4] = "7"  # line 9: not a vote
        return rows

    rewrite(tmp_path / "votes.csv", conflicting_then_bad)
    with pytest.raises(PolisFormatError, match=r"^votes.csv, line 6: duplicate row: .* already voted -?\d on line 3$"):
        read_export(tmp_path)


# --- text that is not UTF-8 ----------------------------------------------------------------------


@pytest.mark.parametrize("file", ["comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"])
def test_read_export_names_the_line_that_is_not_utf8(tmp_path, file):
    write_small_export(tmp_path)
    path = tmp_path / file
    data = path.read_bytes()
    path.write_bytes(data + "Caf\xe9,".encode("latin-1") + b"\n")  # Latin-1, as a spreadsheet may save it
    with pytest.raises(PolisFormatError) as raised:
        read_export(tmp_path)
    assert (raised.value.file, raised.value.line) == (file, len(data.splitlines()) + 1)
    assert raised.value.reason == "not UTF-8 text (byte 0xe9 at byte 4 of the line); save the file as UTF-8"


def test_read_export_rejects_utf16_at_its_first_line(tmp_path):
    write_small_export(tmp_path)
    path = tmp_path / "comments.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(PolisFormatError, match=r"^comments.csv, line 1: not UTF-8 text \(byte 0xff at byte 1 "):
        read_export(tmp_path)


def test_opinion_map_command_reports_text_that_is_not_utf8(tmp_path):
    source = tmp_path / "export"
    write_small_export(source)
    (source / "votes.csv").write_bytes((source / "votes.csv").read_bytes() + b"\xff\n")
    with pytest.raises(CommandError, match=r"votes.csv, line 11: not UTF-8 text"):
        call_command("opinion_map", "--polis-dir", str(source), "--json", str(tmp_path / "map.json"))
    assert not (tmp_path / "map.json").exists()


# --- what is read from where ---------------------------------------------------------------------


def test_read_export_reads_participants_votes_cells_only_without_votes_csv(tmp_path):
    export = write_small_export(tmp_path)
    rewrite(tmp_path / "participants-votes.csv", set_cell(3, "2", "5"))
    # votes.csv says who voted what (with times): the table's vote cells are not read.
    assert read_export(tmp_path).votes == export.votes
    (tmp_path / "votes.csv").unlink()
    with pytest.raises(PolisFormatError) as raised:
        read_export(tmp_path)
    assert str(raised.value) == "participants-votes.csv, line 3: vote on comment 2: '5' is not -1, 0 or 1"


def test_read_export_holds_votes_in_arrays(tmp_path):
    export = write_small_export(tmp_path)
    votes = read_export(tmp_path).votes
    assert (votes.participant_ids.dtype, votes.statement_ids.dtype, votes.values.dtype) == (
        np.int64,
        np.int64,
        np.int8,
    )
    assert votes.timestamps.dtype == np.int64
    assert votes.timed.all()
    assert len(votes) == 9
    assert votes[0] == export.votes[0] == PolisVote(participant_id=10, statement_id=1, vote=0, timestamp=231)
    assert list(votes[1:3]) == list(export.votes)[1:3]


def test_read_export_rows_without_timestamps_are_one_vote(tmp_path):
    """Two rows for a pair without a timestamp are the same vote twice: read once if they agree,
    rejected if they do not (there is no telling which came last)."""
    write_small_export(tmp_path)
    rewrite(tmp_path / "votes.csv", lambda rows: [*rows, ["", "", "1", "20", "1"], ["", "", "1", "20", "1"]])
    votes = [v for v in read_export(tmp_path).votes if v.participant_id == 20]
    assert votes == [PolisVote(participant_id=20, statement_id=1, vote=1, timestamp=None)]
    rewrite(tmp_path / "votes.csv", lambda rows: [*rows, ["", "", "1", "20", "-1"]])
    with pytest.raises(PolisFormatError) as raised:
        read_export(tmp_path)
    assert str(raised.value) == (
        "votes.csv, line 13: duplicate row: voter 20 on comment 1 at timestamp None already voted 1 on line 11"
    )


def test_read_export_a_vote_with_a_time_is_later_than_one_without(tmp_path):
    write_small_export(tmp_path)
    rewrite(tmp_path / "votes.csv", lambda rows: [*rows, ["0", "", "2", "20", "-1"], ["", "", "2", "20", "1"]])
    votes = [v for v in read_export(tmp_path).votes if v.participant_id == 20]
    # Timestamp 0 is a time (1970), not a missing one, so it wins over the row without a time.
    assert votes == [PolisVote(participant_id=20, statement_id=2, vote=-1, timestamp=0)]


# --- meta statements -----------------------------------------------------------------------------


def add_meta_column(values):
    def change(rows):
        at = rows[0].index("moderated") + 1
        return [
            [*rows[0][:at], "is-meta", *rows[0][at:]],
            *([*row[:at], value, *row[at:]] for row, value in zip(rows[1:], values, strict=True)),
        ]

    return change


def test_read_export_excludes_meta_statements(tmp_path):
    write_small_export(tmp_path)
    rewrite(tmp_path / "comments.csv", add_meta_column(["false", "true", ""]))
    export = read_export(tmp_path)
    assert [(s.id, s.is_meta, s.excluded) for s in export.statements] == [
        (1, False, False),
        (2, True, True),
        (3, False, False),
    ]
    assert export.to_votes().excluded_statements == (2,)
    # Written back with its is-meta column (after moderated, as Pol.is writes it), and read the same.
    write_export(tmp_path / "again", export)
    with (tmp_path / "again" / "comments.csv").open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[header.index("moderated") + 1] == "is-meta"
    assert read_export(tmp_path / "again").statements == export.statements


def test_read_export_rejects_an_is_meta_that_is_not_true_or_false(tmp_path):
    write_small_export(tmp_path)
    rewrite(tmp_path / "comments.csv", add_meta_column(["false", "maybe", "true"]))
    with pytest.raises(PolisFormatError, match=r"^comments.csv, line 3: is-meta 'maybe' is not true or false$"):
        read_export(tmp_path)


def test_read_export_bg2050_leaves_its_meta_statement_out():
    export = read_export(here("bg2050-volunteers"))
    assert [s.id for s in export.statements if s.is_meta] == [12]
    assert 12 in export.to_votes().excluded_statements
