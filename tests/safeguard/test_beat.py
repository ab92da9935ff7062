"""Celery beat on several servers (issue 21, part 2): each scheduled run is claimed once."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from celery.schedules import crontab, schedule
from django.utils import timezone

from safeguard.beat import claim, slot_for


def test_a_run_is_claimed_by_the_first_beat_only(db):
    assert claim("sweep-reminders", "i100") is True
    assert claim("sweep-reminders", "i100") is False
    assert claim("sweep-reminders", "i101") is True
    assert claim("verify-audit-chain", "i101") is True  # another job, its own slots


@pytest.mark.django_db(transaction=True)
def test_beats_asking_at_once_get_one_winner():
    def one_beat(_):
        from django.db import connection

        try:
            return claim("check-assignments", "h2026120302")
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=6) as pool:
        won = list(pool.map(one_beat, range(12)))
    assert won.count(True) == 1


def test_the_slot_is_the_interval_or_for_a_nightly_job_the_hour():
    every_two_minutes = schedule(timedelta(minutes=2))
    moment = timezone.make_aware(dt.datetime(2026, 12, 3, 2, 15, 1))
    assert slot_for(every_two_minutes, moment) == slot_for(every_two_minutes, moment + timedelta(seconds=50))
    assert slot_for(every_two_minutes, moment) != slot_for(every_two_minutes, moment + timedelta(minutes=2))
    nightly = crontab(hour=2, minute=15)
    # Two beats a few seconds apart (or one a minute late) name the same nightly run.
    assert slot_for(nightly, moment) == slot_for(nightly, moment + timedelta(minutes=1))
    assert slot_for(nightly, moment) != slot_for(nightly, moment + timedelta(days=1))
    every_five = crontab(minute="*/5")
    assert slot_for(every_five, moment) != slot_for(every_five, moment + timedelta(minutes=5))
