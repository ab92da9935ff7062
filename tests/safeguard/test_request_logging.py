"""A refused request is one log line: method, path without its query string, status and request
id; no traceback, no query, no case content (safeguard/logging.py)."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string


@pytest.fixture
def log_lines(caplog):
    """What the console handler would print for django.request, formatted as settings say."""
    caplog.handler.addFilter(import_string(settings.LOGGING["filters"]["request_context"]["()"])())
    caplog.handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    caplog.set_level(logging.INFO, logger="django.request")

    def lines() -> list[str]:
        return caplog.text.strip().splitlines()

    return lines


def test_a_case_someone_may_not_see_is_one_line_without_a_traceback(pastoral_unassigned, case, login, log_lines):
    response = login(pastoral_unassigned).get(reverse("case_detail", args=[case.pk]) + "?tab=Ava+Smith")
    assert response.status_code == 404
    (line,) = log_lines()
    assert line.endswith(f"WARNING django.request [req {response['X-Request-ID']}] GET /cases/{case.pk}/ 404 Not Found")


def test_a_forbidden_search_is_one_line_without_the_query_or_the_reason(it_admin, login, log_lines):
    response = login(it_admin).get(reverse("search") + "?q=Ava+Brackenfield")
    assert response.status_code == 403
    (line,) = log_lines()
    assert line.endswith(f"[req {response['X-Request-ID']}] GET /search/ 403 Forbidden")
    assert "Ava" not in line and "Brackenfield" not in line and "role" not in line


def test_an_unknown_address_and_a_post_are_one_line_each(dsl, login, log_lines):
    client = login(dsl)
    assert client.get("/no-such-page/?name=Ava").status_code == 404
    assert client.post(reverse("search"), {"q": "Ava"}).status_code == 405
    first, second = log_lines()
    assert first.endswith("GET /no-such-page/ 404 Not Found")
    assert second.endswith("POST /search/ 405 Method Not Allowed")


def test_a_path_cannot_forge_a_second_line(dsl, login, log_lines):
    assert login(dsl).get("/cases/1/%0aWARNING forged/").status_code == 404
    (line,) = log_lines()
    assert "\\nWARNING forged" in line


def test_a_server_error_keeps_its_traceback(caplog):
    from safeguard.logging import RefusedRequestFilter

    logger = logging.getLogger("django.request")
    assert any(isinstance(f, RefusedRequestFilter) for f in logger.filters)
    record = logger.makeRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x/",), (ValueError, ValueError(), None)
    )
    record.status_code, record.request = 500, object()
    assert RefusedRequestFilter().filter(record)
    assert record.exc_info is not None and record.getMessage() == "Internal Server Error: /x/"
