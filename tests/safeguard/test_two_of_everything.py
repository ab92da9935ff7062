"""No single point of failure (issue 21, part 2): two web processes, two Celery workers and two
Celery beats on loopback, against one PostgreSQL database and one Redis, as two servers would run.

The demo's reminders (its overdue step) and alert emails are each sent exactly once although both
beats send the sweeps and both workers take from the queue; one logged-in session is served by
both web processes in turn (sessions live in the database)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.conftest import require_service

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: A Redis database of this test's own, emptied first (the suite's use 14 and 15).
REDIS_DB = 12
SEPARATOR = "-" * 79  # Django's console email backend writes one after each message


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pg(dbname: str, **options):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=dbname, **options)


@pytest.fixture
def cluster(tmp_path):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "DATABASE_URL does not name a PostgreSQL database")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        require_service("Redis", False, "REDIS_URL is not set")
    import redis

    base_redis = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    redis.Redis.from_url(base_redis).flushdb()
    name = f"safeguard_two_{uuid.uuid4().hex[:10]}"
    with _pg("postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_SETTINGS")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}",
        REDIS_URL=base_redis,
        SAFEGUARD_VAR_DIR=str(tmp_path / "var"),  # one data folder for all, as a shared volume
        SAFEGUARD_SWEEP_SECONDS="5",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
    subprocess.run([*manage, "seed_demo", "-v0", "--pupils", "40"], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
    ports = [_free_port(), _free_port()]
    commands = {
        "web1": [str(BIN / "gunicorn"), "safeguard.wsgi:application", "--bind", f"127.0.0.1:{ports[0]}", "--workers", "1"],
        "web2": [str(BIN / "gunicorn"), "safeguard.wsgi:application", "--bind", f"127.0.0.1:{ports[1]}", "--workers", "1"],
        "worker1": [str(BIN / "celery"), "-A", "safeguard", "worker", "-n", "one@%h", "--concurrency=2", "--loglevel=INFO"],
        "worker2": [str(BIN / "celery"), "-A", "safeguard", "worker", "-n", "two@%h", "--concurrency=2", "--loglevel=INFO"],
        "beat1": [str(BIN / "celery"), "-A", "safeguard", "beat", "--loglevel=INFO", "--pidfile=", "-s", str(tmp_path / "b1")],
        "beat2": [str(BIN / "celery"), "-A", "safeguard", "beat", "--loglevel=INFO", "--pidfile=", "-s", str(tmp_path / "b2")],
    }
    logs = {key: tmp_path / f"{key}.log" for key in commands}
    processes = {
        key: subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[key].open("w"), stderr=subprocess.STDOUT)  # noqa: S603
        for key, command in commands.items()
    }
    try:
        yield {"db": name, "webs": [f"http://127.0.0.1:{port}" for port in ports], "logs": logs, "processes": processes}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        with _pg("postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(name: str, sql: str):
    with _pg(name) as db:
        return db.execute(sql).fetchone()[0]


def _wait(condition, seconds: float, what: str, cluster) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        dead = [key for key, process in cluster["processes"].items() if process.poll() is not None]
        assert not dead, f"{dead} stopped: " + "".join(cluster["logs"][key].read_text()[-2000:] for key in dead)
        time.sleep(1)
    pytest.fail(f"{what} did not happen in {seconds} s")


def test_two_webs_two_workers_two_beats_send_every_reminder_once_and_share_sessions(cluster):
    name = cluster["db"]

    def done() -> bool:
        sent = _query(name, "SELECT COUNT(*) FROM referrals_reminder WHERE email_sent_at IS NOT NULL")
        waiting = _query(
            name, "SELECT COUNT(*) FROM referrals_reminder WHERE status IN ('pending', 'claimed') AND deliver_at < now()"
        )
        emails = _query(
            name, "SELECT COUNT(*) FROM safeguard_alertemail WHERE status IN ('pending', 'claimed') AND deliver_at < now()"
        )
        return sent > 0 and waiting == 0 and emails == 0

    _wait(done, 150, "every due reminder and alert email sent", cluster)
    # Some sweeps more, so both beats have had many turns at each.
    time.sleep(12)
    reminders = _query(name, "SELECT COUNT(*) FROM referrals_reminder WHERE email_sent_at IS NOT NULL")
    # An alert email in someone's morning digest goes inside the digest (a reminder), not on its own.
    alerts = _query(name, "SELECT COUNT(*) FROM safeguard_alertemail WHERE status = 'sent' AND NOT in_digest")
    worker_logs = cluster["logs"]["worker1"].read_text() + cluster["logs"]["worker2"].read_text()
    printed = worker_logs.count(SEPARATOR)
    assert reminders > 0
    assert printed == reminders + alerts, f"{printed} emails printed for {reminders} reminders and {alerts} alert emails"
    assert _query(name, "SELECT COUNT(*) FROM referrals_reminder WHERE attempts > 1") == 0
    # Both workers took work, and both beats were there: each sweep was sent by one of them only.
    assert (
        "Task referrals.tasks.sweep_reminders" in cluster["logs"]["worker1"].read_text() + cluster["logs"]["worker2"].read_text()
    )
    beats = cluster["logs"]["beat1"].read_text() + cluster["logs"]["beat2"].read_text()
    skipped = len(re.findall(r"sweep-reminders was already sent by another beat", beats))
    assert skipped > 0, "the second beat never offered a sweep: the test did not run two beats"
    sweeps = _query(name, "SELECT runs FROM safeguard_jobrun WHERE name = 'reminder_sweep'")
    offered = len(re.findall(r"Sending due task sweep-reminders", beats))
    assert sweeps <= offered - skipped + 1, f"{sweeps} sweeps ran for {offered - skipped} claimed runs"
    print(
        f"two of everything: {reminders} reminders and {alerts} alert emails, {printed} emails printed; {offered} sweeps offered, {skipped} skipped, {sweeps} ran"
    )

    # One session, served by both web processes in turn.
    http = requests.Session()
    http.trust_env = False
    web1, web2 = cluster["webs"]
    login_page = http.get(web1 + "/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    from django.conf import settings

    answer = http.post(
        web1 + "/login/",
        data={"csrfmiddlewaretoken": token, "username": "staff@demo.example", "password": settings.SAFEGUARD_DEMO_PASSWORD},
        headers={"Referer": web1 + "/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    for base in (web2, web1, web2):
        home = http.get(base + "/", timeout=10, allow_redirects=False)
        assert home.status_code == 200 and "Robin Ellery" in home.text, (base, home.status_code)
