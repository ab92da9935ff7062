"""A child's file to the second demo school in Chromium (issue 18, the Done-when journey): the DSL
marks the moving pupil as leaving, says where they are going, sends the file; the second school's
DSL is alerted, opens it and confirms receipt; the sending school's record shows the receipt. Every
page at a phone's, a tablet's and a desktop's width (``axe_check``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import FileTransfer, ReceivedFile, TransferStatus
from desk.demo.transfers import moving_pupil
from safeguard.models import School
from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import dsl_logged_in, enter_code, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_file_goes_to_the_second_demo_school_and_comes_back_receipted(demo, browser_context):
    first = School.objects.get(code="NDA")
    pupil = moving_pupil(first)
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    # The overdue file of the demo is on the home page.
    expect(page.locator("#children-files")).to_contain_text("overdue")
    page.goto(f"{demo.url}/pupils/{pupil.pk}/")
    page.get_by_role("link", name=f"Mark {pupil.first_name} as leaving the school").click()
    axe_check(page, "marking a pupil as leaving")
    page.get_by_role("button", name="Mark as left").click()
    expect(page.get_by_text("Their file is due by")).to_be_visible()
    expect(page.get_by_role("heading", name="Where is this child going?")).to_be_visible()
    axe_check(page, "the transfer checklist")
    screenshot(page, "transfer-checklist-1280")
    page.get_by_label("To a school on this Safeguard").check()
    page.get_by_label("The new school (on this Safeguard)").select_option(label="Southmere Demo School")
    page.get_by_role("button", name="Save where the child is going").click()
    expect(page.get_by_role("heading", name="Send the file")).to_be_visible()
    page.get_by_label("A note for the new school's DSL").fill("Please ring me when the file arrives.")
    page.get_by_role("button", name="Send the file").click()
    expect(page.get_by_text("Southmere Demo School's DSLs have been told")).to_be_visible()
    axe_check(page, "a transfer sent")
    screenshot(page, "transfer-sent-1280")
    transfer = FileTransfer.objects.get(pupil=pupil)
    assert transfer.status == TransferStatus.SENT

    other = browser_context.browser.new_context(
        locale="en-GB", timezone_id="Europe/London", viewport={"width": 390, "height": 844}
    )
    try:
        receiver = other.new_page()
        log_in(receiver, demo.url, "dsl@other.example")
        enter_code(receiver, totp(KNOWN_KEY))
        expect(receiver.locator("#children-files")).to_contain_text("A file from Northbrook Demo Academy")
        receiver.get_by_role("link", name="A file from Northbrook Demo Academy").first.click()
        expect(receiver.get_by_role("heading", name="Confirm receipt")).to_be_visible()
        expect(receiver.get_by_text("Please ring me when the file arrives.")).to_be_visible()
        axe_check(receiver, "a file arrived")
        screenshot(receiver, "transfer-received-390")
        receiver.get_by_label("I have received this child's file").check()
        receiver.get_by_role("button", name="Confirm receipt").click()
        expect(receiver.get_by_text("Receipt confirmed. The file is on")).to_be_visible()
        expect(receiver.get_by_role("heading", name="From the previous school")).to_be_visible()
        axe_check(receiver, "the pupil page with a file from the previous school")
        screenshot(receiver, "transfer-pupil-received-390")
    finally:
        other.close()

    received = ReceivedFile.objects.get(transfer=transfer)
    assert received.pupil.school.code == "SDS" and received.pupil.upn == pupil.upn
    page.goto(f"{demo.url}/transfers/{transfer.pk}/")
    expect(page.get_by_text("Confirmed by Jamie Rowan")).to_be_visible()
    axe_check(page, "a transfer receipted")
    screenshot(page, "transfer-receipted-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "transfer-receipted-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo.url}/transfers/")
    axe_check(page, "the children's files list")
    screenshot(page, "transfer-list-1280")
