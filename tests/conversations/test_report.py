"""The report of a conversation: the page, its HTML and PDF downloads and the statements' CSV, read
from a bounded digest of the map, never from the whole stored analysis; who may see them before the
conversation opens."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heard.conversations import report, services, tasks
from heard.conversations.enums import StatementStatus
from heard.conversations.models import Conversation, Statement
from heard.organisations.enums import Role
from tests.factories import ConversationFactory, MembershipFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db

REPORT_VIEWS = ["report", "report_download", "report_pdf", "statements_csv"]
ANALYSIS_COLUMN = re.compile(r'\."analysis"(?!_)')  # the column itself, not analysis_queued_at


def url(name: str, conversation: Conversation) -> str:
    return reverse(f"conversations:{name}", kwargs={"slug": conversation.slug})


def mapped(conversation: Conversation, *, people: int = 12) -> Conversation:
    """`people` participants in two camps vote on every shown statement; the map is worked out as
    the background task does it."""
    statements = list(
        Statement.objects.filter(conversation=conversation, status=StatementStatus.ACCEPTED).order_by("pk")
    )
    for n in range(people):
        participant = services.participant_join(conversation=conversation)
        for position, statement in enumerate(statements):
            value = 1 if (n % 2 == 0) == (position % 2 == 0) else -1
            services.vote_cast(participant=participant, statement=statement, value=value)
    tasks.analyse_conversation.enqueue(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    return conversation


def report_conversation(**fields: Any) -> Conversation:
    """A conversation about parks with three statements shown and no votes."""
    conversation = ConversationFactory(topic="Parks", **fields)
    for text in ("More benches.", "Longer opening hours.", "Dogs on leads."):
        Statement.objects.create(conversation=conversation, text=text, status=StatementStatus.ACCEPTED)
    return conversation


def planted(sizes: list[int]) -> dict[str, Any]:
    """An analysis as the numerical core stores it, with groups of the given sizes apart on the map."""
    groups, clustered, coordinates = [], [], []
    for number, size in enumerate(sizes):
        members = list(range(len(clustered) + 1, len(clustered) + size + 1))
        clustered += members
        # Each participant in a place of their own (two in one place would be drawn as one mark).
        coordinates += [[number * 10 + (i % 50) * 0.08, number * -4 + (i // 50) * 0.08] for i in range(size)]
        groups.append(
            {"id": number, "members": members, "size": size, "centroid": [number * 10.3, number * -3.5], "repness": []}
        )
    return {
        "enough_votes": True,
        "participants_total": sum(sizes),
        "votes_total": sum(sizes) * 3,
        "participants_clustered": clustered,
        "coordinates": coordinates,
        "groups": groups,
        "consensus": [],
        "divisive": [],
    }


def stored_without_digest(conversation: Conversation, analysis: dict[str, Any]) -> Conversation:
    """A map stored as before digests were kept: the analysis and the summary's figures only."""
    people = analysis["participants_total"]
    Conversation.objects.filter(pk=conversation.pk).update(
        analysis=analysis,
        analysed_at=timezone.now(),
        summary={"participants": people, "votes": people * 3, "statements": 3, "statement_order": []},
    )
    conversation.refresh_from_db()
    return conversation


def _stream(content: bytes) -> bytes:
    """A PDF object's stream, decoded (ASCII85 and Flate, as reportlab writes them)."""
    found = re.search(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", content, re.DOTALL)
    if found is None:
        return b""
    head, data = found.groups()
    if b"/ASCII85Decode" in head:
        data = base64.a85decode(data.strip().removesuffix(b"~>"))
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    return data


def pdf_fonts_shown(body: bytes) -> list[tuple[str, str]]:
    """Each string a PDF shows, with the font it is shown in and as a reader copying it gets it:
    through its font's ToUnicode map (reportlab numbers the letters of an embedded TrueType subset in
    the order they are first used), as Windows-1252 in a standard font. A text object opens with
    ("", "BT") and each wrapped line with ("", "T*")."""
    objects = dict(re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", body, re.DOTALL))
    fonts: dict[bytes, tuple[str, dict[int, str] | None]] = {}
    for content in objects.values():
        name = re.search(rb"/Name /(\S+)", content)
        base = re.search(rb"/BaseFont /(\S+)", content)
        if b"/Type /Font" not in content or not name or not base:
            continue
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", content)
        letters = None
        if to_unicode:
            cmap = _stream(objects[to_unicode.group(1)])
            letters = {int(code, 16): chr(int(char, 16)) for code, char in re.findall(rb"<(\w\w)> <(\w+)>", cmap)}
        fonts[name.group(1)] = (base.group(1).decode(), letters)
    shown = []
    for page in re.findall(rb"/Contents (\d+) 0 R", body):
        font = ("", None)
        for token in re.finditer(
            rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|\bT\*|\bBT\b", _stream(objects[page]), re.DOTALL
        ):
            if token.group(1):
                font = fonts[token.group(1)]
            elif token.group(0) in (b"BT", b"T*"):
                shown.append(("", token.group(0).decode()))
            else:
                raw = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, token.group(2))
                name, letters = font
                text = "".join(letters[code] for code in raw) if letters else raw.decode("cp1252")
                shown.append((name, text))
    return shown


def pdf_text(body: bytes) -> str:
    """The text a PDF shows, a line per text object (a paragraph, a table cell, a letter on the
    map; a paragraph's wrapped lines joined by a space), as a reader copying it gets it."""
    lines: list[list[str]] = []
    for font, text in pdf_fonts_shown(body):
        if not font and text == "BT":
            lines.append([""])
        elif not font:
            lines[-1].append("")
        else:
            lines[-1][-1] += text
    return "\n".join(" ".join(part for part in line if part) for line in lines)


def _unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if escaped[:1].isdigit():
        return bytes([int(escaped, 8)])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(escaped, escaped)


# --- the PDF ----------------------------------------------------------------------------------------


def test_report_pdf_holds_the_report(client, conversation) -> None:
    mapped(conversation)
    response = client.get(url("report_pdf", conversation))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-report.pdf"'
    body = response.content
    assert body.startswith(b"%PDF-")
    assert b"/Title (Where people stand: Bins)" in body
    assert b"/Lang (en-GB)" in body
    text = pdf_text(body)
    assert "Where people stand: Bins" in text
    assert "Millbrook Borough Council · map as of" in text
    assert "36 votes cast on 3 statements by 12 people." in text
    assert "The map of opinions" in text
    assert "Group A (6 people)" in text
    assert "“Bins should be collected weekly.”" in text
    assert "Not enough votes yet" not in text


def test_report_pdf_says_when_there_are_not_enough_votes(client, conversation) -> None:
    text = pdf_text(client.get(url("report_pdf", conversation)).content)
    assert "Not enough votes yet" in text.splitlines()
    assert "0 votes cast on 3 statements by 0 people." in text


def test_report_pdf_keeps_markup_as_text_and_shows_letters_its_fonts_lack(client, conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(topic="Gŵyl & <parks> 公园")
    text = pdf_text(client.get(url("report_pdf", conversation)).content)
    assert "Where people stand: Gŵyl & <parks> ??" in text  # no Chinese in its fonts: not an empty box


def test_report_pdf_keeps_every_letter_of_latin_greek_and_cyrillic(client, conversation) -> None:
    written = "Zażółć gęślą jaźń – Ελληνικά – Кириллица"
    Statement.objects.filter(conversation=conversation, text="Recycling is confusing.").update(text=written)
    mapped(conversation)
    body = client.get(url("report_pdf", conversation)).content
    assert f"“{written}”" in pdf_text(body)
    # Every letter is drawn from DejaVu Sans, embedded (as the subset used), not from a standard font.
    assert {font.split("+")[-1] for font, text in pdf_fonts_shown(body) if font and text.strip()} <= {
        "DejaVuSans",
        "DejaVuSans-Bold",
    }
    assert re.search(rb"/FontFile2 \d+ 0 R\s*/FontName /[A-Z]{6}\+DejaVuSans ", body)
    assert b"/Title (Where people stand: Bins)" in body
    assert b"/Lang (en-GB)" in body


def test_report_counts_are_grouped_by_thousands(client) -> None:
    conversation = stored_without_digest(report_conversation(), planted([2400, 1200, 300, 95, 5]))
    summary = {**conversation.summary, "votes_by_day": [["2025-03-01", 1250]]}
    Conversation.objects.filter(pk=conversation.pk).update(summary=summary)
    page = client.get(url("report", conversation)).content.decode()
    pdf = pdf_text(client.get(url("report_pdf", conversation)).content)
    for report_text in (page, pdf):
        assert "12,000 votes cast on 3 statements by 4,000 people." in report_text
        assert "4,000 people fall into 5 groups." in report_text
        assert "Group A (2,400 people)" in report_text
    assert "<td>2,400</td>" in page  # the groups' table
    assert "<td>1,250</td>" in page  # votes per day
    assert {"2,400", "60%", "1,250"} <= set(pdf.splitlines())  # the PDF's table cells


def test_report_pdf_of_an_unknown_conversation_is_404(client, conversation) -> None:
    response = client.get(reverse("conversations:report_pdf", kwargs={"slug": "no-such-conversation"}))
    assert response.status_code == 404


@pytest.mark.parametrize("people", [10, 16])
def test_report_pdf_runs_a_fixed_number_of_queries(client, conversation, django_assert_num_queries, people) -> None:
    mapped(conversation, people=people)
    # The conversation, the statements shown (for the cache key), the statements it quotes.
    with django_assert_num_queries(3):
        response = client.get(url("report_pdf", conversation))
    assert pdf_text(response.content).count("Group ") >= 2


def test_report_pdf_is_made_once_per_map(client, conversation, django_assert_num_queries) -> None:
    mapped(conversation)
    first = client.get(url("report_pdf", conversation)).content
    with django_assert_num_queries(2):  # the conversation and its shown statements: the PDF is cached
        again = client.get(url("report_pdf", conversation)).content
    assert again == first
    mapped(conversation, people=2)  # two more people, a new map: a new PDF
    text = pdf_text(client.get(url("report_pdf", conversation)).content)
    assert "42 votes cast on 3 statements by 14 people." in text


def test_report_pdf_draws_five_groups_with_five_shapes(client) -> None:
    conversation = stored_without_digest(report_conversation(), planted([30, 25, 20, 15, 10]))
    context = report.report_context(conversation)
    assert [g["shape"] for g in context["groups"]] == ["circle", "square", "triangle", "diamond", "cross"]
    text = pdf_text(client.get(url("report_pdf", conversation)).content)
    assert "crosses for group E" in text
    assert "E" in text.splitlines()  # the letter on the map


# --- reading a bounded digest, not the analysis -----------------------------------------------------


def test_the_map_task_keeps_a_digest_beside_the_summary(conversation) -> None:
    mapped(conversation)
    summary = conversation.summary
    assert {"participants", "votes", "statements", "votes_by_day", "statement_order"} <= set(summary)
    digest = summary[report.REPORT_KEY]
    assert digest["format"] == report.DIGEST_FORMAT
    assert digest["enough"] is True
    assert sum(group["size"] for group in digest["groups"]) == 12
    assert len(digest["points"].split()) == 12


@pytest.mark.parametrize("people", [10, 16])
def test_report_page_never_loads_the_analysis(client, conversation, people) -> None:
    mapped(conversation, people=people)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url("report", conversation)).content.decode()
    assert len(queries) == 2  # the conversation, the statements it quotes
    assert not any(ANALYSIS_COLUMN.search(query["sql"]) for query in queries)
    assert "The map of opinions" in page
    assert f"{people} people fall into 2 groups." in page


def test_report_of_a_map_stored_before_digests_is_made_once(client) -> None:
    conversation = stored_without_digest(report_conversation(), planted([8, 6]))
    page = client.get(url("report", conversation)).content.decode()
    assert "14 people fall into 2 groups." in page
    conversation.refresh_from_db()
    assert conversation.summary[report.REPORT_KEY]["format"] == report.DIGEST_FORMAT
    assert conversation.summary["statement_order"] == []  # the other figures are kept
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url("report", conversation)).content.decode()
    assert not any(ANALYSIS_COLUMN.search(query["sql"]) for query in queries)
    assert again.count("map-point--1") == 6


def test_report_map_draws_at_most_the_cap_keeping_each_groups_share(client) -> None:
    sizes = [2400, 1200, 300, 95, 5]
    conversation = stored_without_digest(report_conversation(), planted(sizes))
    page = client.get(url("report", conversation)).content.decode()
    drawn = [page.count(f'class="map-point map-point--{number}"') for number in range(5)]
    assert sum(drawn) == report.MAP_POINTS
    assert drawn[0] == pytest.approx(report.MAP_POINTS * 2400 / 4000, abs=2)
    assert drawn[2] == pytest.approx(report.MAP_POINTS * 300 / 4000, abs=2)
    assert drawn[4] >= 1  # a tiny group is still on the map
    assert "4,000 people fall into 5 groups." in page
    assert "<td>2,400</td>" in page  # every participant counts in the group sizes


def test_report_map_gives_five_groups_five_shapes_and_names_them_all(client) -> None:
    conversation = stored_without_digest(report_conversation(), planted([5, 5, 5, 5, 5]))
    page = client.get(url("report", conversation)).content.decode()
    assert page.count('<circle cx="') == 5
    assert page.count('h4.5v4.5h-4.5z" class="map-point map-point--1"') == 5
    assert page.count('l3 5h-6z" class="map-point map-point--2"') == 5
    assert page.count('l3 3-3 3-3-3z" class="map-point map-point--3"') == 5
    assert page.count('h2v2h2v2h-2v2h-2v-2h-2v-2h2z" class="map-point map-point--4"') == 5
    assert (
        "Each mark is a participant: circles for group A, squares for group B, triangles for group C, "
        "diamonds for group D, crosses for group E. A larger mark is several participants in the same place. "
        "Each group&#x27;s letter stands just beside its centre."
    ) in page
    assert '<text x="' in page
    assert ">E</text>" in page


def test_report_html_download_is_the_same_report(client, conversation) -> None:
    mapped(conversation)
    response = client.get(url("report_download", conversation))
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-report.html"'
    page = response.content.decode()
    assert "36 votes cast on 3 statements by 12 people." in page
    assert "Group A (6 people)" in page


def test_report_page_and_pdf_say_the_same_of_each_group(client, conversation) -> None:
    mapped(conversation)
    page = client.get(url("report", conversation)).content.decode()
    pdf = pdf_text(client.get(url("report_pdf", conversation)).content)
    # The sentences are made once, in the report's context, for both.
    said = re.compile(r"\d+% (?:agreed|disagreed): “[^”]+”")
    assert "88% agreed: “Bins should be collected weekly.”" in said.findall(page)
    assert said.findall(page) == said.findall(pdf)
    titles = re.compile(r"Group [A-E] \(\d+ people\)")
    assert titles.findall(page) == ["Group A (6 people)", "Group B (6 people)"]
    assert titles.findall(page) == titles.findall(pdf)


def test_report_page_links_every_download(client, conversation) -> None:
    page = client.get(url("report", conversation)).content.decode()
    for name in ("report_download", "report_pdf", "statements_csv"):
        assert f'href="{url(name, conversation)}"' in page
    assert "This report as a document to keep or print (PDF)" in page


# --- plurals ------------------------------------------------------------------------------------------


def test_report_counts_read_well_for_one(client, conversation) -> None:
    participant = services.participant_join(conversation=conversation)
    services.vote_cast(participant=participant, statement=conversation.statements.first(), value=1)
    tasks.analyse_conversation.enqueue(conversation_id=conversation.pk)
    page = client.get(url("report", conversation)).content.decode()
    assert "1 vote cast on 3 statements by 1 person." in page


def test_report_group_of_one_reads_well(client) -> None:
    conversation = stored_without_digest(report_conversation(), planted([12, 1]))
    page = client.get(url("report", conversation)).content.decode()
    assert "Group B (1 person)" in page
    assert "Group A (12 people)" in page


# --- the statements' CSV ------------------------------------------------------------------------------


def csv_rows(response: Any) -> list[str]:
    return response.content.decode("utf-8-sig").splitlines()


def test_statements_csv_counts_every_vote(client, conversation) -> None:
    first, second, _third = conversation.statements.order_by("pk")
    for value in (1, 1, -1, 0):
        participant = services.participant_join(conversation=conversation)
        services.vote_cast(participant=participant, statement=first, value=value)
    response = client.get(url("statements_csv", conversation))
    assert response["Content-Disposition"] == f'attachment; filename="{conversation.slug}-statements.csv"'
    rows = csv_rows(response)
    assert rows[0] == "statement-id,statement,agrees,disagrees,passes,added"
    assert rows[1].startswith(f"{first.pk},Bins should be collected weekly.,2,1,1,")
    assert rows[2].startswith(f"{second.pk},Recycling is confusing.,0,0,0,")


def test_statements_csv_is_counted_once_until_something_changes(
    client, conversation, django_assert_num_queries, django_capture_on_commit_callbacks
) -> None:
    statement = conversation.statements.order_by("pk").first()
    first = client.get(url("statements_csv", conversation)).content
    with django_assert_num_queries(2):  # the conversation, what the file depends on; no vote counted
        assert client.get(url("statements_csv", conversation)).content == first
    # A vote queues a new map, and the map is made: the file counts it.
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(
            participant=services.participant_join(conversation=conversation), statement=statement, value=1
        )
    assert csv_rows(client.get(url("statements_csv", conversation)))[1].startswith(f"{statement.pk},Bins should")
    assert ",1,0,0," in csv_rows(client.get(url("statements_csv", conversation)))[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(
            participant=services.participant_join(conversation=conversation), statement=statement, value=-1
        )
    assert ",1,1,0," in csv_rows(client.get(url("statements_csv", conversation)))[1]


def test_statements_csv_follows_statements_added_and_taken_out(client, conversation, convener) -> None:
    client.get(url("statements_csv", conversation))
    services.statements_seed(conversation=conversation, by=convener, texts=["Collect glass too."])
    assert "Collect glass too." in client.get(url("statements_csv", conversation)).content.decode()
    removed = conversation.statements.get(text="Recycling is confusing.")
    services.statement_moderate(statement=removed, by=convener, accept=False)
    assert "Recycling is confusing." not in client.get(url("statements_csv", conversation)).content.decode()


# --- before a conversation opens ---------------------------------------------------------------------


@pytest.fixture
def not_yet_open(conversation) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(
        opens_at=timezone.now() + dt.timedelta(days=2), closes_at=timezone.now() + dt.timedelta(days=9)
    )
    conversation.refresh_from_db()
    return conversation


def shows_the_report(name: str, response: Any) -> bool:
    """Whether the response is what the view gives: the page, a file to keep, a PDF, a CSV."""
    if name == "report":
        return "Where people stand: Bins" in response.content.decode()
    if name == "report_download":
        return (
            "Where people stand: Bins" in response.content.decode() and "attachment" in response["Content-Disposition"]
        )
    if name == "report_pdf":
        return response.content.startswith(b"%PDF-")
    return csv_rows(response)[0].startswith("statement-id,statement,")


@pytest.mark.parametrize("name", REPORT_VIEWS)
@pytest.mark.parametrize(
    ("persona", "allowed"), [(None, False), ("resident", False), ("convener", True), ("site_admin", True)]
)
def test_report_of_a_conversation_not_yet_open_is_its_conveners_alone(
    request, client_for, not_yet_open, name, persona, allowed
) -> None:
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(url(name, not_yet_open))
    assert response.status_code == (200 if allowed else 404)
    assert shows_the_report(name, response) is allowed


def test_report_of_a_conversation_not_yet_open_is_hidden_from_another_organisations_convener(
    client_for, not_yet_open, other_provider
) -> None:
    outsider = UserFactory(email="outsider@example.org")
    MembershipFactory(user=outsider, organisation=other_provider, role=Role.CONVENER)
    add_totp(outsider)
    assert client_for(outsider).get(url("report", not_yet_open)).status_code == 404


@pytest.mark.parametrize("name", REPORT_VIEWS)
def test_report_of_an_open_conversation_is_public(client, conversation, name) -> None:
    response = client.get(url(name, conversation))
    assert response.status_code == 200
    assert shows_the_report(name, response)


def test_the_map_centres_the_shorter_axis() -> None:
    """Two camps side by side and nobody above or below: the points sit across the middle of the
    square map, not along its top edge."""
    from heard.conversations.report import MAP_SIZE, report_digest_of

    analysis = {
        "enough_votes": True,
        "participants_clustered": [1, 2, 3, 4],
        "coordinates": [[-2.0, 0.1], [-1.8, 0.1], [1.9, 0.1], [2.0, 0.1]],
        "groups": [
            {"id": 0, "members": [1, 2], "size": 2, "centroid": [-1.9, 0.1], "repness": []},
            {"id": 1, "members": [3, 4], "size": 2, "centroid": [1.95, 0.1], "repness": []},
        ],
    }
    digest = report_digest_of(analysis)
    ys = {float(point.split(",")[1]) for point in digest["points"].split()}
    assert ys == {MAP_SIZE / 2}


def test_a_statement_taken_out_leaves_the_pdf_at_once(client, conversation, convener) -> None:
    mapped(conversation)
    quoted = "Recycling is confusing."
    assert quoted in pdf_text(client.get(url("report_pdf", conversation)).content)
    statement = Statement.objects.get(conversation=conversation, text=quoted)
    services.statement_moderate(statement=statement, by=convener, accept=False)
    assert quoted not in pdf_text(client.get(url("report_pdf", conversation)).content)


def test_counts_before_any_map_ignore_a_failed_runs_bookkeeping(conversation) -> None:
    from heard.conversations import selectors

    participant = services.participant_join(conversation=conversation)
    services.vote_cast(participant=participant, statement=conversation.statements.first(), value=1)
    Conversation.objects.filter(pk=conversation.pk).update(summary={"failed_runs": 1})
    conversation.refresh_from_db()
    assert selectors.conversation_counts(conversation) == {"participants": 1, "votes": 1, "statements": 3}


def _stored(analysis: dict[str, Any]) -> Conversation:
    from heard.conversations.report import report_digest_of

    conversation = report_conversation()
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        analysed_at=now, summary={"report": report_digest_of(analysis)}
    )
    conversation.refresh_from_db()
    return conversation


def test_participants_in_the_same_place_are_one_larger_mark_and_the_letter_stands_clear(client) -> None:
    """Four who voted alike sit in one place: one mark twice as wide (four times the area), not four
    marks under the group's letter. The letter stands above the centre, clear of the largest mark."""
    analysis = {
        "enough_votes": True,
        "participants_clustered": [1, 2, 3, 4, 5, 6],
        "coordinates": [[-1.0, 0.0]] * 4 + [[1.0, 0.0], [1.0, 0.5]],
        "groups": [
            {"id": 0, "members": [1, 2, 3, 4], "size": 4, "centroid": [-1.0, 0.0], "repness": []},
            {"id": 1, "members": [5, 6], "size": 2, "centroid": [1.0, 0.25], "repness": []},
        ],
    }
    conversation = _stored(analysis)
    page = client.get(url("report", conversation)).content.decode()
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" class="map-point map-point--0">', page)
    assert len(circles) == 1
    x, y, r = (float(v) for v in circles[0])
    assert r == report.MARK_RADIUS * 2
    assert page.count('class="map-point map-point--1"') == 2  # two places, two marks of one each
    assert 'h4.5v4.5h-4.5z" class="map-point map-point--1"' in page
    label = re.search(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="middle" class="map-label">A</text>', page)
    assert label is not None
    assert float(label[1]) == x
    # The letter, white outline included, ends above the reach of the largest mark there could be.
    assert float(label[2]) + report.LETTER_OUTLINE < y - report.MARK_EXTENT
    assert "A larger mark is several participants in the same place." in page


def test_a_crowd_in_one_place_grows_its_mark_only_so_far() -> None:
    analysis = {
        "enough_votes": True,
        "participants_clustered": list(range(1, 102)),
        "coordinates": [[0.0, 0.0]] * 100 + [[1.0, 1.0]],
        "groups": [
            {"id": 0, "members": list(range(1, 101)), "size": 100, "centroid": [0.0, 0.0], "repness": []},
            {"id": 1, "members": [101], "size": 1, "centroid": [1.0, 1.0], "repness": []},
        ],
    }
    context = report.report_context(_stored(analysis))
    assert [(p["count"], p["scale"]) for p in context["points"]] == [(100, report.MAX_MARK_SCALE), (1, 1.0)]
    assert f'r="{report.MARK_RADIUS * report.MAX_MARK_SCALE:g}"' in context["map_marks"]


def test_a_letter_near_the_top_of_the_map_stands_below_its_centre() -> None:
    analysis = {
        "enough_votes": True,
        "participants_clustered": [1, 2],
        "coordinates": [[0.0, -1.0], [0.0, 1.0]],
        "groups": [
            {"id": 0, "members": [1], "size": 1, "centroid": [0.0, -1.0], "repness": []},
            {"id": 1, "members": [2], "size": 1, "centroid": [0.0, 1.0], "repness": []},
        ],
    }
    context = report.report_context(_stored(analysis))
    top, bottom = sorted(context["groups"], key=lambda g: g["cy"])
    assert top["cy"] == report.MAP_MARGIN
    assert top["label"][1] > top["cy"]  # below: there is no room above
    assert bottom["label"][1] < bottom["cy"]


def _reach(shape: str, scale: float) -> float:
    """How far above its centre a mark's outline goes (SVG's y counts downwards)."""
    if shape == "circle":
        return report.MARK_RADIUS * scale
    return -min(y for _x, y in report.mark_corners(shape)) * scale


def test_a_marks_corners_are_its_svg_outline() -> None:
    assert report.mark_corners("square") == [(-2.25, -2.25), (2.25, -2.25), (2.25, 2.25), (-2.25, 2.25)]
    assert report.mark_corners("triangle") == [(0, -3), (3, 2), (-3, 2)]
    assert report.mark_corners("diamond") == [(0, -3), (3, 0), (0, 3), (-3, 0)]
    assert len(report.mark_corners("cross")) == 12


def test_the_pdf_draws_the_pages_marks_flipped_upright() -> None:
    from heard.conversations.report_pdf import _mark

    triangle = _mark("triangle", 100, 50, None, size=2)
    assert triangle.points == [100, 56, 106, 46, 94, 46]  # apex up on the page, up on the PDF too
    assert _mark("circle", 0, 0, None, size=2).r == report.MARK_RADIUS * 2


def test_the_room_left_for_marks_is_the_reach_of_the_largest() -> None:
    assert max(_reach(shape, report.MAX_MARK_SCALE) for shape in report.MAP_SHAPES) == report.MARK_EXTENT


@pytest.mark.parametrize(
    ("cx", "cy", "where"),
    [(200, 200, "above"), (0, 380, "above"), (400, 200, "above"), (200, 20, "below"), (200, 33.9, "below")],
)
def test_a_groups_letter_stays_on_the_map_and_clear_of_the_marks(cx, cy, where) -> None:
    x, baseline = report._label_place(cx, cy)
    top, bottom = baseline - 15 - report.LETTER_OUTLINE, baseline + report.LETTER_OUTLINE
    half_width = 7 + report.LETTER_OUTLINE  # a bold capital of 20px is at most 14 wide
    assert x - half_width >= 0
    assert x + half_width <= report.MAP_SIZE
    assert top >= 0
    assert bottom <= report.MAP_SIZE
    if where == "above":
        assert bottom < cy - report.MARK_EXTENT
    else:
        assert top > cy + report.MARK_EXTENT


def test_the_pdfs_letters_stand_clear_of_the_marks_and_on_the_map() -> None:
    """As on the page: the top group's letter below its centre, the other's above, each disc clear of
    the largest mark there could be and inside the map."""
    from reportlab.graphics.shapes import Circle

    from heard.conversations.report_pdf import _BADGE, _UNIT, _pdf_map

    analysis = {
        "enough_votes": True,
        "participants_clustered": [1, 2],
        "coordinates": [[0.0, -1.0], [0.0, 1.0]],
        "groups": [
            {"id": 0, "members": [1], "size": 1, "centroid": [0.0, -1.0], "repness": []},
            {"id": 1, "members": [2], "size": 1, "centroid": [0.0, 1.0], "repness": []},
        ],
    }
    context = report.report_context(_stored(analysis))
    width = 200.0
    drawing = _pdf_map(context, width)
    discs = [shape for shape in drawing.contents if isinstance(shape, Circle) and shape.r == _BADGE]
    assert len(discs) == 2
    for group, disc in zip(context["groups"], discs, strict=True):
        centre_y = width - group["cy"] * width / report.MAP_SIZE  # counted upwards, as the PDF does
        assert abs(disc.cy - centre_y) - _BADGE > _UNIT * report.MARK_EXTENT
        assert _BADGE <= disc.cy <= width - _BADGE
        assert _BADGE <= disc.cx <= width - _BADGE
    top = min(range(2), key=lambda g: context["groups"][g]["cy"])
    assert discs[top].cy < width - context["groups"][top]["cy"] * width / report.MAP_SIZE  # below it


def test_larger_marks_are_drawn_first_so_they_hide_no_smaller_one() -> None:
    analysis = {
        "enough_votes": True,
        "participants_clustered": [1, 2, 3, 4, 5],
        "coordinates": [[0.0, 0.0], [0.1, 0.0], [0.1, 0.0], [0.1, 0.0], [1.0, 1.0]],
        "groups": [
            {"id": 0, "members": [1], "size": 1, "centroid": [0.0, 0.0], "repness": []},
            {"id": 1, "members": [2, 3, 4, 5], "size": 4, "centroid": [0.3, 0.25], "repness": []},
        ],
    }
    context = report.report_context(_stored(analysis))
    assert [(p["group"], p["count"]) for p in context["points"]] == [(1, 3), (0, 1), (1, 1)]


def test_groups_keep_their_letter_mark_and_colour_by_their_stable_id() -> None:
    """After a group has gone, the others keep theirs: ids 0 and 2 are groups A and C."""

    analysis = {
        "enough_votes": True,
        "participants_clustered": [1, 2],
        "coordinates": [[-1.0, 0.0], [1.0, 0.0]],
        "groups": [
            {"id": 0, "members": [1], "size": 1, "centroid": [-1.0, 0.0], "repness": []},
            {"id": 2, "members": [2], "size": 1, "centroid": [1.0, 0.0], "repness": []},
        ],
    }
    context = report.report_context(_stored(analysis))
    assert [(g["name"], g["shape"]) for g in context["groups"]] == [("A", "circle"), ("C", "triangle")]
    assert sorted({p["group"] for p in context["points"]}) == [0, 2]


def test_a_digest_kept_in_an_older_format_is_made_again_once(client) -> None:
    """A digest from before groups carried their id (and before digests had a format) would make the
    report fail: it is made again from the map, once."""
    conversation = stored_without_digest(report_conversation(), planted([8, 6]))
    old = report.report_digest_of(conversation.analysis)
    del old["format"]
    for group in old["groups"]:
        del group["id"]
    Conversation.objects.filter(pk=conversation.pk).update(summary={**conversation.summary, report.REPORT_KEY: old})
    conversation.refresh_from_db()
    page = client.get(url("report", conversation)).content.decode()
    assert "14 people fall into 2 groups." in page
    conversation.refresh_from_db()
    assert conversation.summary[report.REPORT_KEY] == report.report_digest_of(conversation.analysis)
    with CaptureQueriesContext(connection) as queries:
        client.get(url("report", conversation))
    assert not any(ANALYSIS_COLUMN.search(query["sql"]) for query in queries)


def test_a_recompute_on_the_same_votes_keeps_the_digest_current(client, conversation) -> None:
    """The map is worked out again with no new vote: it stays as it is, and so does its digest, which
    the report still reads, and reads alone."""
    mapped(conversation)
    before = conversation.summary[report.REPORT_KEY]
    analysed_before = conversation.analysed_at
    tasks.analyse_conversation.call(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    after = conversation.summary[report.REPORT_KEY]
    assert conversation.analysed_at > analysed_before
    assert after == before
    with CaptureQueriesContext(connection) as queries:
        client.get(url("report", conversation))
    assert not any(ANALYSIS_COLUMN.search(query["sql"]) for query in queries)
