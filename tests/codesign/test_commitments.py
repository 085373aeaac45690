"""Commitments: made from accepted ideas, progress in public, late everywhere once past due, and
each organisation's record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from heard.codesign import delivery, services
from heard.codesign.enums import CommitmentEventKind, CommitmentStatus, Outcome
from heard.codesign.models import Commitment, CommitmentEvent
from tests.codesign.conftest import move_to
from tests.factories import IdeaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(challenge, resident, neighbour, convener):
    idea = IdeaFactory(challenge=challenge, author=resident, title="Text tenants the day before")
    services.idea_support(idea=idea, by=neighbour)
    services.idea_shortlist(idea=idea, by=convener, shortlisted=True)
    move_to(challenge, "decision")
    delivery.decision_publish(idea=idea, by=convener, outcome=Outcome.ACCEPTED, reason="Cheap and quick.")
    return idea


def _commit(idea, by, due_on, **kwargs):
    return delivery.commitment_create(
        idea=idea, by=by, title="Send texts", owner=by, owner_title="Head of Repairs", due_on=due_on, **kwargs
    )


def test_commitment_made_from_the_manage_page_with_milestones(client_for, accepted, convener) -> None:
    due = timezone.localdate() + dt.timedelta(days=60)
    response = client_for(convener).post(
        reverse("codesign:manage_idea", kwargs={"slug": accepted.challenge.slug, "pk": accepted.pk}),
        {
            "action": "commit",
            "title": "Send a text the day before every repair visit",
            "owner": convener.pk,
            "owner_title": "Head of Repairs",
            "due_on": due.isoformat(),
            "milestones": f"{(due - dt.timedelta(days=30)).isoformat()} Texts tested with 50 tenants",
        },
    )
    commitment = Commitment.objects.get()
    assert response.status_code == 303
    assert (commitment.owner, commitment.due_on, commitment.status) == (convener, due, CommitmentStatus.PLANNED)
    assert commitment.milestones.get().title == "Texts tested with 50 tenants"
    page = client_for(None).get(commitment.get_absolute_url()).content.decode()
    assert "Head of Repairs" in page
    assert convener.email not in page


def test_commitment_milestone_line_without_a_date_is_refused_with_the_rest_kept(client_for, accepted, convener) -> None:
    response = client_for(convener).post(
        reverse("codesign:manage_idea", kwargs={"slug": accepted.challenge.slug, "pk": accepted.pk}),
        {
            "action": "commit",
            "title": "Send texts",
            "owner": convener.pk,
            "owner_title": "Head of Repairs",
            "due_on": (timezone.localdate() + dt.timedelta(days=9)).isoformat(),
            "milestones": "soon Texts tested",
        },
    )
    assert response.status_code == 400
    assert "Line 1: start with the date" in response.content.decode()
    assert 'value="Head of Repairs"' in response.content.decode()
    assert not Commitment.objects.exists()


def test_commitment_for_a_declined_idea_is_refused(challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge, shortlisted=True)
    move_to(challenge, "decision")
    delivery.decision_publish(idea=idea, by=convener, outcome=Outcome.DECLINED, reason="No money.")
    with pytest.raises(Exception, match="Only an accepted idea becomes a commitment"):
        _commit(idea, convener, timezone.localdate())


def test_progress_changes_status_keeps_history_and_tells_everyone(
    client_for, accepted, convener, resident, neighbour, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    commitment = _commit(accepted, convener, timezone.localdate() + dt.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(convener).post(
            reverse("codesign:manage_commitment", kwargs={"pk": commitment.pk}),
            {"action": "progress", "status": "in_progress", "text": "Texts go out in one ward."},
        )
    commitment.refresh_from_db()
    assert response.status_code == 303
    assert commitment.status == CommitmentStatus.IN_PROGRESS
    assert {address for message in mailoutbox for address in message.to} == {resident.email, neighbour.email}
    page = client_for(None).get(commitment.get_absolute_url()).content.decode()
    assert "Planned → In progress" in page
    assert "Texts go out in one ward." in page


def test_kept_commitment_is_closed_to_further_progress(accepted, convener) -> None:
    commitment = _commit(accepted, convener, timezone.localdate() + dt.timedelta(days=30))
    delivery.commitment_progress(commitment=commitment, by=convener, text="Done.", status=CommitmentStatus.KEPT)
    with pytest.raises(Exception, match="its record is closed"):
        delivery.commitment_progress(commitment=commitment, by=convener, text="More", status=CommitmentStatus.KEPT)
    commitment.refresh_from_db()
    assert commitment.finished_on == timezone.localdate()


def test_late_commitment_is_marked_once_shown_late_everywhere_and_people_told(
    client_for, accepted, convener, resident, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    commitment = _commit(accepted, convener, timezone.localdate() + dt.timedelta(days=1))
    Commitment.objects.filter(pk=commitment.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("commitments_check")
        call_command("commitments_check")

    assert CommitmentEvent.objects.filter(commitment=commitment, kind=CommitmentEventKind.LATE).count() == 1
    late_mail = [m for m in mailoutbox if "is late" in m.subject]
    assert {address for message in late_mail for address in message.to} >= {resident.email, convener.email}
    anonymous = client_for(None)
    for url in (
        commitment.get_absolute_url(),
        accepted.get_absolute_url(),
        accepted.challenge.get_absolute_url(),
        reverse("codesign:outcomes", kwargs={"slug": accepted.challenge.slug}) + "?show=commitments",
        reverse("codesign:accountability", kwargs={"slug": accepted.challenge.organisation.slug}) + "?show=commitments",
    ):
        assert ">Late</strong>" in anonymous.get(url).content.decode(), url


def test_moving_the_due_date_is_shown_in_the_history(client_for, accepted, convener) -> None:
    commitment = _commit(accepted, convener, timezone.localdate() + dt.timedelta(days=10))
    new_due = timezone.localdate() + dt.timedelta(days=40)
    client_for(convener).post(
        reverse("codesign:manage_commitment", kwargs={"pk": commitment.pk}),
        {"action": "due", "due_on": new_due.isoformat(), "reason": "The supplier is late."},
    )
    commitment.refresh_from_db()
    page = client_for(None).get(commitment.get_absolute_url()).content.decode()
    assert commitment.due_on == new_due
    assert "Due date moved from" in page
    assert "The supplier is late." in page


def test_owner_may_post_progress_but_a_resident_may_not(client_for, accepted, convener, resident) -> None:
    commitment = _commit(accepted, convener, timezone.localdate() + dt.timedelta(days=10))
    url = reverse("codesign:manage_commitment", kwargs={"pk": commitment.pk})
    assert client_for(convener).get(url).status_code == 200
    assert client_for(resident).get(url).status_code == 403


def test_accountability_page_counts_decisions_and_commitments(client_for, accepted, convener, provider) -> None:
    kept = _commit(accepted, convener, timezone.localdate() + dt.timedelta(days=10))
    delivery.commitment_progress(commitment=kept, by=convener, text="Done", status=CommitmentStatus.KEPT)
    other = IdeaFactory(challenge=accepted.challenge, shortlisted=True)
    delivery.decision_publish(idea=other, by=convener, outcome=Outcome.DECLINED, reason="No money.")
    from heard.codesign.selectors import organisation_accountability

    figures = organisation_accountability(organisation=provider)
    page = client_for(None).get(reverse("codesign:accountability", kwargs={"slug": provider.slug})).content.decode()
    assert (figures.challenges, figures.ideas, figures.decisions) == (1, 2, 2)
    assert (figures.accepted, figures.declined, figures.kept, figures.late) == (1, 1, 1, 0)
    assert figures.median_days_to_decision is not None
    assert "Of the 1 commitment whose time has come, 1 was kept." in page
