"""Issue 16's journey, in a real browser at desktop and phone width: a nude image shared in a
group chat, from the disclosure to a closed case, every step worked from its row on the case page.
The form submissions are counted: at most 12, every page checked by axe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_check, screenshot
from tests.browser.test_journeys import add_pupil, dsl_logged_in

pytestmark = pytest.mark.django_db(transaction=True)

MOST_SUBMISSIONS = 12
#: The steps worked from the case page, in the order the journey works them.
WORKED = ["The police", "Internet Watch Foundation (IWF)", "Childline and IWF Report Remove", "Report to the app or service"]
SUPPORT = "The school's own support: Head of Year, pastoral team, DSL"


def _fifteen_year_old():
    from cases.criteria import age_on
    from cases.models import Pupil

    today = timezone.localdate()
    return next(p for p in Pupil.objects.filter(school__code="NDA").order_by("id") if age_on(p.date_of_birth, today) == 15)


def _work_step(page, title: str, *, how: str, outcome: str, reference: str = "") -> None:
    """Open the step's next move in its row (htmx), record everything known, save."""
    row = page.locator("li.sg-step", has=page.get_by_role("heading", name=title, exact=True))
    row.get_by_role("link", name=re.compile(r"^(Accept or record|Record it|Record the outcome)")).click()
    form = row.locator(".sg-quick")
    expect(form.get_by_label("How it was made")).to_be_visible()
    axe_check(page, f"{title}: its next move")
    form.get_by_label("How it was made").select_option(how)
    if reference:
        form.get_by_label("Their reference").fill(reference)
    form.get_by_label("The outcome (if known)").fill(outcome)
    expect(form.get_by_label("Close the step once the outcome is recorded")).to_be_checked()
    form.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text(f"{title}: accepted, made, outcome recorded, closed.")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_shared_image_case_is_worked_to_closure_in_at_most_twelve_submissions(demo, browser_context, width):
    from cases.models import Case

    base = demo.url
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    dsl_logged_in(page, base)
    submissions: list[str] = []
    page.on("request", lambda request: submissions.append(request.url) if request.method == "POST" else None)

    # 1. The disclosure: a nude image of a 15-year-old shared in a class group chat.
    page.goto(base + "/cases/new/")
    axe_check(page, "disclosure form")
    pupil = _fifteen_year_old()
    page.get_by_label("How the child disclosed").select_option("in_person")
    page.get_by_label("Who the child told").fill("Ms Example, form tutor")
    page.get_by_label("What the child said, in their own words").fill(
        "A picture I sent to one person is in the class group chat."
    )
    page.get_by_label("Summary of the concern").fill("A nude image of a pupil shared in a class group chat.")
    page.get_by_label("Date of the incident").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_label("Non-consensual sharing of sexual images or videos").check()
    page.get_by_label("Platforms or apps involved").fill("WhatsApp")
    add_pupil(page, pupil)
    page.get_by_role("group", name="4. Adults involved").get_by_label("No adult involved").check()
    page.get_by_role("group", name="5. Imagery").get_by_label("Yes", exact=True).check()
    page.get_by_label("Nude or semi-nude imagery of an under-18").check()
    page.get_by_label("Describe the imagery").fill("A nude photograph of the pupil, described to the DSL; not viewed.")
    for question in ("coercion", "extreme or violent", "significant or immediate risk", "recording of a crime"):
        page.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save and assess").click()
    expect(page.get_by_role("heading", name="Referral steps")).to_be_visible()
    axe_check(page, "case page")
    case = Case.objects.order_by("-id").first()
    suggested = set(case.steps.values_list("route__name", flat=True))
    assert set(WORKED) | {SUPPORT, "Parents or carers informed"} <= suggested, suggested

    # 2. Each referral, made and resolved, from its row: one submission each.
    outcomes = {
        "The police": ("phone_101", "Logged; the officer will speak to the pupils who shared it.", "CR/1234/26"),
        "Internet Watch Foundation (IWF)": ("online", "The IWF is acting to remove it.", "IWF-5521"),
        "Childline and IWF Report Remove": ("online", "The pupil made a report with the DSL beside them.", ""),
        "Report to the app or service": ("online", "WhatsApp removed the group's copy.", "WA-8812"),
    }
    for title in WORKED:
        how, outcome, reference = outcomes[title]
        _work_step(page, title, how=how, outcome=outcome, reference=reference)
    _work_step(page, SUPPORT, how="in_person", outcome="Daily check-ins with the Head of Year agreed.")
    # Anything else the facts suggested, not needed (each with its reason).
    for step in case.steps.exclude(route__name__in=[*WORKED, SUPPORT, "Parents or carers informed"]).filter(state="suggested"):
        row = page.locator(f"#step-{step.pk}")
        row.get_by_role("link", name=re.compile("^Accept or record")).click()
        row.get_by_text("Not needed?").click()
        row.get_by_label("Why").fill("Not needed here: the other referrals cover it.")
        row.get_by_role("button", name=re.compile("^Mark not needed")).click()
        expect(page.get_by_text("marked not needed, with your reason")).to_be_visible()

    # 3. The parents, told by phone: the parents step records it and closes by itself.
    page.get_by_role("link", name="Record contact with parents").click()
    axe_check(page, "parents form")
    page.get_by_role("group", name="Were the parents or carers informed?").get_by_label("Yes").check()
    page.get_by_label("How they were told").select_option("phone")
    page.get_by_label("Who was informed").fill("Ms Sample, mother")
    page.get_by_label("When", exact=True).fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("By whom").fill("Morgan Ashby")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact with parents or carers is recorded.")).to_be_visible()

    # 4. Nothing is left: the case closes.
    expect(page.get_by_text("Every step and action is finished: the case can close.")).to_be_visible()
    page.get_by_role("link", name="Close the case").first.click()
    axe_check(page, "close the case")
    page.get_by_label("How the concern was followed up and resolved").fill(
        "Referred to the police, the IWF and Report Remove; the platform removed it; supported in school; parents told."
    )
    page.get_by_role("button", name="Close the case").click()
    case.refresh_from_db()
    expect(page.get_by_text(f"Case {case.reference} is closed. It can be reopened if needed.")).to_be_visible()
    screenshot(page, f"closed-case-{width}")
    assert case.status == "closed"
    assert len(submissions) <= MOST_SUBMISSIONS, submissions
    width_now = page.evaluate("() => document.documentElement.scrollWidth")
    assert width_now <= width, f"the closed case scrolls sideways at {width} px ({width_now} px)"
