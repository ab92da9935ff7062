"""When a subject access request is due, and which reminder is due (pure functions, no ORM).

UK GDPR Art. 12(3): the controller answers "without undue delay and in any event within one month
of receipt". The ICO reads a month as a calendar month: the request is due on the corresponding
day of the next month, or on the last day of that month when it has no such day (received on 31
January, due on 28 February, or 29 February in a leap year).

Reminders, as for referral steps: a week before the due day, on the due day, and once when it is
overdue, each sent once. ``SubjectAccessRequest.reminded_on`` keeps the day of the last reminder
sent; which reminders went follows from it and the due date (a reminder sent on or after a
reminder's day covers it), so no reminder is sent twice and none is sent for a day already past
(a request recorded two days before it is due gets no "in a week").
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

#: Days before the due day that the first reminder goes.
WEEK_BEFORE = timedelta(days=7)

REMIND_WEEK = "week"
REMIND_DUE = "due"
REMIND_OVERDUE = "overdue"


def add_calendar_month(day: date) -> date:
    """The corresponding day of the next month, or its last day when it has none."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def due_on(received_on: date) -> date:
    """The day a request received on ``received_on`` must be answered by (UK GDPR Art. 12(3))."""
    return add_calendar_month(received_on)


def reminder_due(*, due: date, today: date, reminded_on: date | None) -> str | None:
    """Which reminder to send today, if any: ``"week"``, ``"due"`` or ``"overdue"``."""
    if today > due:
        return REMIND_OVERDUE if reminded_on is None or reminded_on <= due else None
    if today == due:
        return REMIND_DUE if reminded_on is None or reminded_on < due else None
    if today >= due - WEEK_BEFORE:
        return REMIND_WEEK if reminded_on is None or reminded_on < due - WEEK_BEFORE else None
    return None


def received_refusal(received_on: date | None, today: date) -> str | None:
    """Why a date received cannot be right, in the DSL's words, or None."""
    if received_on is None:
        return "Say the date the request was received: the month to answer it starts then."
    if received_on > today:
        return "The date received cannot be in the future."
    return None
