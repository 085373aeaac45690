"""The publications acceptance flow in a browser: a convener writes a report as a draft, previews
and publishes it, then publishes an expert's response to it; the response shows under the report
and both are in the feeds. A resident subscribes to the newsletter and confirms through the
emailed link; the convener sends an issue featuring the report; the resident's email carries
working RFC 8058 unsubscribe headers, and one POST to that address unsubscribes them. Each page
on the way passes axe, and the pages break nothing under the real content security policy."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.core import mail
from playwright.sync_api import expect

from heard.publications.models import Publication, Subscriber
from tests.browser.conftest import no_axe_problems
from tests.factories import NewsletterFactory, TopicFactory

ATOM = "{http://www.w3.org/2005/Atom}"


def _link_in(message, path_start: str) -> str:
    found = re.search(rf"https?://[^\s\"<>]+({re.escape(path_start)}[^\s\"<>]*)", message.body)
    assert found, message.body
    return found.group(1)


def test_report_response_feed_and_newsletter(transactional_db, page_for, provider, convener) -> None:
    newsletter = NewsletterFactory(organisation=provider, name="Millbrook news", slug="millbrook-news")
    TopicFactory(newsletter=newsletter, name="Reports and research")
    TopicFactory(newsletter=newsletter, name="Events")

    # The convener drafts the report, previews it and publishes it.
    staff = page_for(convener)
    staff.goto("/publications/manage/")
    staff.get_by_role("link", name="New publication").click()
    staff.get_by_label("Report", exact=True).check()
    staff.get_by_label("Title", exact=True).fill("The Collaborative Citizen")
    staff.get_by_label("Summary").fill("Few people feel they have a say in how services are run.")
    staff.get_by_label("Text", exact=True).fill(
        "## What we found\n\nOnly **one in seven** say they have a voice.<script>alert(1)</script>"
    )
    staff.get_by_label("Authors").fill("Ada Mensah, Millbrook Collaborative")
    staff.get_by_label("Tags").fill("research, public services")
    staff.get_by_role("button", name="Preview").click()
    preview = staff.locator(".preview, [aria-labelledby*=preview], section").filter(has_text="What we found").first
    expect(preview.locator("strong", has_text="one in seven")).to_be_visible()
    assert Publication.objects.count() == 0  # a preview saves nothing
    assert staff.get_by_label("Title", exact=True).input_value() == "The Collaborative Citizen"
    staff.get_by_role("button", name="Save draft").click()
    report = Publication.objects.get()
    assert report.status == "draft"
    # Drafts are not public.
    visitor = page_for(None)
    assert visitor.goto(f"/publications/{report.slug}/").status == 404
    staff.get_by_role("button", name="Publish").click()
    report.refresh_from_db()
    assert report.status == "published"
    no_axe_problems(staff)

    # Then an expert's response to it.
    staff.goto("/publications/manage/new/")
    staff.get_by_label("Response", exact=True).check()
    staff.get_by_label("Title", exact=True).fill("A new frontline")
    staff.get_by_label("Text", exact=True).fill("The shopkeeper, the plumber and the taxi driver see need first.")
    staff.get_by_label("Authors").fill("Grace Okafor, Rowan Trust")
    staff.get_by_label("In response to").select_option(value=str(report.pk))
    staff.get_by_role("button", name="Publish").click()
    response_piece = Publication.objects.get(title="A new frontline")
    assert response_piece.status == "published"
    assert response_piece.responds_to == report

    # The report's page lists the response; the response links back; neither runs the script.
    visitor.goto(f"/publications/{report.slug}/")
    expect(visitor.get_by_role("heading", name="The Collaborative Citizen", level=1)).to_be_visible()
    expect(visitor.get_by_role("link", name="A new frontline")).to_be_visible()
    assert visitor.locator("script", has_text="alert(1)").count() == 0
    assert visitor.locator('meta[property="og:title"]').get_attribute("content") == "The Collaborative Citizen"
    no_axe_problems(visitor)
    visitor.get_by_role("link", name="A new frontline").click()
    expect(visitor.get_by_role("link", name="The Collaborative Citizen").first).to_be_visible()
    feed = ET.fromstring(visitor.request.get("/publications/feed.atom").body())  # noqa: S314 - our own feed
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles[:2] == ["A new frontline", "The Collaborative Citizen"]

    # A resident subscribes; nothing but the confirmation is sent until the link is followed.
    visitor.goto("/newsletters/millbrook-news/")
    no_axe_problems(visitor)
    visitor.get_by_label("Your email address").fill("amara@example.org")
    visitor.get_by_label("Reports and research").check()
    mail.outbox.clear()
    visitor.get_by_role("button", name="Subscribe").click()
    expect(visitor.get_by_role("heading", name=re.compile("Check your email"))).to_be_visible()
    assert [message.to for message in mail.outbox] == [["amara@example.org"]]
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending"
    visitor.goto(_link_in(mail.outbox[0], "/newsletters/confirm/"))
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"  # opening the link alone confirms nothing (mail scanners)
    no_axe_problems(visitor)
    visitor.get_by_role("button", name="Confirm my subscription").click()
    subscriber.refresh_from_db()
    assert subscriber.status == "subscribed"
    assert [topic.name for topic in subscriber.topics.all()] == ["Reports and research"]

    # The convener composes an issue featuring the report and sends it.
    staff.goto(f"/newsletters/manage/{newsletter.slug}/issues/new/")
    staff.get_by_label("Subject").fill("Listen up: it's time to be heard")
    staff.get_by_label("Introduction").fill("Our report is out, with a first response.")
    staff.get_by_role("checkbox", name=re.compile("The Collaborative Citizen")).check()
    staff.get_by_role("checkbox", name=re.compile("A new frontline")).check()
    no_axe_problems(staff)
    mail.outbox.clear()
    staff.get_by_role("button", name="Send…").click()
    confirm = staff.get_by_role("button", name="Send it to 1 subscriber")
    confirm.wait_for()  # the confirmation page has loaded
    no_axe_problems(staff)
    confirm.click()
    sent = [message for message in mail.outbox if message.to == ["amara@example.org"]]
    assert len(sent) == 1
    issue_email = sent[0]
    assert issue_email.subject == "Listen up: it's time to be heard"
    assert "The Collaborative Citizen" in issue_email.body
    assert issue_email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = issue_email.extra_headers["List-Unsubscribe"]
    unsubscribe = re.fullmatch(r"<https?://[^/]+(/newsletters/unsubscribe/[^>]+)>", header)
    assert unsubscribe, header

    # The mail program's one-click unsubscribe: a POST with no cookie and no CSRF token.
    answer = page_for(None).request.post(unsubscribe.group(1), form={"List-Unsubscribe": "One-Click"})
    assert answer.status == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"

    # Under the real content security policy (axe needs it bypassed above), nothing is refused.
    for user, path in ((None, f"/publications/{report.slug}/"), (convener, f"/publications/manage/{report.slug}/")):
        strict = page_for(user, bypass_csp=False)
        strict.goto(path)
        strict.wait_for_load_state("networkidle")
        assert strict.csp_violations == [], path
