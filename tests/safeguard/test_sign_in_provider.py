"""Signing in with the school's accounts, end to end through a real OpenID Connect provider
(issue 20): django-oauth-toolkit's provider runs on loopback (``tests/oidc_provider``), Safeguard
runs in pytest-django's live server, and the sign-in goes between them over HTTP as a browser's
would (``requests`` following the redirects), with no mock of the protocol anywhere."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard import sign_in
from safeguard.models import AuditEvent, SignInIdentity, SignInProvider, User
from tests.factories import SchoolFactory, TrustFactory, staff
from tests.oidc_provider.client import Provider, sign_in_at_provider

CLIENT_ID = "safeguard-test"
CLIENT_SECRET = "test-provider-secret"
SECRET_ENV = "SAFEGUARD_OIDC_SECRET_TESTS"
PASSWORD = "provider-pass-1"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    callbacks = [
        live_server.url + "/login/provider/callback/",
        live_server.url.replace("localhost", "127.0.0.1") + "/login/provider/callback/",
    ]
    running = Provider.start(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=callbacks,
        data_dir=tmp_path_factory.mktemp("oidc-provider"),
    )
    yield running
    running.stop()


@pytest.fixture
def world(provider, monkeypatch, live_server):
    """A school that signs in through the test provider, and its staff."""
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    provider.set_fault("")
    for issuer in (provider.issuer, provider.issuer.replace("127.0.0.1", "localhost"), "http://127.0.0.1:1/o"):
        cache.delete("sign_in:discovery:" + issuer)
    school = SchoolFactory(trust=TrustFactory(), name="Brookfield Test Academy", code="BTA")
    it_admin = staff(school, "it_admin", full_name="Ivo Admin", email="it@brookfield.example")
    settings_row = SignInProvider.objects.create(
        school=school,
        kind=SignInProvider.Kind.OTHER,
        directory=provider.issuer,
        client_id=CLIENT_ID,
        secret_env=SECRET_ENV,
        updated_by=it_admin,
    )
    return {"school": school, "it_admin": it_admin, "provider": settings_row, "live": live_server}


def _http() -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    return http


def start(world, http, *, next_path: str | None = None) -> requests.Response:
    url = world["live"].url + reverse("sign_in_provider_start", args=[world["school"].code])
    if next_path:
        url += "?" + urlencode({"next": next_path})
    return http.get(url, allow_redirects=False)


def sign_in_through(world, http, username: str, password: str = PASSWORD) -> requests.Response:
    """From the login page's button to Safeguard's answer to the provider's redirect (not followed)."""
    started = start(world, http)
    assert started.status_code == 302, started.text[:500]
    authorize = started.headers["Location"]
    assert authorize.startswith(world["provider"].directory + "/authorize")
    query = parse_qs(urlsplit(authorize).query)
    # The request carries state, nonce and a PKCE challenge (S256), and no secret.
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0] and query["nonce"][0] and query["state"][0]
    assert CLIENT_SECRET not in authorize
    back = sign_in_at_provider(http, authorize, username, password)
    assert back.status_code in (302, 303), back.text[:500]
    callback = back.headers["Location"]
    assert "/login/provider/callback/" in callback, callback
    return http.get(callback, allow_redirects=False)


def page_after(world, http, response: requests.Response) -> str:
    """The page Safeguard's answer leads to (messages and all)."""
    location = response.headers["Location"]
    target = location if location.startswith("http") else world["live"].url + location
    return http.get(target).text


def signed_in_as(world, http):
    """Who Safeguard's session is for: the home page answers 200, or sends someone to log in."""
    home = http.get(world["live"].url + reverse("home"), allow_redirects=False)
    return home


def refused(action_reason: str):
    return AuditEvent.objects.filter(action="safeguard.login.provider_refused", extra__reason=action_reason)


# --- The good sign-in ---------------------------------------------------------------------------


def test_a_member_of_staff_signs_in_through_the_provider_and_can_raise_a_concern(world, provider):
    teacher = staff(world["school"], "staff", full_name="Tess Teacher", email="tess@brookfield.example")
    sub = provider.add_user("tess", PASSWORD, "Tess@Brookfield.example", name="Tess T")
    http = _http()
    answer = sign_in_through(world, http, "tess")
    assert answer.status_code == 302 and answer.headers["Location"] == reverse("home")
    assert signed_in_as(world, http).status_code == 200
    concern = http.get(world["live"].url + reverse("concern_new"), allow_redirects=False)
    assert concern.status_code == 200 and "concern" in concern.text.lower()
    # The link is the provider's subject from now on; the sign-in is audited, with no token in it.
    assert SignInIdentity.objects.get(user=teacher).subject == sub
    event = AuditEvent.objects.get(action="safeguard.login.provider", actor=teacher)
    assert event.extra == {"kind": "oidc", "provider_mfa": False, "mfa_trusted": False}
    assert AuditEvent.objects.filter(action="safeguard.sign_in.linked", actor=teacher).count() == 1
    # No tokens kept in Safeguard's session.
    from django.contrib.sessions.models import Session

    for row in Session.objects.all():
        data = row.get_decoded()
        assert "oidc_access_token" not in data and "oidc_id_token" not in data


def test_next_is_kept_through_the_provider(world, provider):
    staff(world["school"], "staff", email="nia@brookfield.example")
    provider.add_user("nia", PASSWORD, "nia@brookfield.example")
    http = _http()
    started = start(world, http, next_path=reverse("concern_new"))
    back = sign_in_at_provider(http, started.headers["Location"], "nia", PASSWORD)
    answer = http.get(back.headers["Location"], allow_redirects=False)
    assert answer.headers["Location"] == reverse("concern_new")


def test_the_dsl_signs_in_through_the_provider_and_is_still_asked_for_the_second_factor(world, provider):
    dsl = staff(world["school"], "dsl", email="dana@brookfield.example")
    TOTPDevice.objects.create(user=dsl, name="Authenticator app", confirmed=True)
    provider.add_user("dana", PASSWORD, "dana@brookfield.example", amr=("pwd", "mfa"))
    http = _http()
    answer = sign_in_through(world, http, "dana")
    assert answer.status_code == 302
    home = signed_in_as(world, http)
    # The school does not trust the provider's multi-factor claim: Safeguard's code first.
    assert home.status_code == 302 and home.headers["Location"].startswith(reverse("otp_verify"))
    cases = http.get(world["live"].url + reverse("case_list"), allow_redirects=False)
    assert cases.status_code == 302 and cases.headers["Location"].startswith(reverse("otp_verify"))


def test_a_school_that_trusts_the_providers_mfa_lets_the_dsl_in_only_when_the_token_says_mfa(world, provider):
    SignInProvider.objects.filter(pk=world["provider"].pk).update(trust_provider_mfa=True)
    dsl = staff(world["school"], "dsl", email="dev@brookfield.example")
    TOTPDevice.objects.create(user=dsl, name="Authenticator app", confirmed=True)
    provider.add_user("dev", PASSWORD, "dev@brookfield.example", amr=("pwd", "mfa"))
    http = _http()
    sign_in_through(world, http, "dev")
    assert signed_in_as(world, http).status_code == 200
    assert http.get(world["live"].url + reverse("case_list"), allow_redirects=False).status_code == 200
    event = AuditEvent.objects.get(action="safeguard.login.provider", actor=dsl)
    assert event.extra["provider_mfa"] is True and event.extra["mfa_trusted"] is True
    # The school stops trusting it: the same session is asked for the code at its next request.
    SignInProvider.objects.filter(pk=world["provider"].pk).update(trust_provider_mfa=False)
    again = http.get(world["live"].url + reverse("case_list"), allow_redirects=False)
    assert again.status_code == 302 and again.headers["Location"].startswith(reverse("otp_verify"))

    # A password-only sign-in at the provider (no "mfa" in amr) is not enough, even when trusted.
    SignInProvider.objects.filter(pk=world["provider"].pk).update(trust_provider_mfa=True)
    provider.add_user("dev", PASSWORD, "dev@brookfield.example", amr=("pwd",))
    other = _http()
    sign_in_through(world, other, "dev")
    home = signed_in_as(world, other)
    assert home.status_code == 302 and home.headers["Location"].startswith(reverse("otp_verify"))


# --- Tokens that must be refused ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason", "words"),
    [
        ("audience", "audience", "meant for another service"),
        ("expired", "expired", "had expired"),
        ("nonce", "nonce", "does not belong to the one Safeguard started"),
        ("issuer", "issuer", "different provider"),
        ("unpublished_key", "signature", "signed with a key the provider does not publish"),
    ],
)
def test_a_bad_id_token_is_refused_with_the_reason(world, provider, fault, reason, words):
    member = staff(world["school"], "staff", email="fay@brookfield.example")
    provider.add_user("fay", PASSWORD, "fay@brookfield.example")
    provider.set_fault(fault)
    http = _http()
    answer = sign_in_through(world, http, "fay")
    assert answer.status_code == 302 and answer.headers["Location"] == reverse("login")
    assert words in page_after(world, http, answer)
    assert signed_in_as(world, http).status_code == 302
    assert refused(reason).count() == 1
    assert not SignInIdentity.objects.filter(user=member).exists()
    assert not AuditEvent.objects.filter(action="safeguard.login.succeeded", actor=member).exists()


def test_a_replayed_code_is_refused(world, provider):
    staff(world["school"], "staff", email="rex@brookfield.example")
    provider.add_user("rex", PASSWORD, "rex@brookfield.example")
    http = _http()
    started = start(world, http)
    back = sign_in_at_provider(http, started.headers["Location"], "rex", PASSWORD)
    callback = back.headers["Location"]
    assert http.get(callback, allow_redirects=False).headers["Location"] == reverse("home")
    # The same answer again (state and code): the state was used up by the first.
    attacker = _http()
    replay = attacker.get(callback, allow_redirects=False)
    assert replay.headers["Location"] == reverse("login") and refused("state").count() == 1
    assert signed_in_as(world, attacker).status_code == 302
    # The old code under a new sign-in's state: the provider refuses the code.
    fresh = start(world, attacker)
    new_state = parse_qs(urlsplit(fresh.headers["Location"]).query)["state"][0]
    old_code = parse_qs(urlsplit(callback).query)["code"][0]
    url = world["live"].url + reverse("sign_in_provider_callback") + "?" + urlencode({"code": old_code, "state": new_state})
    reused = attacker.get(url, allow_redirects=False)
    assert reused.headers["Location"] == reverse("login")
    assert "already used or has expired" in page_after(world, attacker, reused)
    assert refused("code_refused").count() == 1
    assert signed_in_as(world, attacker).status_code == 302


def test_a_rotated_signing_key_is_fetched_and_trusted(world, provider):
    member = staff(world["school"], "staff", email="rota@brookfield.example")
    provider.add_user("rota", PASSWORD, "rota@brookfield.example")
    sign_in._jwk_clients.clear()  # whatever earlier tests fetched: the keys are fetched below
    first = _http()
    sign_in_through(world, first, "rota")  # Safeguard now holds the provider's keys
    fetched = time.monotonic()
    provider.rotate_key()
    # PyJWT fetches the keys again for an unknown key id only after a short cooldown since the
    # last fetch (so made-up key ids cannot hammer the provider): a real rotation is seconds old.
    time.sleep(max(0.0, sign_in.KEY_REFRESH_COOLDOWN_SECONDS - (time.monotonic() - fetched)) + 0.2)
    second = _http()
    answer = sign_in_through(world, second, "rota")
    assert answer.headers["Location"] == reverse("home")
    assert AuditEvent.objects.filter(action="safeguard.login.provider", actor=member).count() == 2


# --- People who must not get in -------------------------------------------------------------------


def test_someone_unknown_to_safeguard_is_refused_and_no_account_is_made(world, provider):
    provider.add_user("stranger", PASSWORD, "stranger@brookfield.example")
    before = User.objects.count()
    http = _http()
    answer = sign_in_through(world, http, "stranger")
    assert "There is no Safeguard account for stranger@brookfield.example" in page_after(world, http, answer)
    assert User.objects.count() == before and not SignInIdentity.objects.exists()
    assert refused("unknown_account").get().actor is None


def test_a_deactivated_account_is_refused(world, provider):
    member = staff(world["school"], "staff", email="dee@brookfield.example")
    provider.add_user("dee", PASSWORD, "dee@brookfield.example")
    http = _http()
    sign_in_through(world, http, "dee")
    User.objects.filter(pk=member.pk).update(is_active=False)
    again = _http()
    answer = sign_in_through(world, again, "dee")
    assert "switched off" in page_after(world, again, answer)
    assert signed_in_as(world, again).status_code == 302
    assert refused("inactive").get().actor == member


def test_an_email_the_provider_has_not_verified_finds_no_account(world, provider):
    staff(world["school"], "staff", email="una@brookfield.example")
    provider.add_user("una", PASSWORD, "una@brookfield.example", email_verified=False)
    http = _http()
    answer = sign_in_through(world, http, "una")
    assert "has not confirmed your email address" in page_after(world, http, answer)
    assert refused("email_unverified").count() == 1 and not SignInIdentity.objects.exists()


def test_after_the_first_sign_in_the_subject_not_the_email_finds_the_account(world, provider):
    member = staff(world["school"], "staff", email="sam@brookfield.example")
    provider.add_user("sam", PASSWORD, "sam@brookfield.example")
    sign_in_through(world, _http(), "sam")
    # The provider's address changes (a marriage, a new domain): the subject still finds Sam.
    provider.add_user("sam", PASSWORD, "sam.new@brookfield.example")
    http = _http()
    assert sign_in_through(world, http, "sam").headers["Location"] == reverse("home")
    assert AuditEvent.objects.filter(action="safeguard.login.provider", actor=member).count() == 2
    # Someone else at the provider now given Sam's old address is not Sam.
    provider.add_user("impostor", PASSWORD, "sam@brookfield.example")
    other = _http()
    answer = sign_in_through(world, other, "impostor")
    assert "linked to a different" in page_after(world, other, answer)
    assert signed_in_as(world, other).status_code == 302


def test_someone_with_no_role_at_the_school_is_refused(world, provider):
    elsewhere = SchoolFactory(trust=world["school"].trust, name="Other Test School", code="OTS")
    staff(elsewhere, "staff", email="ola@brookfield.example")
    provider.add_user("ola", PASSWORD, "ola@brookfield.example")
    http = _http()
    answer = sign_in_through(world, http, "ola")
    assert "is not at Brookfield Test Academy" in page_after(world, http, answer)


def test_a_cancelled_sign_in_and_a_forged_state_are_refused(world, provider):
    http = _http()
    started = start(world, http)
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    base = world["live"].url + reverse("sign_in_provider_callback")
    cancelled = http.get(base + "?" + urlencode({"error": "access_denied", "state": state}), allow_redirects=False)
    assert "was cancelled" in page_after(world, http, cancelled)
    forged = http.get(base + "?" + urlencode({"code": "x", "state": "made-up"}), allow_redirects=False)
    assert forged.headers["Location"] == reverse("login") and refused("state").count() == 1


# --- Passwords off, a provider that is not working -------------------------------------------------


def test_password_sign_in_turned_off_refuses_staff_passwords_but_not_the_it_admins(world, provider, client):
    from django.test import Client

    SignInProvider.objects.filter(pk=world["provider"].pk).update(password_sign_in=False)
    member = staff(world["school"], "staff", email="pat@brookfield.example")
    member.set_password("a-long-password-1")
    member.save()
    refused_page = Client().post(reverse("login"), {"username": member.email, "password": "a-long-password-1"})
    assert refused_page.status_code == 200 and "use the button above" in refused_page.content.decode()
    assert "Sign in with your school account" in refused_page.content.decode()
    it_admin = world["it_admin"]
    it_admin.set_password("a-long-password-2")
    it_admin.save()
    allowed = Client().post(reverse("login"), {"username": it_admin.email, "password": "a-long-password-2"})
    assert allowed.status_code == 302
    # The provider still lets the member of staff in.
    provider.add_user("pat", PASSWORD, "pat@brookfield.example")
    assert sign_in_through(world, _http(), "pat").headers["Location"] == reverse("home")


@pytest.mark.parametrize("broken", ["closed_port", "wrong_issuer", "no_secret"])
def test_a_misconfigured_provider_leaves_passwords_and_tells_the_it_admin_why(world, provider, monkeypatch, broken):
    if broken == "closed_port":
        directory, why = "http://127.0.0.1:1/o", "could not reach"
    elif broken == "wrong_issuer":
        # The same provider by another name: its discovery says its issuer is 127.0.0.1's.
        directory, why = provider.issuer.replace("127.0.0.1", "localhost"), "not 'http://localhost"
    else:
        directory, why = provider.issuer, f"{SECRET_ENV} is not set"
        monkeypatch.delenv(SECRET_ENV)
    SignInProvider.objects.filter(pk=world["provider"].pk).update(directory=directory)
    http = _http()
    login_page = http.get(world["live"].url + reverse("login")).text
    assert "Sign in with your school account" in login_page  # not yet known to be broken
    answer = start(world, http)
    assert answer.status_code == 302 and answer.headers["Location"] == reverse("login")
    page = page_after(world, http, answer)
    assert "is not working at the moment" in page and "Safeguard password below" in page
    assert 'name="password"' in page and "Sign in with your school account" not in page
    row = SignInProvider.objects.get(pk=world["provider"].pk)
    assert why in row.problem and row.last_checked_at is not None
    # The IT admin is told once, and sees why on the settings page.
    from safeguard.models import Notification

    alert = Notification.objects.get(recipient=world["it_admin"], kind="sign_in_problem")
    assert "Brookfield" in alert.title and alert.cleared_at is None
    start(world, _http())
    assert Notification.objects.filter(kind="sign_in_problem").count() == 1
    # Mended: the regular check finds it working, the alert clears and the button is back.
    SignInProvider.objects.filter(pk=world["provider"].pk).update(directory=provider.issuer)
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    from safeguard.services.sign_in import sign_in_providers_check

    assert sign_in_providers_check() == {"working": 1, "broken": 0}
    assert Notification.objects.get(pk=alert.pk).cleared_at is not None
    assert "Sign in with your school account" in http.get(world["live"].url + reverse("login")).text


# --- Single logout, confirming it is you ------------------------------------------------------------


def test_signing_out_at_the_provider_ends_the_safeguard_session(world, provider):
    member = staff(world["school"], "staff", email="lou@brookfield.example")
    provider.add_user("lou", PASSWORD, "lou@brookfield.example")
    http = _http()
    sign_in_through(world, http, "lou")
    assert signed_in_as(world, http).status_code == 200
    uri = world["live"].url + reverse("sign_in_provider_logout")
    # A logout token for another client, and a made-up one, change nothing.
    wrong = requests.post(uri, data={"logout_token": provider.logout_token("lou", aud="someone-else")}, timeout=10)
    assert wrong.status_code == 400
    assert requests.post(uri, data={"logout_token": "not.a.token"}, timeout=10).status_code == 400
    assert signed_in_as(world, http).status_code == 200
    assert provider.backchannel_logout("lou", uri) == 200
    home = signed_in_as(world, http)
    assert home.status_code == 302 and home.headers["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(action="safeguard.logout.provider", actor=member).count() == 1


def test_confirming_it_is_you_at_the_provider_stands_in_for_the_password(world, provider):
    dsl = staff(world["school"], "dsl", email="cara@brookfield.example")
    TOTPDevice.objects.create(user=dsl, name="Authenticator app", confirmed=True)
    SignInProvider.objects.filter(pk=world["provider"].pk).update(trust_provider_mfa=True)
    provider.add_user("cara", PASSWORD, "cara@brookfield.example", amr=("pwd", "mfa"))
    http = _http()
    sign_in_through(world, http, "cara")
    reauth_page = http.get(world["live"].url + reverse("reauth")).text
    assert "Confirm with your school account instead of a password" in reauth_page
    started = http.get(world["live"].url + reverse("sign_in_provider_reauth") + "?next=/staff/", allow_redirects=False)
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["300"]
    # The provider asks for the password again even though its own session is live.
    back = sign_in_at_provider(http, started.headers["Location"], "cara", PASSWORD)
    answer = http.get(back.headers["Location"], allow_redirects=False)
    assert answer.headers["Location"] == "/staff/"
    assert AuditEvent.objects.filter(action="safeguard.reauth.provider", actor=dsl).count() == 1


def test_the_issuer_each_kind_means():
    tenant = "0a1b2c3d-1234-4abc-9def-0123456789ab"
    assert sign_in.expected_issuer("entra", tenant.upper()) == f"https://login.microsoftonline.com/{tenant}/v2.0"
    assert sign_in.expected_issuer("google", "school.example.org") == "https://accounts.google.com"
    assert sign_in.directory_problem("entra", "school.onmicrosoft.com")
    assert sign_in.directory_problem("oidc", "http://sso.school.example.org") == (
        "The issuer URL must start with https:// (plain http is only for a provider on this server)."
    )
    assert sign_in.directory_problem("oidc", "http://127.0.0.1:8100/o") is None
    assert sign_in.secret_env_problem("SECRET_KEY") and sign_in.secret_env_problem("DATABASE_URL")
    assert sign_in.secret_env_problem("SAFEGUARD_OIDC_SECRET_HILLSIDE") is None


def test_a_google_account_outside_the_schools_domain_is_refused():
    claims = {"email": "someone@gmail.com", "email_verified": True}
    with pytest.raises(sign_in.SignInRefused) as refusal:
        sign_in.verified_email("google", "school.example.org", claims)
    assert refusal.value.code == "wrong_domain"
    assert sign_in.verified_email("google", "school.example.org", {**claims, "hd": "school.example.org"}) == "someone@gmail.com"
    assert sign_in.verified_email("entra", "x", {"preferred_username": "Ann@School.Example.org"}) == "ann@school.example.org"
