"""Pol.is exports in the app: importing one as a conversation (statuses, times, damaged archives),
exporting a conversation in the same layout, and keeping the opinion map (votes read into arrays,
the same votes giving the same map, a late run never replacing a newer map, retries)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.http import FileResponse

from heard.conversations import interchange, mapping, services
from heard.conversations.enums import StatementStatus
from heard.conversations.models import Conversation, Participant, Statement, Vote
from heard.conversations.polis import PolisExport, PolisStatement, PolisVote, read_export, write_export
from tests.conversations.conftest import two_camps_vote
from tests.conversations.test_polis_export import small_export, write_small_export, zipped

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def unzipped(response: FileResponse, folder: Path) -> Path:
    data = b"".join(response.streaming_content)
    # Closing the response would signal the end of a request (and close the test's connection).
    response.file_to_stream.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        archive.extractall(folder)
    (top,) = {name.split("/")[0] for name in names}
    return folder / top


def table(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- importing -----------------------------------------------------------------------------------


def test_import_without_timestamps_opens_a_second_before_it_closes(provider, convener, tmp_path):
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        ",,1,,0,0,1,hello\n,,2,,0,0,1,world\n",
        encoding="utf-8",
    )
    (tmp_path / "participants-votes.csv").write_text(
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,1,2\n10,,0,2,1,1,1,-1\n11,,0,1,1,0,1,\n",
        encoding="utf-8",
    )
    (tmp_path / "summary.csv").write_text("topic,No timestamps\n", encoding="utf-8")
    conversation = interchange.import_directory(directory=tmp_path, organisation=provider, by=convener)
    assert conversation.closes_at - conversation.opens_at == dt.timedelta(seconds=1)
    assert not conversation.is_open
    assert sorted(Vote.objects.values_list("participant__external_id", "statement__external_id", "value")) == [
        ("10", "1", 1),
        ("10", "2", -1),
        ("11", "1", 1),
    ]


def test_import_takes_timestamp_zero_as_a_time(provider, convener):
    export = PolisExport(
        statements=(PolisStatement(id=1, text="Zero", timestamp=0), PolisStatement(id=2, text="One", timestamp=None)),
        votes=(PolisVote(5, 1, 1, timestamp=0), PolisVote(5, 2, -1, timestamp=1500)),
    )
    conversation = interchange.import_export(export=export, organisation=provider, by=convener)
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert conversation.opens_at == epoch
    assert conversation.closes_at == epoch + dt.timedelta(milliseconds=2500)
    assert sorted(Vote.objects.values_list("created_at", flat=True)) == [epoch, epoch + dt.timedelta(milliseconds=1500)]


def test_import_and_export_keep_what_moderation_means(provider, convener, tmp_path):
    export = PolisExport(
        statements=(
            PolisStatement(id=1, text="Accepted", moderated=1, timestamp=1000),
            # Not checked, and (strict moderation) never shown: only its author voted on it.
            PolisStatement(id=2, text="Waiting", moderated=0, timestamp=1000, author_id=3),
            PolisStatement(id=3, text="Out", moderated=-1, timestamp=1000),
            PolisStatement(id=4, text="About me", moderated=1, timestamp=1000, is_meta=True),
            # Not checked, but shown (no strict moderation): others voted on it, and Pol.is mapped it.
            PolisStatement(id=5, text="Shown unchecked", moderated=0, timestamp=1000, author_id=3),
        ),
        votes=(
            *(PolisVote(p, s, 1, timestamp=2000 + p) for p in (1, 2) for s in (1, 3, 4, 5)),
            PolisVote(3, 2, 1, timestamp=1500),
            PolisVote(3, 5, 1, timestamp=1500),
        ),
    )
    conversation = interchange.import_export(export=export, organisation=provider, by=convener)
    statuses = dict(Statement.objects.values_list("external_id", "status"))
    assert statuses == {
        "1": StatementStatus.ACCEPTED,
        "2": StatementStatus.PENDING,
        "3": StatementStatus.REJECTED,
        "4": StatementStatus.REJECTED,  # meta: out of the math, as in Pol.is
        "5": StatementStatus.ACCEPTED,
    }
    # Out, and back in: a pending statement comes back pending.
    folder = unzipped(interchange.export_zip(conversation=conversation, by=convener), tmp_path)
    again = read_export(folder)
    text_of = {s.text: s.moderated for s in again.statements}
    assert text_of == {"Accepted": 1, "Waiting": 0, "Out": -1, "About me": -1, "Shown unchecked": 1}
    second = interchange.import_export(export=again, organisation=provider, by=convener)
    assert sorted(Statement.objects.filter(conversation=second).values_list("text", "status")) == [
        ("About me", StatementStatus.REJECTED),
        ("Accepted", StatementStatus.ACCEPTED),
        ("Out", StatementStatus.REJECTED),
        ("Shown unchecked", StatementStatus.ACCEPTED),
        ("Waiting", StatementStatus.PENDING),
    ]


def test_import_writes_every_vote_of_a_large_export(provider, convener):
    rng = np.random.default_rng(0)
    participants, statements = 400, 30  # 12,000 votes: more than two batches
    votes = tuple(
        PolisVote(p, s, int(rng.integers(-1, 2)), timestamp=1_600_000_000_000 + p * 100 + s)
        for p in range(participants)
        for s in range(statements)
    )
    export = PolisExport(statements=tuple(PolisStatement(id=s, text=f"S{s}") for s in range(statements)), votes=votes)
    conversation = interchange.import_export(export=export, organisation=provider, by=convener)
    stored = Vote.objects.filter(statement__conversation=conversation).values_list(
        "participant__external_id", "statement__external_id", "value", "created_at", "updated_at"
    )
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert sorted((int(p), int(s), v, c, u) for p, s, v, c, u in stored) == [
        (
            v.participant_id,
            v.statement_id,
            v.vote,
            epoch + dt.timedelta(milliseconds=v.timestamp),
            epoch + dt.timedelta(milliseconds=v.timestamp),
        )
        for v in votes
    ]


def test_import_names_the_file_and_line_that_is_not_utf8(tmp_path):
    write_small_export(tmp_path)
    comments = tmp_path / "comments.csv"
    comments.write_bytes(comments.read_bytes() + "4,,4,,0,0,1,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValidationError) as raised:
        interchange.read_zip(zipped(tmp_path, prefix="export/"))
    assert raised.value.messages == [
        "comments.csv, line 5: not UTF-8 text (byte 0xe9 at byte 16 of the line); save the file as UTF-8"
    ]


def damage(data: bytes, member: str, how: str) -> bytes:
    """The zip with one member damaged: its compressed data, its checksum, or flags in the central
    directory saying it is encrypted or compressed by a method Python cannot read."""
    raw = bytearray(data)
    local = raw.find(b"PK\x03\x04")
    while raw[local + 30 : local + 30 + len(member)] != member.encode():
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while raw[central + 46 : central + 46 + len(member)] != member.encode():
        central = raw.find(b"PK\x01\x02", central + 4)
    start = local + 30 + len(member) + int.from_bytes(raw[local + 28 : local + 30], "little")
    if how == "data":
        raw[start + 2] ^= 0xFF
    elif how == "checksum":
        for at in (local + 14, central + 16):
            raw[at] ^= 0xFF
    elif how == "encrypted":
        raw[central + 8] |= 0x01
    elif how == "method":
        raw[central + 10 : central + 12] = (99).to_bytes(2, "little")  # AES, which zipfile cannot read
    return bytes(raw)


@pytest.mark.parametrize("how", ["data", "checksum", "encrypted", "method"])
def test_import_refuses_a_damaged_archive_naming_the_file(tmp_path, how):
    write_small_export(tmp_path)
    upload = io.BytesIO(damage(zipped(tmp_path, prefix="export/").read(), "export/votes.csv", how))
    with pytest.raises(ValidationError) as raised:
        interchange.read_zip(upload)
    assert raised.value.messages == ["export/votes.csv in the archive cannot be unpacked: it is damaged or encrypted."]


# --- exporting -----------------------------------------------------------------------------------


def test_export_streams_a_zip_that_imports_back_the_same(provider, convener, tmp_path):
    source = small_export()
    conversation = interchange.import_export(export=source, organisation=provider, by=convener)
    response = interchange.export_zip(conversation=conversation, by=convener)
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-polis.zip"'
    again = read_export(unzipped(response, tmp_path))
    participant = dict(Participant.objects.filter(conversation=conversation).values_list("pk", "external_id"))
    statement = dict(Statement.objects.filter(conversation=conversation).values_list("pk", "external_id"))
    assert [
        (int(participant[v.participant_id]), int(statement[v.statement_id]), v.vote, v.timestamp) for v in again.votes
    ] == [(v.participant_id, v.statement_id, v.vote, v.timestamp) for v in source.votes]
    assert [(int(statement[s.id]), s.text, s.timestamp) for s in again.statements] == [
        (s.id, s.text, s.timestamp) for s in source.statements
    ]
    assert again.summary["url"] == "https://example.org"  # the source url is kept
    assert again.topic == "Buses"


def test_export_writes_each_groups_stable_id(provider, convener, tmp_path):
    conversation = interchange.import_export(export=small_export(), organisation=provider, by=convener)
    voters = {
        int(e): pk for pk, e in Participant.objects.filter(conversation=conversation).values_list("pk", "external_id")
    }
    conversation.analysis = {
        "groups": [{"id": 3, "members": [voters[10], voters[12]]}, {"id": 7, "members": [voters[11]]}]
    }
    conversation.save(update_fields=["analysis"])
    folder = unzipped(interchange.export_zip(conversation=conversation, by=convener), tmp_path)
    groups = {row["participant"]: row["group-id"] for row in table(folder / "participants-votes.csv")}
    # Participant 13 only wrote a statement: not a voter, so not in the table.
    assert groups == {str(voters[10]): "3", str(voters[11]): "7", str(voters[12]): "3"}
    summary = dict(csv.reader((folder / "summary.csv").open(encoding="utf-8")))
    assert (summary["groups"], summary["voters-in-conv"]) == ("2", "3")


def test_write_export_of_a_large_conversation_reads_back(tmp_path):
    rng = np.random.default_rng(2)
    n = 200_000
    votes = PolisExport(
        statements=tuple(PolisStatement(id=s, text=f"S{s}") for s in range(50)),
        votes=tuple(
            PolisVote(int(p), int(s), int(v), 1_600_000_000_000 + i)
            for i, (p, s, v) in enumerate(
                zip(rng.integers(0, 10_000, n), rng.integers(0, 50, n), rng.integers(-1, 2, n), strict=True)
            )
        ),
    )
    write_export(tmp_path, votes)
    again = read_export(tmp_path)
    # The same pair voted twice: the later row wins, on reading as in the table written.
    assert len(again.votes) == len({(v.participant_id, v.statement_id) for v in votes.votes})
    rows = table(tmp_path / "participants-votes.csv")
    assert sum(int(row["n-votes"]) for row in rows) == len(again.votes)


# --- keeping the map -----------------------------------------------------------------------------


@pytest.fixture
def voted(conversation):
    """Two camps of 8 participants on the conversation's three statements, and more statements."""
    services.statements_seed(conversation=conversation, by=None, texts=["Four", "Five"])
    two_camps_vote(conversation, people=16)
    return conversation


def test_votes_of_reads_the_votes_into_arrays_and_leaves_unchecked_statements_out(voted):
    statements = list(voted.statements.order_by("pk"))
    Statement.objects.filter(pk=statements[0].pk).update(status=StatementStatus.REJECTED)
    Statement.objects.filter(pk=statements[1].pk).update(status=StatementStatus.PENDING)
    votes = mapping.votes_of(voted)
    assert len(votes.values) == 16 * 5
    assert votes.values.dtype == np.int8
    assert set(votes.excluded_statements) == {statements[0].pk, statements[1].pk}
    assert sorted(votes.statements.tolist()) == sorted(s.pk for s in statements)


def test_vote_columns_give_times_in_milliseconds(voted):
    participants, _statements, values, times = mapping.vote_columns(voted, times=True)
    stored = Vote.objects.filter(statement__conversation=voted).order_by("updated_at", "pk")
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert participants.tolist() == [v.participant_id for v in stored]
    assert values.tolist() == [v.value for v in stored]
    assert times.tolist() == [(v.updated_at - epoch) // dt.timedelta(milliseconds=1) for v in stored]


def test_map_update_on_the_same_votes_keeps_the_map(voted):
    first = mapping.map_update(conversation_id=voted.pk)
    assert first.analysis["enough_votes"]
    # As if another k had been best once: a recompute on the same votes must not count as an update.
    Conversation.objects.filter(pk=voted.pk).update(
        analysis={**first.analysis, "k_candidate": 3, "k_candidate_runs": 1}
    )
    again = mapping.map_update(conversation_id=voted.pk)
    assert again.analysis == {**first.analysis, "k_candidate": 3, "k_candidate_runs": 1}
    assert again.summary["fingerprint"] == first.summary["fingerprint"]
    assert again.analysed_at > first.analysed_at


def test_map_update_after_a_new_vote_works_it_out_again(voted):
    first = mapping.map_update(conversation_id=voted.pk)
    services.vote_cast(
        participant=services.participant_join(conversation=voted), statement=voted.statements.first(), value=1
    )
    again = mapping.map_update(conversation_id=voted.pk)
    assert again.analysis["votes_total"] == first.analysis["votes_total"] + 1
    assert again.summary["fingerprint"] != first.summary["fingerprint"]


def test_map_update_leaves_a_newer_map_alone(voted):
    # A run that read the votes later (its snapshot, in microseconds, is in the future) stored this.
    newer = {"enough_votes": False, "participants_total": 99, "votes_total": 999}
    later = 10**18
    Conversation.objects.filter(pk=voted.pk).update(analysis=newer, summary={"snapshot": later})
    stored = mapping.map_update(conversation_id=voted.pk)
    assert stored.analysis == newer
    assert stored.summary == {"snapshot": later}


def test_map_update_retries_a_failed_run_a_few_times(voted, django_capture_on_commit_callbacks):
    broken = {"enough_votes": True, "components": "not numbers", "statement_ids": [1], "participants_clustered": [1]}
    Conversation.objects.filter(pk=voted.pk).update(analysis=broken)
    with pytest.raises(Exception), django_capture_on_commit_callbacks(execute=True):  # noqa: B017, PT011 - whatever the analysis raises
        mapping.map_update(conversation_id=voted.pk)
    conversation = Conversation.objects.get(pk=voted.pk)
    # The first run and two retries queued by it (run at once by the test's task backend).
    assert conversation.summary["failed_runs"] == mapping.MAX_FAILED_RUNS
    assert conversation.analysis == broken
