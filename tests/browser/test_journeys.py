"""The journeys of issue 9, in a real browser, with axe-core on every page they visit."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login/")
    axe_check(page, "login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(settings.SAFEGUARD_DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def follow(page, link) -> None:
    """Click a link and wait until the next page has loaded (so axe checks that page)."""
    before = page.url
    link.click()
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state("load")


def enter_code(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name=re.compile("Continue|Confirm")).click()


def twelve_and_fourteen_year_olds(incident):
    from cases.criteria import age_on
    from cases.models import Pupil

    pupils = list(Pupil.objects.filter(school__code="NDA").order_by("id"))
    twelve = next(p for p in pupils if age_on(p.date_of_birth, incident) == 12 and p.year_group in (7, 8))
    fourteen = next(p for p in pupils if age_on(p.date_of_birth, incident) == 14)
    return twelve, fourteen


def add_pupil(page, pupil) -> None:
    search = page.get_by_label("Find a pupil to add")
    search.fill(pupil.last_name)
    page.get_by_role("button", name=f"Add {pupil.full_name}").click()


def test_the_dsl_records_a_disclosure_works_the_steps_and_a_pastoral_teacher_completes_the_action(demo, browser_context):
    from django_otp import devices_for_user

    from safeguard.models import User

    base = demo.url
    page = browser_context.new_page()
    # This DSL has never set up a second factor (the demo's own key is taken away).
    for device in devices_for_user(User.objects.get(email="dsl@demo.example"), confirmed=None):
        device.delete()

    # The DSL logs in and is asked to set up a second factor first.
    log_in(page, base, "dsl@demo.example")
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    axe_check(page, "second factor setup")
    secret = page.locator(".sg-secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(totp(base32=secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name=re.compile("Open cases"))).to_be_visible()
    axe_check(page, "DSL home")
    screenshot(page, "home")

    # Records a disclosure for two pupils, one of them 12 on the date of the incident.
    follow(page, page.get_by_role("link", name="Record a disclosure").first)
    axe_check(page, "disclosure form")
    incident = timezone.localdate() - timedelta(days=2)
    twelve, fourteen = twelve_and_fourteen_year_olds(incident)
    page.get_by_label("How the child disclosed").select_option("in_person")
    page.get_by_label("Who the child told").fill("Ms Example, form tutor")
    page.get_by_label("What the child said, in their own words").fill("An older pupil keeps sending messages asking for photos.")
    page.get_by_label("Summary of the concern").fill("Requests for images between pupils.")
    page.get_by_label("Date of the incident").fill(incident.isoformat())
    page.get_by_label("Unwanted sexualisation (sexual comments, requests for images, unwanted content)").check()
    page.get_by_label("Platforms or apps involved").fill("Snapchat")
    add_pupil(page, twelve)
    add_pupil(page, fourteen)
    page.locator("select[name='pupils-1-part']").select_option("harmed_others")
    page.get_by_role("group", name="4. Adults involved").get_by_label("No adult involved").check()
    page.get_by_role("group", name="5. Imagery").get_by_label("No", exact=True).check()
    for question in ("coercion", "extreme or violent", "significant or immediate risk", "recording of a crime"):
        page.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
    screenshot(page, "disclosure-form")
    page.get_by_role("button", name="Save and assess").click()

    # Reads the verdict: police referral required, C3 met because of the younger child.
    expect(page.get_by_role("heading", name="Police referral required")).to_be_visible()
    expect(page.get_by_text(f"{twelve.full_name} was 12 on the date of the incident")).to_be_visible()
    axe_check(page, "case page")
    screenshot(page, "case")

    # Works the suggested steps: the police step is to do, due today; mark it made with a reference.
    follow(page, page.get_by_role("link", name="The police", exact=True))
    axe_check(page, "step page")
    page.get_by_label("When it was made").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.locator("select[name='rec-made_how']").select_option("phone_101")
    page.get_by_label("Their reference").first.fill("CR/0999/26")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("The police: made.")).to_be_visible()
    # Assigns the Head of Year an action (which assigns them to the case).
    follow(page, page.get_by_role("link", name="Give someone an action"))
    axe_check(page, "action form")
    page.get_by_label("What needs doing").fill("Check in with the pupils each morning this week")
    page.get_by_label("Who does it").select_option(label="Jordan Hale")
    page.get_by_label("Due date").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Give the action").click()
    expect(page.get_by_text("Action given to Jordan Hale")).to_be_visible()
    case_url = page.url
    page.get_by_role("button", name="Log out").click()

    # The pastoral teacher sees only assigned cases, and completes the action.
    log_in(page, base, "pastoral@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    expect(page.get_by_role("heading", name="Your actions")).to_be_visible()
    axe_check(page, "pastoral home")
    from cases.models import Case

    assigned = set(
        Case.objects.filter(assignments__user__email="pastoral@demo.example", assignments__ended_at__isnull=True).values_list(
            "reference", flat=True
        )
    )
    assert assigned, "the demo gives the pastoral teacher cases; without them this check proves nothing"
    # Wait for the case list itself (reading rows straight after the click can read the page being left).
    follow(page, page.get_by_role("link", name="Cases", exact=True))
    rows = page.locator("tbody tr td:first-child")
    expect(rows).to_have_count(len(assigned))
    visible = {row.inner_text() for row in rows.all()}
    assert visible == assigned
    page.goto(case_url)
    axe_check(page, "case page for pastoral staff")
    page.get_by_role("link", name=re.compile("Mark as done")).click()
    page.get_by_label("What was done (optional)").fill("Both pupils seen; no new messages.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Action marked as done.")).to_be_visible()


def test_the_it_admin_adds_a_member_of_staff_and_is_refused_the_case(demo, browser_context):
    from cases.models import Case

    base = demo.url
    page = browser_context.new_page()
    log_in(page, base, "itadmin@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    follow(page, page.get_by_role("link", name="Staff", exact=True))
    axe_check(page, "staff list")
    follow(page, page.get_by_role("link", name="Add a member of staff").first)
    axe_check(page, "add staff")
    page.get_by_label("Full name").fill("Sam Newteacher")
    page.get_by_label("Email address").fill("sam.newteacher@demo.example")
    page.get_by_role("checkbox", name=re.compile("Pastoral staff")).check()
    page.get_by_role("button", name="Add member of staff").click()
    expect(page.get_by_text("Sam Newteacher was added.")).to_be_visible()
    expect(page.get_by_role("cell", name="sam.newteacher@demo.example")).to_be_visible()
    case = Case.objects.filter(school__code="NDA").first()
    response = page.goto(f"{base}/cases/{case.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    axe_check(page, "not found")


def test_the_head_opens_the_reports_exports_a_csv_and_prints_the_governors_report(demo, browser_context):
    from cases.models import Pupil

    base = demo.url
    page = browser_context.new_page()
    log_in(page, base, "head@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Safeguarding reports for"))).to_be_visible()
    for section in ("Disclosures", "Timeliness", "Decisions against the criteria", "Access to cases"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    expect(page.get_by_text("No disclosures were recorded")).to_have_count(0)
    axe_check(page, "reports")
    screenshot(page, "reports")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"Download as CSV\W+Disclosures by kind of harassment")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    body = Path(download.path()).read_text(encoding="utf-8")
    assert body.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)

    page.get_by_role("link", name=re.compile("Governors' report")).click()
    expect(page.get_by_role("heading", name=re.compile("report for governors"))).to_be_visible()
    axe_check(page, "governors' report")
    page.emulate_media(media="print")
    screenshot(page, "governors-report")
    text = page.locator("body").inner_text()
    for pupil in Pupil.objects.filter(school__code="NDA"):
        assert not re.search(rf"\b({re.escape(pupil.first_name)}|{re.escape(pupil.last_name)})\b", text), pupil.pk
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def dsl_logged_in(page, base: str) -> None:
    """The demo DSL logs in with a code from the demo key (seed_demo sets its second factor up)."""
    log_in(page, base, "dsl@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    page.wait_for_url(lambda url: "/second-factor/" not in url)


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until ``selector`` has the focus: proof it can be reached by keyboard."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} could not be reached with the Tab key")


def test_the_disclosure_form_can_be_completed_with_the_keyboard_alone(demo, browser_context):
    from cases.models import Case

    base = demo.url
    page = browser_context.new_page()
    dsl_logged_in(page, base)
    page.goto(base + "/cases/new/")
    incident = timezone.localdate() - timedelta(days=2)
    twelve, _ = twelve_and_fourteen_year_olds(incident)
    keys = page.keyboard

    tab_to(page, "#id_method")
    keys.type("Told")
    tab_to(page, "#id_disclosed_to")
    keys.type("Mr Keyboard, form tutor")
    # The focused field is visibly marked (WCAG 2.4.7).
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).boxShadow"
    )
    assert outline != "none none", outline
    tab_to(page, "#id_child_account")
    keys.type("He keeps asking me for pictures.")
    tab_to(page, "#id_summary")
    keys.type("Requests for images.")
    tab_to(page, "#id_incident_date")
    keys.type(incident.strftime("%d%m%Y"))
    tab_to(page, "input[name='kinds'][value='unwanted_sexualisation']")
    keys.press("Space")
    tab_to(page, "#pupil-search")
    keys.type(twelve.full_name)
    page.get_by_role("button", name=f"Add {twelve.full_name}").wait_for()
    tab_to(page, f".sg-pupil-pick[data-pupil-id='{twelve.pk}']")
    keys.press("Enter")
    assert page.evaluate("() => document.activeElement.name") == "pupils-0-part"  # focus moved to the new row
    # "Add another child" takes the keyboard to the new row's first field.
    tab_to(page, "button[data-add-row='others']")
    keys.press("Enter")
    assert page.evaluate("() => document.activeElement.name") == "others-0-description"
    tab_to(page, "#other-rows [data-row] [data-remove-row]")
    keys.press("Enter")  # a row left empty is taken off again
    tab_to(page, "input[name='adult_involvement'][value='unknown']")
    keys.press("ArrowUp")  # "Not known yet" → "No adult involved"
    tab_to(page, "input[name='imagery'][value='unknown']")
    keys.press("ArrowUp")  # → "No"
    for code in ("c1", "c2", "c4", "c6"):
        tab_to(page, f"input[name='answer_{code}'][value='unknown']")
        keys.press("ArrowUp")  # → "No"
    tab_to(page, "button[type='submit'].btn-lg")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Police referral required")).to_be_visible()
    case = Case.objects.order_by("-id").first()
    assert case.disclosure.disclosed_to == "Mr Keyboard, form tutor" and case.disclosure.incident_date == incident
    assert case.disclosure.adult_involvement == "none" and case.outcome == "required"


def test_the_layout_works_at_768_pixels_wide(demo, browser_context):
    from cases.models import Case

    base = demo.url
    page = browser_context.new_page()
    page.set_viewport_size({"width": 768, "height": 1024})
    dsl_logged_in(page, base)
    case = Case.objects.filter(school__code="NDA").order_by("id").first()
    for name, path in [
        ("home", "/"),
        ("disclosure form", "/cases/new/"),
        ("case page", f"/cases/{case.pk}/"),
        ("case list", "/cases/"),
    ]:
        page.goto(base + path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 768, f"{name} scrolls sideways at 768 px ({width} px wide)"
        axe_check(page, f"{name} at 768 px")
    # The menu collapses behind a button that works from the keyboard.
    toggler = page.get_by_role("button", name="Show menu")
    expect(toggler).to_be_visible()
    toggler.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Record a disclosure").first).to_be_visible()
    screenshot(page, "case-list-768")


def test_the_dsls_pages_fit_a_phone_390_pixels_wide(demo, browser_context):
    """Nothing scrolls sideways on a phone, tables with hidden labels included (a visually
    hidden label positioned outside a table's scroller once widened the case page to 589 px)."""
    from cases.models import Case

    base = demo.url
    page = browser_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    dsl_logged_in(page, base)
    decided = Case.objects.filter(school__code="NDA", decisions__isnull=False).order_by("id").first()
    assert decided is not None, "the demo has a case with a decision"
    for name, path in [
        ("home", "/"),
        ("case page with a decision", f"/cases/{decided.pk}/"),
        ("concerns", "/concerns/"),
        ("notifications", "/notifications/"),
        ("search", "/search/?q=photo"),
        ("your alerts", "/account/alerts/"),
    ]:
        page.goto(base + path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{name} scrolls sideways at 390 px ({width} px wide)"
        axe_check(page, f"{name} at 390 px")


def test_the_hide_screen_button_blanks_the_page_at_one_key(demo, browser_context):
    from cases.models import Case

    base = demo.url
    page = browser_context.new_page()
    dsl_logged_in(page, base)
    case = Case.objects.filter(school__code="NDA").order_by("id").first()
    page.goto(f"{base}/cases/{case.pk}/")
    cover = page.locator("#sg-screen-cover")
    # Escape in a field belongs to the field: what is typed there stays, and the page stays.
    note = page.get_by_label("Add a note to the chronology")
    note.fill("Half a thought")
    note.press("Escape")
    expect(cover).to_be_hidden()
    assert note.input_value() == "Half a thought"
    page.get_by_label("Search pupils, cases and records").press("Escape")
    expect(cover).to_be_hidden()
    page.locator("#criteria-heading").click()  # focus leaves the fields
    page.keyboard.press("Escape")
    expect(cover).to_be_visible()
    assert page.title() == "Safeguard"
    assert page.evaluate("() => document.querySelector('main').closest('[inert]') !== null")
    page.get_by_role("button", name="Show the screen again").click()
    expect(cover).to_be_hidden()
    page.get_by_role("button", name="Hide screen").click()
    expect(cover).to_be_visible()
