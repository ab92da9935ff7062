"""The trust report's reads: each school of the trust side by side, and the trust's totals.

For the trust's safeguarding lead (issue 17): figures only, no child, case reference, summary or
member of staff named. Each school's figure comes from the selector the reports page and the
governors' report read for the same thing (``desk.reports.selectors``), so the three agree; the
trust's counts are the schools' added up, and its medians are of every disclosure of the trust
(a median of medians would be no median at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cases.models import Disclosure, HarassmentKind
from desk.reports import labels, selectors
from desk.reports.periods import Period
from safeguard.models import School, Trust


@dataclass
class Figures:
    """One column of the trust report: one school's figures for the period, or the trust's."""

    name: str
    total: int
    kinds: dict[str, int]
    police_required: int
    timings: dict[str, selectors.Timing]
    referrals: dict[str, int]
    against: int
    reverse: int
    overdue: int
    refused: int
    is_total: bool = False


@dataclass
class TrustReport:
    trust: Trust
    period: Period
    schools: list[Figures]
    total: Figures
    kind_labels: list[str] = field(default_factory=list)
    agency_labels: list[tuple[str, str]] = field(default_factory=list)
    timing_labels: list[tuple[str, str]] = field(default_factory=list)

    @property
    def columns(self) -> list[Figures]:
        return [*self.schools, self.total]

    def rows(self) -> list[tuple[str, list]]:
        """Every figure as (what it is, one value per column: each school, then the trust)."""
        columns = self.columns
        found: list[tuple[str, list]] = [("Disclosures recorded", [c.total for c in columns])]
        found += [(f"Disclosures of kind: {label}", [c.kinds[label] for c in columns]) for label in self.kind_labels]
        found.append(("Disclosures calling for a police referral", [c.police_required for c in columns]))
        for key, label in self.timing_labels:
            found.append((f"{label}: median", [c.timings[key].median for c in columns]))
            found.append((f"{label}: disclosures measured", [c.timings[key].measured for c in columns]))
        found += [(f"Referrals made: {label}", [c.referrals[key] for c in columns]) for key, label in self.agency_labels]
        found.append(("Decisions not to refer when the criteria required it", [c.against for c in columns]))
        found.append(("Referrals made when the criteria did not require one", [c.reverse for c in columns]))
        found.append(("Referral steps overdue now", [c.overdue for c in columns]))
        found.append(("Refused attempts to open a case", [c.refused for c in columns]))
        return found

    def sections(self) -> list[dict]:
        """The page's tables: a heading, and rows of (what, one value per column) as shown."""
        columns = self.columns

        def row(label: str, values: list) -> dict:
            cells = [{"school": c.name, "value": v, "is_total": c.is_total} for c, v in zip(columns, values, strict=True)]
            return {"label": label, "cells": cells}

        def median(column: Figures, key: str) -> str:
            timing = column.timings[key]
            return timing.median_words if timing.measured else "—"

        return [
            {
                "id": "volume",
                "title": "Disclosures",
                "help": "Disclosures recorded in the period. A disclosure can be of more than one kind.",
                "rows": [row("Disclosures recorded", [c.total for c in columns])]
                + [row(label, [c.kinds[label] for c in columns]) for label in self.kind_labels]
                + [row("Calling for a police referral", [c.police_required for c in columns])],
            },
            {
                "id": "timeliness",
                "title": "Timeliness (medians)",
                "help": "The middle time from the child's disclosure, for the disclosures of the period: half were quicker. "
                "The trust's median is of every disclosure in the trust.",
                "rows": [row(label, [median(c, key) for c in columns]) for key, label in self.timing_labels],
            },
            {
                "id": "referrals",
                "title": "Referrals made, by agency",
                "help": "Referrals marked made with a date in the period.",
                "rows": [row(label, [c.referrals[key] for c in columns]) for key, label in self.agency_labels],
            },
            {
                "id": "decisions",
                "title": "Decisions against the criteria",
                "help": "Decisions in the period that differ from what the police-referral criteria said; each has the DSL's "
                "written rationale, which the school's own reports show.",
                "rows": [
                    row("The criteria required a police referral; the DSL decided not to refer", [c.against for c in columns]),
                    row("The criteria did not require one; the DSL referred", [c.reverse for c in columns]),
                ],
            },
            {
                "id": "follow-up",
                "title": "Overdue steps and refused access",
                "help": "Referral steps overdue today, and attempts in the period to open a case that were refused.",
                "rows": [
                    row("Referral steps overdue now", [c.overdue for c in columns]),
                    row("Refused attempts to open a case", [c.refused for c in columns]),
                ],
            },
        ]


def school_figures(school: School, period: Period, today: date) -> Figures:
    """One school's column: the same selectors, with the same arguments, as its reports page."""
    total = selectors.disclosure_total(school.pk, period)
    return Figures(
        name=school.name,
        total=total,
        kinds={row["label"]: row["value"] for row in selectors.by_kind(school.pk, period)},
        police_required=selectors.needing_police_referral(selectors.disclosures_in(school.pk, period)).count(),
        timings={timing.key: timing for timing in selectors.timings(school.pk, period, total=total)},
        referrals={row["key"]: row["made"] for row in selectors.referrals_by_agency(school.pk, period)},
        against=selectors.decisions(school.pk, period, selectors.AGAINST).count(),
        reverse=selectors.decisions(school.pk, period, selectors.REVERSE).count(),
        overdue=sum(row["value"] for row in selectors.overdue_steps_by_route(school.pk, today)),
        refused=selectors.refused_total(school.pk, period),
    )


def _trust_total(trust: Trust, school_ids: tuple[int, ...], columns: list[Figures], period: Period) -> Figures:
    def added(attribute: str) -> int:
        return sum(getattr(column, attribute) for column in columns)

    def added_up(attribute: str) -> dict[str, int]:
        keys = getattr(columns[0], attribute).keys() if columns else []
        return {key: sum(getattr(column, attribute)[key] for column in columns) for key in keys}

    total = added("total")
    timings = {timing.key: timing for timing in selectors.timings(school_ids, period, total=total)} if school_ids else {}
    return Figures(
        name=f"{trust.name} (all schools)",
        total=total,
        kinds=added_up("kinds"),
        police_required=added("police_required"),
        timings=timings,
        referrals=added_up("referrals"),
        against=added("against"),
        reverse=added("reverse"),
        overdue=added("overdue"),
        refused=added("refused"),
        is_total=True,
    )


def trust_report(trust: Trust, period: Period, today: date) -> TrustReport:
    """Every school of ``trust`` for ``period``, by name, and the trust's totals."""
    schools = list(School.objects.filter(trust=trust).order_by("name", "pk"))
    columns = [school_figures(school, period, today) for school in schools]
    school_ids = tuple(school.pk for school in schools)
    return TrustReport(
        trust=trust,
        period=period,
        schools=columns,
        total=_trust_total(trust, school_ids, columns, period),
        kind_labels=[HarassmentKind(kind).label for kind in Disclosure.KIND_FIELDS],
        agency_labels=[(agency, labels.AGENCY_WORDS[agency]) for agency in labels.AGENCY_ROUTES],
        timing_labels=list(selectors.TIMINGS) if schools else [],
    )
