"""Disclosure drafts: saved as the DSL types, so a validation error or a closed tab loses nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.models import DisclosureDraft

#: Form fields never kept in a draft.
_SKIP = {"csrfmiddlewaretoken"}
#: A draft is a snapshot of a form, not a record; cap what one request can store.
MAX_DRAFT_CHARS = 400_000


@transaction.atomic
def draft_save(*, user, school, data: dict[str, list[str]], concern=None) -> DisclosureDraft | None:
    # Raw form input: drop NUL characters (PostgreSQL cannot store them; no form field accepts them).
    kept = {key.replace("\x00", ""): [v.replace("\x00", "") for v in values] for key, values in data.items() if key not in _SKIP}
    if sum(len(v) for values in kept.values() for v in values) > MAX_DRAFT_CHARS:
        return None
    draft, _ = DisclosureDraft.objects.update_or_create(
        user=user, school=school, defaults={"data": kept, "updated_at": timezone.now(), "concern": concern}
    )
    return draft


@transaction.atomic
def draft_discard(*, user, school) -> None:
    # A draft is the DSL's unsaved typing, not part of any case: discarding it deletes it.
    DisclosureDraft.objects.filter(user=user, school=school).delete()
