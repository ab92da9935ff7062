"""Request context for the audit log and for log lines: a request id and the client's address."""

from __future__ import annotations

import ipaddress
import logging
import uuid

from django.conf import settings

from safeguard.audit import current_context, request_context


def client_ip(request) -> str | None:
    """The client's IP address. X-Forwarded-For is trusted only behind a configured proxy."""
    candidate = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_PROXY_HEADERS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The proxy appends the address it saw: the right-most entry is the one it vouches for.
            candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        request.client_ip = client_ip(request)
        with request_context(request.client_ip, request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class RequestContextLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_context().request_id or "-"
        return True
