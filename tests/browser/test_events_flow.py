"""The events acceptance flow in a browser: an organiser plans a festival and opens a call for
hosts; a partner proposes a session; two reviewers review it (one is kept off by a conflict of
interest); the organiser accepts it, emails the decision, schedules it with the form and publishes
the schedule; people register until the session is full; one cancels and the first waiting is
promoted and emailed; the session's calendar file parses. Each page on the way passes axe."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from heard.events.models import Event, Registration, Session
from tests.browser.conftest import no_axe_problems
from tests.factories import MembershipFactory, UserFactory, add_totp


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_festival_from_call_to_full_session(transactional_db, page_for, provider, other_provider, convener) -> None:
    partner = UserFactory(email="partner@example.org", display_name="Helen from Age Well")
    MembershipFactory(user=partner, organisation=other_provider, role="responder")
    add_totp(partner)
    reviewer = UserFactory(email="reviewer@example.org", display_name="Grace")
    conflicted = UserFactory(email="conflicted@example.org", display_name="Patricia")
    MembershipFactory(user=conflicted, organisation=other_provider, role="manager")
    add_totp(conflicted)
    now = timezone.now()
    first_day = timezone.localtime(now + dt.timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)

    # The organiser plans the festival, gives it a venue with a small room, and publishes it.
    staff = page_for(convener)
    staff.goto("/events/manage/")
    staff.get_by_label("Festival").check()
    staff.get_by_label("Title", exact=True).fill("The Unusual Suspects")
    staff.get_by_label("Starts").fill(_local(first_day))
    staff.get_by_label("Ends").fill(_local(first_day + dt.timedelta(days=2, hours=9)))
    staff.get_by_label("Places").fill("300")
    staff.get_by_role("button", name="Save the event").click()
    expect(staff.get_by_text("The event is saved.")).to_be_visible()
    event = Event.objects.get()
    staff.get_by_role("button", name="Publish the event").click()
    staff.get_by_role("link", name="Venue and rooms").click()
    staff.get_by_label("Name", exact=True).fill("Millbrook Town Hall")
    staff.get_by_role("button", name="Save the venue").click()
    staff.get_by_label("Room", exact=True).fill("Library Studio")
    staff.get_by_label("Seats").fill("2")
    staff.get_by_role("button", name="Add the room").click()
    expect(staff.get_by_role("cell", name="2")).to_be_visible()
    no_axe_problems(staff)

    # It opens the call for hosts, with a criterion and a review team of two.
    staff.get_by_role("link", name="Call for hosts").click()
    staff.get_by_label("Opens").fill(_local(now - dt.timedelta(hours=1)))
    staff.get_by_label("Deadline").fill(_local(now + dt.timedelta(days=7)))
    staff.get_by_role("button", name="Save the call").click()
    expect(staff.get_by_text("The call for hosts is saved.")).to_be_visible()
    staff.get_by_label("Criterion", exact=True).fill("Brings in people seldom heard")
    staff.get_by_role("button", name="Add the criterion").click()
    staff.get_by_label("Team", exact=True).fill("Everyone")
    staff.get_by_role("button", name="Add the team").click()
    for email in ("reviewer@example.org", "conflicted@example.org"):
        staff.get_by_label("Reviewer's email address").fill(email)
        staff.get_by_role("button", name="Add the reviewer").click()
    no_axe_problems(staff)

    # A partner proposes a session on behalf of their organisation, and is emailed a confirmation.
    host = page_for(partner)
    host.goto(f"/events/{event.slug}/call/")
    no_axe_problems(host)
    host.get_by_role("link", name="Propose a session").click()
    host.get_by_label("Title", exact=True).fill("Tablets and tea")
    host.get_by_label("Workshop").check()
    host.get_by_label("What happens in it").fill("Video calls with family, in an afternoon.")
    host.get_by_label("How many people you expect").fill("2")
    host.get_by_label("On behalf of").select_option(label=other_provider.name)
    host.get_by_label("Co-hosts").fill("not an address")
    host.get_by_role("button", name="Send the proposal in").click()
    expect(host.get_by_text("“not an address” is not an email address").first).to_be_visible()
    assert host.get_by_label("Title", exact=True).input_value() == "Tablets and tea"  # kept
    host.get_by_label("Co-hosts").fill("sam@example.org")
    host.get_by_role("button", name="Send the proposal in").click()
    expect(host.get_by_text("Your proposal is sent in.")).to_be_visible()
    session = Session.objects.get()
    assert any("We have your proposal" in message.subject for message in mail.outbox)

    # One reviewer scores it; the other, from the proposing organisation, cannot.
    reviewing = page_for(reviewer)
    reviewing.goto(f"/events/{event.slug}/review/")
    reviewing.get_by_role("link", name="Tablets and tea").click()
    reviewing.get_by_label("4: Fully").check()
    reviewing.get_by_label("Comment").fill("Exactly the people we want to reach.")
    reviewing.get_by_role("button", name="Save my review").click()
    no_axe_problems(reviewing)
    blocked = page_for(conflicted)
    blocked.goto(f"/events/{event.slug}/review/")
    assert blocked.get_by_role("link", name="Tablets and tea").count() == 0
    expect(blocked.get_by_text("Tablets and tea").first).to_be_visible()  # listed, with the reason
    response = blocked.goto(f"/events/{event.slug}/review/{session.pk}/")
    assert response.status == 403

    # The organiser accepts it and sends the decision emails.
    staff.goto(f"/events/{event.slug}/manage/proposals/")
    no_axe_problems(staff)
    staff.get_by_role("link", name="Tablets and tea").click()
    staff.get_by_label("Accept it", exact=True).check()
    staff.get_by_role("button", name="Save the decision").click()
    staff.goto(f"/events/{event.slug}/manage/proposals/")
    mail.outbox.clear()
    staff.get_by_role("button", name="Send 2 decision emails").click()
    assert sorted(message.to[0] for message in mail.outbox) == ["partner@example.org", "sam@example.org"]

    # The host confirms; the organiser places it with the form and publishes the schedule.
    host.goto(f"/events/{event.slug}/proposals/{session.pk}/")
    host.get_by_role("button", name="Confirm: we will host it").click()
    expect(host.get_by_text("you have confirmed")).to_be_visible()
    staff.goto(f"/events/{event.slug}/manage/schedule/")
    staff.locator(f"#session-{session.pk}-room").select_option(label="Library Studio")
    staff.locator(f"#session-{session.pk}-time").fill("10:00")
    staff.locator(f"#session-{session.pk}").get_by_role("button", name="Place it").click()
    staff.locator(f"#session-{session.pk}").get_by_text("10:00–11:00").wait_for()
    staff.get_by_label("Note for attendees").fill("The first schedule.")
    staff.get_by_role("button", name="Publish this version").click()
    session.refresh_from_db()
    assert session.published_starts_at is not None
    assert session.places == 2  # the room's seats
    no_axe_problems(staff)

    # People register until it is full; the third waits.
    people = [UserFactory(display_name=name) for name in ("Amara", "Joe", "Mei")]
    url = f"/events/{event.slug}/sessions/{session.pk}/"
    for person in people:
        visitor = page_for(person)
        visitor.goto(url)
        visitor.get_by_role("button", name="Book a place").or_(
            visitor.get_by_role("button", name="Join the waiting list")
        ).click()
    expect(visitor.get_by_text("You are number 1 on the waiting list")).to_be_visible()
    no_axe_problems(visitor)
    assert list(Registration.objects.filter(session=session).order_by("pk").values_list("status", flat=True)) == [
        "booked",
        "booked",
        "waiting",
    ]

    # The first cancels: Mei is promoted and emailed.
    mail.outbox.clear()
    first = page_for(people[0])
    first.goto(url)
    first.get_by_role("button", name="Cancel my place").click()
    assert Registration.objects.get(session=session, user=people[2]).status == "booked"
    assert [message.to for message in mail.outbox] == [[people[2].email]]
    assert "A place has come up" in mail.outbox[0].subject

    # The session's calendar file parses, with the released time.
    calendar = Calendar.from_ical(first.request.get(f"{url[:-1]}.ics").body())
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Tablets and tea"
    assert entry.decoded("dtstart") == session.published_starts_at
