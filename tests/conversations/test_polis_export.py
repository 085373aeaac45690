"""Pol.is exports: reading real ones, writing ours, and rejecting malformed ones with file, line and reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
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
            set_cell(3, "2", "5"),
            "participants-votes.csv, line 3: vote on comment 2: '5' is not -1, 0 or 1",
        ),
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
