"""Every named URL × every persona: the status each gets. A new URL must be added to the matrix."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix_context import world_client
from tests.url_matrix import MATRIX, PERSONAS, url_for


def assert_security_headers(response, where: str) -> None:
    """What every response carries (issue 7): a strict CSP, no framing, and privacy headers."""
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("Referrer-Policy") == "same-origin", where
    assert "camera=()" in response.get("Permissions-Policy", ""), where
    assert response.get("X-Content-Type-Options") == "nosniff", where


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


# --- Every URL × persona × method ---------------------------------------------------------------

#: What a refused request may write: its refusal, nothing else (a change refused leaves no change).
REFUSAL_ACTIONS = {
    "cases.case.access_refused",
    "cases.concern.access_refused",
    "cases.pupil.access_refused",
    "cases.pupil_import.access_refused",
    "desk.transfer.access_refused",
    "desk.received_file.access_refused",
    # Subject access requests (issue 19, part 4).
    "desk.sar.access_refused",
    # The public transfer inbox refusing what is not a bundle (issue 18, part 3).
    "desk.transfer_inbox.refused",
    # Retention (issue 19): a pupil's retention page or a legal hold refused.
    "desk.retention.access_refused",
    # Signing in with the school's accounts (issue 20): a sign-in answer or logout token refused.
    "safeguard.login.provider_refused",
}


def _check(response, expected: int, where: str, world, persona: str, before: int) -> None:
    assert response.status_code == expected, f"{where}: {response.status_code}, expected {expected}"
    assert_security_headers(response, where)
    if persona == "anon" and expected == 302:
        assert response["Location"].startswith(reverse("login")), f"{where}: login is required by default"
    if expected in (403, 404, 405) or persona == "anon":
        # A refused request changed nothing: the only audit rows it may write are refusals.
        from safeguard.models import AuditEvent

        written = set(AuditEvent.objects.filter(pk__gt=before).values_list("action", flat=True))
        assert written <= REFUSAL_ACTIONS, f"{where} was refused but wrote {sorted(written - REFUSAL_ACTIONS)}"


def _last_event_id() -> int:
    from safeguard.models import AuditEvent

    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


CASES = [(name, persona) for name in sorted(MATRIX) for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona"), CASES)
def test_get(name, persona, world, db):
    url = url_for(name, world)
    client = world_client(world, persona)
    before = _last_event_id()
    _check(client.get(url), MATRIX[name].get[persona], f"GET {name} as {persona}", world, persona, before)


@pytest.mark.parametrize(("name", "persona"), CASES)
def test_post(name, persona, world, db):
    url = url_for(name, world)
    client = world_client(world, persona)
    before = _last_event_id()
    _check(client.post(url, {}), MATRIX[name].post_statuses()[persona], f"POST {name} as {persona}", world, persona, before)


def test_every_post_row_covers_every_persona():
    for name, row in MATRIX.items():
        assert set(row.post_statuses()) == set(PERSONAS), f"{name} does not say what every persona gets for a POST"


def _unnamed(resolver=None) -> list[str]:
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _unnamed(entry)
        elif isinstance(entry, URLPattern) and not entry.name:
            found.append(str(entry.pattern))
    return found


def test_every_url_pattern_has_a_name_so_the_matrix_can_reach_it():
    """Zulip's "Some URLs are untested!": a pattern without a name could never be in the matrix."""
    assert not _unnamed(), f"Name these URL patterns: {_unnamed()}"
