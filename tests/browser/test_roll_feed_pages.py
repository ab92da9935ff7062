"""The nightly pupil import (issue 20) in Chromium: the IT admin sets it up, the demo MIS file is
read by the worker's look, and the DSL sees its report on the pupils page (axe at 390/768/1280)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import dsl_logged_in, enter_code, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_it_admin_sets_up_the_nightly_import_and_the_dsl_reads_its_report(demo, browser_context, settings, tmp_path):
    from cases.models import FileTransfer, Pupil
    from cases.services.roll_feed import check_all
    from desk.demo.roll import NEW_PUPIL, write_demo_roll_file
    from safeguard.models import School

    settings.SAFEGUARD_ROLL_ROOT = tmp_path
    (tmp_path / "mis" / "pupils").mkdir(parents=True)
    base = demo.url
    page = browser_context.new_page()
    log_in(page, base, "itadmin@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    page.wait_for_url(lambda url: "/second-factor/" not in url)
    page.goto(base + "/pupils/nightly/")
    axe_check(page, "nightly import (IT admin)")
    page.get_by_label("Folder the MIS saves its export to").fill("../../etc")
    page.get_by_role("button", name="Save the nightly import").click()
    expect(page.get_by_text("must be inside")).to_be_visible()
    expect(page.get_by_label("Folder the MIS saves its export to")).to_have_value("../../etc")
    page.get_by_label("Folder the MIS saves its export to").fill("mis/pupils")
    page.get_by_label("The school's MIS").select_option("arbor")
    page.get_by_label("Minutes a file must be unchanged before it is read").fill("1")
    page.get_by_role("button", name="Save the nightly import").click()
    expect(page.get_by_text("The nightly import is saved")).to_be_visible()

    # The demo export, written as the Arbor report would be, dropped and left still for a while.
    from cases.models import RollFeed

    RollFeed.objects.update(preset="sims")  # the demo file uses SIMS's headings
    school = School.objects.get(code="NDA")
    path, changes = write_demo_roll_file(school)
    old = (timezone.now() - timedelta(minutes=5)).timestamp()
    os.utime(path, (old, old))
    check_all()
    check_all()
    page.reload()
    axe_check(page, "nightly import after a file (IT admin)")
    expect(page.get_by_text("1 marked as left").first).to_be_visible()
    screenshot(page, "nightly-import-it-admin")
    assert changes["left"].split()[0] not in page.content()  # the IT admin sees no pupil
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "phone-nightly-import-it-admin")
    page.goto(base + "/")
    expect(page.get_by_role("link", name="The nightly pupil import")).to_be_visible()
    screenshot(page, "phone-it-admin-home")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "it-admin-home")

    other = browser_context.browser.new_context(base_url=base)
    dsl_page = other.new_page()
    dsl_logged_in(dsl_page, base)
    dsl_page.goto(base + "/pupils/import/")
    axe_check(dsl_page, "pupils import with nightly")
    expect(dsl_page.get_by_text("Nightly from the MIS").first).to_be_visible()
    screenshot(dsl_page, "pupils-import-with-nightly")
    dsl_page.set_viewport_size({"width": 390, "height": 844})
    screenshot(dsl_page, "phone-pupils-import-with-nightly")
    dsl_page.set_viewport_size({"width": 1280, "height": 900})
    dsl_page.get_by_role("link", name="pupils.csv").first.click()
    expect(dsl_page.get_by_text("by the nightly import from the MIS")).to_be_visible()
    axe_check(dsl_page, "nightly import report")
    screenshot(dsl_page, "nightly-import-report")
    dsl_page.set_viewport_size({"width": 390, "height": 844})
    screenshot(dsl_page, "phone-nightly-import-report")
    assert Pupil.objects.filter(upn=NEW_PUPIL["upn"]).exists()
    assert FileTransfer.objects.filter(pupil__school=school, pupil__left_on=timezone.localdate()).exists()
    other.close()
