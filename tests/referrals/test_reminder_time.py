"""When reminders go out: Europe/London across the clock changes, quiet hours, bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from safeguard.school_hours import SchoolHours, at_local, deliver_at, end_of_school_day, in_quiet_hours, morning

DEFAULT = SchoolHours()  # quiet 19:00–07:30, school day ends 16:00


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 28), utc(2026, 3, 28, 7, 30)),  # Saturday before the change: GMT
        (date(2026, 3, 29), utc(2026, 3, 29, 6, 30)),  # last Sunday of March: BST from 01:00 UTC
        (date(2026, 10, 24), utc(2026, 10, 24, 6, 30)),  # Saturday before the change back: BST
        (date(2026, 10, 25), utc(2026, 10, 25, 7, 30)),  # last Sunday of October: GMT again
    ],
)
def test_the_morning_is_half_past_seven_in_london_whatever_the_offset(day, expected):
    assert morning(day, DEFAULT) == expected


def test_a_reminder_due_in_the_night_of_the_spring_change_goes_out_at_half_past_seven_bst():
    # 00:30 GMT on 29 March 2026 is in quiet hours; the morning is 07:30 BST = 06:30 UTC.
    assert deliver_at(utc(2026, 3, 29, 0, 30), DEFAULT) == utc(2026, 3, 29, 6, 30)


def test_a_reminder_due_in_the_night_of_the_autumn_change_goes_out_at_half_past_seven_gmt():
    # 23:30 UTC on 24 October is 00:30 BST on the 25th; the morning is 07:30 GMT = 07:30 UTC.
    assert deliver_at(utc(2026, 10, 24, 23, 30), DEFAULT) == utc(2026, 10, 25, 7, 30)


def test_the_hour_that_happens_twice_in_october_is_quiet_both_times():
    # 01:30 local happens at 00:30 UTC (BST) and at 01:30 UTC (GMT) on 25 October 2026.
    assert deliver_at(utc(2026, 10, 25, 0, 30), DEFAULT) == utc(2026, 10, 25, 7, 30)
    assert deliver_at(utc(2026, 10, 25, 1, 30), DEFAULT) == utc(2026, 10, 25, 7, 30)


def test_an_evening_reminder_waits_for_the_next_morning():
    assert deliver_at(utc(2026, 11, 23, 20, 15), DEFAULT) == utc(2026, 11, 24, 7, 30)


def test_a_daytime_reminder_goes_at_once():
    assert deliver_at(utc(2026, 11, 23, 11, 0), DEFAULT) == utc(2026, 11, 23, 11, 0)


def test_reminders_that_can_wait_skip_weekends_and_bank_holidays():
    christmas_eve_evening = utc(2026, 12, 24, 20, 0)
    assert deliver_at(christmas_eve_evening, DEFAULT) == utc(2026, 12, 25, 7, 30)  # urgent: Christmas morning
    assert deliver_at(christmas_eve_evening, DEFAULT, working_days_only=True) == utc(2026, 12, 29, 7, 30)  # Tue 29 Dec


def test_quiet_hours_within_one_night_and_none_at_all():
    early = SchoolHours(quiet_start=time(1, 0), quiet_end=time(6, 0))
    assert in_quiet_hours(time(3, 0), early) and not in_quiet_hours(time(23, 0), early)
    assert deliver_at(utc(2026, 11, 23, 3, 0), early) == utc(2026, 11, 23, 6, 0)
    none = SchoolHours(quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert deliver_at(utc(2026, 11, 23, 3, 0), none) == utc(2026, 11, 23, 3, 0)


def test_a_spring_forward_time_that_does_not_exist_resolves_forward():
    # 01:30 on 29 March 2026 never happens in London; it is taken as 02:30 BST (01:30 UTC).
    assert at_local(date(2026, 3, 29), time(1, 30)) == utc(2026, 3, 29, 1, 30)


def test_the_end_of_the_school_day():
    assert end_of_school_day(date(2026, 7, 1), DEFAULT) == utc(2026, 7, 1, 15, 0)
    assert end_of_school_day(date(2026, 12, 1), DEFAULT) == utc(2026, 12, 1, 16, 0)
