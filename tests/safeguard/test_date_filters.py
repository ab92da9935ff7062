"""Safeguard's date filters give exactly the text of Django's ``date`` filter, in UK time."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import engines

UTC = datetime.UTC
CASES = [
    datetime.datetime(2025, 1, 5, 9, 5, tzinfo=UTC),  # winter: UK time is UTC
    datetime.datetime(2025, 6, 30, 23, 30, tzinfo=UTC),  # summer: 00:30 on 1 July in the UK
    datetime.datetime(2024, 2, 29, 0, 0, tzinfo=UTC),
    datetime.datetime(2025, 3, 30, 0, 59, tzinfo=UTC),  # a minute before the clocks go forward
    datetime.datetime(2025, 3, 30, 1, 0, tzinfo=UTC),  # the clocks have gone forward
    datetime.datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # 01:30 the first time round
    datetime.datetime(2025, 10, 26, 1, 30, tzinfo=UTC),  # 01:30 the second time round
    datetime.datetime(2025, 9, 9, 12, 0, tzinfo=ZoneInfo("America/New_York")),
    datetime.date(2025, 12, 1),
    None,
    "",
]


def _render(source: str, value) -> str:
    return engines["django"].from_string("{% load dates %}" + source).render({"v": value})


@pytest.mark.parametrize("value", CASES)
def test_the_filters_match_djangos_date_filter(value):
    if isinstance(value, datetime.datetime):
        assert _render("{{ v|when }}", value) == _render('{{ v|date:"j M Y, H:i" }}', value)
    assert _render("{{ v|day }}", value) == _render('{{ v|date:"j M Y" }}', value)
    assert _render("{{ v|iso }}", value) == _render("{{ v|date:'c' }}", value)


def test_every_month_is_named_as_django_names_it():
    for month in range(1, 13):
        value = datetime.date(2025, month, 15)
        assert _render("{{ v|day }}", value) == _render('{{ v|date:"j M Y" }}', value)


def test_times_are_shown_in_uk_time():
    assert _render("{{ v|when }}", CASES[1]) == "1 Jul 2025, 00:30"
    assert _render("{{ v|iso }}", CASES[1]) == "2025-07-01T00:30:00+01:00"
