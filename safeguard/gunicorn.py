"""gunicorn's settings hooks (docker-compose's web service: ``--config python:safeguard.gunicorn``).

With several workers, Prometheus's client keeps each process's samples in PROMETHEUS_MULTIPROC_DIR
so that ``/metrics``, whichever worker answers it, reports them all (issue 21). The folder is
emptied when gunicorn starts, and a worker that exits is marked dead so its gauges stop counting.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
