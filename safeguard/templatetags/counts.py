"""Counts that stop counting: ``{{ n|counted }}`` says "1,000 or more" for a count that reached
``safeguard.selectors.COUNT_CAP`` (``count_up_to``)."""

from __future__ import annotations

from django import template

from safeguard.selectors import COUNT_CAP

register = template.Library()


@register.filter
def counted(value) -> str:
    if isinstance(value, int) and value >= COUNT_CAP:
        return f"{COUNT_CAP:,} or more"
    return str(value)
