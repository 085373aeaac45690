"""Forms as a person meets them in a browser: errors are summarised, linked, and nothing typed is lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from heard.accounts.models import Demographics


def test_form_with_one_bad_field_links_the_error_and_keeps_every_other_value(page_for, demo_world) -> None:
    person = demo_world["people"]["resident2"]
    page = page_for(person, bypass_csp=False)
    page.goto("/account/about-you/")
    page.get_by_label("45 to 54").check()
    page.get_by_label("Man", exact=True).check()
    page.get_by_label("Your postcode").fill("not a postcode")
    page.get_by_label("Rent from a private landlord or letting agency").check()
    page.get_by_label("Working full-time").check()
    page.get_by_label("Another ethnic group").check()
    page.get_by_label("Yes, limited a little").check()
    page.get_by_label("I agree that Heard may keep these answers").check()
    page.get_by_role("button", name="Save your answers").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    # The page's script moves focus once the document is parsed: wait for it (a slow machine may
    # show the summary before), then check where focus is.
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    link = summary.get_by_role("link", name="Enter a postcode, like E8 1EA, or just its first half, like E8.")
    assert link.get_attribute("href") == "#id_postcode"
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_postcode"
    assert page.get_by_label("Your postcode").get_attribute("aria-invalid") == "true"

    # Everything else is as the person left it.
    assert page.get_by_label("Your postcode").input_value() == "not a postcode"
    for label in [
        "45 to 54",
        "Rent from a private landlord or letting agency",
        "Working full-time",
        "Another ethnic group",
        "Yes, limited a little",
        "I agree that Heard may keep these answers",
    ]:
        assert page.get_by_label(label).is_checked(), label
    assert page.get_by_label("Man", exact=True).is_checked()
    assert not Demographics.objects.filter(user=person).exists()

    page.get_by_label("Your postcode").fill("MB4 2CD")
    page.get_by_role("button", name="Save your answers").click()
    expect(page.get_by_text("Thank you. Your answers have been saved.")).to_be_visible()
    assert Demographics.objects.get(user=person).answers["postcode_district"] == "MB4"
    # It all ran under the site's real Content-Security-Policy, scripts included.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.csp_violations == []


@pytest.mark.parametrize("javascript", [True, False])
def test_sign_in_with_password_and_two_factor_code(browser, live_server, demo_world, javascript) -> None:
    from heard.demo.people import DEMO_PASSWORD, PEOPLE
    from heard.demo.selectors import current_totp_code

    convener = next(p for p in PEOPLE if p.key == "convener")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill(convener.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_totp_code(convener.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="Manage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage")
    expect(page.get_by_text("Millbrook Collaborative").first).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Be heard on the services you use")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    context.close()
