"""Celery tasks of the cases app. Thin: they call a selector or a service."""

import logging

from celery import shared_task

from cases.selectors import assignment_mismatches
from cases.services.roll_feed import check_all

logger = logging.getLogger(__name__)


@shared_task(name="cases.tasks.check_assignments", ignore_result=True)
def check_assignments() -> int:
    """Nightly: who may read a case (guardian's permission) and the assignments' history agree."""
    mismatches = assignment_mismatches()
    for case_id, user_id, problem in mismatches:
        # Ids and the kind of mismatch only: no case content.
        logger.error("Assignment check: case %s, user %s: %s.", case_id, user_id, problem)
    return len(mismatches)


@shared_task(name="cases.tasks.import_rolls", ignore_result=True)
def import_rolls() -> dict[int, str]:
    """Every few minutes: each school's folder of MIS exports, imported when a new file is complete."""
    return check_all()
