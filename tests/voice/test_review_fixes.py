"""Guards found in review: private services stay private, imports cannot smuggle links or move
services, titles cannot break email headers, and subscriptions follow roles and frequencies."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from heard.core.models import OutboundEmail
from heard.core.services import email_queue
from heard.directory.openreferral import parse_services
from heard.organisations.models import Membership
from heard.voice.enums import Frequency, StoryStatus
from heard.voice.models import Subscription
from heard.voice.services import digests_send, subscription_add
from tests.factories import ServiceFactory, StoryFactory

pytestmark = pytest.mark.django_db


def test_a_story_about_a_private_service_is_not_public(client) -> None:
    story = StoryFactory(
        service=ServiceFactory(is_private=True), status=StoryStatus.PUBLISHED, published_at=timezone.now()
    )
    assert client.get(story.get_absolute_url()).status_code == 404


def test_import_refuses_an_organisation_link_that_is_not_a_web_address(client_for, site_admin) -> None:
    payload = [
        {
            "id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e0a",
            "name": "Club",
            "organization": {"name": "Sneaky", "url": "javascript:alert(1)"},
        }
    ]
    upload = SimpleUploadedFile("s.json", json.dumps(payload).encode(), content_type="application/json")
    response = client_for(site_admin).post(reverse("directory:manage_import"), {"file": upload, "sector": "public"})
    assert "its organization&#x27;s url is not valid" in response.content.decode()


def test_import_does_not_move_a_service_to_another_organisation(client_for, site_admin) -> None:
    service = ServiceFactory(name="Repairs")
    payload = [{"id": str(service.uid), "name": "Repairs", "organization": {"name": "Someone Else Ltd"}}]
    upload = SimpleUploadedFile("s.json", json.dumps(payload).encode(), content_type="application/json")
    response = client_for(site_admin).post(reverse("directory:manage_import"), {"file": upload, "sector": "public"})
    assert "Change it on Heard first" in response.content.decode()
    service.refresh_from_db()
    assert service.organisation.name != "Someone Else Ltd"


@pytest.mark.parametrize("field", ["phones", "service_at_locations", "attributes", "service_areas"])
def test_open_referral_fields_of_the_wrong_shape_do_not_crash(field) -> None:
    item = {"id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e0b", "name": "Club", "organization": {"name": "A"}, field: 5}
    services, errors = parse_services([item])
    assert errors == []
    assert services[0].name == "Club"


@pytest.mark.parametrize("age", [True, 12.5])
def test_open_referral_ages_must_be_whole_numbers(age) -> None:
    item = {
        "id": "4f8d6a9e-2b7c-4c1a-9d3e-5a6b7c8d9e0c",
        "name": "Club",
        "organization": {"name": "A"},
        "minimum_age": age,
    }
    _services, errors = parse_services([item])
    assert errors == ["Service 1 (Club): an age must be a whole number."]


def test_an_email_subject_is_always_one_line(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(to="a@example.org", subject="Title\r\nBcc: x@example.org", text_body="Body")
    assert mail.outbox[0].subject == "Title Bcc: x@example.org"
    assert OutboundEmail.objects.get().status == "sent"


def test_changing_a_subscription_to_daily_does_not_resend_old_stories(responder, django_capture_on_commit_callbacks):
    service = ServiceFactory()
    subscription_add(by=responder, service=service, frequency=Frequency.IMMEDIATE)
    StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now())
    subscription_add(by=responder, service=service, frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 0


def test_someone_who_lost_their_role_gets_no_more_digests(responder, django_capture_on_commit_callbacks) -> None:
    service = ServiceFactory()
    subscription_add(by=responder, service=service, frequency=Frequency.DAILY)
    Subscription.objects.update(sent_up_to=timezone.now() - timezone.timedelta(days=1))
    StoryFactory(service=service, status=StoryStatus.PUBLISHED, published_at=timezone.now())
    Membership.objects.filter(user=responder).delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 0


def test_the_reported_stories_list_appears_once_on_the_queue(client_for, operator) -> None:
    from heard.organisations.enums import Role
    from heard.voice.models import StoryReport
    from tests.factories import MembershipFactory, UserFactory, add_totp

    convener = UserFactory()
    MembershipFactory(user=convener, organisation=operator, role=Role.CONVENER)
    add_totp(convener)
    story = StoryFactory(status=StoryStatus.PUBLISHED, published_at=timezone.now(), title="Reported one")
    StoryReport.objects.create(story=story, reason="abuse")
    html = client_for(convener).get(reverse("voice:moderation_queue")).content.decode()
    assert html.count("Stories readers reported") == 1
    assert "<title>Stories to check – Heard</title>" in html
    assert html.count("Reported one") == 1
