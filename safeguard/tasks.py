"""Celery tasks of the shared core. Tasks are thin: they call a service."""

import logging

from celery import shared_task

from safeguard.refusals import refusal_bursts_close
from safeguard.services import worker_heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="safeguard.tasks.heartbeat", ignore_result=True)
def heartbeat(self) -> None:
    """Proves the worker consumes from the broker: beat queues it, the worker records it."""
    hostname = self.request.hostname or "worker"
    beats = worker_heartbeat_record(hostname=hostname)
    logger.info("Heartbeat: worker %s consumed heartbeat #%d from the broker.", hostname, beats)


@shared_task(name="safeguard.tasks.verify_audit_chain", ignore_result=True)
def verify_audit_chain() -> None:
    """Nightly (Celery beat, 02:15 UK time): check every audit chain; alert on a break; email each
    school's head teachers the result and their school's chain head."""
    from safeguard.audit_checks import audit_chain_check

    check = audit_chain_check(alert=True, digest=True)
    if check.ok:
        logger.info("Audit chain intact: %d events in %d chains.", check.events_checked, check.chains_checked)
    else:
        logger.error("Audit chain broken: %s", check.detail)


@shared_task(name="safeguard.tasks.close_refusal_bursts", ignore_result=True)
def close_refusal_bursts() -> int:
    """Write the counted audit event of each burst of refusals that has ended."""
    return refusal_bursts_close()
