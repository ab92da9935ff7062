"""Celery tasks for referrals. Thin: they call a service."""

import logging

from celery import shared_task
from django.db import DatabaseError

from referrals.services import platform_reports_check
from referrals.services.reminders import reminder_deliver, reminders_sweep

logger = logging.getLogger(__name__)


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
    if result["claimed"]:
        logger.info("Reminder sweep: %(planned)d planned, %(claimed)d claimed, %(queued)d queued.", result)
    return result


@shared_task(
    name="referrals.tasks.send_reminder",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_reminder(reminder_id: int, token: str) -> str:
    """Deliver one claimed reminder. Idempotent: a duplicate or stale message does nothing."""
    return reminder_deliver(reminder_id=reminder_id, token=token)
