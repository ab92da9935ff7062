"""When a child's file is due: pure functions over the school's calendar (``safeguard.school_days``).

KCSIE 2025, para 121: the file is transferred "within 5 days for an in-year transfer or within the
first 5 days of the start of a new term". Safeguard counts school days of the sending school:

- an in-year move: 5 school days after the new school confirms the child is on its roll (until it
  has, 5 school days after the child left, so a deadline shows from the first day);
- a move at the end of a school year: the fifth school day of the next term to start after the
  child left.

Reminders: when a file is due and not sent, and when no receipt came 5 school days after sending
(local authority guidance: follow up a file with no confirmation of receipt).
"""

from __future__ import annotations

from datetime import date, timedelta

from safeguard.school_days import Calendar, add_school_days, school_days_between, year_dates
from safeguard.terms import academic_year_of

#: School days a file has, and the days after sending before a missing receipt is chased.
DUE_SCHOOL_DAYS = 5
RECEIPT_CHASE_SCHOOL_DAYS = 5


def next_term_start(after: date, calendar: Calendar) -> date:
    """The first day of the first term that starts after ``after``."""
    start_year = academic_year_of(after)
    for year in (start_year, start_year + 1, start_year + 2):
        for term in year_dates(calendar, year).terms:
            if term.first_day > after:
                return term.first_day
    raise ValueError(f"No term starts after {after.isoformat()}: check the term dates.")


def nth_school_day_from(first: date, n: int, calendar: Calendar) -> date:
    """The ``n``-th school day counting ``first`` itself if it is one."""
    return add_school_days(first - timedelta(days=1), n, calendar)


def file_due(*, left_on: date, calendar: Calendar, new_term: bool = False, on_roll_confirmed_on: date | None = None) -> date:
    """The date the file must be with the new school by."""
    if new_term:
        return nth_school_day_from(next_term_start(left_on, calendar), DUE_SCHOOL_DAYS, calendar)
    start = on_roll_confirmed_on or left_on
    return add_school_days(start, DUE_SCHOOL_DAYS, calendar)


def receipt_chase_on(sent_on: date, calendar: Calendar) -> date:
    """The day to chase a file sent on ``sent_on`` that nobody has confirmed receiving."""
    return add_school_days(sent_on, RECEIPT_CHASE_SCHOOL_DAYS, calendar)


def school_days_left(today: date, due_on: date, calendar: Calendar) -> int:
    """School days from ``today`` to ``due_on`` (negative when overdue): for "due in 3 school days"."""
    if due_on >= today:
        return school_days_between(today, due_on, calendar)
    return -school_days_between(due_on, today, calendar)


def is_overdue(today: date, due_on: date) -> bool:
    return today > due_on


__all__ = [
    "DUE_SCHOOL_DAYS",
    "RECEIPT_CHASE_SCHOOL_DAYS",
    "file_due",
    "is_overdue",
    "next_term_start",
    "nth_school_day_from",
    "receipt_chase_on",
    "school_days_left",
]
