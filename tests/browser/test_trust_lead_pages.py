"""The trust's safeguarding lead's pages in Chromium (issue 17): their home page and the trust
report at a phone's, a tablet's and a desktop's width (``axe_check``), and the case page's section
where a DSL grants them a case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from desk.demo.people import TRUST_LEAD_ACCOUNT
from tests.browser.conftest import KNOWN_KEY, SCREENSHOTS, axe_check, screenshot, totp
from tests.browser.test_journeys import dsl_logged_in, enter_code, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_trust_leads_home_and_trust_report(demo, browser_context):
    page = browser_context.new_page()
    log_in(page, demo.url, TRUST_LEAD_ACCOUNT[0])
    enter_code(page, totp(KNOWN_KEY))
    expect(page.get_by_role("heading", name="Cases granted to you (1)")).to_be_visible()
    axe_check(page, "the trust lead's home page")
    screenshot(page, "trust-lead-home-1280")
    page.get_by_role("link", name="Trust report").first.click()
    expect(page.get_by_role("heading", name="Safeguarding figures for Demo Learning Trust")).to_be_visible()
    expect(page.locator("#table-volume")).to_contain_text("Northbrook Demo Academy")
    axe_check(page, "the trust report")
    screenshot(page, "trust-report-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "trust-report-390")


def test_a_dsl_grants_a_case_from_its_page(demo, browser_context):
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    page.get_by_role("link", name="Cases").first.click()
    page.locator("table a[href^='/cases/']").first.click()
    section = page.locator("section[aria-labelledby='trust-grants-heading']")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.get_by_label("Grant this case to").select_option(label=f"{TRUST_LEAD_ACCOUNT[1]} ({TRUST_LEAD_ACCOUNT[0]})")
    section.screenshot(path=str(SCREENSHOTS / "case-trust-grant-form-1280.png"))
    section.get_by_role("button", name="Grant this case").click()
    expect(page.get_by_text(f"{TRUST_LEAD_ACCOUNT[1]} can now read this case")).to_be_visible()
    expect(section).to_contain_text(f"{TRUST_LEAD_ACCOUNT[1]} can read this case.")
    axe_check(page, "the case page with a case granted to the trust's lead")
    screenshot(page, "case-trust-grant-1280")
    section.screenshot(path=str(SCREENSHOTS / "case-trust-grant-section-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "case-trust-grant-390")
    section.screenshot(path=str(SCREENSHOTS / "case-trust-grant-section-390.png"))


def test_the_it_administrator_asks_for_the_trusts_lead_and_a_dsl_approves(demo, browser_context):
    page = browser_context.new_page()
    log_in(page, demo.url, "itadmin@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    page.goto(demo.url + "/staff/")
    expect(page.get_by_role("heading", name="Safeguarding lead of Demo Learning Trust")).to_contain_text("Demo Learning Trust")
    expect(page.locator("section[aria-labelledby='trust-leads-heading']")).to_contain_text(TRUST_LEAD_ACCOUNT[0])
    axe_check(page, "the staff page with the trust's lead")
    screenshot(page, "trust-lead-staff-list-1280")
    page.get_by_role("link", name="Change Riley Fenwick").click()
    page.get_by_role("button", name="Ask for Riley Fenwick as the trust's safeguarding lead").click()
    expect(page.get_by_text("It takes effect when a Designated Safeguarding Lead of the school approves it")).to_be_visible()
    axe_check(page, "a staff page once the trust's lead is asked for")
    screenshot(page, "trust-lead-staff-edit-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "trust-lead-staff-edit-390")
