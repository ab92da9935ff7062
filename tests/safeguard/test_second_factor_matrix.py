"""Every URL × second-factor state × method (issue 13): what a session that has not entered its
code can reach. Generated from the URL matrix, so a new URL cannot be missed.

States, for a DSL (whose role needs a second factor), each a session of the shared world:
- ``anonymous``: not logged in. Only the public pages answer; the rest send you to log in.
- ``password_only``: the password entered, a second factor set up but its code not entered yet.
  Only logging in and out, entering the code, and raising a concern are reached; everything else
  (setting up or replacing the second factor included) is sent to enter the code. Nothing any
  request does changes the second factor.
- ``no_second_factor_yet``: the password entered, no second factor set up. Setting one up is
  reached; everything that needs one is sent to set it up.
- ``verified``: the code entered. The middleware sends nowhere.

Its own module: it uses the matrix's shared world (see tests.matrix_context).
"""

from __future__ import annotations

import pytest
from django.urls import resolve
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.middleware import ONLY_WITHOUT_A_DEVICE, WITHOUT_SECOND_FACTOR, second_factor_url
from tests.matrix_context import world_client
from tests.url_matrix import MATRIX, url_for

STATES = ("anonymous", "password_only", "no_second_factor_yet", "verified")
METHODS = ("get", "post")


def _public(url: str) -> bool:
    return getattr(resolve(url.split("?")[0]).func, "login_required", True) is False


def _blocked(name: str, state: str) -> bool:
    """Whether the second-factor middleware must stop this request before the view."""
    if state in ("anonymous", "verified"):
        return False
    reachable = WITHOUT_SECOND_FACTOR - {"home"}  # home asks a DSL for the code first
    if state == "password_only":
        reachable -= ONLY_WITHOUT_A_DEVICE
    return name not in reachable


def _devices(user) -> list[tuple[int, bool, str]]:
    return list(TOTPDevice.objects.filter(user=user).order_by("pk").values_list("pk", "confirmed", "key"))


@pytest.mark.parametrize(("name", "state", "method"), [(n, s, m) for n in sorted(MATRIX) for s in STATES for m in METHODS])
def test_second_factor_matrix(name, state, method, world, db):
    dsl = world["fresh_dsl"] if state == "no_second_factor_yet" else world["enrolled_dsl"]
    url = url_for(name, world)
    client = world_client(world, "anon" if state == "anonymous" else state)
    before = _devices(dsl)
    response = getattr(client, method)(url, {})
    where = f"{method.upper()} {name} ({state})"
    location = response.get("Location", "")
    if state == "anonymous":
        if _public(url):
            # (A refused sign-in answer goes back to the login page with its reason, not "log in first".)
            assert not location.startswith("/login/?next="), f"{where} is public but sent to log in"
        else:
            assert response.status_code == 302 and location.startswith("/login/"), f"{where}: {response.status_code} {location}"
    elif _blocked(name, state):
        assert response.status_code == 302 and location == second_factor_url(dsl, url), (
            f"{where}: {response.status_code} {location}"
        )
    else:
        assert location != second_factor_url(dsl, url), f"{where} was stopped, but should be reachable"
    if state == "password_only":
        # Whatever was asked, a password alone changed nothing about the second factor.
        assert _devices(dsl) == before, f"{where} changed the second factor"


def test_the_states_cover_the_pages_a_password_alone_reaches():
    reachable = {name for name in MATRIX if not _blocked(name, "password_only")}
    assert reachable == {
        "login",
        "logout",
        "healthz",
        # Issue 21: readiness and Prometheus's endpoint (off by default; a token or loopback when on).
        "readyz",
        "metrics",
        "password_reset",
        "password_reset_sent",
        "password_set_confirm",
        "password_set_done",
        "otp_verify",
        "concern_new",
        "concern_sent",
        # The concern form's type-ahead: names, year group and the end of the UPN, as on the form.
        "concern_pupil_search",
        "school_switch",
        # Signing in with the school's accounts (issue 20): the way in, and the provider's logout.
        "sign_in_provider_start",
        "sign_in_provider_callback",
        "sign_in_provider_logout",
    }
