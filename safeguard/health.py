"""Is this Safeguard ready to serve (issue 21)? What ``/readyz`` checks, each cheap enough to run
on every load balancer probe: the database answers, the broker answers, the reminder sweep ran in
the last ten minutes (so beat and a worker are alive), and the last nightly check of the audit
chain passed. ``/healthz`` stays the cheaper liveness check (the process answers, the database too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

#: JobRun names.
REMINDER_SWEEP = "reminder_sweep"
BEAT_STARTED = "beat_started"
#: The reminder sweep runs every 2 minutes: 10 without one means beat or every worker has stopped.
SWEEP_STALE = timedelta(minutes=10)
#: The chain check runs nightly at 02:15: a day and a bit without one means it has stopped.
CHAIN_CHECK_STALE = timedelta(hours=26)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver's error: the answer is "not ready", never a 500
        return Check("database", False, f"the database does not answer ({type(error).__name__})")
    return Check("database", True, "answers")


def _broker() -> Check:
    from safeguard.celery import app

    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as error:
        return Check("broker", False, f"the broker does not answer ({type(error).__name__})")
    return Check("broker", True, "answers")


def _sweep(now) -> Check:
    from safeguard.models import JobRun

    runs = {row.name: row for row in JobRun.objects.filter(name__in=[REMINDER_SWEEP, BEAT_STARTED])}
    run, beat = runs.get(REMINDER_SWEEP), runs.get(BEAT_STARTED)
    starting = beat is not None and now - beat.last_finished_at <= SWEEP_STALE
    if starting and (run is None or run.last_finished_at < beat.last_finished_at):
        return Check("reminder_sweep", True, f"a beat started at {beat.last_finished_at:%H:%M:%S}; its first sweep is due")
    if run is None:
        return Check("reminder_sweep", False, "the reminder sweep has never run: is Celery beat running, and a worker?")
    if now - run.last_finished_at > SWEEP_STALE:
        minutes = int((now - run.last_finished_at).total_seconds() // 60)
        return Check(
            "reminder_sweep", False, f"the reminder sweep last ran {minutes} minutes ago: beat or the workers have stopped"
        )
    return Check("reminder_sweep", True, f"ran at {run.last_finished_at:%H:%M:%S}")


def _chain(now) -> Check:
    from safeguard.models import AuditVerification

    last = AuditVerification.objects.order_by("-ran_at").first()
    if last is None:
        return Check("audit_chain", True, "not checked yet (the first check runs tonight at 02:15)")
    if not last.ok:
        return Check("audit_chain", False, "the last check of the audit chain found it broken")
    if now - last.ran_at > CHAIN_CHECK_STALE:
        return Check("audit_chain", False, "the nightly check of the audit chain has not run for over a day")
    return Check("audit_chain", True, f"intact at {last.ran_at:%Y-%m-%d %H:%M}")


def readiness() -> list[Check]:
    database = _database()
    if not database.ok:
        # Nothing else can be read without it.
        return [database, _broker()]
    now = timezone.now()
    return [database, _broker(), _sweep(now), _chain(now)]
