"""Children's files to another Safeguard in Chromium (issue 18, part 3): the card to give to
another school, the list of other Safeguards with a card pasted wrong, and the upload of a bundle
brought by hand, at a desktop's and a phone's width (``axe_check``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, screenshot
from tests.browser.test_journeys import dsl_logged_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dsl_reads_the_card_adds_a_safeguard_and_uploads_a_bundle(demo, browser_context):
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    page.goto(f"{demo.url}/transfers/send-to-us/")
    expect(page.get_by_role("heading", name="Send a child's file to us")).to_be_visible()
    axe_check(page, "send a child's file to us")
    screenshot(page, "transfer-send-to-us-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "transfer-send-to-us-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo.url}/transfers/peers/")
    page.get_by_label("The other Safeguard's details").fill('{"kind": "something else"}')
    page.get_by_role("button", name="Add to the list").click()
    expect(page.get_by_text("These are not a Safeguard's")).to_be_visible()
    axe_check(page, "other Safeguards, a card pasted wrong")
    screenshot(page, "transfer-peers-error-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "transfer-peers-error-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo.url}/transfers/inbox/upload/")
    page.get_by_label("The bundle file (.sgbundle)").set_input_files(
        files=[{"name": "wrong.sgbundle", "mimeType": "application/octet-stream", "buffer": b"not a bundle"}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("This is not a Safeguard bundle, or it is damaged.")).to_be_visible()
    axe_check(page, "upload a bundle, refused")
    screenshot(page, "transfer-upload-refused-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "transfer-upload-refused-390")
