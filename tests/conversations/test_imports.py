"""Importing a Pol.is export in the background: the upload is checked at once (a bad file is named
beside the field, in the reader's language, and nothing is kept), then a task writes it, all or
nothing, while the convener follows it on a status page; the upload is deleted afterwards."""

from __future__ import annotations

import array
import datetime as dt
import html
import io
import os
import struct
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from heard.conversations import tasks
from heard.conversations.enums import ImportStatus
from heard.conversations.models import Conversation, Participant, PolisImport, Statement, Vote
from heard.core.models import ActivityLog
from tests.conversations.test_manage import error_beside
from tests.conversations.test_polis_export import rewrite, write_small_export, zipped

pytestmark = pytest.mark.django_db

LIST_URL = reverse("conversations:manage")
IMPORT_URL = reverse("conversations:manage_import")
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "email"]}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue_only(settings) -> None:
    """Tasks are queued and not run, as when the worker has not got to them yet."""
    settings.TASKS = DUMMY_TASKS


def status_url(polis_import: PolisImport) -> str:
    return reverse("conversations:manage_import_status", kwargs={"import_id": polis_import.pk})


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def queued(client_for, convener, provider, tmp_path, queue_only) -> PolisImport:
    """A checked upload of the small export, waiting for the worker."""
    write_small_export(tmp_path)
    response = client_for(convener).post(IMPORT_URL, {"organisation": provider.pk, "export": zipped(tmp_path)})
    assert response.status_code == 303
    return PolisImport.objects.get()


def test_an_upload_goes_to_its_status_page_which_links_to_the_conversation_when_done(
    client_for, convener, provider, tmp_path, media, django_capture_on_commit_callbacks
) -> None:
    write_small_export(tmp_path)
    client = client_for(convener)
    # The test task backend runs the task as soon as the upload is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT_URL, {"organisation": provider.pk, "export": zipped(tmp_path)})
    polis_import = PolisImport.objects.get()
    assert response.status_code == 303
    assert response["Location"] == status_url(polis_import)
    conversation = Conversation.objects.get()
    assert (conversation.topic, conversation.organisation) == ("Buses", provider)
    assert conversation.statements.count() == 3
    assert conversation.participants.count() == 4  # three voters, and one more who only wrote
    assert Vote.objects.filter(statement__conversation=conversation).count() == 9
    assert (polis_import.status, polis_import.conversation, polis_import.by) == (
        ImportStatus.DONE,
        conversation,
        convener,
    )
    assert polis_import.finished_at is not None
    assert (polis_import.file.name, stored_files(media)) == ("", [])  # the upload is not kept
    page = client.get(response["Location"]).content.decode()
    assert "Imported" in page
    assert f'href="{reverse("conversations:manage_conversation", kwargs={"slug": conversation.slug})}"' in page
    assert "Check again" not in page
    assert set(ActivityLog.objects.values_list("action", "actor")) >= {
        ("conversation.import_queued", convener.pk),
        ("conversation.imported", convener.pk),
    }
    conversation.refresh_from_db()
    assert conversation.analysed_at is not None  # its map was queued, as for any import


def test_an_upload_waits_for_the_worker_and_can_be_checked_again(client_for, convener, queued, media) -> None:
    client = client_for(convener)
    page = client.get(status_url(queued)).content.decode()
    assert "Waiting to start" in page
    assert f'<a id="import-check-again" href="{status_url(queued)}">Check again</a>' in page
    assert f'hx-get="{status_url(queued)}?seen=queued" hx-trigger="every 3s"' in page
    assert not Conversation.objects.exists()
    assert len(stored_files(media)) == 1  # kept for the worker
    listed = client.get(LIST_URL).content.decode()
    assert f'<a href="{status_url(queued)}">' in listed
    assert "Waiting to start" in listed

    tasks.import_polis_export.call(import_id=queued.pk)

    queued.refresh_from_db()
    assert queued.status == ImportStatus.DONE
    assert Conversation.objects.get().topic == "Buses"
    page = client.get(status_url(queued)).content.decode()
    assert "Imported" in page
    assert "hx-trigger" not in page  # nothing more to wait for
    assert f'href="{status_url(queued)}"' not in client.get(LIST_URL).content.decode()  # done: not listed


def test_the_status_page_stops_asking_after_a_quarter_of_an_hour(client_for, convener, queued) -> None:
    PolisImport.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(minutes=16))
    page = client_for(convener).get(status_url(queued)).content.decode()
    assert "Waiting to start" in page
    assert "hx-trigger" not in page
    assert f'<a id="import-check-again" href="{status_url(queued)}">Check again</a>' in page


def test_the_status_poll_swaps_only_what_has_changed(client_for, convener, queued) -> None:
    client = client_for(convener)
    headers = {"HX-Request": "true"}
    unchanged = client.get(status_url(queued), {"seen": "queued"}, headers=headers)
    assert (unchanged.status_code, unchanged.content) == (204, b"")
    tasks.import_polis_export.call(import_id=queued.pk)
    changed = client.get(status_url(queued), {"seen": "queued"}, headers=headers)
    assert changed.status_code == 200
    assert "Imported" in changed.content.decode()


def test_the_task_run_twice_imports_once(queued) -> None:
    tasks.import_polis_export.call(import_id=queued.pk)
    tasks.import_polis_export.call(import_id=queued.pk)
    assert Conversation.objects.count() == 1
    queued.refresh_from_db()
    assert (queued.status, queued.conversation) == (ImportStatus.DONE, Conversation.objects.get())
    assert ActivityLog.objects.filter(action="conversation.imported").count() == 1
    assert not ActivityLog.objects.filter(action="conversation.import_failed").exists()


def test_an_import_ended_as_stopped_while_it_ran_keeps_nothing(queued, media) -> None:
    # polis_imports_tidy ends an import after an hour running; should its worker finish after all, the
    # convener has already been told to upload it again: no second conversation comes of it.
    from heard.conversations import imports

    PolisImport.objects.filter(pk=queued.pk).update(
        status=ImportStatus.FAILED, started_at=timezone.now(), error="Stopped"
    )
    imports._write(PolisImport.objects.select_related("organisation", "by").get(pk=queued.pk))
    queued.refresh_from_db()
    assert (queued.status, queued.error, queued.conversation) == (ImportStatus.FAILED, "Stopped", None)
    assert not Conversation.objects.exists()
    assert not Vote.objects.exists()


def test_a_reason_without_parameters_survives_a_percent_sign_in_its_translation() -> None:
    from heard.conversations.polis import PolisFormatError

    error = PolisFormatError("comments.csv", None, "missing file")
    assert error.message(lambda template: "100% missing") == "100% missing"
    assert str(error) == "comments.csv: missing file"


def test_an_upload_is_readable_by_its_owner_and_group_only(queued, media) -> None:
    (path,) = stored_files(media)
    assert path.stat().st_mode & 0o777 == 0o640
    assert path.parent.stat().st_mode & 0o777 == 0o750


def test_a_bad_upload_is_named_beside_the_file_and_nothing_is_kept(
    client_for, convener, provider, tmp_path, media, queue_only
) -> None:
    write_small_export(tmp_path)
    rewrite(tmp_path / "votes.csv", lambda rows: [*rows, ["", "", "9", "10", "1"]])
    response = client_for(convener).post(IMPORT_URL, {"organisation": provider.pk, "export": zipped(tmp_path)})
    assert response.status_code == 400
    assert (
        error_beside(response.content.decode(), "id_import_export")
        == "Error: votes.csv, line 11: unknown statement: comment-id 9 is not in comments.csv"
    )
    assert not PolisImport.objects.exists()
    assert stored_files(media) == []


def test_an_upload_damaged_in_storage_fails_and_says_why(client_for, convener, queued, media) -> None:
    (path,) = stored_files(media)
    path.write_bytes(b"not a zip any more")
    tasks.import_polis_export.call(import_id=queued.pk)
    queued.refresh_from_db()
    assert (queued.status, queued.error) == (ImportStatus.FAILED, "The file is not a .zip archive.")
    assert not Conversation.objects.exists()
    assert stored_files(media) == []
    page = client_for(convener).get(status_url(queued)).content.decode()
    assert "Not imported" in page
    assert "The file is not a .zip archive." in page
    assert ActivityLog.objects.filter(action="conversation.import_failed", actor=convener).count() == 1
    listed = client_for(convener).get(LIST_URL).content.decode()
    assert f'<a href="{status_url(queued)}">' in listed  # failed imports stay listed for a while
    assert "Not imported" in listed


def test_an_upload_gone_from_storage_fails_and_says_so(client_for, convener, queued, media) -> None:
    (path,) = stored_files(media)
    path.unlink()
    tasks.import_polis_export.call(import_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.FAILED
    assert queued.error == "The uploaded file could not be read again. Upload the export again."
    assert not Conversation.objects.exists()


def _refuse_votes() -> None:
    """Make the database refuse any vote, as a failure part-way through writing the import."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_vote() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_votes BEFORE INSERT ON conversations_vote "
                "FOR EACH ROW EXECUTE FUNCTION refuse_vote()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_votes BEFORE INSERT ON conversations_vote "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


def test_a_failure_while_writing_keeps_nothing_of_the_conversation(client_for, convener, queued, media) -> None:
    _refuse_votes()
    # Raised again, for the task's record and the logs (psycopg's own error on PostgreSQL, whose COPY
    # goes through its cursor; Django's on SQLite).
    with pytest.raises(Exception, match="refused"):
        tasks.import_polis_export.call(import_id=queued.pk)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.FAILED
    assert queued.error.startswith("Something went wrong on our side while importing the export.")
    # The conversation, its statements and participants were written before the votes: all gone.
    assert not Conversation.objects.exists()
    assert not Statement.objects.exists()
    assert not Participant.objects.exists()
    assert not ActivityLog.objects.filter(action="conversation.imported").exists()
    assert stored_files(media) == []


def test_the_status_page_is_for_the_conveners_of_its_organisation(
    client_for, queued, other_convener, site_admin, resident, responder
) -> None:
    elsewhere = other_convener
    assert client_for(elsewhere).get(status_url(queued)).status_code == 403
    assert client_for(responder).get(status_url(queued)).status_code == 403  # of the same organisation
    assert client_for(resident).get(status_url(queued)).status_code == 403
    assert client_for(site_admin).get(status_url(queued)).status_code == 200
    missing = reverse("conversations:manage_import_status", kwargs={"import_id": queued.pk + 1})
    assert client_for(site_admin).get(missing).status_code == 404
    # Nor does the list show another organisation's imports.
    assert f'href="{status_url(queued)}"' not in client_for(elsewhere).get(LIST_URL).content.decode()


@pytest.mark.parametrize("done", [False, True])
def test_the_status_page_takes_a_fixed_number_of_queries(
    client_for, convener, queued, done, django_assert_num_queries
) -> None:
    if done:
        tasks.import_polis_export.call(import_id=queued.pk)
    client = client_for(convener)
    client.get(status_url(queued))
    # Session, user, the import with its organisation and conversation, and the convener's roles.
    with django_assert_num_queries(4):
        assert client.get(status_url(queued)).status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_the_list_of_imports_takes_a_fixed_number_of_queries(
    client_for, convener, provider, count, django_assert_num_queries
) -> None:
    for status in [ImportStatus.FAILED, ImportStatus.RUNNING, ImportStatus.QUEUED][:count]:
        PolisImport.objects.create(organisation=provider, by=convener, status=status, error="Why")
    client = client_for(convener)
    client.get(LIST_URL)
    # As in test_manage.py, less the rows of conversations (there are none): the imports are one
    # query, whatever their number.
    with django_assert_num_queries(10):
        html = client.get(LIST_URL).content.decode()
    assert html.count('href="/manage/conversations/imports/') == count


# --- in the reader's language ----------------------------------------------------------------------


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """A compiled gettext catalogue (what msgfmt makes) of these translations."""
    messages = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(messages)
    ids = strs = b""
    entries = []
    for key in keys:
        key_bytes, value_bytes = key.encode(), messages[key].encode()
        entries.append((len(ids), len(key_bytes), len(strs), len(value_bytes)))
        ids += key_bytes + b"\0"
        strs += value_bytes + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    offsets = [n for _i, length, _s, _l in entries for n in (length, _i + key_start)]
    offsets += [n for _i, _k, start, length in entries for n in (length, start + value_start)]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + array.array("i", offsets).tobytes() + ids + strs)


def test_what_is_wrong_with_an_upload_is_said_in_the_readers_language(
    client_for, convener, provider, tmp_path, settings, queue_only
) -> None:
    # A Welsh catalogue of the frame and of one reason (the project has no second language yet).
    locale = tmp_path / "locale"
    write_mo(
        locale / "cy" / "LC_MESSAGES" / "django.mo",
        {
            "%(file)s, line %(line)s: %(reason)s": "%(file)s, llinell %(line)s: %(reason)s",
            "%(column)s %(value)s is not -1, 0 or 1": "nid yw %(column)s %(value)s yn -1, 0 nac 1",
            "The uploaded file could not be read again. Upload the export again.": (
                "Ni ellid darllen y ffeil eto. Uwchlwythwch yr allforyn eto."
            ),
        },
    )
    settings.LOCALE_PATHS = [locale]
    settings.LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
    export = tmp_path / "export"
    write_small_export(export)
    rewrite(export / "comments.csv", lambda rows: [rows[0], [*rows[1][:6], "7", *rows[1][7:]], *rows[2:]])
    client = client_for(convener)
    welsh = client.post(
        IMPORT_URL, {"organisation": provider.pk, "export": zipped(export)}, headers={"accept-language": "cy"}
    )
    assert html.unescape(error_beside(welsh.content.decode(), "id_import_export")) == (
        "Error: comments.csv, llinell 2: nid yw moderated '7' yn -1, 0 nac 1"
    )
    english = client.post(IMPORT_URL, {"organisation": provider.pk, "export": zipped(export)})
    assert html.unescape(error_beside(english.content.decode(), "id_import_export")) == (
        "Error: comments.csv, line 2: moderated '7' is not -1, 0 or 1"
    )
    # A later failure in the worker is told in the language of the one who uploaded it.
    write_small_export(export)
    client.post(IMPORT_URL, {"organisation": provider.pk, "export": zipped(export)}, headers={"accept-language": "cy"})
    polis_import = PolisImport.objects.get()
    assert polis_import.language == "cy"
    polis_import.file.delete(save=False)  # gone before the worker gets to it
    tasks.import_polis_export.call(import_id=polis_import.pk)
    polis_import.refresh_from_db()
    assert (polis_import.status, polis_import.error) == (
        ImportStatus.FAILED,
        "Ni ellid darllen y ffeil eto. Uwchlwythwch yr allforyn eto.",
    )


def test_tidying_queues_again_an_import_its_worker_missed(queued, media, settings) -> None:
    PolisImport.objects.filter(pk=queued.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=20))
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "email"]}
    }
    out = io.StringIO()
    call_command("polis_imports_tidy", stdout=out)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.DONE
    assert Conversation.objects.filter(topic="Buses").exists()
    assert stored_files(media) == []
    assert "Requeued 1 Pol.is imports; ended 0 that had stopped;" in out.getvalue()


def test_tidying_leaves_a_recent_import_alone(queued, media) -> None:
    PolisImport.objects.filter(pk=queued.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    out = io.StringIO()
    call_command("polis_imports_tidy", stdout=out)
    queued.refresh_from_db()
    assert queued.status == ImportStatus.RUNNING
    assert len(stored_files(media)) == 1
    assert "Requeued 0 Pol.is imports; ended 0 that had stopped;" in out.getvalue()


def test_tidying_ends_an_import_whose_worker_stopped_and_deletes_its_upload(
    client_for, convener, queued, media
) -> None:
    PolisImport.objects.filter(pk=queued.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=2)
    )
    call_command("polis_imports_tidy", stdout=io.StringIO())
    queued.refresh_from_db()
    assert (queued.status, queued.file.name) == (ImportStatus.FAILED, "")
    assert queued.error == "The import stopped before it finished. Upload the export again."
    assert stored_files(media) == []
    assert not Conversation.objects.exists()
    assert ActivityLog.objects.filter(action="conversation.import_failed", actor=None).count() == 1
    page = client_for(convener).get(status_url(queued)).content.decode()
    assert "Not imported" in page
    assert "The import stopped before it finished." in page
    # A second run finds nothing more to do.
    out = io.StringIO()
    call_command("polis_imports_tidy", stdout=out)
    assert "ended 0 that had stopped;" in out.getvalue()


def test_tidying_queues_a_missed_import_again_once_a_quarter_of_an_hour(queued) -> None:
    # The queue-only backend keeps it waiting: the second run, straight after, leaves it be.
    PolisImport.objects.filter(pk=queued.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=20))
    first, second = io.StringIO(), io.StringIO()
    call_command("polis_imports_tidy", stdout=first)
    call_command("polis_imports_tidy", stdout=second)
    assert "Requeued 1 Pol.is imports;" in first.getvalue()
    assert "Requeued 0 Pol.is imports;" in second.getvalue()
    queued.refresh_from_db()
    assert queued.status == ImportStatus.QUEUED


def test_tidying_deletes_uploads_left_behind(queued, media) -> None:
    # A worker killed just after its commit leaves a finished import with its upload still stored.
    PolisImport.objects.filter(pk=queued.pk).update(status=ImportStatus.DONE, finished_at=timezone.now())
    # A file no import refers to (its organisation deleted with its imports), a day old, and a new one
    # (an upload being saved has no row yet).
    folder = media / "conversations" / "imports"
    orphan = folder / ("a" * 32 + ".zip")
    fresh = folder / ("b" * 32 + ".zip")
    orphan.write_bytes(b"old")
    fresh.write_bytes(b"new")
    a_day_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(orphan, (a_day_ago, a_day_ago))
    out = io.StringIO()
    call_command("polis_imports_tidy", stdout=out)
    assert stored_files(media) == [fresh]
    queued.refresh_from_db()
    assert queued.file.name == ""
    assert "deleted 1 uploads of finished imports, 1 uploads no import refers to" in out.getvalue()


def test_tidying_forgets_imports_finished_a_month_ago(convener, provider) -> None:
    old = PolisImport.objects.create(
        organisation=provider,
        by=convener,
        status=ImportStatus.FAILED,
        error="Why",
        finished_at=timezone.now() - dt.timedelta(days=31),
    )
    recent = PolisImport.objects.create(
        organisation=provider, by=convener, status=ImportStatus.DONE, finished_at=timezone.now() - dt.timedelta(days=29)
    )
    out = io.StringIO()
    call_command("polis_imports_tidy", stdout=out)
    assert list(PolisImport.objects.all()) == [recent]
    assert not PolisImport.objects.filter(pk=old.pk).exists()
    assert "and 1 records of old imports." in out.getvalue()
