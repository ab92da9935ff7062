"""Faults survived, nothing lost (issue 21, part 3), with real processes on loopback: a worker
killed with SIGKILL in the middle of sending, Redis stopped while Safeguard is in use, and
PostgreSQL restarted under load.
(A full disk is tests/cases/test_attachment_disk_full.py.)"""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from tests.cluster import PrivatePostgres, PrivateRedis, SmtpSink, free_port, log_in_over_http, make_cluster, wait_for_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _emails_due(cluster) -> tuple[int, int]:
    """(reminders and alert emails still to send, reminders and alert emails sent on their own)."""
    waiting = cluster.query(
        "SELECT (SELECT COUNT(*) FROM referrals_reminder WHERE status IN ('pending', 'claimed') AND deliver_at < now())"
        " + (SELECT COUNT(*) FROM safeguard_alertemail WHERE status IN ('pending', 'claimed') AND deliver_at < now())"
    )
    sent = cluster.query(
        "SELECT (SELECT COUNT(*) FROM referrals_reminder WHERE email_sent_at IS NOT NULL)"
        " + (SELECT COUNT(*) FROM safeguard_alertemail WHERE status = 'sent' AND NOT in_digest)"
    )
    return waiting, sent


def test_a_worker_killed_mid_send_sends_it_once_after_a_restart(tmp_path, sink, redis_server):
    env = {**sink.env, "SAFEGUARD_BROKER_VISIBILITY_SECONDS": "10"}
    with make_cluster(tmp_path, redis_url=redis_server.url, extra_env=env) as cluster:
        # The sweep claims the demo's due reminders and queues their sending (the demo's alert
        # emails were queued as it was made).
        swept = cluster.manage("shell", "-c", "from referrals.tasks import sweep_reminders; print(sweep_reminders())")
        assert swept.returncode == 0, swept.stderr
        assert cluster.query("SELECT COUNT(*) FROM referrals_reminder WHERE status = 'claimed'") > 0
        sink.hold.set()
        cluster.worker("doomed", "--pool=solo")
        cluster.wait_for(sink.holding.is_set, 60, "a send held mid-way at the mail server")
        cluster.stop("doomed", kill=True)  # SIGKILL: no clean-up, no acknowledgement
        sink.hold.clear()
        assert sink.messages == []
        cluster.worker("fresh")
        cluster.wait_for(lambda: _emails_due(cluster)[0] == 0, 120, "every due email sent after the restart")
        time.sleep(3)
        waiting, sent = _emails_due(cluster)
        assert sent > 0 and len(sink.messages) == sent, f"{len(sink.messages)} accepted for {sent} sent"
        assert "WorkerLostError" not in cluster.log("fresh")


def test_safeguard_serves_pages_while_redis_is_stopped_and_sends_what_waited_when_it_returns(tmp_path, sink, redis_server):
    with make_cluster(tmp_path, redis_url=redis_server.url, extra_env=sink.env) as cluster:
        port = free_port()
        cluster.web("web", port)
        cluster.worker("worker")
        cluster.beat("beat")
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        http = log_in_over_http(base)

        redis_server.stop()
        started = time.monotonic()
        # Pages are served; a concern is raised and kept; /readyz says the broker is away.
        assert http.get(base + "/", timeout=10).status_code == 200
        form = http.get(base + "/concerns/new/", timeout=10)
        assert form.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        raised = http.post(
            base + "/concerns/new/",
            data={
                "csrfmiddlewaretoken": token,
                "urgent": "no",
                "what_happened": "Raised while Redis was stopped.",
                "told": "No one",
            },
            headers={"Referer": base + "/concerns/new/"},
            timeout=30,
            allow_redirects=False,
        )
        assert raised.status_code == 302, raised.text[:1000]
        reference = cluster.query("SELECT reference FROM cases_concern ORDER BY id DESC LIMIT 1")
        ready = requests.get(base + "/readyz", timeout=10)
        assert ready.status_code == 503 and "broker" in ready.json()["failing"]
        assert requests.get(base + "/healthz", timeout=10).status_code == 200
        while time.monotonic() - started < 60:  # Redis away for a minute, pages served throughout
            assert http.get(base + "/", timeout=10).status_code == 200
            time.sleep(2)

        redis_server.start()  # empty: whatever was queued before is gone; the sweeps find what waits
        alerts = f"SELECT COUNT(*) FROM safeguard_alertemail WHERE subject_line LIKE '%%{reference}%%'"
        expected = cluster.query(alerts)
        assert expected > 0
        cluster.wait_for(
            lambda: cluster.query(alerts + " AND status = 'sent'") == expected,
            120,
            "the concern's alert emails sent after Redis returned",
        )
        time.sleep(3)
        about = [message for message in sink.messages if reference.encode() in message]
        assert len(about) == expected, f"{len(about)} emails about {reference} for {expected} alert emails"


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    server.start()
    server.create_database("safeguard")
    yield server
    server.remove()


def test_a_postgresql_restart_under_load_shows_the_error_page_then_recovers_by_itself(tmp_path, redis_server, private_postgres):
    with make_cluster(tmp_path, redis_url=redis_server.url, database_url=private_postgres.url) as cluster:
        port = free_port()
        web = cluster.web("web", port)
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        http = log_in_over_http(base)
        assert http.get(base + "/", timeout=10).status_code == 200

        answers: list[tuple[float, float, int, str]] = []  # (sent, answered, status, page)
        stop = threading.Event()

        def load():
            while not stop.is_set():
                sent = time.monotonic()
                try:
                    response = http.get(base + "/", timeout=15)
                    answers.append((sent, time.monotonic(), response.status_code, response.text))
                except requests.RequestException as error:
                    answers.append((sent, time.monotonic(), 0, type(error).__name__))
                time.sleep(0.1)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(2)
        private_postgres.stop()
        down = time.monotonic()
        time.sleep(3)  # PostgreSQL away for three seconds: a restart
        starting = time.monotonic()  # it may answer before pg_ctl returns
        private_postgres.start()
        up = time.monotonic()
        time.sleep(5)
        stop.set()
        loader.join(timeout=20)

        # Sent after PostgreSQL had stopped, and answered before it was started again.
        during = [(status, text) for sent, answered, status, text in answers if sent > down and answered < starting]
        after = [status for sent, _, status, _ in answers if sent > up + 2]
        assert during, "no request was made while PostgreSQL was down"
        # Every request while it was down got the site's error page (no traceback), not a hang.
        assert all(status == 500 and "Something went wrong" in text and "Traceback" not in text for status, text in during), {
            status for status, _ in during
        }
        # And Safeguard recovered by itself: the same gunicorn, every request answered again.
        assert after and set(after) == {200}, after
        assert web.poll() is None
