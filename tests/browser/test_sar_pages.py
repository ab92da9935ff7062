"""A subject access request in Chromium (issue 19, part 4; the Done-when): the demo DSL records a
request for a demo pupil with other children on their case, gathers the draft, withholds a
passage, reviews and releases it, and downloads a PDF with the other children removed and the
record of what was withheld; each page at a desktop's and a phone's width (``axe_check``)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, axe_check, screenshot
from tests.browser.test_journeys import dsl_logged_in
from tests.desk.pdf_text import pdf_pages_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dsl_answers_a_subject_access_request_for_a_demo_pupil(demo, browser_context):
    from cases.models import CaseChild

    links = CaseChild.objects.filter(removed_at__isnull=True, case__school__name__icontains="Northbrook").select_related("pupil")
    others_by_case: dict[int, list] = {}
    for link in links:
        others_by_case.setdefault(link.case_id, []).append(link.pupil)
    shared = next((pupils for pupils in others_by_case.values() if len(pupils) > 1), None)
    assert shared is not None, "the demo has a case with two pupils on it"
    pupil, others = shared[0], shared[1:]

    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    page.goto(f"{demo.url}/requests/new/?pupil={pupil.pk}")
    expect(page.get_by_role("heading", name="Record a subject access request")).to_be_visible()
    axe_check(page, "recording a subject access request")
    screenshot(page, "sar-new-1280")
    page.get_by_label("Who asked").fill("Mrs Example")
    page.get_by_label("A parent or carer, on the child's behalf").check()
    page.get_by_label("Date received").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("a request cannot be recorded without it")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "sar-new-refused-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_label("Who asked")).to_have_value("Mrs Example")
    page.get_by_label("Proof of identity seen").fill("Passport and a council tax bill.")
    page.get_by_role("button", name="Record the request").click()

    page.get_by_role("button", name="Gather the records into a draft").click()
    expect(page.get_by_text("Other adults named in the text")).to_be_visible()
    page.get_by_role("link", name="Withhold").first.click()
    page.get_by_label(re.compile("Likely to cause serious harm")).check()
    page.get_by_role("button", name="Withhold it").click()
    expect(page.get_by_text("Withheld, with its reason.")).to_be_visible()
    axe_check(page, "a subject access request's review page")
    screenshot(page, "sar-review-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "sar-review-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="I have reviewed the draft").click()
    page.get_by_role("button", name="Release the response (PDF)").click()
    expect(page.get_by_text("Released. Download the response")).to_be_visible()
    screenshot(page, "sar-released-1280")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the response (PDF)").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "sar-response.pdf"
    download.value.save_as(str(path))
    text = "\n".join(pdf_pages_text(path.read_bytes()))
    flat = " ".join(text.split())
    assert f"Records about {pupil.full_name}: response to a subject access request" in flat
    assert "What was withheld, and why" in flat
    for other in others:
        assert not re.search(rf"\b{re.escape(other.first_name)}\b|\b{re.escape(other.last_name)}\b", text), other.full_name
