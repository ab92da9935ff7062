"""Chronologies (KCSIE: each child has a chronology of every disclosure, assessment, decision,
step and note involving them, in time order).

Built by reading each kind of record once for a set of cases (one query per kind, whatever the
number of rows) and merging them in time order: nothing is written twice to keep a chronology.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from cases.criteria import OUTCOME_WORDS, Outcome
from cases.models import (
    NARRATIVE_LABELS,
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
from safeguard.models import User


@dataclass(frozen=True)
class Entry:
    at: datetime
    #: None for a concern kept on the pupil's record only (it belongs to no case).
    case_id: int | None
    case_reference: str
    kind: str
    title: str
    detail: str = ""
    actor: str = ""
    #: Entries at the same instant keep a stable, sensible order.
    order: int = 0
    #: The record holds a day, not a time (the incident): ``at`` is its midnight, for the order only.
    date_only: bool = False


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
                incident_at,
                case.pk,
                case.reference,
                "incident",
                f"The incident{approx}",
                ", ".join(disclosure.kind_labels()),
                date_only=True,
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


def _assessment_entries(rows, cases) -> Iterable[Entry]:
    for a in rows:
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


def _decision_entries(rows, cases) -> Iterable[Entry]:
    for d in rows:
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


def _note_entries(rows, cases) -> Iterable[Entry]:
    for n in rows:
        yield Entry(n.created_at, n.case_id, cases[n.case_id].reference, "note", "Note", n.text, name_of(n.author))


def _correction_entries(rows, cases) -> Iterable[Entry]:
    for c in rows:
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


def _fact_change_entries(rows, cases) -> Iterable[Entry]:
    for f in rows:
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


def _pupil_entries(rows, cases) -> Iterable[Entry]:
    for link in rows:
        yield from _child_entries(link, cases[link.case_id], link.pupil.full_name)


def _other_child_entries(rows, cases) -> Iterable[Entry]:
    for other in rows:
        yield from _child_entries(other, cases[other.case_id], other.description)


def _assignment_entries(rows, cases) -> Iterable[Entry]:
    for a in rows:
        ref = cases[a.case_id].reference
        yield Entry(a.assigned_at, a.case_id, ref, "assignment", f"{a.user.full_name} assigned", "", name_of(a.assigned_by))
        if a.ended_at:
            yield Entry(
                a.ended_at, a.case_id, ref, "assignment", f"{a.user.full_name} no longer assigned", "", name_of(a.ended_by)
            )


def concern_text(c: Concern) -> str:
    """What a concern's entry says: what was seen or heard, and the rest the member of staff gave."""
    parts = [c.what_happened.strip()]
    if c.child_words.strip():
        parts.append(f"The child said: {c.child_words.strip()}")
    if c.where:
        parts.append(f"Where: {c.where}")
    if c.happened_at:
        parts.append(f"When: {timezone.localtime(c.happened_at):%-d %b %Y, %H:%M}")
    if c.told:
        parts.append(f"They have told: {c.told}")
    return "\n".join(parts)


def _concern_entries(rows, cases) -> Iterable[Entry]:
    for c in rows:
        yield Entry(
            c.raised_at,
            c.case_id,
            cases[c.case_id].reference,
            "concern",
            f"Concern {c.reference} raised by a member of staff",
            concern_text(c),
        )


def pupil_record_entries(concerns: Iterable[Concern]) -> list[Entry]:
    """Concerns about a pupil that belong to no case (kept on the pupil's record, waiting for
    triage, or no further action), for the pupil's chronology: so that a pattern shows."""
    return [
        Entry(
            c.raised_at,
            None,
            c.reference,
            "concern",
            f"Concern {c.reference} ({c.get_status_display().lower()})",
            concern_text(c) + (f"\nWhy: {c.nfa_reason}" if c.nfa_reason else ""),
            c.raised_by.full_name if c.raised_by_id else "",
        )
        for c in concerns
        if c.case_id is None
    ]


#: How a kind of record shows on the support view (issue 17: pastoral staff a DSL chose to tell what
#: support to give, not what happened): left out, its entries' titles without their detail (the
#: title says only that something happened), or as it is.
OMIT, TITLE_ONLY, AS_IT_IS = "omit", "title_only", "as_it_is"


def note_on_support_view(note, viewer) -> bool:
    """A note someone on the support view reads: one a DSL shared with them, or their own."""
    return note.for_support or note.author_id == getattr(viewer, "pk", None)


@dataclass(frozen=True)
class Source:
    """One kind of record in a chronology: how to read its rows for a set of cases (one query),
    how to turn those rows into entries, which of its fields name members of staff, and how it
    shows on the support view."""

    rows: Callable[[list[int], object], QuerySet]
    entries: Callable[[Iterable, dict[int, Case]], Iterable[Entry]]
    #: Foreign keys to members of staff (``made_by``, ``author``...), read by ``attach_people``.
    people: tuple[str, ...] = ()
    #: OMIT unless a kind is known to be safe there: a new kind of record stays off the support view.
    support_view: str = OMIT
    #: With AS_IT_IS: which rows the viewer reads there (``row, viewer -> bool``); all when None.
    support_rows: Callable[[object, object], bool] | None = None

    def load(self, case_ids: list[int], only_actions_of=None, *, people: dict | None = None) -> list:
        """The rows, with the staff they name set from ``people`` (read once for every kind)."""
        rows = list(self.rows(case_ids, only_actions_of))
        attach_people([(rows, self.people)], people if people is not None else {})
        return rows


def attach_people(groups: Iterable[tuple[list, Iterable[str]]], known: dict) -> None:
    """Set the member of staff each row names in the given fields (``author``, ``made_by``...)
    from one query for all of them, instead of a join to the users table per kind of record.

    ``known`` maps user ids to users already read for this page; it is added to, so the next
    kind of record reads only people not seen yet (often nobody: a case names the same few).
    """
    groups = [(rows, tuple(fields)) for rows, fields in groups if rows and fields]
    wanted = set()
    for rows, fields in groups:
        for name in fields:
            attname = rows[0]._meta.get_field(name).attname
            wanted.update(getattr(row, attname) for row in rows)
    wanted -= {None, *known}
    if wanted:
        known.update(User.objects.in_bulk(wanted))
    for rows, fields in groups:
        for name in fields:
            field = rows[0]._meta.get_field(name)
            for row in rows:
                field.set_cached_value(row, known.get(getattr(row, field.attname)))


#: Each kind of record the cases app keeps, by name. The case page reads some of these rows for its
#: own sections through ``Source.load`` and hands them to ``chronology`` so none is read twice.
CASE_SOURCES: dict[str, Source] = {
    "assessments": Source(
        lambda ids, _: Assessment.objects.filter(case_id__in=ids).order_by("created_at", "id"),
        _assessment_entries,
        ("actor",),
    ),
    "decisions": Source(lambda ids, _: Decision.objects.filter(case_id__in=ids), _decision_entries, ("made_by",)),
    "notes": Source(
        lambda ids, _: Note.objects.filter(case_id__in=ids),
        _note_entries,
        ("author",),
        support_view=AS_IT_IS,
        support_rows=note_on_support_view,
    ),
    "corrections": Source(lambda ids, _: Correction.objects.filter(case_id__in=ids), _correction_entries, ("made_by",)),
    "fact_changes": Source(lambda ids, _: FactChange.objects.filter(case_id__in=ids), _fact_change_entries, ("made_by",)),
    "pupils": Source(
        lambda ids, _: CaseChild.objects.filter(case_id__in=ids).select_related("pupil"),
        _pupil_entries,
        ("added_by", "removed_by"),
    ),
    "other_children": Source(
        lambda ids, _: OtherChild.objects.filter(case_id__in=ids),
        _other_child_entries,
        ("added_by", "removed_by"),
    ),
    "assignments": Source(
        lambda ids, _: CaseAssignment.objects.filter(case_id__in=ids),
        _assignment_entries,
        ("user", "assigned_by", "ended_by"),
        support_view=AS_IT_IS,  # who was assigned, by whom: no content
    ),
    "concerns": Source(lambda ids, _: Concern.objects.filter(case_id__in=ids), _concern_entries),
}


#: The entries every case has (``_from_cases``), on the support view: that the case was opened,
#: never what was disclosed, when or how.
CASE_KINDS_ON_SUPPORT_VIEW = {"recorded": TITLE_ONLY}


def _support_view(entries: Iterable[Entry], how, support: set[int]) -> Iterable[Entry]:
    """``entries`` as the support view shows them for the cases in ``support``; ``how`` says, per
    entry kind, OMIT, TITLE_ONLY or AS_IT_IS."""
    for entry in entries:
        if entry.case_id not in support:
            yield entry
            continue
        shown = how(entry.kind)
        if shown == AS_IT_IS:
            yield entry
        elif shown == TITLE_ONLY:
            yield replace(entry, detail="")


def chronology(
    case_ids: Iterable[int],
    *,
    sources: dict[str, Source],
    only_actions_of=None,
    support_view_of: Iterable[int] = (),
    cases: dict[int, Case] | None = None,
    loaded: dict | None = None,
    people: dict | None = None,
) -> list[Entry]:
    """Every entry of the given cases, oldest first, from ``sources`` (each app's kinds of record:
    ``CASE_SOURCES`` here, the referrals app's beside them; the page that shows a chronology
    combines them). ``only_actions_of``: a member of pastoral staff, who sees only their own
    actions (docs/domain.md, "Who uses it").

    ``cases`` (with ``created_by`` and ``disclosure``), ``loaded`` (rows by source name, read by
    that source's ``load`` for exactly these cases and viewer) and ``people`` (staff read for
    them) are what the caller already holds; everything else is read here, one query per kind of
    record and one for the staff they name.

    ``support_view_of``: the cases ``only_actions_of`` reads on the support view (issue 17): their
    entries are only those each source says are safe there (``Source.support_view``)."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    cases = cases if cases is not None else _cases(ids)
    all_sources = sources
    rows = dict(loaded or {})
    read_here = {name: list(source.rows(ids, only_actions_of)) for name, source in all_sources.items() if name not in rows}
    attach_people([(found, all_sources[name].people) for name, found in read_here.items()], people if people is not None else {})
    rows.update(read_here)
    support = set(support_view_of)
    if support and only_actions_of is None:
        raise ValueError("The support view is always someone's: pass only_actions_of.")
    entries: list[Entry] = list(
        _support_view(_from_cases(cases), lambda kind: CASE_KINDS_ON_SUPPORT_VIEW.get(kind, OMIT), support)
    )
    for name, source in all_sources.items():
        found = rows[name]
        if support and source.support_view == AS_IT_IS and source.support_rows is not None:
            found = [r for r in found if r.case_id not in support or source.support_rows(r, only_actions_of)]
        entries.extend(_support_view(source.entries(found, cases), lambda _kind, s=source: s.support_view, support))
    return sorted(entries, key=lambda e: (e.at, e.order, e.case_id))
