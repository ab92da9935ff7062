"""Working days with England's bank holidays, from the maintained holidays library."""

from __future__ import annotations

from datetime import date

import pytest

from safeguard.workdays import add_working_days, bank_holiday_name, is_working_day, next_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),  # same day
        (date(2026, 11, 28), 0, date(2026, 11, 28)),  # same day, even on a Saturday
        (date(2026, 11, 23), 2, date(2026, 11, 25)),  # Monday + 2 → Wednesday
        (date(2026, 11, 26), 2, date(2026, 11, 30)),  # Thursday + 2 → Monday, over the weekend
        (date(2026, 12, 24), 2, date(2026, 12, 30)),  # Christmas Day, weekend, Boxing Day (observed) skipped
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # Good Friday and Easter Monday skipped
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # Spring bank holiday Monday 25 May skipped
    ],
)
def test_working_days_skip_weekends_and_englands_bank_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


def test_bank_holidays_come_from_the_library():
    assert bank_holiday_name(date(2026, 12, 28)) == "Boxing Day (observed)"
    assert not is_working_day(date(2026, 8, 31))  # Late Summer Bank Holiday (England; not Scotland's date)
    assert is_working_day(date(2026, 8, 3))  # Scotland's summer holiday is not England's


def test_next_working_day_and_counting():
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 30)) == 2
    assert working_days_between(date(2026, 12, 30), date(2026, 12, 24)) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1)
