"""The sweep queues one broker message per SEND_BATCH reminders, and a broker failure mid-way
releases exactly the reminders whose batch was not queued."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from referrals.services import reminders
from referrals.tasks import send_reminders


def test_claims_are_queued_in_batches(monkeypatch):
    sent: list[tuple[list[int], str]] = []
    monkeypatch.setattr(send_reminders, "delay", lambda ids, token: sent.append((ids, token)))
    ids = list(range(1, 251))
    assert reminders.enqueue_claimed(ids, "t") == 250
    assert [len(batch) for batch, _ in sent] == [100, 100, 50]
    assert [i for batch, _ in sent for i in batch] == ids and {token for _, token in sent} == {"t"}


def test_a_broker_failure_releases_only_what_was_not_queued(monkeypatch):
    calls: list[list[int]] = []
    released: list[list[int]] = []

    def delay(ids, token):
        if calls:
            raise OperationalError("broker down")
        calls.append(ids)

    monkeypatch.setattr(send_reminders, "delay", delay)
    monkeypatch.setattr(reminders, "reminders_release", lambda *, ids, token: released.append(ids) or len(ids))
    assert reminders.enqueue_claimed(list(range(1, 251)), "t") == 100
    assert released == [list(range(101, 251))]


@pytest.mark.django_db
def test_a_batch_delivers_each_reminder_on_its_own(monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr("referrals.tasks.reminder_deliver", lambda *, reminder_id, token: seen.append(reminder_id) or "sent")
    assert send_reminders.run([3, 1, 2], "t") == {"sent": 3}
    assert seen == [3, 1, 2]
