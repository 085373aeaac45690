"""The co-design acceptance flow in a browser: a provider poses a challenge, two residents propose
and support ideas (the second is shown the first as a possible duplicate while typing), a convener
merges the duplicate, the provider decides with a reason, commits, posts progress, the commitment
runs late, and everyone is told; each page on the way passes axe."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from heard.codesign.models import Challenge, Commitment, Idea
from tests.browser.conftest import no_axe_problems
from tests.factories import MembershipFactory, UserFactory, add_totp


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_challenge_from_question_to_late_commitment(transactional_db, page_for, provider, manager, resident) -> None:
    neighbour = UserFactory(email="neighbour@example.org", display_name="Bilal")
    convener = UserFactory(email="convener@example.org", display_name="Chris")
    MembershipFactory(user=convener, organisation=provider, role="convener")
    add_totp(convener)
    now = timezone.now()

    # A provider poses the challenge and publishes it.
    staff = page_for(manager, bypass_csp=False)
    staff.goto("/manage/challenges/")
    staff.get_by_label("The question").fill("How might we get repairs right first time?")
    staff.get_by_label("Background").fill("One repair in four needs a second visit.")
    staff.get_by_label("Limits").fill("The repairs contract runs until 2028.")
    staff.get_by_label("Anyone signed in to Heard").check()
    staff.get_by_label("Ideas open").fill(_local(now - dt.timedelta(hours=1)))
    staff.get_by_label("Deliberation starts").fill(_local(now + dt.timedelta(days=14)))
    staff.get_by_label("Decisions start").fill(_local(now + dt.timedelta(days=21)))
    staff.get_by_label("Delivery starts").fill(_local(now + dt.timedelta(days=28)))
    staff.get_by_role("button", name="Save as a draft").click()
    staff.get_by_role("button", name="Publish the challenge").click()
    expect(staff.get_by_text("The challenge is published.")).to_be_visible()
    challenge = Challenge.objects.get()

    # The first resident proposes an idea.
    first = page_for(resident, bypass_csp=False)
    first.goto(challenge.get_absolute_url())
    first.get_by_role("link", name="Propose an idea").click()
    first.get_by_label("Your idea in a sentence").fill("Text tenants the day before a repair visit")
    first.get_by_label("Tell us more").fill("So someone is in when the repairer comes.")
    first.get_by_role("button", name="Publish my idea").click()
    expect(first.get_by_text("Your idea is published")).to_be_visible()
    kept = Idea.objects.get()

    # The second sees it suggested while typing (htmx), proposes a near-duplicate anyway, and
    # supports the first.
    second = page_for(neighbour, bypass_csp=False)
    second.goto(f"/challenges/{challenge.slug}/ideas/new/")
    second.get_by_label("Your idea in a sentence").press_sequentially("Text tenants before the repair visit")
    suggestion = second.locator("#similar").get_by_role("link", name="Text tenants the day before a repair visit")
    suggestion.wait_for()
    expect(second.get_by_role("heading", name="Is your idea one of these?")).to_be_visible()
    second.get_by_label("Tell us more").fill("A reminder message.")
    second.get_by_role("button", name="Publish my idea").click()
    duplicate = Idea.objects.exclude(pk=kept.pk).get()
    proposing = page_for(neighbour)  # the form with suggestions, without JavaScript's help, for axe
    proposing.goto(f"/challenges/{challenge.slug}/ideas/new/?title=Text+tenants+before+repairs")
    expect(proposing.get_by_role("heading", name="Is your idea one of these?")).to_be_visible()
    no_axe_problems(proposing)
    second.goto(kept.get_absolute_url())
    second.get_by_role("button", name="Support this idea").click()
    expect(second.get_by_text("Thank you for your support.")).to_be_visible()
    expect(second.get_by_role("heading", name="2 supporters")).to_be_visible()

    # A convener merges the duplicate: Bilal backed both and counts once.
    moderator = page_for(convener, bypass_csp=False)
    moderator.goto(f"/manage/challenges/{challenge.slug}/ideas/{duplicate.pk}/")
    checker = page_for(convener)  # axe needs a page that lets it in
    checker.goto(f"/manage/challenges/{challenge.slug}/ideas/{duplicate.pk}/")
    no_axe_problems(checker)
    moderator.get_by_label("Merge into idea number").fill(str(kept.pk))
    moderator.get_by_role("button", name="Merge").click()
    expect(moderator.get_by_text("Merged. The idea now has 2 supporters.")).to_be_visible()

    # Weeks later the provider shortlists, decides with a reason, and commits.
    Challenge.objects.filter(pk=challenge.pk).update(
        ideas_from=now - dt.timedelta(days=30),
        deliberation_from=now - dt.timedelta(days=20),
        decision_from=now - dt.timedelta(days=1),
        delivery_from=now + dt.timedelta(days=30),
    )
    staff.goto(f"/manage/challenges/{challenge.slug}/ideas/{kept.pk}/")
    staff.get_by_role("button", name="Shortlist for a decision").click()
    staff.get_by_label("Accepted", exact=True).check()
    staff.get_by_label("The reason, in plain words").fill("It costs little and tenants asked for it.")
    outbox_before = len(mail.outbox)
    staff.get_by_role("button", name="Publish the decision").click()
    expect(staff.get_by_text("The decision is published")).to_be_visible()
    decided = {address for message in mail.outbox[outbox_before:] for address in message.to}
    assert decided == {resident.email, neighbour.email}

    staff.get_by_label("What we will do").fill("Send a text the day before every repair visit")
    staff.get_by_label("Their job title").fill("Head of Repairs")
    staff.get_by_label("Due by").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    staff.get_by_role("button", name="Publish the commitment").click()
    staff.get_by_label("In progress").check()
    staff.get_by_label("What has happened").fill("Texts are being tested in one ward.")
    staff.get_by_role("button", name="Publish the update").click()
    expect(staff.get_by_text("The update is published")).to_be_visible()
    commitment = Commitment.objects.get()

    # It runs late: the daily check marks it and tells the owner and everyone behind the idea.
    Commitment.objects.filter(pk=commitment.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    outbox_before = len(mail.outbox)
    call_command("commitments_check")
    late = {address for message in mail.outbox[outbox_before:] for address in message.to}
    assert late == {resident.email, neighbour.email, manager.email}

    reader = page_for(None)
    reader.goto(f"/organisations/{provider.slug}/accountability/?show=commitments")
    expect(reader.get_by_role("row", name="Late 1")).to_be_visible()
    expect(reader.locator("main").get_by_text("Late", exact=True).first).to_be_visible()
    no_axe_problems(reader)
    for url in (challenge.get_absolute_url(), kept.get_absolute_url(), commitment.get_absolute_url()):
        reader.goto(url)
        expect(reader.locator("main").get_by_text("Late", exact=True).first, f"no 'Late' on {url}").to_be_visible()
        no_axe_problems(reader)
    assert staff.csp_violations == []
    assert second.csp_violations == []
