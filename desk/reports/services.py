"""The reports' writes: the audit event of every export.

Each export is written in one transaction with its audit event (``safeguard.report.exported``,
extra: the table's name and how many rows, never their content), so no export leaves Safeguard
unrecorded (docs/domain.md: "every view, change, export and failed access of a case is logged").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from desk.reports import labels, selectors, tables
from desk.reports.csv import rows_to_csv
from desk.reports.periods import Period
from safeguard.audit import audit_record
from safeguard.models import School, User

GOVERNORS_REPORT = "governors-report"


@dataclass(frozen=True)
class Export:
    filename: str
    content: str
    rows: int


def _record_export(*, actor: User, school: School, period: Period, table: str, rows: int) -> None:
    audit_record(
        actor=actor,
        action=labels.EXPORTED,
        obj=school,
        school=school,
        extra={"table": table, "rows": rows, "from": period.start.isoformat(), "to": period.end.isoformat()},
    )


@transaction.atomic
def report_export(*, actor: User, school: School, period: Period, table: str, today: date) -> Export:
    """One report table as CSV, safe for spreadsheets, with its audit event."""
    built = tables.build(table, school, period, today)
    content = rows_to_csv(built.header, built.rows)
    _record_export(actor=actor, school=school, period=period, table=table, rows=len(built.rows))
    filename = f"safeguard-{school.code}-{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return Export(filename=filename, content=content, rows=len(built.rows))


@transaction.atomic
def governors_report_prepare(*, actor: User, school: School, period: Period, today: date, previous: Period | None = None) -> dict:
    """The printable governors' report: aggregates only (no child, case or staff named), each
    beside the previous period's, audited as an export."""
    summary = selectors.governors_summary(school, period, today, previous=previous)
    _record_export(actor=actor, school=school, period=period, table=GOVERNORS_REPORT, rows=summary["total"])
    return summary
