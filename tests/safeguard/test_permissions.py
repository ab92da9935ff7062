"""Every named URL × every persona: the status each gets. A new URL must be added to the matrix."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.url_matrix import MATRIX, PERSONAS


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


def _attachment(case, dsl):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.services.attachments import attachment_add

    return attachment_add(actor=dsl, case=case, upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.7\n% a letter\n"))


@pytest.fixture
def matrix_context(personas, case, other_case, pupil, school, dsl):
    from django.utils import timezone

    from cases.models import PupilImport
    from cases.services import concern_raise, note_add
    from referrals.services import action_create

    pupil_import = PupilImport.objects.create(school=school, uploaded_by=dsl, filename="roll.csv", content="UPN\n", report={})
    concern = concern_raise(actor=personas["staff_member"], school=school, children="A pupil", what_happened="Something I saw.")
    return {
        **personas,
        "case": case,
        "other_case": other_case,
        "pupil": pupil,
        "pupil_import": pupil_import,
        "note": note_add(actor=dsl, case=case, text="A note."),
        "case_child": case.children.get(),
        "concern": concern,
        "step": case.steps.order_by("id").first(),
        "attachment": _attachment(case, dsl),
        "action": action_create(
            actor=dsl, case=case, owner=personas["pastoral"], title="Check in", due_date=timezone.localdate()
        ),
    }


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_matrix(name, matrix_context, login, client):
    row = MATRIX[name]
    url = reverse(name, args=row.args(matrix_context)) + row.query
    for persona in PERSONAS:
        http = client if persona == "anon" else login(matrix_context[persona])
        response = http.get(url)
        assert response.status_code == row.get[persona], f"GET {name} as {persona}: {response.status_code}"
        assert_security_headers(response, f"GET {name} as {persona}")
        if persona == "anon" and row.get[persona] == 302 and name != "login":
            assert response["Location"].startswith(reverse("login")), "login is required by default"
