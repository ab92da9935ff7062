"""A child's file by a link, in Chromium (issue 18, part 4), as the new school's DSL meets it with
no Safeguard account: the code page, a wrong code, the file's page, the download, the receipt, and
the link ended; then a file from a previous school recorded by hand (part 6). Every page at a
phone's, a tablet's and a desktop's width (``axe_check``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import FileTransfer, ReceivedFile, TransferRoute, TransferStatus
from desk.demo.transfers import moving_pupil
from desk.transfers import services
from safeguard.models import School, User
from tests.browser.conftest import axe_check, screenshot
from tests.browser.test_journeys import dsl_logged_in
from tests.cases import smuggling

pytestmark = pytest.mark.django_db(transaction=True)


def _sent_by_link(school) -> tuple[FileTransfer, str, str]:
    pupil = moving_pupil(school)
    dsl = User.objects.get(email="dsl@demo.example")
    transfer = services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=timezone.localdate() - timedelta(days=1))
    services.transfer_destination_set(
        actor=dsl,
        transfer=transfer,
        where=services.Destination(
            route=TransferRoute.LINK,
            receiving_school_name="Farmoor Test School",
            receiving_dsl_name="Fran Farmoor",
            receiving_dsl_email="dsl@farmoor.example",
        ),
    )
    sent = services.transfer_send(
        actor=dsl, transfer=transfer, case_ids=services.pupil_case_ids(pupil, viewer=dsl), include_concerns=True
    )
    link = re.search(r"(http\S+/file/\S+/)", mail.outbox[-1].body).group(1)
    return sent.transfer, sent.code, link


def test_the_new_schools_dsl_opens_the_link_downloads_and_confirms(demo, browser_context):
    transfer, code, link = _sent_by_link(School.objects.get(code="NDA"))
    pupil = transfer.pupil
    page = browser_context.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("A child protection file from"))).to_be_visible()
    assert pupil.last_name not in page.content()
    axe_check(page, "the link's code page")
    screenshot(page, "link-code-1280")

    page.get_by_label("The code").fill("1234 5678 9012")
    page.get_by_role("button", name="Open the file").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    axe_check(page, "a wrong code")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "link-wrong-code-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("The code").fill(code)
    page.get_by_role("button", name="Open the file").click()
    expect(page.get_by_role("heading", name="1. Download the file")).to_be_visible()
    assert pupil.last_name not in page.content()
    axe_check(page, "the link's file page")
    screenshot(page, "link-file-1280")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_label("Your name").fill("Fran Farmoor")
    page.get_by_label("Your role at your school").fill("DSL, Farmoor Test School")
    page.get_by_role("button", name="Confirm I have received the file").click()
    expect(page.get_by_role("heading", name="Thank you: receipt confirmed")).to_be_visible()
    axe_check(page, "receipt confirmed by link")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "link-done-390")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED

    page.goto(link)
    expect(page.get_by_role("heading", name="This link has ended")).to_be_visible()
    axe_check(page, "a link that has ended")
    screenshot(page, "link-ended-390")


def test_a_dsl_records_a_file_that_came_on_paper(demo, browser_context, tmp_path):
    school = School.objects.get(code="NDA")
    pupil = moving_pupil(school)
    page = browser_context.new_page()
    dsl_logged_in(page, demo.url)
    page.goto(f"{demo.url}/pupils/{pupil.pk}/files/received/new/")
    axe_check(page, "recording a file from a previous school")
    screenshot(page, "received-by-hand-1280")
    page.get_by_label("The school it came from").fill("Old Mill Primary")
    photo = tmp_path / "scan.pdf"
    photo.write_bytes(smuggling.jpeg())
    page.get_by_label("The file, as a PDF (optional)").set_input_files(str(photo))
    page.get_by_label("I confirm this file holds no photograph or video of a child").check()
    page.get_by_role("button", name="Record the file").click()
    expect(page.locator("strong", has_text="Safeguard does not accept images")).to_be_visible()
    expect(page.get_by_label("The school it came from")).to_have_value("Old Mill Primary")
    axe_check(page, "a file refused")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "received-by-hand-refused-390")
    scan = tmp_path / "real.pdf"
    scan.write_bytes(smuggling.pdf_plain())
    page.get_by_label("The file, as a PDF (optional)").set_input_files(str(scan))
    page.get_by_label("I confirm this file holds no photograph or video of a child").check()
    page.get_by_role("button", name="Record the file").click()
    expect(page.get_by_text("Recorded: the file from Old Mill Primary")).to_be_visible()
    assert ReceivedFile.objects.filter(pupil=pupil, source="by_hand").count() == 1
