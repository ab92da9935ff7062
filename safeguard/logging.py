"""Log filters: what reaches the application log about a request, and no more.

A refused request (403, 404, any 4xx) is routine here: the permission gateway answers "Not found"
for every case someone may not see. Django's ``django.request`` logger logs each one with the
exception attached, so every refusal would print a traceback. This filter makes it one line:
the method, the path without its query string (a search may hold a child's name), the status and,
through the formatter, the request id that ties it to the audit log. The exception's message is
dropped too: it may say why, and the reason belongs in the audit log, not here.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from pythonjsonlogger.json import JsonFormatter

from safeguard.middleware import RequestContextLogFilter


class RequestIdLogFilter(RequestContextLogFilter):
    """``request_id`` on every record, also on the line Django writes once the response has left
    the middleware (a view that answers 404 itself): then the id comes from the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        super().filter(record)
        if record.request_id == "-":
            record.request_id = getattr(getattr(record, "request", None), "request_id", None) or "-"
        return True


def _escaped(value: str) -> str:
    # As Django escapes it: a path holding a newline cannot forge a second log line.
    return value.encode("unicode_escape").decode("ascii")


class RefusedRequestFilter(logging.Filter):
    """On ``django.request``: a 4xx answer becomes ``GET /cases/12/ 404 Not Found``, with no
    traceback. Server errors (5xx) keep their traceback: those are bugs to read."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if not isinstance(status, int) or not 400 <= status < 500 or request is None:
            return True
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Refused"
        record.msg = "%s %s %s %s"
        record.args = (_escaped(str(request.method)), _escaped(request.path), status, phrase)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line (python-json-logger), with only these keys: whatever else a record
    carries is dropped, because Django puts the whole request (its query string can hold a child's
    name) on every ``django.request`` record, and python-json-logger would write it out."""

    KEYS = frozenset({"time", "level", "logger", "request_id", "message", "status_code", "exc_info", "stack_info"})

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        for key in [key for key in log_record if key not in self.KEYS]:
            del log_record[key]
