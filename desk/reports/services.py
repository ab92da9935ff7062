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
from desk.reports import trust as trust_reports
from desk.reports.csv import rows_to_csv
from desk.reports.periods import Period
from safeguard.audit import audit_record
from safeguard.models import School, Trust, User

GOVERNORS_REPORT = "governors-report"
TRUST_REPORT = "trust-report"
#: The trust report was looked at: one event at each school of the trust, whose figures it shows.
TRUST_REPORT_VIEWED = "desk.trust_report.viewed"


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
def report_export(
    *, actor: User, school: School, period: Period, table: str, today: date, hidden: frozenset[int] = frozenset()
) -> Export:
    """One report table as CSV, safe for spreadsheets, with its audit event. ``hidden``: cases the
    reader may not open, whose rows are left out."""
    built = tables.build(table, school, period, today, hidden=hidden)
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


def _record_at_every_school(*, actor: User, action: str, report: trust_reports.TrustReport, extra: dict) -> None:
    for school_id in School.objects.filter(trust=report.trust).order_by("pk").values_list("pk", flat=True):
        audit_record(
            actor=actor,
            action=action,
            obj=("safeguard.trust", report.trust.pk),
            school=school_id,
            extra={"from": report.period.start.isoformat(), "to": report.period.end.isoformat(), **extra},
        )


@transaction.atomic
def trust_report_prepare(*, actor: User, trust: Trust, period: Period, today: date) -> trust_reports.TrustReport:
    """The trust report for the trust's safeguarding lead: figures only, every school's beside the
    trust's, audited as viewed at every school of the trust (each school's figures were seen)."""
    report = trust_reports.trust_report(trust, period, today)
    _record_at_every_school(actor=actor, action=TRUST_REPORT_VIEWED, report=report, extra={"schools": len(report.schools)})
    return report


@transaction.atomic
def trust_report_export(*, actor: User, trust: Trust, period: Period, today: date) -> Export:
    """The trust report as CSV (one row per figure, one column per school and the trust), safe for
    spreadsheets, audited as an export at every school of the trust."""
    report = trust_reports.trust_report(trust, period, today)
    header = ["Figure", *(column.name for column in report.columns)]
    rows = [(what, *values) for what, values in report.rows()]
    _record_at_every_school(actor=actor, action=labels.EXPORTED, report=report, extra={"table": TRUST_REPORT, "rows": len(rows)})
    filename = f"safeguard-trust-{trust.pk}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return Export(filename=filename, content=rows_to_csv(header, rows), rows=len(rows))
