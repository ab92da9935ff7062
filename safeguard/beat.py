"""Celery beat on more than one server (issue 21): each scheduled run is sent once.

Every beat reads the same schedule (django-celery-beat's rows) and would send every job itself.
Before sending, this scheduler claims the run's *slot* in the database with one conditional
UPDATE, which only one beat can win: for a job every N seconds, the slot is the N-second interval
it falls in; for a job at a time of day (crontab), the hour (or the minute). A beat that loses skips the run; if
the winning beat's server dies, the next slot is claimed by whichever beat is left. The jobs stay
safe to run twice anyway (the reminder sweep claims each reminder with a token), so a claim lost
to a database that does not answer means a skipped run, never a double one.
"""

from __future__ import annotations

import logging
import socket

from celery.schedules import crontab
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


def slot_for(schedule, now) -> str:
    """The run a job due ``now`` belongs to: its interval; for a crontab job at one minute of the
    hour (the nightly jobs), its hour, so two beats a few seconds apart name the same run; for one
    at several minutes, its minute."""
    if isinstance(schedule, crontab):
        local = timezone.localtime(now)
        return local.strftime("h%Y%m%d%H") if len(schedule.minute) == 1 else local.strftime("m%Y%m%d%H%M")
    seconds = max(1, int(schedule.run_every.total_seconds()))
    return f"i{int(now.timestamp()) // seconds}"


def claim(name: str, slot: str) -> bool:
    """Whether this beat won ``slot`` of job ``name`` (one UPDATE: one winner however many ask)."""
    from safeguard.models import JobSlot

    host = socket.gethostname()[:200]
    now = timezone.now()
    if JobSlot.objects.filter(name=name).exclude(slot=slot).update(slot=slot, claimed_at=now, hostname=host):
        return True
    try:
        with transaction.atomic():
            JobSlot.objects.create(name=name, slot=slot, claimed_at=now, hostname=host)
    except IntegrityError:
        return False  # the row is there with this slot: another beat has it
    return True


class SingleRunScheduler(DatabaseScheduler):
    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        try:
            won = claim(entry.name, slot_for(entry.schedule, timezone.now()))
        except DatabaseError:
            logger.warning("Beat: the database did not answer, so %s was not sent this time.", entry.name)
            return None
        if not won:
            logger.info("Beat: %s was already sent by another beat for this run.", entry.name)
            return None
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)
