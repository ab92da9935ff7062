"""Celery tasks for referrals. Thin: they call a service."""

import logging
import socket

from celery import shared_task
from django.db import DatabaseError

from referrals.services import platform_reports_check
from referrals.services.reminders import reminder_deliver, reminders_sweep
from safeguard.health import REMINDER_SWEEP
from safeguard.services.system import job_run_record

logger = logging.getLogger(__name__)

#: Sending: late acknowledgement (a worker lost mid-send redelivers), retried with back-off.
SEND_OPTIONS = {
    "ignore_result": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="referrals.tasks.check_platform_reports", ignore_result=True)
def check_platform_reports() -> int:
    """Offer Report Harmful Content for platform reports still unresolved after the school's set hours."""
    offered = platform_reports_check()
    if offered:
        logger.info("Offered Report Harmful Content on %d unresolved platform report(s).", len(offered))
    return len(offered)


@shared_task(name="referrals.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> dict:
    """Plan, claim and queue due reminders (beat runs this every few minutes)."""
    result = reminders_sweep()
    job_run_record(name=REMINDER_SWEEP, hostname=socket.gethostname())
    if result["claimed"]:
        logger.info("Reminder sweep: %(planned)d planned, %(claimed)d claimed, %(queued)d queued.", result)
    return result


@shared_task(name="referrals.tasks.send_reminder", **SEND_OPTIONS)
def send_reminder(reminder_id: int, token: str) -> str:
    """Deliver one claimed reminder (messages queued one per reminder, before send_reminders).
    Idempotent: a duplicate or stale message does nothing."""
    return reminder_deliver(reminder_id=reminder_id, token=token)


@shared_task(name="referrals.tasks.send_reminders", **SEND_OPTIONS)
def send_reminders(reminder_ids: list[int], token: str) -> dict[str, int]:
    """Deliver a batch of claimed reminders, each on its own and idempotently: a batch retried or
    redelivered after a worker died skips what was already sent."""
    outcomes: dict[str, int] = {}
    for reminder_id in reminder_ids:
        outcome = reminder_deliver(reminder_id=reminder_id, token=token)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
