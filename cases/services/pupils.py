"""Pupil records: importing the school's MIS export (dry run, then apply) and correcting one pupil.

The pupil record is where criterion C5 reads a child's vulnerability (child protection plan, child
in need plan, looked after, open to children's social care, known to police) and where C3 reads
their age: every change to those re-assesses the child's open cases at once (docs/domain.md: "Facts
change; every change re-runs the assessment").

Audit events here hold counts and field names only: never a name, a date of birth or a flag.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import pupil_import as mis
from cases.models import CaseChild, CaseStatus, Pupil, PupilChange, PupilImport
from cases.pupil_import import ImportPlan, ImportRefused, PupilRecord
from cases.services.assessments import pupil_cases_reassess
from cases.signals import pupils_left
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS

_BATCH = 500
_FILENAME_MAX = PupilImport._meta.get_field("filename").max_length


def _require_lead(actor: User, school_id: int) -> None:
    # The views check this too; the service holds the rule so no other caller can skip it.
    if not roles_at(actor, school_id) & SAFEGUARDING_LEADS:
        raise PermissionDenied("Only the school's Designated Safeguarding Leads can change pupil records.")


def _record(pupil: Pupil) -> PupilRecord:
    return PupilRecord(**{name: getattr(pupil, name) for name in ("upn", *mis.EDITABLE_FIELDS, mis.LEFT_ON_FIELD)})


def school_pupils(school_id: int, *, lock: bool = False) -> dict[str, Pupil]:
    """The school's pupils keyed by normalised UPN (UPNs typed by hand may have odd spacing)."""
    qs = Pupil.objects.filter(school_id=school_id)
    if lock:
        qs = qs.select_for_update()
    return {mis.normalise_upn(p.upn): p for p in qs}


def plan_for(text: str, pupils: dict[str, Pupil], *, headings: dict[str, str] | None = None) -> ImportPlan:
    """The plan for a file against the pupils as they are (ValidationError on ``file`` if unreadable)."""
    try:
        parsed = mis.parse_csv(text, today=timezone.localdate(), headings=headings)
    except ImportRefused as refused:
        raise ValidationError({"file": refused.message}) from None
    return mis.plan_import(parsed, {upn: _record(p) for upn, p in pupils.items()})


def _clean_filename(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/")).strip() or "pupils.csv"
    return name[-_FILENAME_MAX:]


@transaction.atomic
def pupil_import_preview(*, actor: User, school: School, filename: str, data: bytes) -> PupilImport:
    """Check an MIS export row by row and keep the report: a dry run that writes no pupil.

    A file that cannot be read at all (not CSV, too large, a required column missing) raises a
    ValidationError on ``file`` and nothing is kept. A file with refused rows is kept with its
    report, so the DSL can see every reason before fixing the file.
    """
    _require_lead(actor, school.pk)
    try:
        text = mis.decode_upload(data)
    except ImportRefused as refused:
        raise ValidationError({"file": refused.message}) from None
    plan = plan_for(text, school_pupils(school.pk))
    record = PupilImport.objects.create(
        school=school,
        uploaded_by=actor,
        filename=_clean_filename(filename),
        content=text,
        report=plan.to_json(),
        status=PupilImport.Status.PREVIEWED,
    )
    audit_record(
        actor=actor,
        action="cases.pupil_import.previewed",
        obj=record,
        school=school,
        extra={"rows": len(plan.rows), **plan.counts, "not_in_file": plan.not_in_file},
    )
    return record


@transaction.atomic
def pupil_import_apply(*, actor: User, pupil_import: PupilImport) -> PupilImport:
    """Import a previewed file: every row or none.

    The file is checked again against the pupils as they are now (someone may have corrected a
    record since the dry run), and imported only if no row is refused. Pupils whose date of birth
    or vulnerability flags change have their open cases re-assessed in the same transaction.
    """
    record = PupilImport.objects.select_for_update(of=("self",)).select_related("school").get(pk=pupil_import.pk)
    _require_lead(actor, record.school_id)
    if record.status == PupilImport.Status.FAILED:
        raise ValidationError("This file was not imported, for the reason shown: nothing can be imported from it.")
    if record.status == PupilImport.Status.APPLIED:
        raise ValidationError(f"This file was already imported on {timezone.localtime(record.applied_at):%-d %B %Y at %H:%M}.")
    pupils = school_pupils(record.school_id, lock=True)
    plan = plan_for(record.content, pupils)
    refused = plan.counts[mis.REFUSED]
    if refused:
        rows = "1 row is" if refused == 1 else f"{refused} rows are"
        raise ValidationError(
            f"Nothing was imported: {rows} refused. Fix the rows listed below in the file, then upload it again."
        )
    if not plan.can_apply:
        raise ValidationError("Nothing was imported: the file has no pupils in it.")

    apply_plan(record=record, plan=plan, pupils=pupils, actor=actor)
    return record


def apply_plan(
    *,
    record: PupilImport,
    plan: ImportPlan,
    pupils: dict[str, Pupil],
    actor: User | None,
    absent_left_on=None,
    absent: list[Pupil] = (),
) -> None:
    """Write a plan with no refused row (inside the caller's transaction, ``pupils`` locked), mark
    the record applied and audit it. ``absent``: pupils on roll who are not in a whole-roll file
    (the nightly import), marked as left on ``absent_left_on``; ``actor`` is None for that import."""
    now = timezone.now()
    Pupil.objects.bulk_create(
        (Pupil(school_id=record.school_id, **row.record.as_dict()) for row in plan.rows if row.action == mis.ADDED),
        batch_size=_BATCH,
    )
    changed_rows = [row for row in plan.rows if row.action == mis.CHANGED]
    changed: list[Pupil] = []
    written: set[str] = set()
    for row in changed_rows:
        pupil = pupils[row.upn]
        for name in row.changed_fields:
            setattr(pupil, name, getattr(row.record, name))
        pupil.updated_at = now  # bulk_update does not touch auto_now fields
        written.update(row.changed_fields)
        changed.append(pupil)
    if changed:
        Pupil.objects.bulk_update(changed, fields=sorted(written | {"updated_at"}), batch_size=_BATCH)
    for pupil in absent:
        pupil.left_on = absent_left_on
        pupil.updated_at = now
    if absent:
        Pupil.objects.bulk_update(absent, fields=[mis.LEFT_ON_FIELD, "updated_at"], batch_size=_BATCH)

    reassessed = _reassess(actor, record.school_id, [pupils[row.upn] for row in changed_rows if row.reassess])
    newly_left = [pupils[row.upn] for row in changed_rows if mis.LEFT_ON_FIELD in row.changed_fields] + list(absent)
    if newly_left:
        pupils_left.send(sender=PupilImport, pupils=newly_left, actor=actor)
    record.status = PupilImport.Status.APPLIED
    record.applied_at = now
    record.report = mis.with_reassessed(plan.to_json(), reassessed)
    if absent:
        record.report["left_by_absence"] = len(absent)
        # Who, for the DSLs' report (the page that lists the file's pupils anyway).
        record.report["left_pupils"] = [{"upn": p.upn, "name": p.full_name} for p in sorted(absent, key=lambda p: p.upn)]
    record.save(update_fields=["status", "applied_at", "report"])
    counts = plan.counts
    audit_record(
        actor=actor,
        action="cases.pupil_import.applied",
        obj=record,
        school=record.school_id,
        extra={
            "added": counts[mis.ADDED],
            "changed": counts[mis.CHANGED],
            "unchanged": counts[mis.UNCHANGED],
            "not_in_file": plan.not_in_file,
            "reassessed_cases": reassessed,
            **({"source": record.source, "marked_left": len(absent)} if record.source != PupilImport.Source.UPLOAD else {}),
        },
    )


def _reassess(actor: User, school_id: int, pupils: list[Pupil]) -> int:
    """Re-assess the open cases of these pupils; returns how many cases were re-assessed."""
    if not pupils:
        return 0
    # One query for the school's pupils with an open case (few), rather than one per changed pupil
    # or an IN list as long as the file.
    with_cases = set(
        CaseChild.objects.filter(pupil__school_id=school_id, removed_at__isnull=True, case__status=CaseStatus.OPEN).values_list(
            "pupil_id", flat=True
        )
    )
    return sum(len(pupil_cases_reassess(pupil=p, actor=actor)) for p in pupils if p.pk in with_cases)


@dataclass(frozen=True)
class PupilUpdated:
    pupil: Pupil
    #: The fields that changed (empty when the form matched the record already).
    fields: list[str]
    reassessed_cases: int


def _check_changes(changes: dict[str, Any], reason: str) -> dict[str, Any]:
    unknown = set(changes) - set(mis.EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    errors: dict[str, str] = {}
    cleaned = dict(changes)
    if not reason.strip():
        errors["reason"] = "Say why the record is being changed, for example \u201cthe MIS had the wrong date of birth\u201d."
    for name in ("first_name", "last_name"):
        if name in cleaned:
            cleaned[name] = mis.normalise_name(cleaned[name] or "")
            if not cleaned[name]:
                errors[name] = f"Enter the pupil's {mis.FIELD_LABELS[name]}."
            elif len(cleaned[name]) > mis.NAME_MAX:
                errors[name] = f"The {mis.FIELD_LABELS[name]} is longer than {mis.NAME_MAX} characters."
    if "date_of_birth" in cleaned:
        problem = mis.date_of_birth_problem(cleaned["date_of_birth"], today=timezone.localdate())
        if problem:
            errors["date_of_birth"] = mis.sentence(problem)
    if "year_group" in cleaned and not mis.RECEPTION <= cleaned["year_group"] <= mis.MAX_YEAR_GROUP:
        errors["year_group"] = "Choose Reception or a year from 1 to 13."
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def pupil_record_view(*, actor: User, pupil: Pupil, page: str) -> None:
    """The pupil page (a chronology) and the correction page (the flags) are case-sensitive: audited."""
    audit_record(actor=actor, action="cases.pupil.viewed", obj=pupil, school=pupil.school_id, extra={"page": page})


@transaction.atomic
def pupil_search_record(*, actor: User, school, results: int, more: bool) -> None:
    """A search of the roll shows children's names: audited, with the count but never the words."""
    audit_record(actor=actor, action="cases.pupil.searched", school=school, extra={"results": results, "more": more})


@transaction.atomic
def pupil_import_view(*, actor: User, pupil_import: PupilImport) -> None:
    """An import report lists many pupils with their flags: every view of it is audited."""
    audit_record(actor=actor, action="cases.pupil_import.viewed", obj=pupil_import, school=pupil_import.school_id)


@transaction.atomic
def pupil_update(*, actor: User, pupil: Pupil, changes: dict[str, Any], reason: str) -> PupilUpdated:
    """Correct a pupil record (name, date of birth, year group, vulnerability flags), with a reason.

    KCSIE: the reasons for decisions are recorded. A change to the date of birth or a flag changes
    what the criteria compute (C3, C5), so the pupil's open cases are re-assessed at once.
    """
    _require_lead(actor, pupil.school_id)
    cleaned = _check_changes(changes, reason)
    pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
    changed = [name for name in mis.EDITABLE_FIELDS if name in cleaned and getattr(pupil, name) != cleaned[name]]
    if not changed:
        return PupilUpdated(pupil=pupil, fields=[], reassessed_cases=0)
    before = {name: getattr(pupil, name) for name in changed}
    for name in changed:
        setattr(pupil, name, cleaned[name])
    pupil.save(update_fields=[*changed, "updated_at"])
    PupilChange.objects.create(
        pupil=pupil,
        fields=changed,
        before=before,
        after={name: cleaned[name] for name in changed},
        reason=reason.strip(),
        made_by=actor,
    )
    audit_record(actor=actor, action="cases.pupil.updated", obj=pupil, school=pupil.school_id, extra={"fields": changed})
    reassessed = 0
    if mis.REASSESS_FIELDS.intersection(changed):
        reassessed = len(pupil_cases_reassess(pupil=pupil, actor=actor))
    return PupilUpdated(pupil=pupil, fields=changed, reassessed_cases=reassessed)
