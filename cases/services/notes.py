"""Notes on a case's chronology, and their corrections."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import Case, Correction, Note
from cases.search import search_index_note
from safeguard.audit import audit_record
from safeguard.models import User


@transaction.atomic
def note_add(*, actor: User, case: Case, text: str, for_support: bool = False) -> Note:
    """``for_support``: a DSL shares the note with pastoral staff on the support view (KCSIE: staff
    supporting a child are told what they need to support them)."""
    if not text.strip():
        raise ValidationError({"text": "Write the note before saving it."})
    note = Note.objects.create(case=case, text=text, author=actor, for_support=for_support)
    audit_record(
        actor=actor,
        action="cases.note.added",
        obj=case,
        school=case.school_id,
        extra={"note_id": note.pk, "for_support": for_support},
    )
    search_index_note(note=note)
    return note


@transaction.atomic
def note_correct(*, actor: User, case: Case, note: Note, new_text: str, reason: str) -> Correction:
    """A note is corrected by a new entry with a reason; the note as first written is kept."""
    errors = {}
    if not new_text.strip():
        errors["new_text"] = "The corrected note cannot be empty."
    if not reason.strip():
        errors["reason"] = "Say why this note is being corrected."
    if errors:
        raise ValidationError(errors)
    if note.case_id != case.pk:
        raise ValidationError("That note is not on this case.")
    previous = note.corrections.order_by("-made_at", "-id").values_list("new_text", flat=True).first() or note.text
    correction = Correction.objects.create(
        case=case, field="note", note=note, previous_text=previous, new_text=new_text, reason=reason.strip(), made_by=actor
    )
    audit_record(actor=actor, action="cases.note.corrected", obj=case, school=case.school_id, extra={"note_id": note.pk})
    # Search finds the note as it now reads; the text as first written stays in the record.
    search_index_note(note=note, text=new_text)
    return correction
