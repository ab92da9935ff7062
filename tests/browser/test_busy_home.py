"""The DSL's home page on a day with more open work than it counts (issue 22), in Chromium: the
counts that reached the cap say "or more", at desktop width and on a phone, with axe on both."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, screenshot
from tests.browser.test_journeys import dsl_logged_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_home_page_past_the_count_cap(demo, browser_context, monkeypatch):
    from cases.models import Case
    from referrals.models import Step

    open_cases = Case.objects.filter(school__code="NDA", status="open").count()
    due = Step.objects.filter(school__code="NDA", state="todo", due_date__isnull=False).count()
    cap = 2
    assert open_cases > cap and due > cap, "the demo has more open cases and steps to do than the cap"
    for module in ("safeguard.selectors", "referrals.selectors", "safeguard.templatetags.counts"):
        monkeypatch.setattr(f"{module}.COUNT_CAP", cap)
    # Every open case's review overdue: the home page says how many, and the case list's filter
    # (below) lists them.
    Case.objects.filter(school__code="NDA", status="open").update(review_due=date.today() - timedelta(days=2))
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    for width, name in ((1280, "busy-home-desktop"), (390, "busy-home-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(demo.url + "/")
        expect(page.get_by_role("heading", name="Open cases (2 or more)")).to_be_visible()
        expect(page.get_by_text("2 or more steps overdue or due today across")).to_contain_text("most overdue are shown here")
        expect(page.get_by_text("2 or more case reviews due or overdue")).to_be_visible()
        axe_check(page, name)
        screenshot(page, name)
    # The case list's "Review due" filter (the home page links to it when more reviews are due
    # than it lists): the open cases whose review is due, the most overdue first, with the date.
    for width, name in ((1280, "cases-review-due-desktop"), (390, "cases-review-due-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(demo.url + "/cases/?review=due")
        expect(page.get_by_label("Review", exact=True)).to_have_value("due")
        expect(page.locator("caption")).to_have_text("Open cases with their review due or overdue, the most overdue first")
        expect(page.get_by_role("row")).to_have_count(open_cases + 1)
        axe_check(page, name)
        screenshot(page, name)
