"""Every named URL × every persona: the status each gets. A new URL must be added to the matrix."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.url_matrix import MATRIX, PERSONAS


def _named_urls(resolver=None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def test_every_url_is_in_the_matrix():
    missing = _named_urls() - set(MATRIX)
    assert not missing, f"Add these URLs to tests/url_matrix.py: {sorted(missing)}"
    stale = set(MATRIX) - _named_urls()
    assert not stale, f"These matrix rows name URLs that no longer exist: {sorted(stale)}"


def test_every_row_covers_every_persona():
    for name, row in MATRIX.items():
        assert set(row.get) == set(PERSONAS), f"{name} does not say what every persona gets"


@pytest.fixture
def matrix_context(personas, case, other_case):
    return {**personas, "case": case, "other_case": other_case}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_matrix(name, matrix_context, login, client):
    row = MATRIX[name]
    url = reverse(name, args=row.args(matrix_context)) + row.query
    for persona in PERSONAS:
        http = client if persona == "anon" else login(matrix_context[persona])
        response = http.get(url)
        assert response.status_code == row.get[persona], f"GET {name} as {persona}: {response.status_code}"
        if persona == "anon" and row.get[persona] == 302 and name != "login":
            assert response["Location"].startswith(reverse("login")), "login is required by default"
