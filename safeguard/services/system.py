"""Bookkeeping of the system itself: the worker's heartbeat, and authentication events."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from safeguard.audit import audit_record
from safeguard.models import JobRun, User, WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname: str) -> int:
    beat, _ = WorkerHeartbeat.objects.select_for_update().get_or_create(
        hostname=hostname[:200], defaults={"last_seen": timezone.now()}
    )
    beat.last_seen = timezone.now()
    beat.beats += 1
    beat.save(update_fields=["last_seen", "beats"])
    return beat.beats


def job_run_record(*, name: str, hostname: str = "") -> None:
    """A scheduled job ran to the end (``/readyz`` asks when the reminder sweep last did)."""
    from django.db.models import F

    now = timezone.now()
    updated = JobRun.objects.filter(name=name).update(last_finished_at=now, runs=F("runs") + 1, hostname=hostname[:200])
    if not updated:
        JobRun.objects.get_or_create(name=name, defaults={"last_finished_at": now, "runs": 1, "hostname": hostname[:200]})


def auth_event_record(*, action: str, user: User | None = None, extra: dict | None = None) -> None:
    """Logins, failures and lockouts (docs/domain.md: failed access is logged). Never the password,
    and never the email typed for an account that does not exist."""
    with transaction.atomic():
        audit_record(actor=user, action=action, obj=user, extra=extra or {})
