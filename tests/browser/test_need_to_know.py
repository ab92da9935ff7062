"""Need to know (issue 17) in a real browser, every page checked by axe at 390, 768 and 1280 px:
the DSL restricts a case to themself; the deputy left out gets "Not found" with the offer to break
the glass, breaks it with a reason and reads the case; the DSL sees who did and ends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import dsl_logged_in, enter_code, follow, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_restricted_case_the_deputy_opens_by_breaking_the_glass(demo, browser_context):
    from cases.models import BreakGlass, Case

    base = demo.url
    case = Case.objects.filter(school__code="NDA", status="open").order_by("id").first()
    dsl = browser_context.new_page()
    dsl_logged_in(dsl, base)
    dsl.goto(f"{base}/cases/{case.pk}/")
    follow(dsl, dsl.get_by_role("link", name="Restrict this case to named people"))
    axe_check(dsl, "restrict a case")
    screenshot(dsl, "restrict-a-case")
    dsl.get_by_label("Why the case is restricted").fill("The family asked that as few people as possible know.")
    dsl.get_by_role("button", name="Restrict the case").click()
    expect(dsl.get_by_text("The case is restricted to the people you named.")).to_be_visible()
    expect(dsl.get_by_text("Only these people may read it: Morgan Ashby.")).to_be_visible()
    axe_check(dsl, "a restricted case")

    deputy_context = browser_context.browser.new_context(locale="en-GB", timezone_id="Europe/London")
    deputy = deputy_context.new_page()
    log_in(deputy, base, "deputy@demo.example")
    enter_code(deputy, totp(KNOWN_KEY))
    deputy.wait_for_url(lambda url: "/second-factor/" not in url)
    response = deputy.goto(f"{base}/cases/{case.pk}/")
    assert response.status == 404
    expect(deputy.get_by_role("heading", name="Not found")).to_be_visible()
    axe_check(deputy, "not found, with the glass")
    follow(deputy, deputy.get_by_role("link", name="break the glass, with a reason"))
    axe_check(deputy, "break the glass")
    screenshot(deputy, "break-the-glass")
    deputy.get_by_label("Why you need to open this case now").fill("too short")
    deputy.get_by_role("button", name="Break the glass and open it").click()
    expect(deputy.get_by_text("Say why you need to open it, in at least 20 characters")).to_be_visible()
    assert deputy.get_by_label("Why you need to open this case now").input_value() == "too short"  # kept
    deputy.get_by_label("Why you need to open this case now").fill("The child is missing and the DSL cannot be reached.")
    deputy.get_by_role("button", name="Break the glass and open it").click()
    expect(deputy.get_by_text("You opened this restricted case by breaking the glass.")).to_be_visible()
    axe_check(deputy, "a case opened by breaking the glass")

    dsl.goto(f"{base}/cases/{case.pk}/restriction/")
    expect(dsl.get_by_text("The child is missing and the DSL cannot be reached.")).to_be_visible()
    axe_check(dsl, "who may read it, with the glass broken")
    dsl.get_by_role("button", name="End their access").click()
    expect(dsl.get_by_text("Riley Fenwick can no longer open this case.")).to_be_visible()
    assert BreakGlass.objects.get().ended_at is not None
    assert deputy.goto(f"{base}/cases/{case.pk}/").status == 404
    deputy_context.close()
