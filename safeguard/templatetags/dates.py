"""Dates and times as Safeguard shows them, in UK time: ``{{ at|when }}`` is "6 May 2025, 09:05",
``{{ day|day }}`` is "6 May 2025" and ``{{ at|iso }}`` is the ISO 8601 value for ``<time datetime>``.

The same text as Django's ``date`` filter with "j M Y, H:i", "j M Y" and "c" (the tests hold them
to it), at a fraction of its cost: a case page shows a hundred dates, and ``date`` looks up the
language's formats and builds a formatter for each.
"""

from __future__ import annotations

import datetime

from django import template

register = template.Library()

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter(expects_localtime=True)
def when(value) -> str:
    if not isinstance(value, datetime.datetime):
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}, {value.hour:02d}:{value.minute:02d}"


@register.filter(expects_localtime=True)
def day(value) -> str:
    if not isinstance(value, datetime.date):
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@register.filter(expects_localtime=True)
def iso(value) -> str:
    if not isinstance(value, datetime.date):
        return ""
    return value.isoformat()
