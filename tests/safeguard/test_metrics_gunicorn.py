"""/metrics under gunicorn's several workers (issue 21): each worker's samples are kept in
PROMETHEUS_MULTIPROC_DIR, so the scrape, whichever worker answers it, reports them all. A real
gunicorn with two workers on loopback, not a test client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_scrape_counts_every_workers_requests(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_SETTINGS", "DATABASE_URL", "REDIS_URL"))
    }
    samples = tmp_path / "prometheus"
    env.update(SAFEGUARD_VAR_DIR=str(tmp_path / "var"), SAFEGUARD_METRICS="1", PROMETHEUS_MULTIPROC_DIR=str(samples))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603
        [
            str(gunicorn),
            "safeguard.wsgi:application",
            "--config",
            "python:safeguard.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Up when the login page answers (not a health check: those are what is counted below). A
        # first answer can take seconds on a loaded machine: a slow one is waited for, not an error.
        for _ in range(100):
            try:
                requests.get(base + "/login/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        # Many at once, each on its own connection, so that both workers answer some.
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda _: requests.get(base + "/healthz", timeout=10).status_code, range(59)))
        assert answers == [200] * 59
        files = {path.name.rsplit("_", 1)[-1] for path in samples.glob("histogram_*.db")}
        assert len(files) >= 2, f"only {files} answered: the test did not reach both workers"
        text = requests.get(base + "/metrics", timeout=10).text
        # 59 health checks in all, whichever worker answered each.
        assert 'safeguard_request_seconds_count{method="GET",status="2xx",view="healthz"} 59.0' in text, text[:3000]
    finally:
        server.terminate()
        server.wait(timeout=20)
