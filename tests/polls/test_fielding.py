"""Answering a poll: public link, routing, leaving and resuming, invitations, the panel, abuse controls."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heard.polls import fielding
from heard.polls.enums import RespondentStatus
from heard.polls.models import Answer, Invitation, PanelMember, Respondent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def q(poll, code: str) -> str:
    return f"q{poll.questions.get(code=code).pk}"


def page1(poll, tried="1"):
    return {q(poll, "q1"): "35-44", q(poll, "q2"): tried}


def page2(poll, with_scale=True):
    data = {q(poll, "q3"): "4"}
    if with_scale:
        data[q(poll, "q4")] = "7"
    return data


def page3(poll):
    grid = poll.questions.get(code="q6")
    data = {q(poll, "q5"): ["1", "3"], q(poll, "q7"): "More evening meetings."}
    for item in grid.items.all():
        data[f"q{grid.pk}_i{item.pk}"] = "4"
    return data


def start(client: Client, poll) -> None:
    response = client.post(reverse("polls:start", kwargs={"slug": poll.slug}))
    assert response.status_code == 302
    assert response["Location"] == reverse("polls:answer", kwargs={"slug": poll.slug})


def test_a_resident_answers_page_by_page_through_the_public_link(client, poll, wave) -> None:
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    start(client, poll)
    assert "How old are you?" in client.get(url).content.decode()
    assert client.post(url, page1(poll)).status_code == 302
    page = client.get(url + "?page=2").content.decode()
    assert "How well were you listened to?" in page  # routed in: they said yes
    client.post(url, {**page2(poll), "page": "2"})
    response = client.post(url, {**page3(poll), "page": "3"})
    assert response["Location"] == reverse("polls:done", kwargs={"slug": poll.slug})
    respondent = Respondent.objects.get()
    assert respondent.status == RespondentStatus.COMPLETE
    assert Answer.objects.filter(respondent=respondent).count() == 8  # 6 questions + 2 grid statements
    assert Answer.objects.get(respondent=respondent, question__code="q5").choices == ["1", "3"]
    assert Answer.objects.get(respondent=respondent, question__code="q4").number == 7.0


def test_routing_skips_a_question_and_drops_its_old_answer(client, poll, wave) -> None:
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    start(client, poll)
    client.post(url, page1(poll, tried="1"))
    client.post(url, {**page2(poll), "page": "2"})
    # They go back and change their answer: the scale question is no longer asked.
    client.post(url, {**page1(poll, tried="2"), "page": "1"})
    page = client.get(url + "?page=2").content.decode()
    assert "How well were you listened to?" not in page
    client.post(url, {**page2(poll, with_scale=False), "page": "2"})
    client.post(url, {**page3(poll), "page": "3"})
    assert not Answer.objects.filter(question__code="q4").exists()


def test_an_error_on_a_page_keeps_what_was_typed(client, poll, wave) -> None:
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    start(client, poll)
    client.post(url, page1(poll))
    client.post(url, {**page2(poll), "page": "2"})
    data = page3(poll)
    grid = poll.questions.get(code="q6")
    data.pop(f"q{grid.pk}_i{grid.items.first().pk}")
    response = client.post(url, {**data, "page": "3"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Answer “Buses”, please." in page
    assert "More evening meetings." in page  # the free text is still there
    assert Respondent.objects.get().status == RespondentStatus.IN_PROGRESS


def test_leaving_and_coming_back_resumes_where_they_were(poll, wave) -> None:
    client = Client()
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    start(client, poll)
    client.post(url, page1(poll))
    cookie = client.cookies[f"heard_poll_{wave.pk}"].value
    later = Client()  # the same browser, another day
    later.cookies[f"heard_poll_{wave.pk}"] = cookie
    detail = later.get(poll.get_absolute_url()).content.decode()
    assert "Carry on where you left off" in detail
    page = later.get(url).content.decode()
    assert "I have a say" in page  # page 2, where they stopped
    back = later.get(url + "?page=1").content.decode()
    assert re.search(r'value="35-44"[^>]*checked', back)


def test_one_response_per_account(client_for, poll, wave, resident) -> None:
    client = client_for(resident)
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    start(client, poll)
    client.post(url, page1(poll))
    client.post(url, {**page2(poll), "page": "2"})
    client.post(url, {**page3(poll), "page": "3"})
    again = client_for(resident)  # another device, same account
    again.post(reverse("polls:start", kwargs={"slug": poll.slug}))
    assert again.get(url)["Location"] == reverse("polls:done", kwargs={"slug": poll.slug})
    assert Respondent.objects.filter(user=resident).count() == 1


def test_an_invitation_works_once(poll, wave, convener, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        fielding.invitations_send(wave=wave, by=convener, emails=["ann@example.org"], site_url="http://testserver")
    link = re.search(r"http://testserver(/polls/invitation/\S+/)", mail.outbox[-1].body).group(1)
    client = Client()
    assert client.get(link)["Location"] == reverse("polls:answer", kwargs={"slug": poll.slug})
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    client.post(url, page1(poll))
    client.post(url, {**page2(poll), "page": "2"})
    client.post(url, {**page3(poll), "page": "3"})
    assert Invitation.objects.get().used_at is not None
    assert Respondent.objects.get().channel == "invitation"
    stranger = Client()
    response = stranger.get(link)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    assert Client().get("/polls/invitation/not-a-token/").status_code == 404


def test_the_panel_is_joined_with_consent_and_invited(client_for, resident, poll, wave, convener) -> None:
    client = client_for(resident)
    client.post(reverse("polls:panel"), {"join": "yes"})
    assert PanelMember.objects.filter(user=resident).exists()
    assert fielding.panel_invite(wave=wave, by=convener, site_url="") == 1
    assert fielding.panel_invite(wave=wave, by=convener, site_url="") == 0  # not invited twice
    client.post(reverse("polls:panel"), {"join": "no"})
    assert not PanelMember.objects.filter(user=resident).exists()


def test_open_link_starts_are_rate_limited_and_repeats_flagged(poll, wave) -> None:
    url = reverse("polls:answer", kwargs={"slug": poll.slug})
    first = Client()
    start(first, poll)
    first.post(url, page1(poll))
    first.post(url, {**page2(poll), "page": "2"})
    first.post(url, {**page3(poll), "page": "3"})
    second = Client()  # same address and browser, no cookie
    start(second, poll)
    second.post(url, page1(poll))
    second.post(url, {**page2(poll), "page": "2"})
    second.post(url, {**page3(poll), "page": "3"})
    flags = list(Respondent.objects.order_by("pk").values_list("possible_duplicate", flat=True))
    assert flags == [False, True]
    for _ in range(25):
        Client().post(reverse("polls:start", kwargs={"slug": poll.slug}))
    assert Respondent.objects.count() == 20  # the hourly limit for one address


def test_a_closed_wave_takes_no_answers(client, poll, wave) -> None:
    start(client, poll)
    type(wave).objects.filter(pk=wave.pk).update(closes_at=timezone.now())
    response = client.post(reverse("polls:answer", kwargs={"slug": poll.slug}), page1(poll))
    assert response.status_code == 200
    assert "not open for answers" in response.content.decode()
    assert not Answer.objects.exists()


def test_an_account_holder_cannot_be_two_respondents_at_once(poll, wave) -> None:
    person = UserFactory()
    first = fielding.respondent_start(wave=wave, user=person)
    again = fielding.respondent_start(wave=wave, user=person)
    assert first.pk == again.pk


def test_a_signed_in_respondent_is_not_the_next_person_on_the_browser(client_for, resident, poll, wave) -> None:
    signed_in = client_for(resident)
    start(signed_in, poll)
    signed_in.post(reverse("polls:answer", kwargs={"slug": poll.slug}), page1(poll))
    cookie = signed_in.cookies[f"heard_poll_{wave.pk}"].value
    stranger = Client()
    stranger.cookies[f"heard_poll_{wave.pk}"] = cookie
    assert stranger.get(reverse("polls:answer", kwargs={"slug": poll.slug}))["Location"] == poll.get_absolute_url()
    assert "Carry on where you left off" not in stranger.get(poll.get_absolute_url()).content.decode()
