"""The report's tables: each a title, a header and rows of plain values, from the selectors.

The page shows them (the long ones cut to PAGE_ROWS, with the total), each CSV export writes one
whole, and the charts draw from the same rows, so the three never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import Count, Window

from desk.reports import charts, labels, selectors
from desk.reports.periods import LONDON, Period
from desk.transfers.selectors import transfers_timeliness
from safeguard.conf import bounded_ids
from safeguard.models import School

REFERENCE_CHUNK = 500


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[tuple] = field(default_factory=list)
    #: The case each row is about (for a link on the page), or None.
    case_ids: list[int | None] = field(default_factory=list)
    #: How many rows there are in all, when ``rows`` holds only the first few.
    total: int | None = None
    #: Which column holds the case reference (linked on the page), if any.
    case_column: int | None = None

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.rows)

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)

    def display_rows(self) -> list[dict]:
        ids = self.case_ids or [None] * len(self.rows)
        return [
            {"cells": [display(value) for value in row], "case_id": case_id, "link_column": self.case_column}
            for row, case_id in zip(self.rows, ids, strict=True)
        ]


def display(value) -> str:
    """A value as the page shows it (the CSV keeps the plain value)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        local = value.astimezone(LONDON)
        return f"{local.day} {local:%b %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, timedelta):
        return labels.duration_words(value.total_seconds())
    return str(value)


def _references(object_ids, school_id: int) -> dict[str, str]:
    ids = list(dict.fromkeys(str(value) for value in object_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), REFERENCE_CHUNK):
        found.update(selectors.case_references(ids[start : start + REFERENCE_CHUNK], school_id))
    return found


def _names(user_ids) -> dict[int, str]:
    ids = list(dict.fromkeys(user_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), REFERENCE_CHUNK):
        found.update(selectors.names(ids[start : start + REFERENCE_CHUNK]))
    return found


def _case_id(object_id) -> int | None:
    ids = bounded_ids([object_id])
    return ids[0] if ids else None


def _extra(event) -> dict:
    return event.extra if isinstance(event.extra, dict) else {}


def _refused_case(event, refs: dict[str, str]) -> str:
    """Which case a refusal was about, in words. A number no case had at the time is shown as what
    was asked for, never as the case that may have that number now."""
    extra = _extra(event)
    asked = extra.get("asked_for")
    not_found = extra.get("reason") == "not_found"
    if isinstance(asked, list):
        listed = [str(a) if not_found else refs.get(str(a), str(a)) for a in asked[:10]]
        shown = ", ".join(listed) + ("…" if len(asked) > 10 else "")
        if not_found:
            return f"No cases numbered {shown} at the time" if shown else "Numbers no case had at the time"
        return f"Several: {shown}" if shown else "Several"
    if not_found:
        return f"No case numbered {asked or event.object_id or '?'} at the time"
    return refs.get(event.object_id, f"Case #{event.object_id}")


def _refusal_count(event) -> int:
    count = _extra(event).get("count")
    return count if isinstance(count, int) and count > 0 else 1


def _limited(qs, limit: int | None) -> tuple[list, int | None]:
    """The first ``limit`` rows and how many there are in all, in one query: the total is a
    ``COUNT(*) OVER ()`` beside the rows, so the database groups the events once, not twice."""
    if limit is None:
        return list(qs), None
    rows = list(qs.annotate(total_rows=Window(Count("*")))[:limit])
    if not rows:
        return rows, None
    first = rows[0]
    total = first["total_rows"] if isinstance(first, dict) else first.total_rows
    return rows, (total if total > len(rows) else None)


# --- One builder per table -------------------------------------------------------------------------


def _simple(name: str, title: str, header: list[str], rows: list[dict]) -> Table:
    return Table(name, title, header, [(row["label"], row["value"]) for row in rows])


def kinds(school: School, period: Period, today: date, limit: int | None) -> Table:
    return _simple(
        "kinds", "Disclosures by kind of harassment", ["Kind of harassment", "Disclosures"], selectors.by_kind(school.pk, period)
    )


def months(school: School, period: Period, today: date, limit: int | None) -> Table:
    return _simple("months", "Disclosures by month", ["Month", "Disclosures"], selectors.by_month(school.pk, period))


def year_groups(school: School, period: Period, today: date, limit: int | None) -> Table:
    return _simple(
        "year-groups",
        "Disclosures by year group of the pupils involved",
        ["Year group", "Disclosures"],
        selectors.by_year_group(school.pk, period),
    )


def platforms(school: School, period: Period, today: date, limit: int | None) -> Table:
    return _simple(
        "platforms", "Platforms and apps involved", ["Platform or app", "Disclosures"], selectors.by_platform(school.pk, period)
    )


def timeliness(school: School, period: Period, today: date, limit: int | None) -> Table:
    rows = []
    for item in selectors.timings(school.pk, period):
        rows.append((item.label, item.measured, item.median, item.p90, item.waiting))
    return Table(
        "timeliness",
        "How quickly disclosures were handled",
        ["Measure", "Disclosures measured", "Median (hours)", "90th percentile (hours)", "Not reached yet"],
        rows,
    )


def referrals(school: School, period: Period, today: date, limit: int | None) -> Table:
    rows = [
        (row["label"], row["made"], row[selectors.OUTCOME], row[selectors.ACKNOWLEDGED], row[selectors.AWAITING])
        for row in selectors.referrals_by_agency(school.pk, period)
    ]
    return Table(
        "referrals",
        "Referrals made in the period, by agency, and how far each has got",
        ["Agency", "Referrals made", *(labels.PROGRESS_WORDS[p] for p in selectors.REFERRAL_PROGRESS)],
        rows,
    )


def overdue_steps(school: School, period: Period, today: date, limit: int | None) -> Table:
    rows = [(row["label"], row["value"], row["oldest"]) for row in selectors.overdue_steps_by_route(school.pk, today)]
    return Table("overdue-steps", "Referral steps overdue now, by route", ["Route", "Steps overdue", "Oldest due date"], rows)


def past_review(school: School, period: Period, today: date, limit: int | None) -> Table:
    cases, total = _limited(selectors.past_review(school.pk, today), limit)
    return Table(
        "past-review",
        "Open cases past their review date (now)",
        ["Case", "Review was due", "Days overdue"],
        [(case.reference, case.review_due, (today - case.review_due).days) for case in cases],
        [case.pk for case in cases],
        total,
        case_column=0,
    )


def _decisions(name: str, title: str, which: str):
    def build(school: School, period: Period, today: date, limit: int | None) -> Table:
        found, total = _limited(selectors.decisions(school.pk, period, which), limit)
        return Table(
            name,
            title,
            ["Case", "Decided", "By", "The criteria said", "The DSL decided", "Rationale", "Superseded by a later decision"],
            [
                (
                    d.case.reference,
                    d.made_at,
                    d.made_by.full_name,
                    d.get_assessment_outcome_display(),
                    d.get_decision_display(),
                    d.rationale,
                    d.superseded,
                )
                for d in found
            ],
            [d.case_id for d in found],
            total,
            case_column=0,
        )

    return build


decisions_against = _decisions(
    "decisions-against",
    "The criteria required a police referral; the DSL decided otherwise",
    selectors.AGAINST,
)
decisions_reverse = _decisions(
    "decisions-reverse",
    "The criteria did not require a police referral; the DSL referred",
    selectors.REVERSE,
)


def access(school: School, period: Period, today: date, limit: int | None) -> Table:
    found, total = _limited(selectors.access_by_person_and_case(school.pk, period), limit)
    refs = _references((row["object_id"] for row in found), school.pk)
    people = _names(row["actor_id"] for row in found)
    return Table(
        "access",
        "Who opened or changed which case",
        ["Person", "Case", "Times opened", "Changes", "First", "Last"],
        [
            (
                people.get(row["actor_id"], "Safeguard"),
                refs.get(row["object_id"], f"#{row['object_id']}"),
                row["views"],
                row["changes"],
                row["first"],
                row["last"],
            )
            for row in found
        ],
        [_case_id(row["object_id"]) if row["object_id"] in refs else None for row in found],
        total,
        case_column=1,
    )


def refused(school: School, period: Period, today: date, limit: int | None) -> Table:
    found, total = _limited(selectors.refused_attempts(school.pk, period), limit)
    asked = [
        a
        for event in found
        if isinstance(_extra(event).get("asked_for"), list) and _extra(event).get("reason") != "not_found"
        for a in _extra(event)["asked_for"]
    ]
    refs = _references([*(event.object_id for event in found), *asked], school.pk)
    return Table(
        "refused",
        "Refused attempts to open or change cases",
        ["When", "Person", "Case", "Times", "Tried to", "Why it was refused", "From (IP address)"],
        [
            (
                event.occurred_at,
                event.actor.full_name if event.actor else "Unknown",
                _refused_case(event, refs),
                _refusal_count(event),
                labels.attempt_words(_extra(event).get("attempted")),
                labels.refusal_words(_extra(event).get("reason")),
                event.ip_address,
            )
            for event in found
        ],
        [
            _case_id(event.object_id) if event.object_id in refs and _extra(event).get("reason") != "not_found" else None
            for event in found
        ],
        total,
        case_column=2,
    )


def bursts(school: School, period: Period, today: date, limit: int | None) -> Table:
    found = selectors.bursts(school.pk, period)
    return Table(
        "bursts",
        f"Many cases opened in a short time ({selectors.BURST_CASES} or more different cases within {selectors.BURST_MINUTES} minutes)",
        ["Person", "From", "To", "Different cases opened"],
        [(row["actor__full_name"] or "Unknown", row["first"], row["last"], row["cases"]) for row in found],
    )


def out_of_hours(school: School, period: Period, today: date, limit: int | None) -> Table:
    found, total = _limited(selectors.out_of_hours(school, period), limit)
    refs = _references((row["object_id"] for row in found), school.pk)
    people = _names(row["actor_id"] for row in found)
    return Table(
        "out-of-hours",
        f"Cases opened or changed outside school hours ({selectors.out_of_hours_words(school)})",
        ["Person", "Case", "Times", "First", "Last"],
        [
            (
                people.get(row["actor_id"], "Safeguard"),
                refs.get(row["object_id"], f"#{row['object_id']}"),
                row["events"],
                row["first"],
                row["last"],
            )
            for row in found
        ],
        [_case_id(row["object_id"]) if row["object_id"] in refs else None for row in found],
        total,
        case_column=1,
    )


def break_glass(school: School, period: Period, today: date, limit: int | None) -> Table:
    found, total = _limited(selectors.break_glass_openings(school.pk, period), limit)
    return Table(
        "break-glass",
        "Restricted cases opened by breaking the glass",
        ["When", "Person", "Case", "Access ended"],
        [(g.opened_at, g.user.full_name, g.case.reference, g.ended_at or "Not yet: still open this session") for g in found],
        [g.case_id for g in found],
        total,
        case_column=2,
    )


Builder = Callable[[School, Period, date, int | None], Table]


def without_cases(table: Table, hidden: frozenset[int]) -> Table:
    """The table without the rows about cases its reader may not open (a case restricted to
    others: issue 17). A break-glass row stays, with the case unnamed: it must stand out."""
    if not hidden or not table.case_ids:
        return table
    if table.name == "break-glass":
        column = table.case_column
        rows = [
            row[:column] + ("A restricted case",) + row[column + 1 :] if case_id in hidden else row
            for row, case_id in zip(table.rows, table.case_ids, strict=True)
        ]
        return replace(table, rows=rows, case_ids=[None if c in hidden else c for c in table.case_ids])
    kept = [(row, case_id) for row, case_id in zip(table.rows, table.case_ids, strict=True) if case_id not in hidden]
    dropped = len(table.rows) - len(kept)
    return replace(
        table,
        rows=[row for row, _ in kept],
        case_ids=[case_id for _, case_id in kept],
        total=None if table.total is None else table.total - dropped,
    )


#: Every table, by the name used in its export URL (/reports/export/<name>.csv).
TABLES: dict[str, Builder] = {
    "kinds": kinds,
    "months": months,
    "year-groups": year_groups,
    "platforms": platforms,
    "timeliness": timeliness,
    "referrals": referrals,
    "overdue-steps": overdue_steps,
    "past-review": past_review,
    "decisions-against": decisions_against,
    "decisions-reverse": decisions_reverse,
    "access": access,
    "refused": refused,
    "bursts": bursts,
    "out-of-hours": out_of_hours,
    "break-glass": break_glass,
}


def build(
    name: str, school: School, period: Period, today: date, *, limit: int | None = None, hidden: frozenset[int] = frozenset()
) -> Table:
    """One table; ``hidden``: the cases its reader may not open, whose rows are left out."""
    return without_cases(TABLES[name](school, period, today, limit), hidden)


# --- The page --------------------------------------------------------------------------------------

#: Shorter labels for the charts (the tables beside them keep the full wording).
SHORT_KINDS = {
    "Non-consensual sharing of sexual images or videos": "Image sharing without consent",
    "Exploitation, coercion and threats (including sexual extortion)": "Exploitation and coercion",
    "Unwanted sexualisation (sexual comments, requests for images, unwanted content)": "Unwanted sexualisation",
}
#: Shorter route names for the chart of steps overdue, by the route's full name.
ROUTE_SHORT_BY_NAME = {labels.ROUTE_NAMES[code]: short for code, short in labels.ROUTE_SHORT.items()}
#: The tables of the page, section by section.
SECTIONS = {
    "volume": ["kinds", "months", "year-groups", "platforms"],
    "timeliness": ["timeliness", "overdue-steps", "past-review"],
    "referrals": ["referrals"],
    "decisions": ["decisions-against", "decisions-reverse"],
    "access": ["access", "break-glass", "refused", "bursts", "out-of-hours"],
}


def _chart(table: Table, *, columns: bool = False, short: dict | None = None):
    draw = charts.column_chart if columns else charts.bar_chart
    return draw(
        chart_id=f"chart-{table.name}",
        title=table.title,
        data=charts.data_from_rows(table.rows, short),
        label_heading=table.header[0],
        value_heading=table.header[1],
    )


def report_page(school: School, period: Period, today: date, *, hidden: frozenset[int] = frozenset()) -> dict:
    """Everything the reports page shows for one school and period: each table's first rows, and
    the charts drawn from the same rows. ``hidden``: cases the reader may not open (no row names them)."""
    built = {
        name: build(name, school, period, today, limit=selectors.PAGE_ROWS, hidden=hidden)
        for names in SECTIONS.values()
        for name in names
    }
    overdue = built["overdue-steps"]
    return {
        "period": period,
        "total": selectors.disclosure_total(school.pk, period),
        # Template lookups cannot hold a hyphen: "past-review" is tables.past_review there.
        "tables": {name.replace("-", "_"): table for name, table in built.items()},
        "charts": {
            "kinds": _chart(built["kinds"], short=SHORT_KINDS),
            "months": _chart(built["months"], columns=True),
            "year_groups": _chart(built["year-groups"]),
            "platforms": _chart(built["platforms"]),
            "overdue": _chart(overdue, short=ROUTE_SHORT_BY_NAME),
        },
        "access": selectors.access_totals(school.pk, period),
        "burst_rule": f"{selectors.BURST_CASES} or more different cases within {selectors.BURST_MINUTES} minutes",
        "hours_words": selectors.out_of_hours_words(school),
        "transfers": transfers_timeliness(school.pk, start=period.start, end=period.end),
    }


def governors_charts(summary: dict) -> dict:
    """The governors' report's chart, from its figures (selectors.governors_summary): the months
    of the period. Every other figure is a table, with the previous period's beside it."""
    return {
        "months": charts.column_chart(
            chart_id="gov-months",
            title="Disclosures by month",
            data=[charts.Datum(row["label"], row["value"]) for row in summary["months"]],
            label_heading="Month",
            value_heading="Disclosures",
        ),
    }


# --- The governors' report: each figure beside the previous period's --------------------------------


@dataclass(frozen=True)
class Compared:
    """One figure of the period, and the same figure of the previous period (None: not compared)."""

    label: str
    now: object
    before: object = None


def side_by_side(now_rows: list[dict], before_rows: list[dict] | None, *, value: str = "value") -> list[Compared]:
    """Rows of the period with the previous period's figure beside each, matched by label; a row
    found only in the previous period is kept, with 0 now, so nothing it had is hidden."""
    before = {row["label"]: row[value] for row in before_rows} if before_rows is not None else None
    found = [Compared(row["label"], row[value], before.get(row["label"], 0) if before is not None else None) for row in now_rows]
    if before is not None:
        shown = {row["label"] for row in now_rows}
        found += [Compared(label, 0, n) for label, n in before.items() if label not in shown]
    return found


def governors_figures(summary: dict) -> dict:
    """The governors' report's figures, each with the previous period's beside it."""
    previous = summary.get("previous")

    def pair(name: str, key: str | None = None) -> Compared:
        now = summary[name] if key is None else summary[name][key]
        before = None if previous is None else (previous[name] if key is None else previous[name][key])
        return Compared(name, now, before)

    referrals = []
    for index, row in enumerate(summary["referrals"]):
        old = previous["referrals"][index] if previous is not None else None
        referrals.append(
            {
                "label": row["label"],
                "cells": [
                    Compared(column, row[column], old[column] if old is not None else None)
                    for column in ("made", *selectors.REFERRAL_PROGRESS)
                ],
            }
        )
    timings = [
        {"now": now, "before": before}
        for now, before in zip(
            summary["timings"], previous["timings"] if previous else [None] * len(summary["timings"]), strict=True
        )
    ]
    return {
        "total": pair("total"),
        "kinds": side_by_side(summary["kinds"], previous["kinds"] if previous else None),
        "year_groups": side_by_side(summary["year_groups"], previous["year_groups"] if previous else None),
        "platforms": side_by_side(summary["platforms"], previous["platforms"] if previous else None),
        "timings": timings,
        "referrals": referrals,
        "referrals_made": Compared(
            "made",
            sum(row["made"] for row in summary["referrals"]),
            sum(row["made"] for row in previous["referrals"]) if previous else None,
        ),
        "against": pair("against"),
        "reverse": pair("reverse"),
        "views": pair("access", "views"),
        "changes": pair("access", "changes"),
        "people": pair("access", "people"),
        "cases": pair("access", "cases"),
        "refused": pair("access", "refused"),
        "bursts": pair("bursts"),
        "out_of_hours": pair("out_of_hours"),
    }
