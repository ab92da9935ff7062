"""How a name or a UPN typed into a search finds a pupil on the school roll: the one rule, shared
by the DSL's pupil search, the concern form's type-ahead and the header search."""

from __future__ import annotations

from django.db.models import Q

from cases import pupil_import as mis

#: The most words of a name that are matched (each must be in the first or last name).
NAME_MAX_WORDS = 5


def roll_match(query: str) -> Q:
    """Pupils whose first or last name holds every word typed, or whose UPN is what was typed."""
    condition = Q()
    for word in query.replace('"', " ").split()[:NAME_MAX_WORDS]:
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    upn = mis.normalise_upn(query)
    if mis.is_upn(upn):
        condition |= Q(upn=upn)
    return condition
