"""Writes for the child's file: each file made is on the record (issue 18)."""

from __future__ import annotations

from django.db import transaction

from cases.models import Pupil
from desk.child_file.records import ChildFile
from safeguard.audit import audit_record
from safeguard.models import User

#: What a file was made for, as the audit event records it.
PURPOSES = ("download", "transfer")


@transaction.atomic
def child_file_made(*, actor: User, pupil: Pupil, file: ChildFile, purpose: str, name_others_reason: str = "") -> None:
    """A child's file was made. KCSIE and UK GDPR: every export of a child protection record is on
    the record; naming the other children needs a reason, and that one was given is recorded (the
    reason's words are the DSL's and may name children: never in the audit log)."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}.")
    if file.name_others and not name_others_reason.strip():
        raise ValueError("Naming the other children needs a reason.")
    audit_record(
        actor=actor,
        action="desk.child_file.made",
        obj=pupil,
        school=pupil.school_id,
        extra={
            "purpose": purpose,
            "cases": file.case_count,
            "concerns": file.concern_count,
            "restricted_left_out": file.restricted_left_out,
            "others_named": file.name_others,
            "reason_given": bool(name_others_reason.strip()),
        },
    )
