"""Review of proposals: who may review what (teams, conflicts of interest), scores and their
ranking, decisions, and the decision emails sent in bulk by a background task."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from heard.core.models import ActivityLog
from heard.events.models import (
    DEFAULT_ACCEPT_TEMPLATE,
    DEFAULT_REJECT_TEMPLATE,
    DEFAULT_WAITLIST_TEMPLATE,
    Answer,
    CallQuestion,
    Event,
    Review,
    ReviewScore,
    ReviewTeam,
    Session,
    SessionHost,
)
from heard.events.services import review as services
from heard.events.tasks import send_decision_emails
from heard.organisations.enums import Role
from tests.factories import MembershipFactory, OrganisationFactory, SessionFactory, UserFactory, add_totp, festival

pytestmark = pytest.mark.django_db


def _reviewer(event: Event, **kwargs):
    user = UserFactory(**kwargs)
    event.call.teams.first().members.add(user)
    return user


def _with_role(user, organisation, role=Role.RESPONDER):
    """Give someone a role; people with a role must use two-factor authentication."""
    MembershipFactory(user=user, organisation=organisation, role=role)
    if not user.authenticator_set.exists():
        add_totp(user)
    return user


def _criteria(event: Event):
    relevance, inclusion = event.call.criteria.order_by("position")
    return relevance, inclusion


def _scores(event: Event, relevance: int, inclusion: int) -> dict[int, int]:
    first, second = _criteria(event)
    return {first.pk: relevance, second.pk: inclusion}


def _post_scores(event: Event, relevance: int | None, inclusion: int | None, comment: str = "") -> dict[str, object]:
    first, second = _criteria(event)
    data: dict[str, object] = {"comment": comment}
    if relevance is not None:
        data[f"score_{first.pk}"] = relevance
    if inclusion is not None:
        data[f"score_{second.pk}"] = inclusion
    return data


def _review_url(session: Session) -> str:
    return reverse("events:review_session", kwargs={"slug": session.event.slug, "pk": session.pk})


def _queue_url(event: Event) -> str:
    return reverse("events:review_queue", kwargs={"slug": event.slug})


def _ranking_url(event: Event) -> str:
    return reverse("events:proposals_manage", kwargs={"slug": event.slug})


def _manage_url(session: Session) -> str:
    return reverse("events:proposal_manage", kwargs={"slug": session.event.slug, "pk": session.pk})


@pytest.fixture
def event(provider) -> Event:
    return festival(provider)


@pytest.fixture
def partner(db) -> object:
    return OrganisationFactory(name="Riverside Youth Trust", slug="riverside")


@pytest.fixture
def proposal(event, partner) -> Session:
    return SessionFactory(event=event, organisation=partner, title="Growing up online")


# --- Who may review -------------------------------------------------------------------------------


def test_review_session_open_to_a_reviewer_in_the_team(client_for, event, proposal) -> None:
    reviewer = _reviewer(event)
    response = client_for(reviewer).get(_review_url(proposal))
    assert response.status_code == 200
    assert "Growing up online" in response.content.decode()
    assert "Save my review" in response.content.decode()


@pytest.mark.parametrize("admin", ["superuser", "site_admin"])
def test_review_session_refuses_a_reviewer_from_the_proposing_organisation_even_an_administrator(
    client_for, event, proposal, partner, site_admin, admin
) -> None:
    reviewer = site_admin if admin == "site_admin" else UserFactory(is_superuser=True, is_staff=True)
    event.call.teams.first().members.add(reviewer)
    _with_role(reviewer, partner)
    client = client_for(reviewer)
    response = client.get(_review_url(proposal))
    assert response.status_code == 403
    response = client.post(_review_url(proposal), _post_scores(event, 4, 4))
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_review_session_refuses_a_co_host(client_for, event, proposal) -> None:
    reviewer = _reviewer(event)
    SessionHost.objects.create(session=proposal, email=reviewer.email.upper(), name="Co-host")
    assert client_for(reviewer).get(_review_url(proposal)).status_code == 403


def test_review_pages_refuse_a_resident(client_for, event, proposal, resident) -> None:
    client = client_for(resident)
    assert client.get(_queue_url(event)).status_code == 403
    assert client.get(_review_url(proposal)).status_code == 403


def test_review_pages_send_anonymous_visitors_to_sign_in(client_for, event, proposal) -> None:
    response = client_for(None).get(_review_url(proposal))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_review_session_refuses_a_reviewer_whose_team_does_not_cover_the_theme(client_for, event, proposal) -> None:
    youth, ageing = event.themes.order_by("position")
    proposal.theme = ageing
    proposal.save()
    team = ReviewTeam.objects.create(call=event.call, name="Youth")
    team.themes.add(youth)
    reviewer = UserFactory()
    team.members.add(reviewer)
    assert client_for(reviewer).get(_review_url(proposal)).status_code == 403
    assert "Growing up online" not in client_for(reviewer).get(_queue_url(event)).content.decode()


def test_review_session_is_not_found_for_a_draft(client_for, event, partner) -> None:
    draft = SessionFactory(event=event, organisation=partner, state="draft", submitted_at=None)
    assert client_for(_reviewer(event)).get(_review_url(draft)).status_code == 404


@pytest.mark.parametrize("persona", ["manager", "convener", "site_admin"])
def test_organisers_can_rank_proposals(client_for, event, proposal, request, persona) -> None:
    response = client_for(request.getfixturevalue(persona)).get(_ranking_url(event))
    assert response.status_code == 200
    assert "Growing up online" in response.content.decode()


@pytest.mark.parametrize("persona", ["reviewer", "resident", "responder"])
def test_others_cannot_rank_or_decide(client_for, event, proposal, request, persona) -> None:
    user = _reviewer(event) if persona == "reviewer" else request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(_ranking_url(event)).status_code == 403
    assert client.get(_manage_url(proposal)).status_code == 403
    assert client.post(_manage_url(proposal), {"state": "accepted"}).status_code == 403
    send = reverse("events:decisions_send", kwargs={"slug": event.slug})
    assert client.post(send).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "submitted"


# --- The reviewer's queue -------------------------------------------------------------------------


def test_review_queue_lists_what_the_reviewer_may_review_and_the_conflicts_apart(
    client_for, event, proposal, partner
) -> None:
    own = OrganisationFactory(name="Hillside Age Concern")
    reviewer = _with_role(_reviewer(event), own)
    reviewed = SessionFactory(event=event, organisation=None, title="Memory cafés")
    services.review_save(session=reviewed, by=reviewer, scores=_scores(event, 3, 3))
    decided = SessionFactory(event=event, title="Tea dances", state="accepted")
    SessionFactory(event=event, title="A draft", state="draft", submitted_at=None)
    SessionFactory(event=event, title="Taken back", state="withdrawn")
    SessionFactory(event=event, organisation=own, title="Our own workshop")
    hosted = SessionFactory(event=event, title="My co-hosted panel")
    SessionHost.objects.create(session=hosted, email=reviewer.email, user=reviewer)

    response = client_for(reviewer).get(_queue_url(event))
    page = response.content.decode()
    listed = {session.title: session.reviewed for session in response.context["page"].object_list}
    assert listed == {"Growing up online": False, "Memory cafés": True, decided.title: False}
    first, *_rest = response.context["page"].object_list
    assert first.title == "Growing up online"  # those not reviewed yet come first
    conflicts = {session.title: session.conflict for session in response.context["conflicted"]}
    assert conflicts == {"Our own workshop": "organisation", "My co-hosted panel": "host"}
    assert "2 proposals you may not review" in page
    assert "from Hillside Age Concern, where you have a role" in page
    assert "you are one of its hosts" in page
    assert _review_url(hosted) not in page
    assert "A draft" not in page
    assert "Taken back" not in page


# --- Reviewing ------------------------------------------------------------------------------------


def test_saving_a_review_stores_the_weighted_overall_and_saving_again_updates_it(client_for, event, proposal) -> None:
    reviewer = _reviewer(event)
    client = client_for(reviewer)
    response = client.post(_review_url(proposal), _post_scores(event, 4, 1, "Clear plan."))
    assert response.status_code == 303
    assert response["Location"] == _queue_url(event)
    review = Review.objects.get()
    assert review.overall == pytest.approx((4 * 2 + 1 * 1) / 3)  # Relevance weighs 2, Inclusion 1
    assert review.comment == "Clear plan."

    page = client.get(_review_url(proposal)).content.decode()
    assert "Update my review" in page
    assert "Clear plan." in page

    client.post(_review_url(proposal), _post_scores(event, 2, 2, "Second thoughts."))
    review = Review.objects.get()
    assert review.overall == 2
    assert review.comment == "Second thoughts."
    assert sorted(ReviewScore.objects.values_list("score", flat=True)) == [2, 2]
    assert ActivityLog.objects.filter(action="events.review_updated").count() == 1


def test_review_needs_every_criterion_scored_and_keeps_what_was_written(client_for, event, proposal) -> None:
    response = client_for(_reviewer(event)).post(_review_url(proposal), _post_scores(event, 3, None, "Half done"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Choose a score for Inclusion." in page
    assert "Half done" in page
    assert not Review.objects.exists()


def test_review_score_out_of_range_is_refused(client_for, event, proposal) -> None:
    response = client_for(_reviewer(event)).post(_review_url(proposal), _post_scores(event, 5, 2))
    assert response.status_code == 400
    assert "Choose a score from 0 to 4 for Relevance." in response.content.decode()
    assert not Review.objects.exists()


def test_review_service_refuses_criteria_of_another_call(event, proposal) -> None:
    other_event = festival()
    first, _second = _criteria(other_event)
    with pytest.raises(ValidationError):
        services.review_save(session=proposal, by=_reviewer(event), scores={**_scores(event, 1, 1), first.pk: 3})
    assert not Review.objects.exists()


def test_review_after_the_decision_is_refused_with_a_message(client_for, event, proposal) -> None:
    reviewer = _reviewer(event)
    proposal.state = "waitlisted"
    proposal.save()
    client = client_for(reviewer)
    assert "Reviews are closed" in client.get(_review_url(proposal)).content.decode()
    response = client.post(_review_url(proposal), _post_scores(event, 4, 4))
    assert response.status_code == 400
    assert "so reviews are closed" in response.content.decode()
    assert not Review.objects.exists()


def test_review_page_shows_the_proposal_and_answers_but_never_access_needs(client_for, event, proposal) -> None:
    question = CallQuestion.objects.create(call=event.call, text="What will people take away?")
    Answer.objects.create(session=proposal, question=question, text="A plan for their street")
    proposal.access_needs = "A hearing loop for me"
    proposal.audience = "Young carers"
    proposal.save()
    page = client_for(_reviewer(event)).get(_review_url(proposal)).content.decode()
    assert "What will people take away?" in page
    assert "A plan for their street" in page
    assert "Young carers" in page
    assert "hearing loop" not in page
    assert proposal.proposer.display_name in page
    assert "Riverside Youth Trust" in page


def test_anonymised_review_hides_who_proposed_it(client_for, event, proposal) -> None:
    event.call.anonymised_review = True
    event.call.save()
    SessionHost.objects.create(session=proposal, email="cohost@example.org", name="Jo Cohost")
    page = client_for(_reviewer(event)).get(_review_url(proposal)).content.decode()
    assert "Growing up online" in page
    assert proposal.proposer.display_name not in page
    assert "Riverside Youth Trust" not in page
    assert "Jo Cohost" not in page
    assert "This review is anonymised" in page


# --- Ranking --------------------------------------------------------------------------------------


def test_ranking_orders_by_mean_overall_with_the_unreviewed_last(client_for, event, manager) -> None:
    first_reviewer, second_reviewer = _reviewer(event), _reviewer(event)
    unreviewed = SessionFactory(event=event, title="Unreviewed")
    steady = SessionFactory(event=event, title="Steady")
    strong = SessionFactory(event=event, title="Strong")
    SessionFactory(event=event, title="Still a draft", state="draft", submitted_at=None)
    services.review_save(session=steady, by=first_reviewer, scores=_scores(event, 4, 4))  # 4
    services.review_save(session=steady, by=second_reviewer, scores=_scores(event, 2, 2))  # 2
    services.review_save(session=strong, by=first_reviewer, scores=_scores(event, 4, 4))  # 4
    services.review_save(session=strong, by=second_reviewer, scores=_scores(event, 4, 1))  # 3

    response = client_for(manager).get(_ranking_url(event))
    rows = list(response.context["page"].object_list)
    assert [row.title for row in rows] == ["Strong", "Steady", "Unreviewed"]
    assert [row.review_count for row in rows] == [2, 2, 0]
    assert rows[0].mean_overall == pytest.approx(3.5)
    assert rows[1].mean_overall == pytest.approx(3.0)
    assert rows[2].mean_overall is None
    assert rows[0].criterion_means == [pytest.approx(4.0), pytest.approx(2.5)]
    assert rows[2].criterion_means == [None, None]
    page = response.content.decode()
    assert "Still a draft" not in page
    assert _manage_url(unreviewed) in page
    assert "3.50" in page


def test_ranking_filters_by_state_and_theme(client_for, event, manager) -> None:
    youth, ageing = event.themes.order_by("position")
    SessionFactory(event=event, title="Youth, submitted", theme=youth)
    SessionFactory(event=event, title="Ageing, accepted", theme=ageing, state="accepted")
    SessionFactory(event=event, title="Youth, accepted", theme=youth, state="accepted")
    client = client_for(manager)
    titles = lambda query: [row.title for row in client.get(_ranking_url(event), query).context["page"]]  # noqa: E731
    assert sorted(titles({"state": "accepted"})) == ["Ageing, accepted", "Youth, accepted"]
    assert titles({"state": "accepted", "theme": youth.pk}) == ["Youth, accepted"]
    assert titles({"theme": ageing.pk}) == ["Ageing, accepted"]
    assert "No proposals match" in client.get(_ranking_url(event), {"state": "withdrawn"}).content.decode()


# --- Deciding -------------------------------------------------------------------------------------


def test_organiser_sees_everything_and_decides(client_for, event, proposal, manager) -> None:
    reviewer = _reviewer(event, display_name="Priya Reviewer")
    services.review_save(session=proposal, by=reviewer, scores=_scores(event, 3, 2), comment="Lovely idea.")
    SessionHost.objects.create(session=proposal, email="cohost@example.org", name="Jo Cohost")
    proposal.access_needs = "Step-free access for my wheelchair"
    proposal.save()
    client = client_for(manager)
    page = client.get(_manage_url(proposal)).content.decode()
    assert "Step-free access for my wheelchair" in page
    assert "Jo Cohost" in page
    assert "cohost@example.org" in page
    assert "Priya Reviewer" in page
    assert "Lovely idea." in page
    log = ActivityLog.objects.get(action="events.access_needs_read")
    assert (log.actor, log.object_id) == (manager, str(proposal.pk))

    response = client.post(_manage_url(proposal), {"state": "accepted"})
    assert response.status_code == 303
    proposal.refresh_from_db()
    assert proposal.state == "accepted"
    assert proposal.decided_at is not None
    assert proposal.decision_emailed_at is None


def test_decision_form_refuses_a_state_that_is_not_a_decision(client_for, event, proposal, manager) -> None:
    response = client_for(manager).post(_manage_url(proposal), {"state": "confirmed"})
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.state == "submitted"


def test_decision_form_needs_a_choice(client_for, event, proposal, manager) -> None:
    response = client_for(manager).post(_manage_url(proposal), {})
    assert response.status_code == 400
    assert "Choose accept, reserve list or reject." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == "submitted"


def test_a_decision_can_change_until_the_hosts_are_emailed(client_for, event, proposal, manager) -> None:
    services.session_decide(session=proposal, state="rejected", by=manager)
    services.session_decide(session=proposal, state="accepted", by=manager)  # before the email: fine
    Session.objects.filter(pk=proposal.pk).update(decision_emailed_at=timezone.now())
    response = client_for(manager).post(_manage_url(proposal), {"state": "rejected"})
    assert response.status_code == 400
    assert "already been emailed" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == "accepted"


def test_a_proposal_on_the_reserve_list_can_be_accepted_after_its_email(event, proposal, manager) -> None:
    services.session_decide(session=proposal, state="waitlisted", by=manager)
    Session.objects.filter(pk=proposal.pk).update(decision_emailed_at=timezone.now())
    decided = services.session_decide(session=proposal, state="accepted", by=manager)
    assert decided.state == "accepted"
    assert decided.decision_emailed_at is None  # so its new decision is emailed in turn


@pytest.mark.parametrize("state", ["confirmed", "withdrawn", "draft"])
def test_a_proposal_cannot_be_decided_once_confirmed_withdrawn_or_in_draft(event, proposal, manager, state) -> None:
    Session.objects.filter(pk=proposal.pk).update(state=state)
    with pytest.raises(ValidationError):
        services.session_decide(session=proposal, state="rejected", by=manager)
    proposal.refresh_from_db()
    assert proposal.state == state


# --- Decision emails ------------------------------------------------------------------------------


def test_decision_emails_send_the_right_template_to_every_host_once(
    client_for, event, proposal, manager, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    event.call.accept_template = "Yes to {title} at {event}, from {organiser}. Confirm: {link}"
    event.call.reject_template = "No to {title}."
    event.call.save()
    SessionHost.objects.create(session=proposal, email="cohost@example.org", name="Jo Cohost")
    rejected = SessionFactory(event=event, title="Knitting")
    waiting = SessionFactory(event=event, title="Undecided")
    for session, state in ((proposal, "accepted"), (rejected, "rejected")):
        services.session_decide(session=session, state=state, by=manager)
    client = client_for(manager)
    assert "Send 3 decision emails" in client.get(_ranking_url(event)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:decisions_send", kwargs={"slug": event.slug}), follow=True)
    assert "3 emails are being sent." in response.content.decode()
    link = settings.HEARD_SITE_URL + reverse("events:proposal", kwargs={"slug": event.slug, "pk": proposal.pk})
    sent = sorted((message.to[0], message.body) for message in mailoutbox)
    accepted_body = f"Yes to Growing up online at The Unusual Suspects, from Millbrook Borough Council. Confirm: {link}"
    assert sent == sorted(
        [
            ("cohost@example.org", accepted_body),
            (proposal.proposer.email, accepted_body),
            (rejected.proposer.email, "No to Knitting."),
        ]
    )
    proposal.refresh_from_db()
    waiting.refresh_from_db()
    assert proposal.decision_emailed_at is not None
    assert waiting.decision_emailed_at is None

    # Sending again sends nothing more, from the page or the task.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:decisions_send", kwargs={"slug": event.slug}), follow=True)
        send_decision_emails.enqueue(event_id=event.pk)
    assert "There are no decisions waiting to be emailed." in response.content.decode()
    assert len(mailoutbox) == 3
    assert "Every decision so far has been emailed" in response.content.decode()


def test_a_template_with_bad_placeholders_still_sends_with_them_visible(
    event, proposal, manager, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    event.call.waitlist_template = "Dear {name}, {title} {0} {title.__class__} {title:>99999} {event.__class__} {"
    event.call.save()
    services.session_decide(session=proposal, state="waitlisted", by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.decisions_send(event=event, by=manager)
    (message,) = mailoutbox
    assert message.body == "Dear {name}, Growing up online {0} {title.__class__} {title:>99999} {event.__class__} {"
    assert message.subject == "Your proposal is on the reserve list: Growing up online"
    proposal.refresh_from_db()
    assert proposal.decision_emailed_at is not None


def test_unknown_placeholders_are_listed() -> None:
    assert services.unknown_placeholders("{title} {name} {link} {Name} {name}") == ["Name", "name"]
    for default in (DEFAULT_ACCEPT_TEMPLATE, DEFAULT_WAITLIST_TEMPLATE, DEFAULT_REJECT_TEMPLATE):
        assert services.unknown_placeholders(str(default)) == []


# --- A fixed number of queries, whatever the number of proposals ----------------------------------


def _settled(client):
    client.get("/")  # the first request of a session records the two-factor check
    return client


@pytest.mark.parametrize("count", [1, 3])
def test_review_queue_runs_a_fixed_number_of_queries(client_for, event, django_assert_num_queries, count) -> None:
    own = OrganisationFactory()
    reviewer = _with_role(_reviewer(event), own)
    for number in range(count):
        session = SessionFactory(event=event)
        if number:
            services.review_save(session=session, by=reviewer, scores=_scores(event, 2, 3))
        SessionFactory(event=event, organisation=own)
    client = _settled(client_for(reviewer))
    # session, user, event, the reviewer's teams (for the permission, then with their themes),
    # roles, count and page of the proposals, and the conflicts with their count
    with django_assert_num_queries(10):
        response = client.get(_queue_url(event))
    assert len(response.context["page"].object_list) == count
    assert len(response.context["conflicted"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_ranking_runs_a_fixed_number_of_queries(client_for, event, manager, django_assert_num_queries, count) -> None:
    reviewers = [_reviewer(event), _reviewer(event)]
    youth, _ageing = event.themes.order_by("position")
    for _number in range(count):
        session = SessionFactory(event=event, theme=youth)
        for reviewer in reviewers:
            services.review_save(session=session, by=reviewer, scores=_scores(event, 4, 2))
    client = _settled(client_for(manager))
    # session, user, event, roles, criteria, count and page of proposals, the decisions not
    # emailed yet, and the themes of the filter
    with django_assert_num_queries(9):
        response = client.get(_ranking_url(event), {"state": "submitted"})
    assert len(response.context["page"].object_list) == count
