"""Celery tasks of the shared core. Tasks are thin: they call a service."""

import logging

from celery import shared_task

from safeguard.refusals import refusal_bursts_close
from safeguard.services import worker_heartbeat_record
from safeguard.services.alerts import alert_email_deliver, alert_emails_sweep

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


@shared_task(name="safeguard.tasks.send_alert_emails", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_alert_emails(email_ids: list[int], token: str) -> dict[str, int]:
    """Send a batch of claimed alert emails, each on its own and idempotently (a batch redelivered
    after a worker died sends only what was not sent)."""
    outcomes: dict[str, int] = {}
    for email_id in email_ids:
        outcome = alert_email_deliver(email_id=email_id, token=token)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="safeguard.tasks.sweep_alert_emails", ignore_result=True)
def sweep_alert_emails() -> dict:
    """Celery beat, every two minutes: alert emails due now, and the morning summaries."""
    result = alert_emails_sweep()
    if result["claimed"] or result["summaries"]:
        logger.info("Alert sweep: %(claimed)d claimed, %(queued)d queued, %(summaries)d summaries.", result)
    return result


@shared_task(name="safeguard.tasks.check_sign_in_providers", ignore_result=True)
def check_sign_in_providers() -> dict:
    """Every few minutes: does each school's sign-in provider answer as it should? The login page
    offers only the ones that do; the IT admins are told when one stops (issue 20)."""
    from safeguard.services.sign_in import sign_in_providers_check

    return sign_in_providers_check()
