"""No single point of failure (issue 21, part 2): two web processes, two Celery workers and two
Celery beats on loopback, against one PostgreSQL database and one Redis, as two servers would run.

The demo's reminders (its overdue step) and alert emails are each sent exactly once although both
beats send the sweeps and both workers take from the queue; one logged-in session is served by
both web processes in turn (sessions live in the database)."""

from __future__ import annotations

import re
import time

import pytest

from tests.cluster import PrivateRedis, free_port, log_in_over_http, make_cluster, wait_for_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
SEPARATOR = "-" * 79  # Django's console email backend writes one after each message


@pytest.fixture
def cluster(tmp_path):
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    try:
        with make_cluster(tmp_path, redis_url=redis_server.url) as running:
            ports = [free_port(), free_port()]
            running.web("web1", ports[0])
            running.web("web2", ports[1])
            running.worker("worker1", "--concurrency=2")
            running.worker("worker2", "--concurrency=2")
            running.beat("beat1")
            running.beat("beat2")
            for port in ports:
                wait_for_port(port)
            running.webs = [f"http://127.0.0.1:{port}" for port in ports]
            yield running
    finally:
        redis_server.stop()


def test_two_webs_two_workers_two_beats_send_every_reminder_once_and_share_sessions(cluster):
    def done() -> bool:
        sent = cluster.query("SELECT COUNT(*) FROM referrals_reminder WHERE email_sent_at IS NOT NULL")
        waiting = cluster.query(
            "SELECT COUNT(*) FROM referrals_reminder WHERE status IN ('pending', 'claimed') AND deliver_at < now()"
        )
        emails = cluster.query(
            "SELECT COUNT(*) FROM safeguard_alertemail WHERE status IN ('pending', 'claimed') AND deliver_at < now()"
        )
        return sent > 0 and waiting == 0 and emails == 0

    cluster.wait_for(done, 150, "every due reminder and alert email sent")
    # Some sweeps more, so both beats have had many turns at each.
    time.sleep(12)
    reminders = cluster.query("SELECT COUNT(*) FROM referrals_reminder WHERE email_sent_at IS NOT NULL")
    # An alert email in someone's morning digest goes inside the digest (a reminder), not on its own.
    alerts = cluster.query("SELECT COUNT(*) FROM safeguard_alertemail WHERE status = 'sent' AND NOT in_digest")
    workers = cluster.log("worker1") + cluster.log("worker2")
    printed = workers.count(SEPARATOR)
    assert reminders > 0
    assert printed == reminders + alerts, f"{printed} emails printed for {reminders} reminders and {alerts} alert emails"
    assert cluster.query("SELECT COUNT(*) FROM referrals_reminder WHERE attempts > 1") == 0
    # The workers swept, and both beats were there: each sweep was sent by one of them only.
    assert "Task referrals.tasks.sweep_reminders" in workers
    beats = cluster.log("beat1") + cluster.log("beat2")
    skipped = len(re.findall(r"sweep-reminders was already sent by another beat", beats))
    assert skipped > 0, "the second beat never offered a sweep: the test did not run two beats"
    sweeps = cluster.query("SELECT runs FROM safeguard_jobrun WHERE name = 'reminder_sweep'")
    offered = len(re.findall(r"Sending due task sweep-reminders", beats))
    assert sweeps <= offered - skipped + 1, f"{sweeps} sweeps ran for {offered - skipped} claimed runs"
    print(
        f"two of everything: {reminders} reminders, {alerts} alert emails, {printed} printed; {offered} sweeps offered, {skipped} skipped, {sweeps} ran"
    )

    # One session, served by both web processes in turn.
    web1, web2 = cluster.webs
    http = log_in_over_http(web1)
    for base in (web2, web1, web2):
        home = http.get(base + "/", timeout=10, allow_redirects=False)
        assert home.status_code == 200 and "Robin Ellery" in home.text, (base, home.status_code)
