"""Retention in Chromium (issue 19, the Done-when journey): on the demo, the DSL finds the former
pupil past the review date and proposes destroying their records; the head approves; the tombstone
is on the retention page and the audit log still verifies; the held record refuses destruction
with its reason. Every page at a phone's, a tablet's and a desktop's width (``axe_check``)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Pupil, Tombstone
from safeguard.audit import verify_chain
from safeguard.models import School, User
from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import dsl_logged_in, enter_code, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _seeded(first: School) -> None:
    """The demo's retention pupils (seed_demo adds them once the lead wires it in)."""
    from desk.demo.retention import seed_demo_retention

    if not Pupil.objects.filter(school=first, upn="R100000000001").exists():
        users = {user.email: user for user in User.objects.all()}
        seed_demo_retention(schools=list(School.objects.order_by("id")), users=users, today=timezone.localdate())


def test_the_dsl_and_the_head_destroy_a_former_pupils_records(demo, browser_context):
    first = School.objects.get(code="NDA")
    _seeded(first)
    due = Pupil.objects.get(school=first, upn="R100000000001")
    held = Pupil.objects.get(school=first, upn="R100000000002")
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    page.goto(f"{demo.url}/reports/")
    page.get_by_role("link", name="Records kept and their review").click()
    expect(page.get_by_role("heading", name="Due for review")).to_be_visible()
    expect(page.get_by_text(f"born {due.date_of_birth.day} {due.date_of_birth:%B %Y}: kept until")).to_be_visible()
    expect(page.get_by_text("crime reference 00/0000/26").first).to_be_visible()
    axe_check(page, "the retention page")
    screenshot(page, "retention-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "retention-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The held record: its reason, and no way to propose destroying it.
    page.goto(f"{demo.url}/retention/pupils/{held.pk}/")
    expect(page.get_by_text("These records cannot be destroyed now")).to_be_visible()
    expect(page.get_by_role("button", name="Propose destruction")).to_have_count(0)
    axe_check(page, "a held pupil's retention")
    screenshot(page, "retention-held-1280")

    page.goto(f"{demo.url}/retention/pupils/{due.pk}/")
    axe_check(page, "a pupil's retention")
    screenshot(page, "retention-pupil-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "retention-pupil-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("On what basis").fill("Reviewed at date of birth + 25 years: nothing in them may matter to an inquiry.")
    page.get_by_role("button", name="Propose destruction").click()
    expect(page.get_by_text("Proposed. The second person")).to_be_visible()
    expect(page.get_by_role("button", name="Approve: destroy these records now")).to_have_count(0)

    other = browser_context.browser.new_context(
        locale="en-GB", timezone_id="Europe/London", viewport={"width": 390, "height": 844}
    )
    try:
        head = other.new_page()
        log_in(head, demo.url, "head@demo.example")
        enter_code(head, totp(KNOWN_KEY))
        head.wait_for_url(lambda url: "/second-factor/" not in url)
        head.goto(f"{demo.url}/retention/pupils/{due.pk}/")
        axe_check(head, "approving a destruction")
        screenshot(head, "retention-approve-390")
        head.get_by_label("I have checked what will be destroyed, and agree it goes").check()
        head.get_by_role("button", name="Approve: destroy these records now").click()
        expect(head.get_by_text("Destroyed. What was destroyed")).to_be_visible()
        expect(head.locator("#destroyed").locator("xpath=..")).to_contain_text("approved by Alex Whitcombe")
        axe_check(head, "the retention page after a destruction")
        screenshot(head, "retention-destroyed-390")
    finally:
        other.close()
    assert Tombstone.objects.count() == 1
    assert verify_chain().ok

    page.goto(f"{demo.url}/data-protection/")
    expect(page.get_by_role("heading", name="Record of processing: Safeguard")).to_be_visible()
    axe_check(page, "the data protection officer's page")
    screenshot(page, "data-protection-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "data-protection-390")
