"""Chronologies (KCSIE: each child has a chronology of every disclosure, assessment, decision,
step and note involving them, in time order).

Built by reading each kind of record once for a set of cases (one query per kind, whatever the
number of rows) and merging them in time order: nothing is written twice to keep a chronology.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from django.utils import timezone

from cases.criteria import OUTCOME_WORDS, Outcome
from cases.models import (
    Assessment,
    Case,
    CaseAssignment,
    CaseChild,
    Concern,
    Correction,
    Decision,
    FactChange,
    Note,
    OtherChild,
)
from cases.services.disclosures import NARRATIVE_LABELS


@dataclass(frozen=True)
class Entry:
    at: datetime
    case_id: int
    case_reference: str
    kind: str
    title: str
    detail: str = ""
    actor: str = ""
    #: Entries at the same instant keep a stable, sensible order.
    order: int = 0


FACT_LABELS = {
    "disclosed_at": "when the child disclosed",
    "method": "how the child disclosed",
    "incident_date": "date of the incident",
    "incident_date_approximate": "whether the date is approximate",
    "kinds": "kinds of harassment",
    "platforms": "platforms",
    "unidentified_children": "children not yet identified",
    "adult_involvement": "adults involved",
    "imagery": "imagery",
    "imagery_kinds": "kinds of imagery",
    "answers": "answers to the criteria questions",
}


def name_of(user) -> str:
    """Who did it, for a chronology line: a person, or Safeguard itself for automatic entries."""
    return user.full_name if user is not None else "Safeguard"


def _cases(case_ids: list[int]) -> dict[int, Case]:
    return {c.pk: c for c in Case.objects.filter(pk__in=case_ids).select_related("created_by", "disclosure")}


def _from_cases(cases: dict[int, Case]) -> Iterable[Entry]:
    for case in cases.values():
        disclosure = getattr(case, "disclosure", None)
        if disclosure is not None:
            incident_at = timezone.make_aware(datetime.combine(disclosure.incident_date, time.min))
            approx = " (approximate date)" if disclosure.incident_date_approximate else ""
            yield Entry(
                incident_at, case.pk, case.reference, "incident", f"The incident{approx}", ", ".join(disclosure.kind_labels())
            )
            yield Entry(
                disclosure.disclosed_at,
                case.pk,
                case.reference,
                "disclosure",
                "The child disclosed",
                f"{disclosure.get_method_display()}; told {disclosure.disclosed_to}.",
            )
        yield Entry(
            case.created_at, case.pk, case.reference, "recorded", "Disclosure recorded", case.summary, name_of(case.created_by), 1
        )


def _from_assessments(cases, case_ids) -> Iterable[Entry]:
    for a in Assessment.objects.filter(case_id__in=case_ids).select_related("actor").order_by("created_at", "id"):
        met = ", ".join(a.met)
        detail = (
            f"Criteria met: {met}." if met else ("Every question answered." if a.complete else "Some questions are unanswered.")
        )
        yield Entry(
            a.created_at,
            a.case_id,
            cases[a.case_id].reference,
            "assessment",
            f"Assessed: {OUTCOME_WORDS[Outcome(a.outcome)]}",
            f"{detail} ({a.get_trigger_display()}; rules {a.ruleset_version})",
            name_of(a.actor),
            2,
        )


def _from_decisions(cases, case_ids) -> Iterable[Entry]:
    for d in Decision.objects.filter(case_id__in=case_ids).select_related("made_by"):
        against = " — differs from the assessment" if d.differs_from_assessment else ""
        yield Entry(
            d.made_at,
            d.case_id,
            cases[d.case_id].reference,
            "decision",
            f"Decision: {d.get_decision_display()}{against}",
            d.rationale,
            name_of(d.made_by),
            3,
        )


def _from_notes(cases, case_ids) -> Iterable[Entry]:
    for n in Note.objects.filter(case_id__in=case_ids).select_related("author"):
        yield Entry(n.created_at, n.case_id, cases[n.case_id].reference, "note", "Note", n.text, name_of(n.author))


def _from_corrections(cases, case_ids) -> Iterable[Entry]:
    for c in Correction.objects.filter(case_id__in=case_ids).select_related("made_by"):
        what = "a note" if c.field == "note" else NARRATIVE_LABELS.get(c.field, c.field).lower()
        yield Entry(
            c.made_at,
            c.case_id,
            cases[c.case_id].reference,
            "correction",
            f"Corrected {what}",
            f"Reason: {c.reason}",
            name_of(c.made_by),
        )


def _from_fact_changes(cases, case_ids) -> Iterable[Entry]:
    for f in FactChange.objects.filter(case_id__in=case_ids).select_related("made_by"):
        fields = ", ".join(FACT_LABELS.get(name, name) for name in f.fields)
        yield Entry(
            f.made_at,
            f.case_id,
            cases[f.case_id].reference,
            "facts",
            f"Facts changed: {fields}",
            f"Reason: {f.reason}",
            name_of(f.made_by),
            1,
        )


def _child_entries(child, case: Case, label: str) -> Iterable[Entry]:
    """A child added after the disclosure was recorded, or taken off the case (pupil or other child)."""
    if child.added_at > case.created_at + timezone.timedelta(seconds=5):
        yield Entry(
            child.added_at,
            case.pk,
            case.reference,
            "child",
            f"{label} added ({child.get_part_display()})",
            "",
            name_of(child.added_by),
            1,
        )
    if child.removed_at:
        yield Entry(
            child.removed_at,
            case.pk,
            case.reference,
            "child",
            f"{label} taken off the case",
            f"Reason: {child.removed_reason}",
            name_of(child.removed_by),
            1,
        )


def _from_children(cases, case_ids) -> Iterable[Entry]:
    for link in CaseChild.objects.filter(case_id__in=case_ids).select_related("pupil", "added_by", "removed_by"):
        yield from _child_entries(link, cases[link.case_id], link.pupil.full_name)
    for other in OtherChild.objects.filter(case_id__in=case_ids).select_related("added_by", "removed_by"):
        yield from _child_entries(other, cases[other.case_id], other.description)


def _from_assignments(cases, case_ids) -> Iterable[Entry]:
    for a in CaseAssignment.objects.filter(case_id__in=case_ids).select_related("user", "assigned_by", "ended_by"):
        ref = cases[a.case_id].reference
        yield Entry(a.assigned_at, a.case_id, ref, "assignment", f"{a.user.full_name} assigned", "", name_of(a.assigned_by))
        if a.ended_at:
            yield Entry(
                a.ended_at, a.case_id, ref, "assignment", f"{a.user.full_name} no longer assigned", "", name_of(a.ended_by)
            )


def _from_concerns(cases, case_ids) -> Iterable[Entry]:
    for c in Concern.objects.filter(case_id__in=case_ids):
        yield Entry(
            c.raised_at,
            c.case_id,
            cases[c.case_id].reference,
            "concern",
            f"Concern {c.reference} raised by a member of staff",
            c.what_happened,
        )


CASE_SOURCES = (
    _from_assessments,
    _from_decisions,
    _from_notes,
    _from_corrections,
    _from_fact_changes,
    _from_children,
    _from_assignments,
    _from_concerns,
)


def chronology(case_ids: Iterable[int], *, only_actions_of=None) -> list[Entry]:
    """Every entry of the given cases, oldest first. ``only_actions_of``: a member of pastoral
    staff, who sees only their own actions (DOMAIN.md, "Who uses it")."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    cases = _cases(ids)
    entries: list[Entry] = list(_from_cases(cases))
    for source in CASE_SOURCES:
        entries.extend(source(cases, ids))
    # Steps, actions, the child's voice, parents, reviews and closure are the referrals app's records.
    from referrals.chronology import referral_entries

    entries.extend(referral_entries(cases, ids, only_actions_of=only_actions_of))
    return sorted(entries, key=lambda e: (e.at, e.order, e.case_id))
