"""CSRF: every URL that accepts a POST refuses one without the token (over the matrix's world).

Its own module: the world is shared by every test of a module, so tests that count rows must not
sit beside it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.matrix_context import world_client
from tests.url_matrix import MATRIX, url_for

#: Another machine posts here, with no session: the bundle is signed and encrypted instead of a
#: CSRF token (issue 18, part 3); and the school's sign-in provider's back-channel logout, a signed
#: logout token checked against the provider's keys (issue 20). Nothing else is exempt (checked below).
CSRF_EXEMPT = {"transfer_inbox", "transfer_inbox_ack", "sign_in_provider_logout"}
CHANGING_URLS = sorted(name for name, row in MATRIX.items() if not row.read_only and name not in CSRF_EXEMPT)


def test_only_the_transfer_inbox_is_exempt_from_csrf(world, db):
    from django.urls import resolve

    exempt = {name for name in MATRIX if getattr(resolve(url_for(name, world).split("?")[0]).func, "csrf_exempt", False)}
    assert exempt == CSRF_EXEMPT


@pytest.mark.parametrize("name", CHANGING_URLS)
def test_every_url_that_accepts_a_post_refuses_one_without_the_csrf_token(name, world, db):
    """Built from the same world as the URL matrix: a row that cannot be built fails, never skips."""
    url = url_for(name, world)
    for persona in ("anon", "dsl", "it_admin"):
        client = Client(enforce_csrf_checks=True)
        client.cookies = world_client(world, persona).cookies
        response = client.post(url, {})
        assert response.status_code == 403, (name, persona, response.status_code)
        assert b"could not confirm that this form came from your own session" in response.content, (name, persona)
