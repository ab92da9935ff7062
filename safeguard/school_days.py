"""School days in England: the days a school is open to pupils. Pure functions over plain data.

docs/domain.md, "School days": a school day is a weekday in one of the school's terms, outside its
half-term breaks, that is neither a bank holiday (``safeguard.workdays``, from the maintained
``holidays`` library) nor one of its INSET days. File transfers count in school days; reminders
and police or LADO deadlines count in working days (``safeguard.workdays``).

A calendar is a plain mapping of academic year (the year it starts in) to that year's dates
(``safeguard.terms.YearDates``), as ``safeguard.selectors.school_calendar`` loads it. A year the
calendar does not hold counts by the England default (``safeguard.terms.england_default``), which
places no INSET day, so a count over it errs early rather than late.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from safeguard.terms import YearDates, academic_year_of, england_default
from safeguard.workdays import is_working_day

Calendar = Mapping[int, YearDates]

#: A count that finds no school day in this many days stops with an error instead of looping on.
LONGEST_SEARCH = timedelta(days=3 * 366)


def year_dates(calendar: Calendar, start_year: int) -> YearDates:
    """The calendar's dates for an academic year, or the England default when it has none."""
    found = calendar.get(start_year)
    return found if found is not None else england_default(start_year)


def is_school_day(day: date, calendar: Calendar) -> bool:
    if not is_working_day(day):
        return False
    year = year_dates(calendar, academic_year_of(day))
    if day in year.inset_days:
        return False
    return any(term.in_term_time(day) for term in year.terms)


def add_school_days(start: date, days: int, calendar: Calendar) -> date:
    """The date ``days`` school days after ``start``. With ``days == 0``: ``start`` itself, as
    ``safeguard.workdays.add_working_days`` does. A move in the holidays counts from the first
    school day of the next term: 5 school days after a Saturday in August is the fifth school day
    of the autumn term."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if day - start > LONGEST_SEARCH * max(1, days):
            raise ValueError(f"No school day found after {start.isoformat()}: check the term dates.")
        if is_school_day(day, calendar):
            remaining -= 1
    return day


def school_days_between(start: date, end: date, calendar: Calendar) -> int:
    """School days after ``start`` up to and including ``end`` (0 if ``end`` is not later), as
    ``safeguard.workdays.working_days_between`` counts working days."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_school_day(day, calendar):
            count += 1
    return count
