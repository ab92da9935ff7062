"""Reading a stored import report back, for the import's page. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cases.pupil_import.values import ADDED, CHANGED, FIELD_LABELS, REFUSED, REPORT_VERSION, UNCHANGED

# --- Reading a stored report back for the page ----------------------------------------------------


@dataclass(frozen=True)
class ReportChange:
    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class ReportRow:
    row: int
    upn: str
    name: str
    action: str
    changes: tuple[ReportChange, ...] = ()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """A stored report, with every key present, for the template (which must not guess)."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: int = 0
    rows_in_file: int = 0
    not_in_file: int = 0
    reassessed_cases: int | None = None
    columns: tuple[tuple[str, str], ...] = ()
    ignored_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rows: tuple[ReportRow, ...] = ()

    def rows_for(self, action: str) -> list[ReportRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def refused_rows(self) -> list[ReportRow]:
        return self.rows_for(REFUSED)

    @property
    def changed_rows(self) -> list[ReportRow]:
        return self.rows_for(CHANGED)

    @property
    def added_rows(self) -> list[ReportRow]:
        return self.rows_for(ADDED)

    @property
    def unchanged_rows(self) -> list[ReportRow]:
        return self.rows_for(UNCHANGED)

    @property
    def warning_rows(self) -> list[ReportRow]:
        return [row for row in self.rows if row.warnings]

    @property
    def can_apply(self) -> bool:
        return self.rows_in_file > 0 and self.refused == 0


def report_from_json(data: Mapping | None) -> Report:
    """A Report from PupilImport.report; tolerant of an empty or older report."""
    if not isinstance(data, Mapping) or data.get("version") != REPORT_VERSION:
        return Report()
    counts = data.get("counts") or {}
    rows = tuple(
        ReportRow(
            row=int(row.get("row", 0)),
            upn=str(row.get("upn", "")),
            name=str(row.get("name", "")),
            action=str(row.get("action", "")),
            changes=tuple(ReportChange(c.get("label", ""), c.get("old"), c.get("new", "")) for c in row.get("changes", ())),
            problems=tuple(row.get("problems", ())),
            warnings=tuple(row.get("warnings", ())),
        )
        for row in data.get("rows", ())
    )
    labels = {name: FIELD_LABELS.get(name, name) for name in data.get("columns", {})}
    return Report(
        added=int(counts.get(ADDED, 0)),
        changed=int(counts.get(CHANGED, 0)),
        unchanged=int(counts.get(UNCHANGED, 0)),
        refused=int(counts.get(REFUSED, 0)),
        rows_in_file=int(data.get("rows_in_file", len(rows))),
        not_in_file=int(data.get("not_in_file", 0)),
        reassessed_cases=data.get("reassessed_cases"),
        columns=tuple((labels[name], heading) for name, heading in data.get("columns", {}).items()),
        ignored_columns=tuple(data.get("ignored_columns", ())),
        notes=tuple(data.get("notes", ())),
        rows=rows,
    )


def with_reassessed(report: dict, reassessed_cases: int) -> dict:
    """The stored report after applying, with how many open cases were re-assessed."""
    return {**report, "reassessed_cases": reassessed_cases}
