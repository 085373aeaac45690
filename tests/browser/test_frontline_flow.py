"""The Frontline acceptance flow in a browser: a partner registers, is verified, flags a cold home
from a phone-sized window; it routes to two agencies; one acknowledges and closes it while the
other cannot see its notes; the link to an earlier flag about the household is shown; the partner
hears each step. Each page on the way passes axe."""

from __future__ import annotations

from django.core import mail
from playwright.sync_api import expect

from heard.frontline import services
from heard.frontline.models import Flag, Partner
from tests.browser.conftest import no_axe_problems
from tests.factories import OrganisationFactory, UserFactory, frontline_agency, frontline_partner
from tests.frontline.conftest import staff_of


def test_flag_from_a_phone_to_two_agencies_and_back(transactional_db, page_for, site_admin) -> None:
    social = frontline_agency(OrganisationFactory(name="Millbrook Adult Social Care", slug="asc"), "adult_social_care")
    fire = frontline_agency(OrganisationFactory(name="Millbrook Fire and Rescue", slug="fire"), "fire")
    frontline_agency(OrganisationFactory(name="Duty desk", slug="duty"), "duty")
    for agency in (social, fire):
        services.rule_add(by=None, agency=agency, category="cold_home")
    social_worker = staff_of(social.organisation, "caseworker", "sw@example.org")
    firefighter = staff_of(fire.organisation, "caseworker", "ff@example.org")
    # An earlier flag about the same household, from a plumber.
    services.flag_submit(
        partner=frontline_partner(UserFactory()),
        category="cold_home",
        urgency="routine",
        details="Boiler condemned, no heating",
        address="14 Canal Street",
        postcode="MB1 2AB",
        name="Edith Clarke",
        approx_age=83,
        subject_aware="knows",
    )

    shopkeeper = UserFactory(email="raj@example.org", display_name="Raj")
    phone = page_for(shopkeeper, width=375, bypass_csp=False)
    phone.goto("/frontline/")
    phone.get_by_role("link", name="Register as a community partner").click()
    phone.get_by_label("Shopkeeper or shop worker").check()
    phone.get_by_label("The business or organisation you work for").fill("Corner Shop")
    phone.get_by_role("button", name="Register").click()
    expect(phone.get_by_text("We will check your details").first).to_be_visible()

    services.partner_verify(partner=Partner.objects.get(user=shopkeeper), by=site_admin)
    phone.goto("/frontline/")
    phone.get_by_role("link", name="Read the guidance, then flag").click()
    phone.get_by_role("button", name="I have read this guidance").click()
    expect(phone.get_by_label("Cold or unsafe home")).to_be_visible()  # the flag form, after the guidance
    expect(phone.get_by_text("If anyone is in immediate danger, call 999 now.")).to_be_visible()
    phone.get_by_label("Cold or unsafe home").check()
    phone.get_by_label("Soon: in the next day or two").check()
    phone.get_by_label("What did you see or hear?").fill("She came in wearing two coats; says the heating is off.")
    phone.get_by_label("Address").fill("14 Canal St")
    phone.get_by_label("Postcode").fill("mb1 2ab")
    phone.get_by_label("Their name, if you know it").fill("Edith Clark")
    phone.get_by_label("About how old are they?").fill("84")
    phone.get_by_label("Yes, and they agreed to me passing this on").check()
    phone.get_by_role("button", name="Send the flag").click()
    expect(phone.get_by_role("heading", name="Your flag is sent")).to_be_visible()
    flag = Flag.objects.get(partner__user=shopkeeper)
    assert sorted(flag.referrals.values_list("agency__kind", flat=True)) == ["adult_social_care", "fire"]
    checker = page_for(shopkeeper, width=375)
    checker.goto("/frontline/flag/")
    no_axe_problems(checker)

    worker = page_for(social_worker)
    worker.goto("/frontline/inbox/")
    no_axe_problems(worker)
    worker.get_by_role("link", name=flag.reference).click()
    worker.get_by_label("To act on this referral").check()
    worker.get_by_role("button", name="Show personal details").click()
    expect(worker.get_by_text("Edith Clark", exact=True)).to_be_visible()
    expect(worker.locator("#links")).to_be_visible()
    no_axe_problems(worker)
    worker.get_by_role("button", name="Same person or household").click()
    worker.get_by_role("button", name="Acknowledge").click()
    worker.get_by_label("What was done").fill("Visited; emergency heater fitted for Edith")
    worker.get_by_role("button", name="Record the action").click()
    worker.get_by_label("Action taken").check()
    worker.get_by_label("A thank-you to the person who flagged it").fill("Thank you for looking out for your customer.")
    worker.get_by_role("button", name="Close the referral").click()
    expect(worker.get_by_text("Closed. The person who flagged it has been told.")).to_be_visible()

    other = page_for(firefighter)
    other.goto(f"/frontline/referrals/{flag.referrals.get(agency=fire).pk}/")
    other.get_by_label("To act on this referral").check()
    other.get_by_role("button", name="Show personal details").click()
    expect(other.get_by_text("Edith Clark", exact=True)).to_be_visible()
    assert other.get_by_text("emergency heater").count() == 0  # the other agency's notes stay there
    refused = other.goto(f"/frontline/referrals/{flag.referrals.get(agency=social).pk}/")
    assert refused is not None
    assert refused.status == 403

    bodies = [m.body for m in mail.outbox if m.to == ["raj@example.org"]]
    assert any("Being looked at" in body for body in bodies)
    assert any("Thank you for looking out for your customer." in body for body in bodies)
    assert not any("heater" in body or "Edith" in body for body in bodies)
    phone.goto(f"/frontline/my-flags/{flag.reference}/")
    expect(phone.get_by_text("Being looked at").first).to_be_visible()
    assert phone.csp_violations == []
