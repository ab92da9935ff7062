"""The Celery app and the heartbeat that proves a worker consumes from the broker."""

from __future__ import annotations

import pytest

from safeguard.models import WorkerHeartbeat
from safeguard.selectors import worker_status
from safeguard.tasks import heartbeat
from tests.celery_support import running_worker, wait_for


def test_heartbeat_task_records_the_worker(db):
    heartbeat.apply()
    assert worker_status()["healthy"] is True
    heartbeat.apply()
    assert WorkerHeartbeat.objects.get().beats == 2


def test_worker_status_reports_a_worker_never_seen(db):
    assert worker_status() == {"seen": False, "healthy": False, "last_seen": None, "hostname": ""}


@pytest.mark.django_db(transaction=True)
def test_real_worker_consumes_the_heartbeat_from_the_broker(celery_worker_app):
    with running_worker(celery_worker_app):
        heartbeat.delay()
        assert wait_for(lambda: WorkerHeartbeat.objects.exists(), timeout=30)
    assert WorkerHeartbeat.objects.get().beats == 1


def test_beat_schedules_the_heartbeat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["heartbeat"]["task"] == "safeguard.tasks.heartbeat"
