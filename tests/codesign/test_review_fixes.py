"""Hidden things stay hidden, counts stay true, refusals change nothing, and people can stop emails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from heard.codesign import delivery, notices, services
from heard.codesign.enums import CommentStatus, IdeaStatus, Outcome
from heard.codesign.models import Challenge, Comment, IdeaMute, IdeaReport
from tests.codesign.conftest import move_to
from tests.factories import IdeaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _hidden_idea(challenge, convener):
    idea = IdeaFactory(challenge=challenge, title="Hidden title", description="Personal details here")
    services.idea_hide(idea=idea, by=convener, reason="Shares someone's address")
    return idea


def test_comment_post_on_a_hidden_idea_shows_nothing_of_it(client_for, challenge, convener, resident) -> None:
    idea = _hidden_idea(challenge, convener)
    url = reverse("codesign:comment_add", kwargs={"slug": challenge.slug, "pk": idea.pk})
    response = client_for(resident).post(url, {"text": ""})
    assert response.status_code == 404
    assert "Personal details here" not in response.content.decode()


def test_report_page_of_a_hidden_comment_is_not_found(client_for, challenge, convener, resident) -> None:
    idea = IdeaFactory(challenge=challenge)
    comment = services.comment_add(idea=idea, by=resident, text="Lives at 4 Elm Road")
    services.comment_moderate(comment=comment, by=convener, show=False)
    url = reverse("codesign:comment_report", kwargs={"slug": challenge.slug, "pk": idea.pk, "comment_pk": comment.pk})
    response = client_for(UserFactory()).get(url)
    assert response.status_code == 404
    assert "4 Elm Road" not in response.content.decode()


def test_hidden_idea_cannot_be_merged_into_view(challenge, convener) -> None:
    idea, target = _hidden_idea(challenge, convener), IdeaFactory(challenge=challenge)
    with pytest.raises(ValidationError, match="A hidden idea stays out of sight"):
        services.idea_merge(source=idea, target=target, by=convener)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.HIDDEN


def test_merge_into_a_decided_idea_is_refused(challenge, convener) -> None:
    source, target = IdeaFactory(challenge=challenge), IdeaFactory(challenge=challenge, shortlisted=True)
    move_to(challenge, "decision")
    delivery.decision_publish(idea=target, by=convener, outcome=Outcome.ACCEPTED, reason="Yes")
    with pytest.raises(ValidationError, match="already has a published decision"):
        services.idea_merge(source=source, target=target, by=convener)


def test_hidden_ideas_picture_is_never_cached_publicly(client_for, challenge, convener, settings, tmp_path) -> None:
    from tests.codesign.test_ideas import _picture

    settings.MEDIA_ROOT = tmp_path
    idea = services.idea_propose(
        challenge=challenge, by=UserFactory(), title="A picture", description="x", image=_picture(), image_alt="Red"
    )
    url = reverse("codesign:idea_image", kwargs={"slug": challenge.slug, "pk": idea.pk})
    assert client_for(None).get(url)["Cache-Control"] == "public, max-age=600"
    services.idea_hide(idea=idea, by=convener, reason="Rude")
    assert client_for(None).get(url).status_code == 404
    assert client_for(convener).get(url)["Cache-Control"] == "private, no-store"


def test_reports_beyond_the_one_that_holds_a_comment_leave_the_count_alone(challenge, resident) -> None:
    idea = IdeaFactory(challenge=challenge)
    comment = services.comment_add(idea=idea, by=resident, text="Hm")
    services.comment_add(idea=idea, by=resident, text="Another")
    for _ in range(services.REPORTS_TO_HOLD):
        services.comment_report(comment=comment, by=UserFactory(), reason="spam")
    comment.status = CommentStatus.PUBLISHED  # a stale copy, as a second request would hold
    services.comment_report(comment=comment, by=UserFactory(), reason="spam")
    idea.refresh_from_db()
    assert idea.comment_count == 1


def test_reply_to_a_held_comment_is_refused(challenge, resident) -> None:
    idea = IdeaFactory(challenge=challenge)
    comment = services.comment_add(idea=idea, by=resident, text="Hm")
    Comment.objects.filter(pk=comment.pk).update(status=CommentStatus.HELD)
    comment.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer on show"):
        services.comment_add(idea=idea, by=resident, text="Reply", parent=comment)


def test_idea_reported_reaches_the_moderators_and_is_kept_or_hidden(client_for, challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge, title="Spammy idea")
    client_for(UserFactory()).post(
        reverse("codesign:idea_report", kwargs={"slug": challenge.slug, "pk": idea.pk}), {"reason": "spam"}
    )
    manage = client_for(convener).get(reverse("codesign:manage_challenge", kwargs={"slug": challenge.slug}))
    assert "Spammy idea" in manage.content.decode().split('id="reported-ideas"')[1].split('id="reported"')[0]
    idea_page = reverse("codesign:manage_idea", kwargs={"slug": challenge.slug, "pk": idea.pk})
    assert "Spam or advertising" in client_for(convener).get(idea_page).content.decode()
    client_for(convener).post(idea_page, {"action": "hide", "hide-reason": "Advertising"})
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.HIDDEN
    assert not IdeaReport.objects.filter(resolved_at__isnull=True).exists()


def test_stop_link_in_an_email_stops_that_persons_emails_about_that_idea(
    client_for, challenge, convener, resident, neighbour, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    idea = IdeaFactory(challenge=challenge, author=resident, shortlisted=True)
    services.idea_support(idea=idea, by=neighbour)
    token = notices.stop_token(user_id=neighbour.pk, idea_id=idea.pk)
    url = reverse("codesign:stop_emails", kwargs={"token": token})
    assert client_for(None).get(url).status_code == 200
    assert not IdeaMute.objects.exists()  # opening the link changes nothing
    client_for(None).post(url)
    assert client_for(None).get(url[:-3] + "xx/").status_code == 404
    move_to(challenge, "decision")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.decision_publish(idea=idea, by=convener, outcome=Outcome.ACCEPTED, reason="Yes")
    assert [message.to for message in mailoutbox] == [[resident.email]]
    assert "/challenges/emails/stop/" in mailoutbox[0].body


def test_challenge_with_a_bad_invitee_address_is_not_saved_at_all(client_for, provider, manager) -> None:
    now = timezone.localtime()
    response = client_for(manager).post(
        reverse("codesign:manage"),
        {
            "organisation": provider.pk,
            "title": "Invited only",
            "context": "Context",
            "participation": "invited",
            "invitees": "good@example.org\nnot an address",
            "ideas_from": now.strftime("%Y-%m-%dT%H:%M"),
            "deliberation_from": (now + dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
            "decision_from": (now + dt.timedelta(days=19)).strftime("%Y-%m-%dT%H:%M"),
            "delivery_from": (now + dt.timedelta(days=29)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "“not an address” is not an email address." in response.content.decode()
    assert not Challenge.objects.exists()


def test_similar_check_without_javascript_keeps_what_was_typed(client_for, challenge, resident) -> None:
    IdeaFactory(challenge=challenge, title="Text tenants before each repair visit")
    response = client_for(resident).post(
        reverse("codesign:idea_new", kwargs={"slug": challenge.slug}),
        {"title": "Text tenants before repair visits", "description": "My words", "check": "1"},
    )
    page = response.content.decode()
    assert "Is your idea one of these?" in page
    assert "My words" in page
    assert challenge.ideas.count() == 1


def test_support_from_a_later_page_returns_to_that_page(client_for, challenge, resident, settings) -> None:
    idea = IdeaFactory(challenge=challenge)
    response = client_for(resident).post(
        reverse("codesign:support", kwargs={"slug": challenge.slug, "pk": idea.pk}),
        {"next": "challenge", "page": "3", "order": "new"},
    )
    assert response["Location"] == f"{challenge.get_absolute_url()}?order=new&page=3#idea-{idea.pk}"


def test_milestone_of_a_closed_commitment_cannot_be_reached(challenge, convener) -> None:
    idea = IdeaFactory(challenge=challenge, shortlisted=True)
    move_to(challenge, "decision")
    delivery.decision_publish(idea=idea, by=convener, outcome=Outcome.ACCEPTED, reason="Yes")
    today = timezone.localdate()
    commitment = delivery.commitment_create(
        idea=idea, by=convener, title="Do", owner=convener, owner_title="Lead", due_on=today, milestones=[("M", today)]
    )
    delivery.commitment_progress(commitment=commitment, by=convener, text="Dropped: no money", status="dropped")
    with pytest.raises(ValidationError, match="record is closed"):
        delivery.milestone_reach(milestone=commitment.milestones.get(), by=convener)


PHASES = ["upcoming", "ideas", "deliberation", "decision", "delivery"]
ALLOWED = {
    "propose": {"ideas"},
    "support": {"ideas", "deliberation"},
    "comment": {"ideas", "deliberation"},
    "shortlist": {"ideas", "deliberation", "decision"},
    "decide": {"decision", "delivery"},
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_what_each_phase_allows(challenge, resident, convener, phase, action) -> None:
    idea = IdeaFactory(challenge=challenge, shortlisted=True)
    move_to(challenge, phase)
    do = {
        "propose": lambda: services.idea_propose(challenge=challenge, by=resident, title="New", description="x"),
        "support": lambda: services.idea_support(idea=idea, by=resident),
        "comment": lambda: services.comment_add(idea=idea, by=resident, text="x"),
        "shortlist": lambda: services.idea_shortlist(idea=idea, by=convener, shortlisted=True),
        "decide": lambda: delivery.decision_publish(idea=idea, by=convener, outcome="accepted", reason="x"),
    }[action]
    if phase in ALLOWED[action]:
        do()
    else:
        with pytest.raises(ValidationError):
            do()
