"""Helpers for tests that run a real Celery worker (celery.contrib.testing.worker)."""

from __future__ import annotations

import time
from collections.abc import Callable

from celery.contrib.testing.worker import start_worker


def running_worker(app, **kwargs):
    """A real worker thread consuming from the app's broker."""
    kwargs.setdefault("perform_ping_check", False)
    kwargs.setdefault("pool", "solo")
    kwargs.setdefault("shutdown_timeout", 20)
    kwargs.setdefault("loglevel", "WARNING")
    return start_worker(app, **kwargs)


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
