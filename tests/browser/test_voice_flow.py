"""The Voice acceptance flow in a browser: a story told without an account is confirmed, checked,
published and answered, and its author hears at each step."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from heard.voice.models import Story


def test_story_from_telling_to_answer(page_for, demo_world) -> None:
    service = demo_world["services"]["Housing repairs"]
    people = demo_world["people"]

    resident = page_for(None, bypass_csp=False)
    resident.goto(service.get_absolute_url())
    resident.get_by_role("link", name="Tell us how it went").click()
    resident.get_by_label("2 – Poor", exact=True).first.check()
    resident.get_by_label("No", exact=True).check()
    resident.get_by_label("Sum it up in a few words").fill("Waited six weeks for a boiler")
    resident.get_by_label("Tell us what happened").fill("No heating in December, and nobody called back.")
    resident.get_by_label("Your email address").fill("kemi@example.org")
    resident.get_by_role("button", name="Send your story").click()
    expect(resident.get_by_role("heading", name="What happens next")).to_be_visible()
    story = Story.objects.get(title="Waited six weeks for a boiler")
    assert story.status == "unconfirmed"

    link = re.search(r"https?://[^/]+(/stories/confirm/\S+/)", mail.outbox[-1].body).group(1)
    resident.goto(link)
    expect(resident.get_by_text("Your story is confirmed")).to_be_visible()

    convener = page_for(people["convener"], bypass_csp=False)
    convener.goto("/manage/stories/")
    convener.get_by_role("link", name="Waited six weeks for a boiler").click()
    convener.get_by_label("Publish", exact=True).check()
    convener.get_by_role("button", name="Save decision").click()
    expect(convener.get_by_text("The author has been told")).to_be_visible()
    assert mail.outbox[-1].to == ["kemi@example.org"]
    assert "now published" in mail.outbox[-1].body

    responder = page_for(people["responder"], bypass_csp=False)
    responder.goto(Story.objects.get(pk=story.pk).get_absolute_url())
    responder.get_by_role("link", name="Answer this story").click()
    responder.get_by_label("Looking into it").check()
    responder.get_by_label("Your answer").fill("We are sorry. A manager will call you this week.")
    responder.get_by_role("button", name="Publish your answer").click()
    expect(responder.get_by_text("A manager will call you this week.")).to_be_visible()
    assert mail.outbox[-1].to == ["kemi@example.org"]
    assert "Where things stand: Looking into it" in mail.outbox[-1].body

    # "You said, we did": the provider records a change and links the story; its author hears.
    responder.goto(f"/services/{service.slug}/changes/new/")
    responder.get_by_label("What changed").fill("Boiler repairs answered within 24 hours in winter")
    responder.get_by_label("When it changed").fill("2026-11-20")
    responder.get_by_label(re.compile(r"Waited six weeks for a boiler")).check()
    responder.get_by_role("button", name="Record the change").click()
    expect(responder.get_by_text("Boiler repairs answered within 24 hours in winter").first).to_be_visible()
    assert mail.outbox[-1].to == ["kemi@example.org"]
    assert "Boiler repairs answered within 24 hours in winter" in mail.outbox[-1].body
    for page in (resident, convener, responder):
        assert page.csp_violations == []
