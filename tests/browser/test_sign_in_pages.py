"""Signing in with the school's accounts (issue 20) in Chromium, as a new user would: the demo
school's provider is the test OpenID Connect provider (``make provider`` runs the same one), a
member of staff signs in through it and raises a concern, and the DSL signs in through it and is
still asked for Safeguard's second factor. The IT admin's settings page is looked at too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KNOWN_KEY, axe_check, screenshot, totp
from tests.browser.test_journeys import enter_code, log_in
from tests.oidc_provider.client import Provider

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_USERS = Path(__file__).resolve().parents[1] / "oidc_provider" / "demo_users.json"


@pytest.fixture
def demo_provider(demo, tmp_path, monkeypatch):
    from django.core.cache import cache

    from desk.demo.sign_in import DEMO_CLIENT_ID, DEMO_SECRET_ENV
    from safeguard.models import SignInProvider

    secret = "browser-test-secret"
    monkeypatch.setenv(DEMO_SECRET_ENV, secret)
    callbacks = [demo.url + "/login/provider/callback/", demo.url.replace("localhost", "127.0.0.1") + "/login/provider/callback/"]
    provider = Provider.start(
        client_id=DEMO_CLIENT_ID, client_secret=secret, redirect_uris=callbacks, data_dir=tmp_path / "provider"
    )
    for user in json.loads(DEMO_USERS.read_text()):
        provider.add_user(user["username"], user["password"], user["email"], name=user["name"], amr=tuple(user["amr"]))
    # The demo school's settings name port 8100 (``make provider``); this run's provider has its own port.
    SignInProvider.objects.filter(client_id=DEMO_CLIENT_ID).update(directory=provider.issuer, problem="")
    cache.delete("sign_in:discovery:" + provider.issuer)
    yield provider
    provider.stop()


def provider_sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login/")
    page.get_by_role("link", name="Sign in with your school account").click()
    page.get_by_label("Email or username").fill(email)
    page.get_by_label("Password").fill("provider-demo-pass")
    page.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_with_the_schools_account_and_the_dsl_still_enters_the_code(demo, demo_provider, browser_context):
    base = demo.url
    page = browser_context.new_page()
    page.goto(base + "/login/")
    expect(page.get_by_role("link", name="Sign in with your school account")).to_be_visible()
    axe_check(page, "login with a provider")
    screenshot(page, "login-with-provider")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "phone-login-with-provider")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A member of staff: through the provider, then raising a concern (which needs no second factor:
    # the demo gives every account one, so home asks for its code, and the concern form does not).
    provider_sign_in(page, base, "staff@demo.example")
    page.wait_for_url(lambda url: url.startswith(base) and "/login/" not in url)
    expect(page.get_by_text("Robin Ellery")).to_be_visible()
    page.get_by_role("link", name="Raise a concern").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("What did you see, hear or get told?").fill("Seen on the bus: messages asking for pictures.")
    page.get_by_role("button", name="Send to the DSL").click()
    expect(page.get_by_role("heading", name="Thank you: your concern has been sent")).to_be_visible()
    reference = page.locator("main strong").first.inner_text()

    # The DSL: through the provider, and then Safeguard's own code before anything else.
    other = browser_context.browser.new_context(base_url=base)
    dsl_page = other.new_page()
    provider_sign_in(dsl_page, base, "dsl@demo.example")
    dsl_page.wait_for_url(lambda url: "/second-factor/" in url)
    expect(dsl_page.get_by_label("Code")).to_be_visible()
    screenshot(dsl_page, "provider-sign-in-then-code")
    enter_code(dsl_page, totp(KNOWN_KEY))
    dsl_page.wait_for_url(lambda url: "/second-factor/" not in url)
    dsl_page.goto(base + "/concerns/")
    # The concern the member of staff just raised tops the DSL's queue; it opens to what they wrote.
    dsl_page.get_by_role("link", name=reference).click()
    expect(dsl_page.get_by_text("Seen on the bus: messages asking for pictures.")).to_be_visible()
    screenshot(dsl_page, "concern-raised-after-provider-sign-in")
    other.close()


def test_the_it_admin_sees_the_sign_in_settings_and_a_broken_provider_leaves_passwords(demo, demo_provider, browser_context):
    from safeguard.models import SignInProvider

    base = demo.url
    page = browser_context.new_page()
    log_in(page, base, "itadmin@demo.example")
    enter_code(page, totp(KNOWN_KEY))
    page.wait_for_url(lambda url: "/second-factor/" not in url)
    page.get_by_role("link", name="Signing in with the school's accounts").click()
    expect(page.get_by_role("heading", name="Signing in with the school's accounts")).to_be_visible()
    expect(page.get_by_text("/login/provider/callback/")).to_be_visible()
    axe_check(page, "sign-in settings")
    # A wrong issuer: saved, with why it does not work.
    wrong = demo_provider.issuer.replace("127.0.0.1", "localhost")
    page.get_by_label("Directory (tenant) ID, Workspace domain or issuer URL").fill(wrong)
    page.get_by_role("button", name="Save and check").click()
    expect(page.get_by_text("Saved, but signing in with it does not work yet").first).to_be_visible()
    screenshot(page, "sign-in-settings-broken")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "phone-sign-in-settings-broken")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert SignInProvider.objects.get().problem
    # The login page no longer offers the button; passwords are still there.
    anon = browser_context.browser.new_context(base_url=base).new_page()
    anon.goto(base + "/login/")
    expect(anon.get_by_role("link", name="Sign in with your school account")).to_have_count(0)
    expect(anon.get_by_label("Password")).to_be_visible()
