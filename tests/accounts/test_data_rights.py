"""A person can download everything held about them, and delete their account leaving no
personal data behind, while their public contributions stay as "Former member"."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from heard.accounts import services
from heard.accounts.models import Demographics, User
from heard.core import personal_data
from heard.core.models import ActivityLog, OutboundEmail
from heard.organisations.enums import Role
from heard.organisations.services import membership_grant
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, add_totp

pytestmark = pytest.mark.django_db

# Distinctive values planted in every personal field, then searched for across every table.
EMAIL = "zqx.personal@example.org"
NAME = "Zqxwv Personal"
TRACES = ["zqx.personal", "Zqxwv"]


@pytest.fixture
def person() -> User:
    """A person with data in every place Heard keeps personal data."""
    user = UserFactory(email=EMAIL, display_name=NAME)
    add_totp(user)
    organisation = OrganisationFactory()
    MembershipFactory(user=user, organisation=organisation, role=Role.RESPONDER)
    colleague = UserFactory()
    membership_grant(organisation=organisation, user=colleague, role=Role.ANALYST, by=user)
    services.demographics_save(
        user=user,
        answers={"age_band": "25-34", "ethnicity": "mixed", "disability": "no", "postcode_district": "MB3"},
        by=user,
    )
    OutboundEmail.objects.create(recipient=EMAIL, user=user, subject="Welcome", kind="welcome")
    admin = UserFactory(is_staff=True)
    LogEntry.objects.log_actions(
        user_id=admin.pk, queryset=[user], action_flag=CHANGE, change_message="Changed display name."
    )
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=EMAIL, ip_address="203.0.113.9", user_agent="Firefox", failures_since_start=1, path_info="/"
    )
    return user


def _user_linked_models() -> set[type[models.Model]]:
    user_model = apps.get_model("accounts", "User")
    linked = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is user_model:
                through = getattr(field.remote_field, "through", None)
                if field.many_to_many and through is not None and not through._meta.auto_created:
                    continue  # the rows are in its own table, which links to the person and is checked
                linked.add(model)
    return linked


def test_every_model_linked_to_a_person_is_registered() -> None:
    unregistered = {m._meta.label for m in _user_linked_models() - personal_data.registered_models()}
    # Django's own many-to-many tables for groups and permissions are emptied by erasure directly.
    assert unregistered <= {"accounts.User_groups", "accounts.User_user_permissions"}


def test_download_holds_every_personal_field(client_for, person) -> None:
    response = client_for(person).post(reverse("accounts:data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="heard-my-data-')
    data = json.loads(response.content)

    for source in personal_data.sources():
        rows = list(source.rows_for(person))
        assert len(data[source.name]) == len(rows), source.name
        for exported in data[source.name]:
            assert set(exported) == set(source.fields), source.name
    account = data["account"][0]
    assert account["email"] == EMAIL
    assert account["display_name"] == NAME
    assert data["demographics"][0]["answers"] == {
        "age_band": "25-34",
        "ethnicity": "mixed",
        "disability": "no",
        "postcode_district": "MB3",
    }
    assert data["roles_in_organisations"][0]["role"] == "responder"
    assert data["email_addresses"][0]["email"] == EMAIL
    assert data["emails_sent"][0]["kind"] == "welcome"
    assert data["failed_sign_in_attempts"][0]["ip_address"] == "203.0.113.9"
    assert "account.demographics_saved" in {entry["action"] for entry in data["activity"]}


def test_download_holds_every_field_of_the_user_model_that_describes_the_person(client_for, person) -> None:
    data = json.loads(client_for(person).post(reverse("accounts:data")).content)
    descriptive = {"email", "display_name", "date_joined", "last_login", "is_active"}
    assert descriptive <= set(data["account"][0])


def _all_stored_text() -> str:
    """Every text-like value in every table (including JSON), as one string to search."""
    chunks = []
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField | models.GenericIPAddressField)
        ]
        if text_fields:
            for row in model._base_manager.values_list(*text_fields):
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_deleting_the_account_leaves_no_personal_data_in_any_table(client_for, person) -> None:
    assert all(trace in _all_stored_text() for trace in TRACES)  # the test would see them

    response = client_for(person).post(reverse("accounts:delete"), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:deleted")
    stored = _all_stored_text()
    for trace in TRACES:
        assert trace not in stored
    assert "203.0.113.9" not in stored
    assert not Demographics.objects.filter(user=person).exists()
    assert not person.authenticator_set.exists()
    assert not person.memberships.exists()


def test_deleting_the_account_keeps_contributions_as_former_member(client_for, person) -> None:
    actions_before = ActivityLog.objects.filter(actor=person).count()

    client_for(person).post(reverse("accounts:delete"), {"confirm": "on"})

    person.refresh_from_db()
    assert person.public_name == "Former member"
    assert person.is_active is False
    assert person.has_usable_password() is False
    # What they did stays attributed to the (now anonymous) account.
    assert ActivityLog.objects.filter(actor=person).count() >= actions_before
    # The colleague they gave a role keeps it.
    assert User.objects.get(memberships__role=Role.ANALYST).memberships.count() == 1
    admin_entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk))
    assert admin_entry.object_repr == "Former member"


def test_deleted_person_cannot_sign_in(client, person) -> None:
    services.account_erase(user=person, by=person)
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": "correct-horse-battery-staple"})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_delete_without_confirming_changes_nothing(client_for, person) -> None:
    response = client_for(person).post(reverse("accounts:delete"), {})
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    person.refresh_from_db()
    assert person.email == EMAIL


def test_delete_asks_to_sign_in_again_when_sign_in_was_long_ago(client, person) -> None:
    client.force_login(person)
    response = client.post(reverse("accounts:delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    person.refresh_from_db()
    assert person.email == EMAIL


def test_the_only_administrator_cannot_delete_their_account_until_someone_else_is(client_for, person) -> None:
    from heard.organisations.models import Membership

    organisation = person.memberships.get().organisation
    MembershipFactory(user=person, organisation=organisation, role=Role.ADMINISTRATOR)
    client = client_for(person)

    page = client.get(reverse("accounts:delete")).content.decode()
    assert f"You are the only administrator of {organisation.name}" in page
    client.post(reverse("accounts:delete"), {"confirm": "on"})
    person.refresh_from_db()
    assert person.email == EMAIL

    MembershipFactory(organisation=organisation, role=Role.ADMINISTRATOR)
    client.post(reverse("accounts:delete"), {"confirm": "on"})
    person.refresh_from_db()
    assert person.is_erased
    assert Membership.objects.filter(organisation=organisation, role=Role.ADMINISTRATOR).count() == 1
