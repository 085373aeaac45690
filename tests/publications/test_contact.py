"""The contact form and the messages it brings to each team."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from heard.core.models import ActivityLog, OutboundEmail
from heard.organisations.enums import Role
from heard.publications.models import ContactMessage
from tests.factories import ContactTopicFactory, MembershipFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db

CONTACT = reverse("publications:contact")
MANAGE = reverse("publications:contact_manage")
CONTACT_SENT = reverse("publications:contact_sent")
SECRET = "My neighbour's boiler has been broken since March."


@pytest.fixture
def topic(provider: Any) -> Any:
    return ContactTopicFactory(
        organisation=provider,
        name="Feedback about the council's services",
        description="Tell the council how a service treated you.",
        team_email="feedback@council.example",
    )


def _form(contact_topic: Any, **changes: str) -> dict[str, Any]:
    return {
        "topic": contact_topic.pk,
        "name": "Amara Okafor",
        "email": "amara@example.org",
        "message": SECRET,
    } | changes


def _message(topic: Any, **fields: Any) -> ContactMessage:
    values = {"name": "Joe Whitfield", "email": "joe@example.org", "message": SECRET} | fields
    return ContactMessage.objects.create(topic=topic, **values)


def _convener_of(organisation: Any) -> Any:
    user = UserFactory(email=f"convener-{organisation.slug}@example.org")
    MembershipFactory(user=user, organisation=organisation, role=Role.CONVENER)
    add_totp(user)
    return user


def test_contact_form_lists_active_topics_with_their_descriptions(client, topic, provider) -> None:
    ContactTopicFactory(organisation=provider, name="An old topic", active=False)
    page = client.get(CONTACT).content.decode()
    assert "Feedback about the council&#x27;s services" in page
    assert "Tell the council how a service treated you." in page
    assert 'aria-describedby="id_topic_0_description"' in page
    assert "An old topic" not in page
    assert 'tabindex="-1"' in page
    assert 'autocomplete="off"' in page
    assert "Leave this empty" in page


def test_contact_submit_stores_the_message_encrypted_and_tells_the_team_without_it(
    client, topic, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, _form(topic))

    assert response.status_code == 303
    assert response["Location"] == reverse("publications:contact_sent")
    message = ContactMessage.objects.get()
    assert (message.topic, message.name, message.email, message.message) == (
        topic,
        "Amara Okafor",
        "amara@example.org",
        SECRET,
    )
    assert message.user is None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, email, message FROM {ContactMessage._meta.db_table} WHERE id = %s",  # noqa: S608
            [message.pk],
        )
        raw = cursor.fetchone()
    assert "Amara" not in raw[0]
    assert "amara@example.org" not in raw[1]
    assert "boiler" not in raw[2]
    # An address typed in by someone not signed in is never emailed (no backscatter), nor kept in
    # clear in a delivery record.
    assert [email.to for email in mail.outbox] == [["feedback@council.example"]]
    assert not OutboundEmail.objects.filter(recipient="amara@example.org").exists()
    team_email = mail.outbox[0]
    assert "Feedback about the council's services" in team_email.subject
    assert f"/contact/manage/{message.pk}/" in team_email.body
    assert "boiler" not in team_email.body
    assert "Amara" not in team_email.body
    assert ActivityLog.objects.filter(action="contact.message_received", object_id=str(message.pk)).exists()
    assert "This page is your confirmation" in client.get(response["Location"]).content.decode()


def test_contact_acknowledges_a_signed_in_sender_at_their_verified_address(
    client_for, resident, topic, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(CONTACT, _form(topic, email="Resident@example.org"))

    by_address = {email.to[0]: email for email in mail.outbox}
    assert set(by_address) == {"feedback@council.example", "Resident@example.org"}
    acknowledgement = by_address["Resident@example.org"]
    assert "Millbrook Borough Council will reply" in acknowledgement.body
    assert "boiler" not in acknowledgement.body


def test_contact_does_not_acknowledge_a_signed_in_sender_at_another_address(
    client_for, resident, topic, django_capture_on_commit_callbacks
) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=resident, email="unconfirmed@example.org", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(resident).post(CONTACT, _form(topic, email="unconfirmed@example.org"))
        client_for(resident).post(CONTACT, _form(topic, email="stranger@example.org"))

    assert ContactMessage.objects.count() == 2
    assert {email.to[0] for email in mail.outbox} == {"feedback@council.example"}
    assert not OutboundEmail.objects.exclude(recipient="feedback@council.example").exists()


def test_contact_form_keeps_a_signed_in_persons_account_and_prefills_their_details(
    client_for, resident, topic, django_capture_on_commit_callbacks
) -> None:
    client = client_for(resident)
    page = client.get(CONTACT).content.decode()
    assert 'value="resident@example.org"' in page
    assert 'value="Amara"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CONTACT, _form(topic, email="resident@example.org"))
    assert ContactMessage.objects.get().user == resident


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"message": ""}, "message", "Write your message."),
        ({"message": "x" * 5001}, "message", "Your message is too long"),
        ({"email": "not-an-address"}, "email", "Enter an email address"),
        ({"name": "  "}, "name", "Enter your name."),
    ],
)
def test_contact_bad_input_is_shown_beside_the_field_and_the_rest_is_kept(client, topic, changes, field, error) -> None:
    response = client.post(CONTACT, _form(topic, **changes))

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert f'id="id_{field}_error"' in page
    assert 'value="Amara Okafor"' in page or field == "name"
    assert not ContactMessage.objects.exists()
    assert not mail.outbox


def test_contact_without_a_topic_asks_for_one(client, topic) -> None:
    response = client.post(CONTACT, _form(topic, topic=""))
    assert response.status_code == 400
    assert "Choose what your message is about." in response.content.decode()
    assert SECRET.replace("'", "&#x27;") in response.content.decode()


def test_contact_honeypot_filled_looks_sent_but_stores_and_sends_nothing(
    client, topic, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, _form(topic, website="https://spam.example"))

    assert response.status_code == 303
    assert response["Location"] == reverse("publications:contact_sent")
    assert not ContactMessage.objects.exists()
    assert not mail.outbox


def test_contact_sixth_message_in_an_hour_is_refused_with_429_and_kept(
    client, topic, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert client.post(CONTACT, _form(topic)).status_code == 303
        response = client.post(CONTACT, _form(topic, message="One more thing."))

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "One more thing." in response.content.decode()
    assert ContactMessage.objects.count() == 5


def test_contact_limit_is_a_setting(client, topic, settings, django_capture_on_commit_callbacks) -> None:
    settings.HEARD_CONTACT_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post(CONTACT, _form(topic)).status_code for _ in range(3)]

    assert statuses == [303, 303, 429]
    assert ContactMessage.objects.count() == 2


def test_team_list_shows_their_organisations_messages_only(client_for, convener, topic, other_provider) -> None:
    _message(topic, name="Joe Whitfield")
    other_topic = ContactTopicFactory(organisation=other_provider, name="Repairs")
    _message(other_topic, name="Mei Chen")

    page = client_for(convener).get(MANAGE).content.decode()

    assert "Joe Whitfield" in page
    assert "Mei Chen" not in page
    assert "boiler" not in page


def test_team_list_showing_senders_names_is_recorded_by_message_ids(client_for, convener, topic) -> None:
    shown = [_message(topic, name="Joe Whitfield"), _message(topic, name="Mei Chen")]

    client_for(convener).get(MANAGE)

    listed = ActivityLog.objects.get(action="contact.messages_listed")
    assert (listed.actor, listed.organisation_id) == (convener, topic.organisation_id)
    assert sorted(listed.data["messages"]) == sorted(message.pk for message in shown)
    assert "Joe" not in str(listed.data)
    assert "Mei" not in str(listed.data)


def test_team_list_with_no_messages_records_nothing(client_for, convener, topic) -> None:
    client_for(convener).get(MANAGE)

    assert not ActivityLog.objects.filter(action="contact.messages_listed").exists()


def test_team_list_filters_by_handled(client_for, convener, topic) -> None:
    _message(topic, name="Joe Whitfield")
    _message(topic, name="Mei Chen", handled_at=timezone.now())
    client = client_for(convener)

    waiting = client.get(MANAGE, {"handled": "no"}).content.decode()
    handled = client.get(MANAGE, {"handled": "yes"}).content.decode()

    assert "Joe Whitfield" in waiting
    assert "Mei Chen" not in waiting
    assert "Mei Chen" in handled
    assert "Joe Whitfield" not in handled


def test_site_admin_sees_every_organisations_messages(client_for, site_admin, topic, other_provider) -> None:
    _message(topic, name="Joe Whitfield")
    _message(ContactTopicFactory(organisation=other_provider), name="Mei Chen")
    page = client_for(site_admin).get(MANAGE).content.decode()
    assert "Joe Whitfield" in page
    assert "Mei Chen" in page


@pytest.mark.parametrize("persona", ["resident", "responder", "caseworker", "analyst"])
def test_team_pages_are_refused_to_people_who_do_not_publish(request, client_for, topic, persona) -> None:
    message = _message(topic)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(MANAGE).status_code == 403
    assert client.get(reverse("publications:contact_message", kwargs={"pk": message.pk})).status_code == 403


def test_team_pages_send_anonymous_visitors_to_sign_in(client, topic) -> None:
    message = _message(topic)
    response = client.get(reverse("publications:contact_message", kwargs={"pk": message.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_another_organisations_convener_cannot_read_a_message(client_for, topic, other_provider) -> None:
    message = _message(topic)
    outsider = _convener_of(other_provider)
    response = client_for(outsider).get(reverse("publications:contact_message", kwargs={"pk": message.pk}))
    assert response.status_code == 403
    assert not ActivityLog.objects.filter(action="contact.message_read").exists()


@pytest.mark.parametrize("persona", ["convener", "manager", "site_admin"])
def test_reading_a_message_shows_it_with_a_reply_link_and_is_recorded(request, client_for, topic, persona) -> None:
    reader = request.getfixturevalue(persona)
    message = _message(topic)

    page = client_for(reader).get(reverse("publications:contact_message", kwargs={"pk": message.pk})).content.decode()

    assert "My neighbour&#x27;s boiler has been broken since March." in page
    assert 'href="mailto:joe@example.org?subject=' in page
    read = ActivityLog.objects.get(action="contact.message_read")
    assert (read.actor, read.object_id, read.organisation_id) == (reader, str(message.pk), topic.organisation_id)
    assert "boiler" not in str(read.data)
    assert "joe@example.org" not in str(read.data)


def test_mark_as_handled_records_who_and_when(client_for, convener, topic) -> None:
    message = _message(topic)
    url = reverse("publications:contact_message", kwargs={"pk": message.pk})

    response = client_for(convener).post(url)

    assert response.status_code == 303
    message.refresh_from_db()
    assert message.handled_by == convener
    assert message.handled_at is not None
    assert ActivityLog.objects.filter(action="contact.message_handled", actor=convener).count() == 1
    page = client_for(convener).get(url).content.decode()
    assert "Mark as handled" not in page


def test_another_organisations_convener_cannot_mark_a_message_handled(client_for, topic, other_provider) -> None:
    message = _message(topic)
    response = client_for(_convener_of(other_provider)).post(
        reverse("publications:contact_message", kwargs={"pk": message.pk})
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.handled_at is None


@pytest.mark.parametrize("count", [1, 3])
def test_team_list_runs_a_fixed_number_of_queries(
    client_for, convener, topic, django_assert_num_queries, count
) -> None:
    for _ in range(count):
        _message(topic)
    client = client_for(convener)
    client.get("/")  # the first request of a session records the two-factor check
    # session, user, roles, count, page with topics and organisations, the activity log's entry
    with django_assert_num_queries(6):
        response = client.get(MANAGE)
    assert response.status_code == 200


def test_contact_retention_deletes_messages_older_than_a_year(topic) -> None:
    old = _message(topic, created_at=timezone.now() - dt.timedelta(days=366))
    recent = _message(topic, created_at=timezone.now() - dt.timedelta(days=364))
    out = io.StringIO()

    call_command("contact_retention", stdout=out)

    assert list(ContactMessage.objects.all()) == [recent]
    assert not ContactMessage.objects.filter(pk=old.pk).exists()
    assert "1 contact message(s) deleted." in out.getvalue()
    assert ActivityLog.objects.get(action="contact.retention_deleted").data == {"messages": 1}


def test_footer_links_to_publications_and_the_contact_form(client) -> None:
    page = client.get(reverse("index:home")).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert f'href="{reverse("publications:list")}"' in footer
    assert f'href="{CONTACT}"' in footer
    assert f'href="{reverse("publications:newsletters")}"' in footer
