"""The convener's side: setting up a conversation, adding statements, invitation links, moderating
statements (those waiting and those shown), importing a Pol.is export, and what the pages cost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from heard.conversations import services
from heard.conversations.enums import Participation, StatementStatus
from heard.conversations.models import Conversation, ConversationInvitation, Statement
from heard.directory.enums import ServiceStatus
from heard.organisations.enums import Role
from tests.conversations.test_polis_export import write_small_export, zipped
from tests.factories import ChallengeFactory, MembershipFactory, OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("conversations:manage")
IMPORT_URL = reverse("conversations:manage_import")


def manage_url(conversation: Conversation) -> str:
    return reverse("conversations:manage_conversation", kwargs={"slug": conversation.slug})


def moderate_url(statement: Statement) -> str:
    return reverse("conversations:manage_statement", kwargs={"slug": statement.conversation.slug, "pk": statement.pk})


def error_beside(html: str, field_id: str) -> str:
    """The error message shown beside the field with this id ("" if none)."""
    found = re.search(rf'<p class="field-error" id="{field_id}_error">(.*?)</p>', html, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def local_minute(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def set_up_data(organisation, **changes) -> dict[str, object]:
    """What the set-up form posts when the convener types only a topic (and the dates it offers)."""
    opens = timezone.localtime().replace(second=0, microsecond=0)
    data: dict[str, object] = {
        "organisation": organisation.pk,
        "topic": "Parks in winter",
        "description": "",
        "participation": Participation.OPEN,
        "participants_can_add": "on",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + dt.timedelta(weeks=4)).strftime("%Y-%m-%dT%H:%M"),
        "service": "",
        "seed_statements": "",
    }
    data.update(changes)
    return data


# --- setting up a conversation ---------------------------------------------------------------------


def test_set_up_form_offers_dates_from_now_for_four_weeks(client_for, convener) -> None:
    before = timezone.now()
    html = client_for(convener).get(LIST_URL).content.decode()
    after = timezone.now()
    opens = re.search(r'name="opens_at" value="([^"]+)"', html).group(1)
    closes = re.search(r'name="closes_at" value="([^"]+)"', html).group(1)
    assert opens in {local_minute(before), local_minute(after)}
    expected_close = dt.datetime.fromisoformat(opens) + dt.timedelta(weeks=4)  # the same time of day
    assert closes == expected_close.strftime("%Y-%m-%dT%H:%M")


def test_set_up_with_a_topic_and_statements_starts_the_conversation(client_for, convener, provider) -> None:
    response = client_for(convener).post(
        LIST_URL, set_up_data(provider, seed_statements="Parks should stay lit.\n\n  More benches, please.  \n")
    )
    conversation = Conversation.objects.get(topic="Parks in winter")
    assert response.status_code == 303
    assert response["Location"] == manage_url(conversation)
    assert conversation.organisation == provider
    assert conversation.closes_at - conversation.opens_at == dt.timedelta(weeks=4)
    assert sorted(conversation.statements.values_list("text", "status")) == [
        ("More benches, please.", StatementStatus.ACCEPTED),
        ("Parks should stay lit.", StatementStatus.ACCEPTED),
    ]


@pytest.mark.parametrize("gap", [dt.timedelta(days=-1), dt.timedelta(0)])
def test_set_up_refuses_a_close_before_the_opening_beside_the_field(client_for, convener, provider, gap) -> None:
    opens = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    response = client_for(convener).post(
        LIST_URL,
        set_up_data(
            provider,
            opens_at=opens.strftime("%Y-%m-%dT%H:%M"),
            closes_at=(opens + gap).strftime("%Y-%m-%dT%H:%M"),
            seed_statements="Keep the gates open later.",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_closes_at") == "Error: The conversation must close after it opens."
    assert "violated" not in html
    assert "conversation_opens_before_closing" not in html
    assert "Keep the gates open later." in html  # what was typed is kept
    assert not Conversation.objects.exists()


def test_set_up_without_a_topic_keeps_the_rest_of_the_input(client_for, convener, provider) -> None:
    response = client_for(convener).post(
        LIST_URL,
        set_up_data(provider, topic="", description="About the parks.", seed_statements="Parks should stay lit."),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_topic") == "Error: Enter the topic of the conversation."
    assert "About the parks." in html
    assert "Parks should stay lit." in html
    assert not Conversation.objects.exists()
    assert not Statement.objects.exists()


def test_set_up_without_dates_says_which_is_missing(client_for, convener, provider) -> None:
    response = client_for(convener).post(LIST_URL, set_up_data(provider, opens_at="", closes_at=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_opens_at") == "Error: Enter when the conversation opens."
    assert error_beside(html, "id_closes_at") == "Error: Enter when the conversation closes."
    assert "violated" not in html
    assert not Conversation.objects.exists()


def test_set_up_offers_the_running_services_of_the_conveners_organisations(client_for, convener, provider) -> None:
    second = OrganisationFactory(name="Allotment Trust")
    MembershipFactory(user=convener, organisation=second, role=Role.CONVENER)
    ServiceFactory(organisation=provider, name="Parks")
    ServiceFactory(organisation=provider, name="Libraries")
    ServiceFactory(organisation=second, name="Plots")
    ServiceFactory(organisation=provider, name="Old swimming pool", status=ServiceStatus.DEFUNCT)
    ServiceFactory(organisation=OrganisationFactory(name="Elsewhere"), name="Not theirs")
    html = client_for(convener).get(LIST_URL).content.decode()
    select = re.search(r'<select name="service".*?</select>', html, re.DOTALL).group(0)
    offered = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)
    assert offered == [
        "Allotment Trust: Plots",
        "Millbrook Borough Council: Libraries",
        "Millbrook Borough Council: Parks",
    ]


def test_set_up_refuses_a_service_of_another_organisation(client_for, convener, provider) -> None:
    second = OrganisationFactory(name="Allotment Trust")
    MembershipFactory(user=convener, organisation=second, role=Role.CONVENER)
    plots = ServiceFactory(organisation=second, name="Plots")
    stranger = ServiceFactory(organisation=OrganisationFactory(), name="Not theirs")
    client = client_for(convener)
    response = client.post(LIST_URL, set_up_data(provider, service=plots.pk))
    assert response.status_code == 400
    assert "Choose a service of Millbrook Borough Council" in error_beside(response.content.decode(), "id_service")
    refused = client.post(LIST_URL, set_up_data(provider, service=stranger.pk))
    assert refused.status_code == 400
    assert error_beside(refused.content.decode(), "id_service")
    assert not Conversation.objects.exists()
    accepted = client.post(LIST_URL, set_up_data(second, service=plots.pk))
    assert accepted.status_code == 303
    assert Conversation.objects.get().service == plots


def test_conversation_create_refuses_a_service_not_run_by_its_organisation(convener, provider) -> None:
    now = timezone.now()

    def create(service):
        return services.conversation_create(
            organisation=provider,
            by=convener,
            topic="Pools",
            opens_at=now,
            closes_at=now + dt.timedelta(days=3),
            service=service,
        )

    before = Conversation.objects.count()
    with pytest.raises(ValidationError) as refused:
        create(ServiceFactory(organisation=OrganisationFactory(), name="Pool", status=ServiceStatus.ACTIVE))
    assert "Choose a service of Millbrook Borough Council" in refused.value.message_dict["service"][0]
    assert Conversation.objects.count() == before
    # Its own service closed for good is the form's to keep out of new set-ups (it lists running
    # ones only); a challenge's map may still be about it.
    closed = ServiceFactory(organisation=provider, name="Old pool", status=ServiceStatus.DEFUNCT)
    assert create(closed).service == closed


# --- adding statements and invitation links ------------------------------------------------------


def test_adding_statements_shows_them_straight_away(client_for, convener, conversation) -> None:
    client = client_for(convener)
    response = client.post(
        manage_url(conversation), {"action": "seed", "statements": "Bins should be emptied early.\n\nNo more bags."}
    )
    assert response.status_code == 303
    assert response["Location"] == manage_url(conversation)
    added = conversation.statements.filter(text__in=["Bins should be emptied early.", "No more bags."])
    assert sorted(added.values_list("status", flat=True)) == [StatementStatus.ACCEPTED] * 2
    assert "The statements are added." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("   \n  ", "Error: Write at least one statement."),
        ("Short and fine.\n" + "x" * 281, "Error: Statement 2 is longer than 280 characters."),
    ],
)
def test_adding_statements_with_a_problem_keeps_what_was_typed(client_for, convener, conversation, typed, message):
    before = conversation.statements.count()
    response = client_for(convener).post(manage_url(conversation), {"action": "seed", "statements": typed})
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_statements") == message
    assert typed.strip() in html
    assert conversation.statements.count() == before


def test_invitation_links_are_shown_once(client_for, convener, conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(participation=Participation.INVITED)
    response = client_for(convener).post(manage_url(conversation), {"action": "invite", "count": "3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert ConversationInvitation.objects.filter(conversation=conversation).count() == 3
    assert html.count("/conversations/invitation/") == 3


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("twenty", "Error: Give the number of links as a whole number, like 20."),
        ("0", "Error: Make between 1 and 1,000 links at a time."),
        ("5000", "Error: Make between 1 and 1,000 links at a time."),
        ("", "Error: Give the number of links, like 20."),
    ],
)
def test_invitation_links_with_a_bad_number_say_so_beside_it(client_for, convener, conversation, typed, message):
    Conversation.objects.filter(pk=conversation.pk).update(participation=Participation.INVITED)
    response = client_for(convener).post(manage_url(conversation), {"action": "invite", "count": typed})
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_count") == message
    assert f'name="count" value="{typed}"' in html or (typed == "" and 'name="count"' in html)
    assert not ConversationInvitation.objects.exists()


# --- moderation ----------------------------------------------------------------------------------


def pending_statement(conversation: Conversation, text: str = "Collect on Sundays too.") -> Statement:
    participant = services.participant_join(conversation=conversation)
    return services.statement_submit(participant=participant, text=text)


def test_a_decision_other_than_accept_or_reject_changes_nothing(client_for, convener, conversation) -> None:
    statement = pending_statement(conversation)
    response = client_for(convener).post(moderate_url(statement), {"decision": "acept"})
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_decision") == "Error: Choose whether to show the statement or not."
    assert statement.text in html
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PENDING
    assert statement.moderated_at is None


def test_rejecting_a_waiting_statement_keeps_it_from_participants(client_for, convener, conversation) -> None:
    statement = pending_statement(conversation)
    response = client_for(convener).post(moderate_url(statement), {"decision": "reject"})
    assert response.status_code == 303
    assert response["Location"] == manage_url(conversation)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.REJECTED


def test_the_statements_shown_can_be_taken_out(client_for, convener, conversation) -> None:
    waiting = pending_statement(conversation)
    client = client_for(convener)
    html = client.get(manage_url(conversation) + "?show=shown").content.decode()
    shown = list(conversation.statements.filter(status=StatementStatus.ACCEPTED))
    assert all(statement.text in html for statement in shown)
    assert waiting.text not in html
    assert html.count("Take it out") == len(shown)
    assert f'action="{moderate_url(shown[0])}"' in html
    response = client.post(moderate_url(shown[0]), {"decision": "reject"})
    assert response.status_code == 303
    assert response["Location"] == manage_url(conversation) + "?show=shown#statements"
    shown[0].refresh_from_db()
    assert shown[0].status == StatementStatus.REJECTED
    after = client.get(response["Location"]).content.decode()
    assert "participants no longer see it" in after
    assert shown[0].text not in after.split('id="statements"')[1]


def test_the_two_lists_of_statements_paginate_apart(client_for, convener, conversation, settings) -> None:
    settings.HEARD_PAGE_SIZE = 2
    for n in range(3):
        pending_statement(conversation, text=f"Waiting statement {n}.")
    client = client_for(convener)
    # Shown: the three seeds, the newest first, two a page.
    second_shown = client.get(manage_url(conversation) + "?show=shown&page=2").content.decode()
    assert "Bins should be collected weekly." in second_shown
    assert "Fortnightly is fine." not in second_shown
    assert "Waiting statement" not in second_shown
    assert "show=shown&amp;page=1" in second_shown  # its pagination stays in its list
    # Waiting: the oldest first, two a page.
    second_waiting = client.get(manage_url(conversation) + "?page=2").content.decode()
    assert "Waiting statement 2." in second_waiting
    assert "Waiting statement 0." not in second_waiting
    assert "Bins should be collected weekly." not in second_waiting


# --- the conversation page -----------------------------------------------------------------------


def test_counts_on_the_conversation_page_use_plurals(client_for, convener, conversation) -> None:
    client = client_for(convener)
    Conversation.objects.filter(pk=conversation.pk).update(summary={"participants": 1, "votes": 1, "statements": 1})
    one = client.get(manage_url(conversation)).content.decode()
    assert "1 participant<" in one
    assert "1 vote<" in one
    assert "1 statement shown<" in one
    Conversation.objects.filter(pk=conversation.pk).update(summary={"participants": 2, "votes": 5, "statements": 3})
    more = client.get(manage_url(conversation)).content.decode()
    assert "2 participants<" in more
    assert "5 votes<" in more
    assert "3 statements shown<" in more


def test_counts_on_the_conversation_page_are_grouped_by_thousands(client_for, convener, conversation) -> None:
    summary = {"participants": 12000, "votes": 1234567, "statements": 1500}
    Conversation.objects.filter(pk=conversation.pk).update(summary=summary)
    page = client_for(convener).get(manage_url(conversation)).content.decode()
    assert "12,000 participants<" in page
    assert "1,234,567 votes<" in page
    assert "1,500 statements shown<" in page


def test_the_conversation_page_links_to_its_challenge(client_for, convener, provider, conversation) -> None:
    client = client_for(convener)
    without = client.get(manage_url(conversation)).content.decode()
    assert "The opinion map of the shortlist of the challenge" not in without
    challenge = ChallengeFactory(organisation=provider, conversation=conversation, title="How might we fix bins?")
    html = client.get(manage_url(conversation)).content.decode()
    link = reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug})
    assert f'<a href="{link}">How might we fix bins?</a>' in html


@pytest.mark.parametrize("show", ["", "shown"])
@pytest.mark.parametrize("count", [1, 3])
def test_conversation_page_runs_a_fixed_number_of_queries(
    client_for, django_assert_num_queries, convener, provider, show, count
) -> None:
    now = timezone.now()
    conversation = services.conversation_create(
        organisation=provider,
        by=convener,
        topic="Bins",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
        seed_statements=[f"Seed {n}." for n in range(count)],
    )
    for n in range(count):
        pending_statement(conversation, text=f"Waiting {n}.")
    ChallengeFactory(organisation=provider, conversation=conversation)
    client = client_for(convener)
    url = manage_url(conversation) + (f"?show={show}" if show else "")
    client.get(url)  # what a process reads once (and caches) is not this page's cost
    # Session, user, roles, the conversation, its challenge, three counts, and the page's count and rows.
    with django_assert_num_queries(10):
        html = client.get(url).content.decode()
    assert html.count('<th scope="row">Seed ' if show else '<th scope="row">Waiting ') == count


@pytest.mark.parametrize("count", [1, 3])
def test_conversations_list_runs_a_fixed_number_of_queries(
    client_for, django_assert_num_queries, convener, provider, count
) -> None:
    now = timezone.now()
    for n in range(count):
        ServiceFactory(organisation=provider)
        services.conversation_create(
            organisation=provider,
            by=convener,
            topic=f"Topic {n}",
            opens_at=now,
            closes_at=now + dt.timedelta(days=3),
        )
    client = client_for(convener)
    client.get(LIST_URL)
    # Session, user, roles, the list's count and rows, the Pol.is imports under way, the services,
    # and the organisations of each form twice (Django's select reads its first choice apart, to
    # decide on `required`).
    with django_assert_num_queries(11):
        html = client.get(LIST_URL).content.decode()
    assert html.count("Topic ") == count


# --- importing a Pol.is export -------------------------------------------------------------------


def test_importing_an_export_without_votes_says_so_beside_the_file(client_for, convener, provider, tmp_path) -> None:
    write_small_export(tmp_path)
    upload = zipped(tmp_path, ["comments.csv", "summary.csv"])
    response = client_for(convener).post(IMPORT_URL, {"organisation": provider.pk, "export": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert error_beside(html, "id_import_export").startswith("Error: votes.csv: missing file")
    assert f'<option value="{provider.pk}" selected>' in html  # the organisation chosen is kept
    assert not Conversation.objects.exists()
    assert not Statement.objects.exists()


def test_importing_something_other_than_a_zip_says_so_beside_the_file(client_for, convener, provider) -> None:
    upload = SimpleUploadedFile("export.zip", b"not a zip", content_type="application/zip")
    response = client_for(convener).post(IMPORT_URL, {"organisation": provider.pk, "export": upload})
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "id_import_export") == "Error: The file is not a .zip archive."
    assert not Conversation.objects.exists()


def test_importing_without_a_file_or_for_another_organisation_is_refused(
    client_for, convener, provider, other_provider, tmp_path
) -> None:
    client = client_for(convener)
    missing = client.post(IMPORT_URL, {"organisation": provider.pk})
    assert missing.status_code == 400
    assert error_beside(missing.content.decode(), "id_import_export") == "Error: Choose a .zip of a Pol.is export."
    write_small_export(tmp_path)
    upload = zipped(tmp_path)
    elsewhere = client.post(IMPORT_URL, {"organisation": other_provider.pk, "export": upload})
    assert elsewhere.status_code == 400
    assert error_beside(elsewhere.content.decode(), "id_import_organisation")
    assert not Conversation.objects.exists()


# A good export: see test_imports.py (checked here, written in the background).


def test_the_import_address_sends_a_visit_to_the_list(client_for, convener) -> None:
    response = client_for(convener).get(IMPORT_URL + "?page=2")
    assert response.status_code == 303
    assert response["Location"] == LIST_URL + "?page=2"


# --- working out the map on demand -----------------------------------------------------------------


def test_working_out_the_map_on_demand_runs_once_and_is_logged(
    client_for, convener, conversation, django_capture_on_commit_callbacks
) -> None:
    from heard.core.models import ActivityLog

    client = client_for(convener)
    # A run is already waiting (votes queued one): asking again queues nothing more.
    Conversation.objects.filter(pk=conversation.pk).update(analysis_queued_at=timezone.now())
    response = client.post(manage_url(conversation), {"action": "analyse"}, follow=True)
    assert "The map is already being worked out" in response.content.decode()
    assert not ActivityLog.objects.filter(action="conversation.analysis_requested").exists()
    conversation.refresh_from_db()
    assert conversation.analysed_at is None

    # Nothing waiting: the convener's request runs at once (the test task backend runs it in place).
    Conversation.objects.filter(pk=conversation.pk).update(analysis_queued_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage_url(conversation), {"action": "analyse"}, follow=True)
    assert "The map is being worked out again." in response.content.decode()
    assert ActivityLog.objects.filter(action="conversation.analysis_requested", actor=convener).count() == 1
    conversation.refresh_from_db()
    assert conversation.analysed_at is not None
