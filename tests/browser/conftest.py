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
        if user.email != "dsl@demo.example":  # the DSL enrols through the page, as a new user would
            TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True, key=KNOWN_KEY)
    return live_server


KNOWN_KEY = "3132333435363738393031323334353637383930"  # hex, RFC 6238's test secret


def totp(hex_key: str | None = None, *, base32: str | None = None) -> str:
    from django_otp.oath import TOTP

    key = bytes.fromhex(hex_key) if hex_key else b32decode(base32 + "=" * (-len(base32) % 8))
    return f"{TOTP(key).token():06d}"


def axe_check(page, name: str) -> None:
    """axe-core on the page: no serious or critical WCAG 2.2 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")  # stylesheets applied: axe measures what the user sees
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
    )
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
