"""Reminders through a real broker and a real Celery worker (celery.contrib.testing.worker).

Redis when REDIS_URL is set (CI sets it and SAFEGUARD_REQUIRE_SERVICES=1, so these cannot be
skipped there); otherwise the same tests run on the file-system broker `make run` uses.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from referrals.models import Reminder, ReminderKind, ReminderStatus
from referrals.services.reminders import enqueue_claimed, reminders_claim, reminders_sweep
from safeguard.models import Notification
from tests.celery_support import running_worker, wait_for
from tests.conftest import _reset_pools
from tests.factories import SchoolFactory, staff

pytestmark = pytest.mark.django_db(transaction=True)

N = 24


@pytest.fixture
def due_reminders():
    school = SchoolFactory()
    people = [staff(school, "dsl") for _ in range(N)]
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            kind=ReminderKind.DIGEST,
            recipient=person,
            school=school,
            subject=f"digest:{school.pk}",
            due_on=timezone.localdate(),
            deliver_at=now - timedelta(minutes=1),
            counts={"overdue": 1},
        )
        for person in people
    )
    return people


def _all_sent() -> bool:
    return Reminder.objects.filter(status=ReminderStatus.SENT).count() == N


def _exactly_once(people) -> None:
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == N
    assert Notification.objects.filter(kind=ReminderKind.DIGEST).count() == N
    for person in people:
        assert Notification.objects.filter(recipient=person).count() == 1
        assert len([m for m in mail.outbox if m.to == [person.email]]) == 1, person.email


def test_two_sweeps_started_at_once_send_each_reminder_exactly_once(celery_worker_app, due_reminders):
    results: list[dict] = []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            results.append(reminders_sweep())
        finally:
            connection.close()

    with running_worker(celery_worker_app):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert wait_for(_all_sent, timeout=60)
    assert sum(r["claimed"] for r in results) == N  # every reminder claimed by exactly one sweep
    _exactly_once(due_reminders)


def test_a_worker_lost_after_claiming_still_sends_exactly_once_after_restart(celery_worker_app, due_reminders):
    # The sweep claims and queues; the worker that took the messages dies before sending.
    ids, token = reminders_claim()
    assert len(ids) == N and enqueue_claimed(ids, token) == N
    with celery_worker_app.connection_for_write() as conn:  # its messages died with it
        conn.default_channel.queue_purge(celery_worker_app.conf.task_default_queue)
    assert not Notification.objects.exists()
    # After the lease, the next sweep claims them again, and a worker (restarted) sends them.
    Reminder.objects.filter(pk__in=ids).update(claimed_at=timezone.now() - timedelta(minutes=11))
    with running_worker(celery_worker_app):
        reminders_sweep()
        assert wait_for(_all_sent, timeout=60)
    _exactly_once(due_reminders)


def test_a_redelivered_message_from_a_lost_worker_does_not_send_twice(celery_worker_app, due_reminders):
    # The dead worker's messages come back (late acknowledgement) after the claims were renewed.
    ids, old_token = reminders_claim()
    enqueue_claimed(ids, old_token)
    Reminder.objects.filter(pk__in=ids).update(claimed_at=timezone.now() - timedelta(minutes=11))
    new_ids, new_token = reminders_claim()
    assert sorted(new_ids) == sorted(ids)
    enqueue_claimed(new_ids, new_token)  # two messages per reminder are now in the queue
    with running_worker(celery_worker_app):
        assert wait_for(_all_sent, timeout=60)
        assert wait_for(lambda: len(mail.outbox) >= N, timeout=30)
    _exactly_once(due_reminders)


def test_a_broker_outage_delays_but_loses_nothing(celery_worker_app, due_reminders):
    real_broker = celery_worker_app.conf.broker_url
    celery_worker_app.conf.update(broker_url="redis://127.0.0.1:1/0", broker_connection_timeout=0.5)
    _reset_pools(celery_worker_app)
    try:
        result = reminders_sweep()
        assert result["claimed"] == N and result["queued"] == 0
        assert Reminder.objects.filter(status=ReminderStatus.PENDING).count() == N
    finally:
        celery_worker_app.conf.update(broker_url=real_broker)
        _reset_pools(celery_worker_app)
    with running_worker(celery_worker_app):
        reminders_sweep()
        assert wait_for(_all_sent, timeout=60)
    _exactly_once(due_reminders)
