"""Safeguard run as processes on loopback, for the tests of running it as a service (issue 21): a
fresh PostgreSQL database, a Redis of the test's own, web, worker and beat processes with their
logs, and an SMTP server that records what it is sent (and can hold a message mid-send)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg(dbname: str, **options):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=dbname, **options)


def query(dbname: str, sql: str):
    with pg(dbname) as db:
        return db.execute(sql).fetchone()[0]


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "DATABASE_URL does not name a PostgreSQL database")


@dataclass
class Cluster:
    """One Safeguard: its environment, and the processes started in it."""

    env: dict
    database: str
    folder: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    webs: list[str] = field(default_factory=list)

    def manage(self, *arguments, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        handle = (self.folder / f"{name}.log").open("a")
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def web(self, name: str, port: int) -> subprocess.Popen:
        return self.start(
            name, [str(BIN / "gunicorn"), "safeguard.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        )

    def worker(self, name: str, *extra: str) -> subprocess.Popen:
        return self.start(name, [str(BIN / "celery"), "-A", "safeguard", "worker", "-n", f"{name}@%h", "--loglevel=INFO", *extra])

    def beat(self, name: str) -> subprocess.Popen:
        schedule = self.folder / f"{name}-schedule"
        return self.start(
            name, [str(BIN / "celery"), "-A", "safeguard", "beat", "--loglevel=INFO", "--pidfile=", "-s", str(schedule)]
        )

    def stop(self, name: str, *, kill: bool = False) -> None:
        process = self.processes.pop(name)
        if kill:
            os.killpg(process.pid, 9)
        else:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)

    def wait_for(self, condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            dead = [name for name, process in self.processes.items() if process.poll() is not None]
            assert not dead, f"{dead} stopped: " + "".join(self.log(name)[-2000:] for name in dead)
            time.sleep(0.5)
        pytest.fail(f"{what} did not happen within {seconds} s")

    def query(self, sql: str):
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as db:
            return db.execute(sql).fetchone()[0]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"nothing answered on port {port} within {seconds} s")


@contextmanager
def make_cluster(tmp_path: Path, *, redis_url: str, extra_env: dict | None = None, seed: bool = True, database_url: str = ""):
    """A fresh database (migrated, with the demo if ``seed``) and environment; yields the Cluster and
    stops its processes and drops its database afterwards. ``database_url``: a database made by
    the test (a private server's), used as it is."""
    name = ""
    if not database_url:
        require_postgresql()
        name = f"safeguard_svc_{uuid.uuid4().hex[:10]}"
        with pg("postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        db = connection.settings_dict
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_SETTINGS")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SAFEGUARD_VAR_DIR=str(tmp_path / "var"),
        SAFEGUARD_SWEEP_SECONDS="5",
        **(extra_env or {}),
    )
    cluster = Cluster(env=env, database=name or database_url.rsplit("/", 1)[-1], folder=tmp_path)
    try:
        for step in (["migrate", "-v0"], ["seed_demo", "-v0", "--pupils", "40"] if seed else None):
            if step:
                done = cluster.manage(*step)
                assert done.returncode == 0, done.stdout + done.stderr
        yield cluster
    finally:
        for process_name in list(cluster.processes):
            cluster.stop(process_name, kill=True)
        if name:
            with pg("postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self, folder: Path):
        if not shutil.which("redis-server"):
            require_service("redis-server", False, "Redis's server program is not installed")
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


# --- An SMTP server that records ------------------------------------------------------------------


class SmtpSink:
    """Speaks enough SMTP for Django's backend; records each message it accepts. While ``hold`` is
    set, a message's end of DATA is not answered: the sender waits, mid-send, until it is killed."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.holding = threading.Event()  # a sender is being held
        self.hold = threading.Event()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.strip().split(b" ")[0].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.wfile.write(b"250 sink\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        body = b""
                        while not body.endswith(b"\r\n.\r\n"):
                            chunk = self.rfile.readline()
                            if not chunk:
                                return
                            body += chunk
                        if sink.hold.is_set():
                            sink.holding.set()
                            while sink.hold.is_set():  # never answered: the sender is stuck here
                                time.sleep(0.1)
                            return  # the connection is dropped: this message was not accepted
                        sink.messages.append(body)
                        self.wfile.write(b"250 accepted\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # MAIL, RCPT, RSET, NOOP
                        self.wfile.write(b"250 ok\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.hold.clear()
        self.server.shutdown()
        self.server.server_close()

    @property
    def env(self) -> dict:
        return {
            "SAFEGUARD_EMAIL_HOST": "127.0.0.1",
            "SAFEGUARD_EMAIL_PORT": str(self.port),
            "SAFEGUARD_EMAIL_USE_TLS": "0",
        }


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb into a temporary folder, run as the postgres
    user), on a free port, that the test may stop and start while Safeguard runs."""

    def __init__(self):
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not versions or not shutil.which("runuser") or os.geteuid() != 0:
            require_service(
                "a private PostgreSQL server", False, "needs PostgreSQL's server programs and root (to run them as postgres)"
            )
        self.bin = versions[-1].parent
        self.port = free_port()
        # Under /tmp itself: pytest's own folders are private to root, and postgres must reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="safeguard-pg-"))
        self.data = self.folder / "pgdata"
        self.sockets = self.folder / "pgsock"
        shutil.chown(self.folder, "postgres", "postgres")
        for path in (self.data, self.sockets):
            path.mkdir()
            shutil.chown(path, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/safeguard"

    def _as_postgres(self, *command: str) -> None:
        runuser = shutil.which("runuser") or "runuser"
        done = subprocess.run(  # noqa: S603
            [runuser, "-u", "postgres", "--", *command], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.data / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(AssertionError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')


def log_in_over_http(base: str, email: str = "staff@demo.example"):
    """A requests session logged in as a demo account with its password, as a browser would."""
    import re

    import requests
    from django.conf import settings

    http = requests.Session()
    http.trust_env = False
    page = http.get(base + "/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = http.post(
        base + "/login/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": settings.SAFEGUARD_DEMO_PASSWORD},
        headers={"Referer": base + "/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return http
