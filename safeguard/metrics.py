"""Request latency for Prometheus (issue 21), by view: the one metric every request adds to.

The rest (queue depth, reminders, the last backup) is read when Prometheus asks (``desk.metrics``).
Under gunicorn's several workers, set PROMETHEUS_MULTIPROC_DIR (docker-compose does) so each
process writes its samples where the scrape, whichever process answers it, reads them all.
"""

from __future__ import annotations

import time

from prometheus_client import Histogram

REQUEST_SECONDS = Histogram(
    "safeguard_request_seconds",
    "Time to answer a request, by view (its URL name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = frozenset({"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Times each request by the view's URL name (never the path, which can hold ids)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.url_name or "unnamed") if match else "unresolved"
        method = request.method if request.method in METHODS else "OTHER"
        REQUEST_SECONDS.labels(view=view, method=method, status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response
