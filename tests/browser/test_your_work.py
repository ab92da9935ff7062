"""A pastoral teacher with more actions than their home page lists (issue 22), in Chromium: the
home page shows the 25 due soonest and the way to the rest, and "Your work" lists every one, at
desktop width and on a phone, with axe on both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import enter_code, follow, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_home_page_shows_the_soonest_actions_and_your_work_the_rest(demo, browser_context):
    from cases.models import CaseAssignment
    from desk.selectors import HOME_WORK_LIMIT
    from referrals.models import Action
    from safeguard.models import User

    pastoral = User.objects.get(email="pastoral@demo.example")
    assignment = CaseAssignment.objects.filter(user=pastoral, ended_at__isnull=True).select_related("case").first()
    assert assignment is not None, "the demo assigns the pastoral teacher a case"
    today = timezone.localdate()
    Action.objects.bulk_create(
        Action(case=assignment.case, owner=pastoral, title=f"Check in with the pupil, week {n + 1}", due_date=today + timedelta(days=7 * n), created_by=assignment.assigned_by)
        for n in range(HOME_WORK_LIMIT + 5)
    )  # fmt: skip
    mine = Action.objects.filter(owner=pastoral, status="open")
    total = mine.count()
    page = browser_context.new_page()
    log_in(page, demo.url, "pastoral@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    for width, name in ((1280, "pastoral-home-desktop"), (390, "pastoral-home-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(demo.url + "/")
        expect(page.get_by_role("heading", name=f"Your actions ({total})")).to_be_visible()
        expect(page.get_by_role("link", name="Mark as done")).to_have_count(HOME_WORK_LIMIT)
        expect(page.get_by_text(f"The {HOME_WORK_LIMIT} due soonest are shown here.")).to_be_visible()
        axe_check(page, name)
        screenshot(page, name)
    follow(page, page.get_by_role("link", name="All your actions"))
    for width, name in ((1280, "your-work-desktop"), (390, "your-work-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        expect(page.get_by_role("heading", name="Your work at")).to_be_visible()
        expect(page.get_by_role("link", name="Your actions")).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("link", name="Mark as done")).to_have_count(total)
        axe_check(page, name)
        screenshot(page, name)
    follow(page, page.get_by_role("link", name="Your referral steps"))
    expect(page.get_by_role("link", name="Your referral steps")).to_have_attribute("aria-current", "page")
    axe_check(page, "your-work-steps")
