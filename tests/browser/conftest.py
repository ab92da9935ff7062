"""Real-browser tests: Playwright for Python driving Debian's Chromium (its own browser download
cannot work here), against Django's live server. Skipped, with the reason, when Chromium is not
installed, except where SAFEGUARD_REQUIRE_BROWSER=1 (CI), where that is a failure."""

from __future__ import annotations

import os
import shutil
from base64 import b32decode
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; the test's own database calls
# (setting up data) are ordinary synchronous ones, which Django would otherwise refuse there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("SAFEGUARD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = os.environ.get("SAFEGUARD_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# The flags a sandboxed, offline machine needs (see the machine notes): no background networking.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=en-GB",  # date inputs read dd/mm/yyyy, as a school in England types them
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM:
        if REQUIRE_BROWSER:
            pytest.fail("Chromium is required here (SAFEGUARD_REQUIRE_BROWSER=1) but is not installed: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser journeys skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # On Linux, Chromium takes its locale (and so the date format) from the environment.
        env = {**os.environ, "LANG": "en_GB.UTF-8", "LANGUAGE": "en_GB:en", "LC_ALL": "en_GB.UTF-8"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_in_browser = report.failed
    return report


@pytest.fixture
def browser_context(chromium, request):
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    if getattr(request.node, "failed_in_browser", False):
        # What the browser showed when the test failed, for whoever reads the CI log.
        for number, page in enumerate(context.pages):
            screenshot(page, f"failed-{request.node.name}-{number}")
    context.close()


@pytest.fixture
def demo(transactional_db, live_server, settings):
    """The demo data in the live server's database; every demo account's second factor is a
    known TOTP key, so a test can type the code an app would show."""
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from referrals.catalogue import load_routes
    from referrals.models import Route
    from safeguard.models import User

    settings.BASE_URL = live_server.url
    load_routes(Route)  # data from a migration: emptied by an earlier transactional test's flush
    call_command("seed_demo", verbosity=0)
    for user in User.objects.all():
        if not TOTPDevice.objects.filter(user=user, confirmed=True, key=KNOWN_KEY).exists():
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True, key=KNOWN_KEY)
    return live_server


KNOWN_KEY = "3132333435363738393031323334353637383930"  # hex, RFC 6238's test secret


def totp(hex_key: str | None = None, *, base32: str | None = None) -> str:
    from django_otp.oath import TOTP

    key = bytes.fromhex(hex_key) if hex_key else b32decode(base32 + "=" * (-len(base32) % 8))
    return f"{TOTP(key).token():06d}"


#: The widths every page is checked at: a phone, a tablet, a desktop (issue 16).
WIDTHS = (390, 768, 1280)

#: Elements that stick out of the page at the left or right, outside any scroller that clips them
#: (a visually hidden label is 1 px and clipped, so it is left out).
_OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || (box.left >= -1 && box.right <= width + 1)) continue;
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
  }
  return out.slice(0, 5);
}"""


def axe_check(page, name: str) -> None:
    """At a phone's, a tablet's and a desktop's width in turn: the page does not scroll sideways,
    nothing sticks out of it, and axe-core finds no serious or critical WCAG 2.2 A/AA violation.
    The window is given back at the size it was."""
    page.wait_for_load_state("load")  # stylesheets applied: axe measures what the user sees
    was = page.viewport_size or {"width": 1280, "height": 900}
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": was["height"]})
            _settle(page)
            where = f"{name} at {width} px"
            page_width = page.evaluate("() => document.documentElement.scrollWidth")
            screen_width = page.evaluate("() => document.documentElement.clientWidth")
            assert page_width <= screen_width, f"{where} scrolls sideways ({page_width} px wide on a {screen_width} px screen)"
            sticking_out = page.evaluate(_OFF_SCREEN)
            assert not sticking_out, f"{where}: off the screen: {sticking_out}"
            _axe(page, where)
    finally:
        page.set_viewport_size(was)
        _settle(page)


def _settle(page) -> None:
    """Two animation frames: the layout for the new width, and what app.js does on resize."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
    )
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
