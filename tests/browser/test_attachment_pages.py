"""The attachment form and the school's attachment setting, in a real browser, with axe-core.

Chromium through Playwright, as the other journeys here: it skips, or fails under
SAFEGUARD_REQUIRE_BROWSER=1, exactly as they do.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import enter_code, log_in
from tests.cases import smuggling

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dsl_attaches_a_document_and_sets_what_happens_to_pictures(demo, browser_context, tmp_path):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases.models import Attachment, Case
    from safeguard.models import User

    dsl = User.objects.get(email="dsl@demo.example")
    TOTPDevice.objects.create(user=dsl, name="Authenticator app", confirmed=True, key=KNOWN_KEY)
    case = Case.objects.filter(school__code="NDA").first()
    page = browser_context.new_page()
    log_in(page, demo.url, dsl.email)
    enter_code(page, totp(KNOWN_KEY))

    page.goto(f"{demo.url}/cases/{case.pk}/attachments/add/")
    axe_check(page, "attach a file")
    screenshot(page, "attachment-form")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(smuggling.pdf_plain())
    page.get_by_label(re.compile("File")).set_input_files(str(letter))
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("Say what this document is, for example 'police referral form'.")).to_be_visible()
    expect(page.get_by_text("Tick the box to confirm this file holds no image of a child.")).to_be_visible()
    axe_check(page, "attach a file, with errors")
    screenshot(page, "attachment-form-errors")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "attachment-form-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label(re.compile("File")).set_input_files(str(letter))
    page.get_by_label("What this document is").fill("Police referral form")
    page.get_by_label("I confirm this file holds no image of a child").check()
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("The file is attached.")).to_be_visible()
    assert Attachment.objects.get(case=case).description == "Police referral form"

    page.goto(f"{demo.url}/settings/school/")
    axe_check(page, "school settings")
    page.get_by_label("Keep the document, with every picture and video taken out of it").check()
    page.get_by_role("button", name=re.compile("Save")).first.click()
    expect(page.get_by_text(re.compile("Settings saved"))).to_be_visible()
    expect(page.get_by_label("Keep the document, with every picture and video taken out of it")).to_be_checked()
    screenshot(page, "school-settings-attachments")
