"""The conversations acceptance flow in a browser. A convener sets up a conversation. Anonymous
participants vote in separate browsers: three with JavaScript (htmx answers in place) and one
without. One of them adds a statement, which nobody sees until the convener shows it. The map
forms and the report reads as it should. Then a real Pol.is export is imported, its status page is
followed until it is done, and its groups are shown. Each page on the way passes axe, and the voting
pages and the import's status page run under the real content security policy."""

from __future__ import annotations

from playwright.sync_api import expect

from heard.conversations import tasks
from heard.conversations.enums import ImportStatus, StatementStatus
from heard.conversations.models import Conversation, Participant, PolisImport, Statement, Vote
from tests.browser.conftest import no_axe_problems
from tests.conversations.conftest import two_camps_vote
from tests.conversations.polis_data import here
from tests.conversations.test_polis_export import zipped

SEEDS = [
    "Repairs should be booked online",
    "Tenants should choose the repair slot",
    "Damp should be fixed within a week",
    "Contractors should be local firms",
    "Repairs staff should carry ID",
    "Rents should pay for faster repairs",
    "Every repair should get a follow-up call",
    "Communal areas should be cleaned weekly",
]


def _camp_choice(text: str, camp: int) -> str:
    """Camp 0 agrees with the even statements and disagrees with the odd ones; camp 1 the other way."""
    index = SEEDS.index(text) if text in SEEDS else 0
    return "Agree" if index % 2 == camp else "Disagree"


def _vote_through(page, camp: int, *, javascript: bool) -> int:
    """Answer every statement put to this participant; returns how many were answered."""
    answered = 0
    while page.locator("#vote blockquote").count():
        text = page.locator("#vote blockquote").inner_text().strip()
        page.get_by_role("button", name=_camp_choice(text, camp), exact=True).click()
        if javascript:
            # htmx swaps the next statement in place: the page is not reloaded.
            page.wait_for_function(
                "t => !document.querySelector('#vote blockquote')"
                " || document.querySelector('#vote blockquote').innerText.trim() !== t",
                arg=text,
            )
        else:
            page.wait_for_load_state()
        answered += 1
        assert answered <= len(SEEDS) + 1, "the same statement came back"
    return answered


def test_set_up_vote_moderate_map_and_import(
    transactional_db, browser, live_server, page_for, provider, convener, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # where the Pol.is upload waits for its task
    # The convener sets up the conversation with its first statements.
    staff = page_for(convener)
    staff.goto("/manage/conversations/")
    no_axe_problems(staff)
    staff.get_by_label("Topic").fill("Housing repairs in Millbrook")
    staff.get_by_label("Statements to start with").fill("\n".join(SEEDS))
    staff.get_by_label("Anyone, with or without an account").check()
    staff.get_by_role("button", name="Start the conversation").click()
    conversation = Conversation.objects.get(topic="Housing repairs in Millbrook")
    assert staff.url.endswith(f"/manage/conversations/{conversation.slug}/")
    assert conversation.statements.filter(status=StatementStatus.ACCEPTED).count() == len(SEEDS)
    no_axe_problems(staff)

    # Three participants with JavaScript, each in their own browser, under the real CSP.
    url = f"/conversations/{conversation.slug}/"
    first = None
    for n in range(3):
        page = page_for(None, bypass_csp=False)
        page.goto(url)
        expect(page.locator("#vote blockquote")).to_be_visible()
        assert _vote_through(page, n % 2, javascript=True) == len(SEEDS)
        expect(page.get_by_text("You have voted on every statement")).to_be_visible()
        assert page.csp_violations == []
        first = first or page
    # One without JavaScript: every vote is a form post and a new page.
    no_js_context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        plain = no_js_context.new_page()
        plain.goto(url)
        assert _vote_through(plain, 1, javascript=False) == len(SEEDS)
    finally:
        no_js_context.close()
    assert Participant.objects.filter(conversation=conversation).count() == 4
    assert Vote.objects.filter(statement__conversation=conversation).count() == 4 * len(SEEDS)

    # A participant adds a statement: it waits to be checked and nobody is shown it yet.
    assert first is not None
    first.goto(url)
    first.get_by_label("Add your own statement").fill("Repairs should be done in one visit")
    first.get_by_role("button", name="Send your statement").click()
    expect(first.get_by_text("Your statement will be shown once it has been checked.")).to_be_visible()
    added = Statement.objects.get(text="Repairs should be done in one visit")
    assert added.status == StatementStatus.PENDING
    newcomer = page_for(None)
    newcomer.goto(url)
    assert "Repairs should be done in one visit" not in newcomer.content()

    # The convener shows it; now it is put to participants.
    staff.goto(f"/manage/conversations/{conversation.slug}/")
    staff.get_by_role("button", name="Show it").first.click()
    added.refresh_from_db()
    assert added.status == StatementStatus.ACCEPTED
    first.goto(url)
    assert first.locator("#vote blockquote").inner_text().strip() == "Repairs should be done in one visit"

    # More people take part (through the services, for the numbers a map needs), then the map forms.
    # In the same two camps as the browsers: the seeds are in SEEDS' order.
    seeds = conversation.statements.filter(status=StatementStatus.ACCEPTED, is_seed=True).order_by("pk")
    two_camps_vote(conversation, people=12, statements=seeds)
    staff.goto(f"/manage/conversations/{conversation.slug}/")
    staff.get_by_role("button", name="Work out the map now").click()
    reader = page_for(None)
    reader.goto(f"/conversations/{conversation.slug}/report/")
    expect(reader.get_by_role("heading", name="The map of opinions")).to_be_visible()
    assert reader.locator("main svg").count() >= 1
    assert reader.get_by_text("Not enough votes yet").count() == 0
    expect(reader.get_by_role("heading", name="What sets each group apart")).to_be_visible()
    assert reader.locator("main table").count() >= 1  # the map's data as a table
    no_axe_problems(reader)

    # A real Pol.is export is imported, and its groups are shown.
    folder = here("canadian-electoral-reform")
    staff.goto("/manage/conversations/")
    staff.get_by_label("Pol.is export", exact=True).set_input_files(
        files=[{"name": "canadian.zip", "mimeType": "application/zip", "buffer": zipped(folder).read()}]
    )
    # The upload is checked at once, then written by a task; held in the queue here, as when the
    # worker has not got to it yet.
    immediate = settings.TASKS
    settings.TASKS = {"default": {**immediate["default"], "BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    staff.get_by_role("button", name="Import", exact=True).click()
    staff.wait_for_url("**/manage/conversations/imports/*/")
    expect(staff.get_by_text("Waiting to start", exact=True)).to_be_visible()
    no_axe_problems(staff)
    strict = page_for(convener, bypass_csp=False)  # the same page, under the real policy
    strict.goto(staff.url)
    # The worker runs it; the status page, asking again by itself (htmx), shows it done.
    settings.TASKS = immediate
    polis_import = PolisImport.objects.get()
    tasks.import_polis_export.call(import_id=polis_import.pk)
    for page in (staff, strict):
        page.get_by_text("Imported", exact=True).wait_for()
    assert strict.csp_violations == []
    polis_import.refresh_from_db()
    assert polis_import.status == ImportStatus.DONE
    no_axe_problems(staff)
    imported = Conversation.objects.exclude(pk=conversation.pk).get()
    staff.get_by_role("link", name=f"Go to {imported.topic}").click()
    assert staff.url.endswith(f"/manage/conversations/{imported.slug}/")
    reader.goto(f"/conversations/{imported.slug}/report/")
    assert reader.get_by_text("Not enough votes yet").count() == 0
    expect(reader.get_by_role("heading", name="What sets each group apart")).to_be_visible()
    no_axe_problems(reader)
