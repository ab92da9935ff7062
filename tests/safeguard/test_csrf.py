"""CSRF: every URL that accepts a POST refuses one without the token (over the matrix's world).

Its own module: the world is shared by every test of a module, so tests that count rows must not
sit beside it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.matrix_context import world_client
from tests.url_matrix import MATRIX, url_for

CHANGING_URLS = sorted(name for name, row in MATRIX.items() if not row.read_only)


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
