"""``{% path 'case_detail' case.pk %}``: the same URL as ``{% url %}`` for views whose arguments are
all record ids, without asking the URL resolver again for every row of a list.

Django's ``reverse`` matches the name's patterns against the arguments on each call (about 40 µs;
the DSL's home page made 117 such calls a request). Here each (script prefix, name, number of
arguments) is reversed once with placeholder ids, and later calls put the ids in its place. Only
integers are accepted, so what goes into the URL is always a number.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

#: Placeholder ids: long enough that no other part of a URL is mistaken for one.
_PLACEHOLDER = 987654321000


@lru_cache(maxsize=512)
def _pattern(prefix: str, name: str, count: int) -> tuple[str, ...]:
    """The URL cut at each placeholder: ``("/cases/", "/steps/", "/")`` for two ids."""
    url = reverse(name, args=[_PLACEHOLDER + n for n in range(count)])
    pieces = []
    for n in range(count):
        before, _, url = url.partition(str(_PLACEHOLDER + n))
        pieces.append(before)
    return (*pieces, url)


def path_for(name: str, *ids: int) -> str:
    pieces = _pattern(get_script_prefix(), name, len(ids))
    out = [pieces[0]]
    for n, value in enumerate(ids):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{{% path %}} takes record ids, not {type(value).__name__}: use {{% url %}} for {name}.")
        out.append(str(value))
        out.append(pieces[n + 1])
    return "".join(out)


@register.simple_tag
def path(name: str, *ids: int) -> str:
    return path_for(name, *ids)
