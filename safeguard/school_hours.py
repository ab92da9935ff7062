"""When a reminder or an alert goes out: pure rules over dates and times, in Europe/London.

Local times are turned into instants with zoneinfo, so the clock changes (last Sunday of March
and of October) are handled by the tz database, not by arithmetic. A local time that does not
exist (01:30 on the last Sunday of March) resolves forward; one that happens twice (01:30 on the
last Sunday of October) resolves to the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safeguard.workdays import is_working_day, next_working_day

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SchoolHours:
    """A school's reminder settings. Quiet hours equal at both ends mean no quiet hours."""

    quiet_start: time = time(19, 0)
    quiet_end: time = time(7, 30)
    day_end: time = time(16, 0)
    escalation_days: int = 2

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start != self.quiet_end


def hours_of(school) -> SchoolHours:
    """The hours a school set (``School`` quiet hours, end of day, escalation), as plain data."""
    return SchoolHours(
        quiet_start=school.quiet_hours_start,
        quiet_end=school.quiet_hours_end,
        day_end=school.school_day_end,
        escalation_days=school.overdue_escalation_days,
    )


def at_local(day: date, clock: time) -> datetime:
    """The instant (UTC) of a wall-clock time in London on ``day``."""
    local = datetime.combine(day, clock, tzinfo=LONDON)
    # Normalise a non-existent spring-forward time by a round trip through UTC.
    return local.astimezone(UTC)


def local(instant: datetime) -> datetime:
    return instant.astimezone(LONDON)


def in_quiet_hours(clock: time, hours: SchoolHours) -> bool:
    if not hours.has_quiet_hours:
        return False
    if hours.quiet_start < hours.quiet_end:  # e.g. 01:00–06:00
        return hours.quiet_start <= clock < hours.quiet_end
    return clock >= hours.quiet_start or clock < hours.quiet_end  # across midnight, e.g. 19:00–07:30


def morning(day: date, hours: SchoolHours) -> datetime:
    """When the school's day of reminders starts: the end of quiet hours (07:30 by default)."""
    return at_local(day, hours.quiet_end if hours.has_quiet_hours else time(0, 0))


def deliver_at(wanted: datetime, hours: SchoolHours, *, working_days_only: bool = False) -> datetime:
    """The first instant at or after ``wanted`` that is outside quiet hours (and, for reminders
    that can wait, on a working day): a reminder due in the night goes out in the morning."""
    moment = local(wanted)
    day, clock = moment.date(), moment.timetz().replace(tzinfo=None)
    if in_quiet_hours(clock, hours):
        if hours.quiet_start > hours.quiet_end and clock >= hours.quiet_start:
            day += timedelta(days=1)  # evening: wait for tomorrow morning
        candidate = at_local(day, hours.quiet_end)
    else:
        candidate = wanted.astimezone(UTC)
    if working_days_only and not is_working_day(local(candidate).date()):
        candidate = morning(next_working_day(local(candidate).date()), hours)
    return candidate


def end_of_school_day(day: date, hours: SchoolHours) -> datetime:
    return at_local(day, hours.day_end)


def local_today(now: datetime) -> date:
    return local(now).date()
