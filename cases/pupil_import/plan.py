"""Comparing the records read with the pupils already on Safeguard: each row added, changed
(field by field), unchanged or refused. Pure: the service stores and applies the plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from cases.pupil_import.parse import ParsedFile, PupilRecord, display_value
from cases.pupil_import.values import (
    ACTIONS,
    ADDED,
    CHANGED,
    FIELD_LABELS,
    FLAG_FIELDS,
    LEFT_ON_FIELD,
    REASSESS_FIELDS,
    REFUSED,
    REPORT_VERSION,
    UNCHANGED,
)

# --- Planning -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str | None  # None for a pupil being added
    new: str


@dataclass
class RowPlan:
    row: int
    upn: str
    name: str
    action: str
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: PupilRecord | None = None

    @property
    def changed_fields(self) -> list[str]:
        return [change.field for change in self.changes] if self.action == CHANGED else []

    @property
    def reassess(self) -> bool:
        """Whether applying this row changes what the criteria compute for the pupil's cases."""
        return bool(REASSESS_FIELDS.intersection(self.changed_fields))


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    columns: dict[str, str]
    ignored_columns: list[str]
    notes: list[str]
    not_in_file: int

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not any(row.action == REFUSED for row in self.rows)

    def to_json(self) -> dict:
        """The dry-run report as stored on the PupilImport (plain JSON)."""
        return {
            "version": REPORT_VERSION,
            "counts": self.counts,
            "rows_in_file": len(self.rows),
            "not_in_file": self.not_in_file,
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
            "rows": [_row_json(row) for row in self.rows],
        }


def _row_json(row: RowPlan) -> dict:
    data: dict = {"row": row.row, "upn": row.upn, "name": row.name, "action": row.action}
    if row.changes:
        data["changes"] = [{"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in row.changes]
    if row.problems:
        data["problems"] = row.problems
    if row.warnings:
        data["warnings"] = row.warnings
    return data


def _identity(record: PupilRecord) -> tuple[str, str, date]:
    return record.first_name.casefold(), record.last_name.casefold(), record.date_of_birth


def plan_import(parsed: ParsedFile, existing: Mapping[str, PupilRecord]) -> ImportPlan:
    """Compare the file with the school's pupils (keyed by normalised UPN) and say what each row does.

    Pupils on Safeguard but not in the file are left as they are: their records stay with their
    cases and chronology. A flag the file has no column for is left as it is, too. A leaving date
    (an optional column) marks a pupil as left; the import never un-marks one, nor moves a leaving
    date already recorded.
    """
    compared = ("first_name", "last_name", "date_of_birth", "year_group", *parsed.flag_fields)
    in_file = {row.upn for row in parsed.rows}
    same_person = {_identity(record): upn for upn, record in existing.items()}
    rows: list[RowPlan] = []
    for parsed_row in parsed.rows:
        record = parsed_row.record
        plan = RowPlan(row=parsed_row.row, upn=parsed_row.upn, name=parsed_row.name, action=REFUSED, record=record)
        if record is None:
            plan.problems = list(parsed_row.problems)
        elif record.upn in existing:
            current = existing[record.upn]
            plan.changes = [
                Change(
                    name,
                    FIELD_LABELS[name],
                    display_value(name, getattr(current, name)),
                    display_value(name, getattr(record, name)),
                )
                for name in compared
                if getattr(current, name) != getattr(record, name)
            ]
            if parsed.has_left_on and current.left_on is None and record.left_on is not None:
                plan.changes.append(
                    Change(
                        LEFT_ON_FIELD,
                        FIELD_LABELS[LEFT_ON_FIELD],
                        display_value(LEFT_ON_FIELD, None),
                        display_value(LEFT_ON_FIELD, record.left_on),
                    )
                )
            plan.action = CHANGED if plan.changes else UNCHANGED
        else:
            plan.action = ADDED
            plan.changes = [
                Change(name, FIELD_LABELS[name], None, display_value(name, getattr(record, name)))
                for name in ("date_of_birth", "year_group", *parsed.flag_fields, LEFT_ON_FIELD)
                if (name not in FLAG_FIELDS and name != LEFT_ON_FIELD) or getattr(record, name)
            ]
            other_upn = same_person.get(_identity(record))
            if other_upn and other_upn not in in_file:
                plan.warnings.append(
                    f"a pupil with the same name and date of birth is already on Safeguard with UPN {other_upn}, which is not in "
                    "this file. If their UPN has changed, importing adds them a second time: check with your MIS first"
                )
        rows.append(plan)
    return ImportPlan(
        rows=rows,
        columns=parsed.columns,
        ignored_columns=parsed.ignored_columns,
        notes=parsed.notes,
        not_in_file=len(set(existing) - in_file),
    )
