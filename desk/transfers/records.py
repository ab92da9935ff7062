"""What a child's file would hold: one definition, for the pupil page, the checklist and sending."""

from __future__ import annotations

from cases.models import Case, Concern, Pupil


def pupil_has_records(pupil: Pupil) -> bool:
    """Anything a child protection file holds: a case naming the pupil, or a concern about them."""
    return (
        Case.objects.filter(children__pupil=pupil, children__removed_at__isnull=True).exists()
        or Concern.objects.filter(pupil_links__pupil=pupil).exists()
    )
