"""Celery tasks for the desk app. Thin: they call a service."""

import logging
import smtplib

from celery import shared_task

from desk.sar.services import request_reminders_sweep
from desk.transfers import remote
from desk.transfers.links import link_email_send
from desk.transfers.services import transfer_reminders_sweep

logger = logging.getLogger(__name__)


@shared_task(name="desk.tasks.transfer_reminders", ignore_result=True)
def transfer_reminders() -> dict:
    """Children's files due, overdue, or sent with no receipt: tell the sending DSLs (beat, every
    two minutes; each reminder goes once)."""
    result = transfer_reminders_sweep()
    if any(result.values()):
        logger.info("Child's file reminders: %(due)d due, %(overdue)d overdue, %(no_receipt)d with no receipt.", result)
    return result


# --- A child's file to another Safeguard (issue 18, part 3) --------------------------------------

#: Back-off between attempts to reach another Safeguard: 1, 2, 4 ... minutes, at most an hour;
#: after the last, the hourly sweep (``deliver_bundles_sweep``) keeps trying.
DELIVERY_RETRIES = 8


def _backoff(retries: int) -> int:
    return min(3600, 60 * 2**retries)


@shared_task(bind=True, name="desk.tasks.deliver_bundle", ignore_result=True, acks_late=True, max_retries=DELIVERY_RETRIES)
def deliver_bundle(self, transfer_id: int) -> str:
    """Post one sealed bundle to the other Safeguard's inbox and keep its signed receipt.
    Idempotent: a transfer already receipted is not posted again."""
    outcome = remote.bundle_deliver(transfer_id)
    # Run eagerly (tests, a page with no worker) a retry would only repeat at once: the sweep retries.
    if outcome == "retry" and not self.request.is_eager and self.request.retries < DELIVERY_RETRIES:
        raise self.retry(countdown=_backoff(self.request.retries))
    return outcome


@shared_task(bind=True, name="desk.tasks.send_acknowledgement", ignore_result=True, acks_late=True, max_retries=DELIVERY_RETRIES)
def send_acknowledgement(self, received_id: int) -> str:
    """Tell the sending Safeguard that this school accepted or declined its file (signed)."""
    outcome = remote.ack_deliver(received_id)
    if outcome == "retry" and not self.request.is_eager and self.request.retries < DELIVERY_RETRIES:
        raise self.retry(countdown=_backoff(self.request.retries))
    return outcome


@shared_task(name="desk.tasks.deliver_bundles_sweep", ignore_result=True)
def deliver_bundles_sweep() -> int:
    """Beat: bundles still without a receipt are queued again (the broker was down, or the other
    Safeguard was unreachable past the retries)."""
    return remote.bundles_deliver_sweep()


@shared_task(
    name="desk.tasks.transfer_link_email",
    ignore_result=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=60,
    max_retries=5,
)
def transfer_link_email(transfer_id: int, token: str) -> bool:
    """The email with a child's file link to a school without Safeguard (not a user here, so not
    an alert): sent after the commit, retried if the mail server is away."""
    return link_email_send(transfer_id=transfer_id, token=token)


@shared_task(name="desk.tasks.records_request_reminders", ignore_result=True)
def records_request_reminders() -> dict:
    """Subject access requests due in a week, due today or overdue: tell the DSLs (beat, hourly;
    each reminder goes once)."""
    return request_reminders_sweep()
