"""Each role's main pages on a phone 390 px wide (issue 16, "A phone-width layout"), in Chromium.

``axe_check`` looks at every page at 390 px, 768 px and desktop width in turn: no sideways
scrolling, nothing sticking out of the screen, no serious or critical axe violation. These tests
add what a phone must show without scrolling sideways (the verdict's "Why"), and the hide-screen
button's place.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import dsl_logged_in, enter_code, log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def visit(page, base: str, name: str, path: str) -> None:
    response = page.goto(base + path)
    assert response.status == 200, f"{name} ({path}): {response.status}"
    axe_check(page, name)
    screenshot(page, f"phone-{name.replace(' ', '-').replace(chr(39), '')}")


def phone_page(browser_context):
    page = browser_context.new_page()
    page.set_viewport_size(PHONE)
    return page


def fits_the_screen(page, selector: str) -> None:
    """Every element ``selector`` finds lies inside the screen's width: none is left to find by
    scrolling a table sideways."""
    outside = page.evaluate(
        """(selector) => {
          const width = document.documentElement.clientWidth;
          return [...document.querySelectorAll(selector)]
            .map(el => el.getBoundingClientRect())
            .filter(box => box.left < 0 || box.right > width)
            .map(box => [Math.round(box.left), Math.round(box.right)]);
        }""",
        selector,
    )
    assert page.locator(selector).count(), f"nothing matches {selector}"
    assert not outside, f"{selector} is off the screen at {outside}"


def test_the_dsls_pages_on_a_phone(demo, browser_context):
    from cases.models import Case

    base = demo.url
    page = phone_page(browser_context)
    dsl_logged_in(page, base)
    case = Case.objects.filter(school__code="NDA", decisions__isnull=False).order_by("id").first()
    assert case is not None, "the demo has a case with a decision"
    pupil = case.children.filter(pupil__isnull=False).first().pupil
    step = case.steps.order_by("position", "id").first()

    visit(page, base, "DSL home", "/")
    visit(page, base, "case page", f"/cases/{case.pk}/")
    # The verdict's reasons are read on the phone itself, not found by scrolling a table.
    fits_the_screen(page, "td[data-label='Why']")
    fits_the_screen(page, "td[data-label='Status']")
    page.get_by_role("link", name="Show the access log").click()
    expect(page.get_by_role("region", name="Table: the access log")).to_be_visible()
    axe_check(page, "case page with its access log")
    visit(page, base, "step page", f"/cases/{case.pk}/steps/{step.pk}/")
    visit(page, base, "pupil page", f"/pupils/{pupil.pk}/")
    visit(page, base, "case list", "/cases/")
    visit(page, base, "disclosure form", "/cases/new/")
    visit(page, base, "concerns", "/concerns/")
    visit(page, base, "reporting routes", "/referrals/routes/")
    visit(page, base, "school settings", "/settings/school/")
    visit(page, base, "pupil search", "/pupils/search/?q=an")
    visit(page, base, "pupil import", "/pupils/import/")
    visit(page, base, "reports", "/reports/")


def test_the_pastoral_teachers_pages_on_a_phone(demo, browser_context):
    from django.utils import timezone

    from cases.models import Case
    from referrals.models import Action
    from referrals.services import action_create
    from safeguard.models import User

    base = demo.url
    teacher = User.objects.get(email="pastoral@demo.example")
    case = Case.objects.filter(assignments__user=teacher, assignments__ended_at__isnull=True).first()
    assert case is not None, "the demo assigns the pastoral teacher a case"
    action = Action.objects.filter(case=case, owner=teacher, status="open").first() or action_create(
        actor=User.objects.get(email="dsl@demo.example"),
        case=case,
        owner=teacher,
        title="Check in",
        due_date=timezone.localdate(),
    )
    page = phone_page(browser_context)
    log_in(page, base, teacher.email)
    enter_code(page, totp(KNOWN_KEY))
    visit(page, base, "pastoral home", "/")
    visit(page, base, "case page for pastoral staff", f"/cases/{case.pk}/")
    visit(page, base, "an action to mark done", f"/cases/{case.pk}/actions/{action.pk}/done/")
    visit(page, base, "notifications", "/notifications/")


def test_the_heads_pages_on_a_phone(demo, browser_context):
    from cases.models import Case

    base = demo.url
    case = Case.objects.filter(school__code="NDA").order_by("id").first()
    page = phone_page(browser_context)
    log_in(page, base, "head@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    visit(page, base, "head home", "/")
    visit(page, base, "case page for the head", f"/cases/{case.pk}/")
    visit(page, base, "reports for the head", "/reports/")
    visit(page, base, "governors' report", "/reports/governors/")
    visit(page, base, "staff access to approve", "/staff/approvals/")


def test_the_it_administrators_and_staffs_pages_on_a_phone(demo, browser_context):
    from safeguard.models import User

    base = demo.url
    page = phone_page(browser_context)
    log_in(page, base, "itadmin@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    visit(page, base, "IT admin home", "/")
    visit(page, base, "staff list", "/staff/")
    visit(page, base, "add staff", "/staff/add/")
    visit(page, base, "change staff", f"/staff/{User.objects.get(email='staff@demo.example').pk}/")
    visit(page, base, "your second factor", "/account/second-factor/")
    # On a phone the header's menu is folded away: Log out is inside it.
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, "staff@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    visit(page, base, "staff home", "/")
    visit(page, base, "raise a concern", "/concerns/new/")


def test_the_hide_screen_button_has_its_own_place_in_the_header(demo, browser_context):
    base = demo.url
    page = phone_page(browser_context)
    log_in(page, base, "head@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    button = page.get_by_role("button", name="Hide screen")
    for width in (390, 768, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        expect(button).to_be_visible()
        # In the header's flow, inside its box: the page's text never runs under it.
        assert button.evaluate(
            """b => {
              const header = b.closest('header'), box = b.getBoundingClientRect();
              if (!header || getComputedStyle(b).position !== 'static') return false;
              const outer = header.getBoundingClientRect();
              return box.top >= outer.top && box.bottom <= outer.bottom && box.right <= outer.right;
            }"""
        ), f"at {width} px the button is not in the header's own space"
