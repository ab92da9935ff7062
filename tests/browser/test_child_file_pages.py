"""The child's file in Chromium (issue 18, part 1): the preview page with its choices, at a
desktop's and a phone's width (``axe_check``), and the PDF it makes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, axe_check, screenshot
from tests.browser.test_journeys import dsl_logged_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dsl_previews_a_childs_file_and_makes_the_pdf(demo, browser_context):
    from cases.models import CaseChild

    link = CaseChild.objects.filter(removed_at__isnull=True, case__school__name__icontains="Northbrook").order_by("id").first()
    assert link is not None, "the demo has a pupil on a case"
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    page.goto(f"{demo.url}/pupils/{link.pupil_id}/")
    page.get_by_role("link", name="The child's file").click()
    expect(page.get_by_role("heading", name=f"The child's file: {link.pupil.full_name}")).to_be_visible()
    expect(page.get_by_role("button", name="Make the PDF")).to_be_visible()
    axe_check(page, "the child's file preview")
    screenshot(page, "child-file-preview-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "child-file-preview-390")
    page.get_by_label("Name the other children").check()
    page.get_by_role("button", name="Make the PDF").click()
    expect(page.get_by_text("Say why the other children should be named")).to_be_visible()
    screenshot(page, "child-file-reason-needed-390")
    page.get_by_label("Name the other children").uncheck()
    with page.expect_download() as download:
        page.get_by_role("button", name="Make the PDF").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "child-file.pdf"
    download.value.save_as(str(path))
    assert path.read_bytes().startswith(b"%PDF")
