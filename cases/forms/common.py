"""What the cases app's forms share: long text fields, and the date-time format of the browser."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from cases.models import (
    NARRATIVE_MAX,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# Django fills %(show_value)d: the length the DSL typed.


_LONG_TEXT_MESSAGE = f"This is longer than {NARRATIVE_MAX:,} characters (it has %(show_value)d). Please shorten it; nothing you typed has been lost."


def long_text(label: str, *, required: bool = True, help_text: str = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        max_length=NARRATIVE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _LONG_TEXT_MESSAGE},
    )


def local_now_for_input() -> str:
    return datetime.now(tz=timezone.get_current_timezone()).strftime(DATETIME_LOCAL)
