"""The IT admin's settings for signing in with the school's accounts (issue 20), and who may still
use a password. The sign-in itself, through a real provider, is in test_sign_in_provider.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safeguard.models import AuditEvent, SignInProvider
from safeguard.selectors import password_sign_in_allowed
from tests.factories import staff

TENANT = "0a1b2c3d-1234-4abc-9def-0123456789ab"
GOOD = {
    "enabled": "on",
    "kind": "entra",
    "directory": TENANT,
    "client_id": "11111111-2222-3333-4444-555555555555",
    "secret_env": "SAFEGUARD_OIDC_SECRET_HILLSIDE",
    "password_sign_in": "on",
}


@pytest.fixture
def no_network(monkeypatch):
    """The check after saving asks the provider for its settings: here it answers that it is down."""
    import requests

    def refuse(*args, **kwargs):
        raise requests.ConnectionError("no network in this test")

    monkeypatch.setattr("safeguard.sign_in.requests.get", refuse)
    from django.core.cache import cache

    cache.delete(f"sign_in:discovery:https://login.microsoftonline.com/{TENANT}/v2.0")


def test_the_it_admin_sets_up_microsoft_365_and_sees_why_it_does_not_work_yet(it_admin, school, login, no_network, monkeypatch):
    monkeypatch.setenv("SAFEGUARD_OIDC_SECRET_HILLSIDE", "the-real-secret-value")
    client = login(it_admin)
    page = client.get(reverse("sign_in_settings")).content.decode()
    assert "http://testserver/login/provider/callback/" in page and "http://testserver/login/provider/logout/" in page
    saved = client.post(reverse("sign_in_settings"), GOOD, follow=True)
    body = saved.content.decode()
    assert "Saved, but signing in with it does not work yet" in body and "could not reach" in body
    provider = SignInProvider.objects.get(school=school)
    assert provider.directory == TENANT and provider.problem and provider.updated_by == it_admin
    # The secret's value is never shown or stored; that it is set is.
    assert "the-real-secret-value" not in body and "Set on the server in" in body
    assert "the-real-secret-value" not in str(list(SignInProvider.objects.values()))
    event = AuditEvent.objects.get(action="safeguard.sign_in.saved")
    assert event.actor == it_admin and event.extra["kind"] == "entra" and "the-real-secret-value" not in str(event.extra)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("directory", "hillside.onmicrosoft.com", "Give the directory (tenant) ID"),
        ("secret_env", "SECRET_KEY", "starting SAFEGUARD_OIDC_SECRET_"),
        ("secret_env", "DATABASE_URL", "starting SAFEGUARD_OIDC_SECRET_"),
        ("client_id", "   ", "Give the client (application) ID"),
    ],
)
def test_bad_settings_are_refused_in_the_it_admins_words_and_what_was_typed_stays(it_admin, school, login, field, value, words):
    client = login(it_admin)
    response = client.post(reverse("sign_in_settings"), {**GOOD, field: value})
    body = response.content.decode()
    assert response.status_code == 200 and words in body
    assert GOOD["client_id"] in body or field == "client_id"
    assert not SignInProvider.objects.exists() and not AuditEvent.objects.filter(action="safeguard.sign_in.saved").exists()


def test_an_http_issuer_is_refused_unless_it_is_on_this_server(it_admin, school, login, no_network):
    client = login(it_admin)
    form = {**GOOD, "kind": "oidc", "directory": "http://sso.hillside.example/realms/staff"}
    assert "must start with https://" in client.post(reverse("sign_in_settings"), form).content.decode()


def test_only_the_it_admin_changes_how_staff_sign_in(dsl, head, school, login):
    for person in (dsl, head):
        assert login(person).post(reverse("sign_in_settings"), GOOD).status_code == 403
    assert not SignInProvider.objects.exists()


def _provider(school, **fields):
    values = {"kind": "entra", "directory": TENANT, "client_id": "c", "secret_env": "SAFEGUARD_OIDC_SECRET_X", **fields}
    return SignInProvider.objects.create(school=school, **values)


def test_passwords_stay_on_unless_every_school_of_theirs_turned_them_off(school, other_school, staff_member, it_admin):
    assert password_sign_in_allowed(staff_member)
    _provider(school, password_sign_in=False)
    assert not password_sign_in_allowed(staff_member)
    # The IT admin always may, so a broken provider never locks the school out.
    assert password_sign_in_allowed(it_admin)
    # Someone also at a school that still allows passwords may use theirs.
    both = staff(school, "staff", email="both@hillside.example")
    staff(other_school, "staff", email="x@valley.example")
    from safeguard.models import StaffRole

    StaffRole.objects.create(user=both, school=other_school, role="staff")
    assert password_sign_in_allowed(both)
    _provider(other_school, password_sign_in=False)
    assert not password_sign_in_allowed(both)
    # A provider turned off gives passwords back at that school.
    SignInProvider.objects.filter(school=school).update(enabled=False)
    assert password_sign_in_allowed(both)


def test_the_login_page_offers_only_working_providers(school, client, db):
    _provider(school, problem="Safeguard could not reach it.")
    assert "Sign in with Microsoft 365" not in client.get(reverse("login")).content.decode()
    SignInProvider.objects.filter(school=school).update(problem="")
    assert "Sign in with Microsoft 365" in client.get(reverse("login")).content.decode()
