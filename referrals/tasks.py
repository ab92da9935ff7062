"""Celery tasks for referrals. Thin: they call a service."""

import logging

from celery import shared_task

from referrals.services import platform_reports_check

logger = logging.getLogger(__name__)


@shared_task(name="referrals.tasks.check_platform_reports", ignore_result=True)
def check_platform_reports() -> int:
    """Offer Report Harmful Content for platform reports still unresolved after the school's set hours."""
    offered = platform_reports_check()
    if offered:
        logger.info("Offered Report Harmful Content on %d unresolved platform report(s).", len(offered))
    return len(offered)
