"""Celery tasks of the shared core. Tasks are thin: they call a service."""

import logging

from celery import shared_task

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
    """Nightly (Celery beat, 02:15 UK time): check the audit hash chain; alert on a break."""
    from safeguard.reports.services import audit_chain_check

    check = audit_chain_check(alert=True)
    if check.ok:
        logger.info("Audit chain intact: %d events.", check.events_checked)
    else:
        logger.error("Audit chain broken at event %s.", check.first_broken_id)
