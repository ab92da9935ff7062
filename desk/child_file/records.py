"""The child's file: every case, concern and record of one pupil, read once, as plain data.

KCSIE: "a clear and comprehensive summary of the concern; how it was followed up and resolved;
the actions taken, decisions reached and outcome". What a reader at the next school, a strategy
meeting or the police needs is in; the system's own bookkeeping (each view, who was assigned,
each step's moves, the access log) is left out.

``child_file`` returns the records already in the shape of the documented JSON (version 1 of
``docs/child-file-format.md``): the same data renders the PDF, the preview page, the JSON a
bundle carries, and a file received from another school. Each kind of record is read in one
query for all the cases, however many there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.utils import timezone

from cases.access import cases_visible_to, restricted_records_of, support_view_cases
from cases.criteria import OUTCOME_WORDS, Outcome
from cases.models import (
    Attachment,
    Case,
    CaseChild,
    CasePlatform,
    CaseReview,
    CaseStatusChange,
    Concern,
    ConcernPupil,
    ConcernStatus,
    Correction,
    Decision,
    Note,
    OtherChild,
    Pupil,
)
from cases.selectors import STATUS_WORDS, pupil_concerns
from desk.child_file.pseudonyms import OtherChildRef, Pseudonymiser, criterion_reason, pupil_names
from referrals.models import MADE_HOW_WORDS, Action, ChildVoice, ParentContact, Step
from referrals.steps import STATE_LABELS

FORMAT = "safeguard-child-file"
VERSION = 1


@dataclass(frozen=True)
class CaseChoice:
    """A case the maker may put in the file (the form's tick boxes)."""

    pk: int
    reference: str
    opened_at: datetime
    status: str


@dataclass
class ChildFile:
    """What the document needs. ``records`` is the documented JSON (dates as ISO text)."""

    pupil: Pupil
    records: dict
    #: Every case of the pupil the maker may read in full, oldest first: what may be chosen.
    choices: list[CaseChoice] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    include_concerns: bool = True
    name_others: bool = False
    #: Restricted cases of the pupil the maker may not read: left out, and counted in the file.
    restricted_left_out: int = 0

    @property
    def case_count(self) -> int:
        return len(self.records["cases"])

    @property
    def concern_count(self) -> int:
        return len(self.records["concerns"])

    @property
    def is_empty(self) -> bool:
        return not self.records["cases"] and not self.records["concerns"]


def _at(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _on(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _name(user) -> str:
    return user.full_name if user is not None else "Safeguard"


def _group(rows: Iterable, key: str = "case_id") -> dict[int, list]:
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(getattr(row, key), []).append(row)
    return found


def readable_cases(pupil: Pupil, viewer) -> list[Case]:
    """The pupil's cases ``viewer`` may read in full (never one read by breaking the glass, or on
    the support view), oldest first. A case the pupil was taken off is not theirs."""
    visible = cases_visible_to(viewer).filter(children__pupil=pupil, children__removed_at__isnull=True).distinct()
    support = set(support_view_cases(viewer, visible))
    return [c for c in visible.order_by("created_at", "id") if c.pk not in support]


def child_file(
    pupil: Pupil, *, viewer, case_ids: Iterable[int] | None = None, include_concerns: bool = True, name_others: bool = False
) -> ChildFile:
    """The child's file as ``viewer`` may make it: every case of ``pupil`` they may read in full
    (``case_ids``: only those of them), and (``include_concerns``) the concerns about the pupil
    they may read. Other children are lettered unless ``name_others``."""
    available = readable_cases(pupil, viewer)
    choices = [CaseChoice(c.pk, c.reference, c.created_at, c.get_status_display()) for c in available]
    wanted = {c.pk for c in available} if case_ids is None else {int(pk) for pk in case_ids} & {c.pk for c in available}
    ids = [c.pk for c in available if c.pk in wanted]
    concerns = pupil_concerns(pupil, user=viewer) if include_concerns else []
    builder = _Builder(pupil, ids, concerns, name_others=name_others)
    records = builder.build()
    records["left_out"] = {
        "restricted": restricted_records_of(viewer, pupil.pk),
        "not_chosen": len(available) - len(ids),
    }
    return ChildFile(
        pupil=pupil,
        records=records,
        choices=choices,
        case_ids=ids,
        include_concerns=include_concerns,
        name_others=name_others,
        restricted_left_out=records["left_out"]["restricted"],
    )


class _Builder:
    """Reads every kind of record for the chosen cases in one query each, then writes the JSON in
    the order the document shows it (so that letters follow the order of first appearance)."""

    def __init__(self, pupil: Pupil, case_ids: list[int], concerns: list[Concern], *, name_others: bool):
        self.pupil = pupil
        self.case_ids = case_ids
        self.concerns = concerns
        self.name_others = name_others

    def _read(self) -> None:
        ids = self.case_ids
        self.cases = list(
            Case.objects.filter(pk__in=ids)
            .select_related("created_by", "closed_by", "disclosure", "current_assessment")
            .order_by("created_at", "id")
        )
        self.links = _group(CaseChild.objects.filter(case_id__in=ids).select_related("pupil").order_by("id"))
        self.others = _group(OtherChild.objects.filter(case_id__in=ids).order_by("id"))
        self.platforms = _group(CasePlatform.objects.filter(case_id__in=ids, removed_at__isnull=True).order_by("name"))
        self.decisions = _group(Decision.objects.filter(case_id__in=ids).select_related("made_by").order_by("made_at", "id"))
        self.notes = _group(Note.objects.filter(case_id__in=ids).select_related("author").order_by("created_at", "id"))
        self.corrections = _group(Correction.objects.filter(case_id__in=ids).select_related("made_by").order_by("made_at", "id"))
        self.steps = _group(
            Step.objects.filter(case_id__in=ids).select_related("route", "owner", "made_by").order_by("position", "id")
        )
        self.actions = _group(Action.objects.filter(case_id__in=ids).select_related("owner").order_by("due_date", "id"))
        # The child's voice and their parents' contact: this child's own (another child's are on their file).
        self.voices = _group(ChildVoice.objects.filter(case_id__in=ids, pupil=self.pupil).order_by("told_at", "id"))
        self.parents = _group(ParentContact.objects.filter(case_id__in=ids, pupil=self.pupil).order_by("recorded_at", "id"))
        self.reviews = _group(
            CaseReview.objects.filter(case_id__in=ids).select_related("reviewed_by").order_by("reviewed_at", "id")
        )
        self.status_changes = _group(CaseStatusChange.objects.filter(case_id__in=ids).select_related("by").order_by("at", "id"))
        self.attachments = _group(Attachment.objects.filter(case_id__in=ids).order_by("uploaded_at", "id"))
        concern_ids = [c.pk for c in self.concerns]
        self.concern_pupils = _group(
            ConcernPupil.objects.filter(concern_id__in=concern_ids).select_related("pupil").order_by("id"), "concern_id"
        )

    def _pseudonymiser(self) -> Pseudonymiser:
        refs: dict[str, OtherChildRef] = {}
        pupils = [link.pupil for links in self.links.values() for link in links]
        pupils += [cp.pupil for links in self.concern_pupils.values() for cp in links]
        for p in pupils:
            if p.pk != self.pupil.pk:
                refs.setdefault(f"pupil:{p.pk}", OtherChildRef(f"pupil:{p.pk}", pupil_names(p.first_name, p.last_name)))
        for others in self.others.values():
            for o in others:
                refs[f"other:{o.pk}"] = OtherChildRef(f"other:{o.pk}", (o.description,) if o.description.strip() else ())
        return Pseudonymiser(
            others=list(refs.values()),
            protected=pupil_names(self.pupil.first_name, self.pupil.last_name),
            enabled=not self.name_others,
        )

    def build(self) -> dict:
        self._read()
        self.p = self._pseudonymiser()
        pupil = self.pupil
        cases = [self._case(c) for c in self.cases]
        concerns = [self._concern(c) for c in self.concerns]
        school = pupil.school
        return {
            "format": FORMAT,
            "version": VERSION,
            "made_at": _at(timezone.now()),
            "pupil": {
                "full_name": pupil.full_name,
                "first_name": pupil.first_name,
                "last_name": pupil.last_name,
                "upn": pupil.upn,
                "born_on": _on(pupil.date_of_birth),
                "year_group": pupil.year_group,
                "year_group_label": pupil.year_group_label,
                "vulnerabilities": pupil.vulnerabilities(),
                "left_on": _on(pupil.left_on),
            },
            "school": {"name": school.name, "urn": school.urn, "code": school.code},
            "others_named": self.name_others,
            "other_children": list(self.p.labels.values()) if not self.name_others else [],
            "left_out": {"restricted": 0, "not_chosen": 0},
            "timeline": self._timeline(cases, concerns),
            "cases": cases,
            "concerns": concerns,
        }

    # --- One case ------------------------------------------------------------------------------

    def _corrections(self, case_id: int, field_name: str, note_id: int | None = None) -> list[dict]:
        rows = self.corrections.get(case_id, [])
        return [
            {"made_at": _at(c.made_at), "made_by": _name(c.made_by), "reason": self.p.text(c.reason)}
            for c in rows
            if c.field == field_name and (note_id is None or c.note_id == note_id)
        ]

    def _children(self, case: Case) -> tuple[dict | None, list[dict]]:
        subject, others = None, []
        for link in self.links.get(case.pk, []):
            if link.removed_at is not None:
                continue
            if link.pupil_id == self.pupil.pk:
                subject = {"part": link.get_part_display()}
                continue
            p = link.pupil
            named = self.name_others
            others.append(
                {
                    "label": self.p.label(f"pupil:{p.pk}", p.full_name),
                    "part": link.get_part_display(),
                    "on_roll": True,
                    # A named child's details are there when the DSL chose to name them.
                    "details": f"{p.year_group_label}, born {p.date_of_birth:%-d %B %Y}" if named else "",
                }
            )
        for o in self.others.get(case.pk, []):
            if o.removed_at is not None:
                continue
            age = f"age {o.age}" if o.age is not None else (o.get_age_band_display() if o.age_band else "")
            others.append(
                {
                    "label": self.p.label(f"other:{o.pk}", o.description),
                    "part": o.get_part_display(),
                    "on_roll": False,
                    # Their age decides criterion C3: it stays; their description is left out.
                    "details": age,
                }
            )
        return subject, others

    def _case(self, case: Case) -> dict:
        p = self.p
        d = getattr(case, "disclosure", None)
        subject, others = self._children(case)
        assessment = case.current_assessment
        record = {
            "reference": case.reference,
            "status": case.status,
            "status_words": case.get_status_display(),
            "opened_at": _at(case.created_at),
            "opened_by": _name(case.created_by),
            "part": subject["part"] if subject else "",
            "other_children": others,
            "summary": {"text": p.text(case.summary), "corrections": self._corrections(case.pk, "summary")},
            "disclosure": None,
            "assessment": None,
        }
        if d is not None:
            record["disclosure"] = {
                "disclosed_at": _at(d.disclosed_at),
                "method": d.get_method_display(),
                "disclosed_to": {"text": p.text(d.disclosed_to), "corrections": self._corrections(case.pk, "disclosed_to")},
                "child_account": {"text": p.text(d.child_account), "corrections": self._corrections(case.pk, "child_account")},
                "incident_on": _on(d.incident_date),
                "incident_date_approximate": d.incident_date_approximate,
                "kinds": d.kind_labels(),
                "platforms": [pl.name for pl in self.platforms.get(case.pk, [])],
                "adult_involvement": d.get_adult_involvement_display(),
                "imagery": d.get_imagery_display(),
                "imagery_kinds": d.imagery_kind_labels(),
                "imagery_description": {
                    "text": p.text(d.imagery_description),
                    "corrections": self._corrections(case.pk, "imagery_description"),
                },
                "unidentified_children": d.unidentified_children,
            }
        if assessment is not None:
            record["assessment"] = {
                "outcome": assessment.outcome,
                "outcome_words": OUTCOME_WORDS[Outcome(assessment.outcome)],
                "complete": assessment.complete,
                "ruleset_version": assessment.ruleset_version,
                "assessed_at": _at(assessment.created_at),
                "criteria": [
                    {
                        "code": item["code"],
                        "title": item["title"],
                        "status": item["status"],
                        "status_words": STATUS_WORDS[item["status"]],
                        "reasons": [criterion_reason(r, p) for r in item["reasons"]],
                    }
                    for item in assessment.result["criteria"]
                ],
            }
        record["decisions"] = [
            {
                "made_at": _at(dec.made_at),
                "made_by": _name(dec.made_by),
                "decision": dec.get_decision_display(),
                "rationale": p.text(dec.rationale),
                "assessment_then": dec.get_assessment_outcome_display(),
                "differs_from_assessment": dec.differs_from_assessment,
            }
            for dec in self.decisions.get(case.pk, [])
        ]
        record["steps"] = [self._step(s) for s in self.steps.get(case.pk, [])]
        record["actions"] = [
            {
                "title": p.text(a.title),
                "owner": a.owner.full_name if a.owner_id else "Nobody yet",
                "due_on": _on(a.due_date),
                "status": a.get_status_display(),
                "done_at": _at(a.done_at),
                "note": p.text(a.done_note or a.cancelled_reason),
            }
            for a in self.actions.get(case.pk, [])
        ]
        record["child_voice"] = [
            {
                "told_at": _at(v.told_at),
                "told_by": p.text(v.told_by),
                "views": p.text(v.views),
                "questions": p.text(v.questions),
                "next_steps": p.text(v.next_steps),
            }
            for v in self.voices.get(case.pk, [])
        ]
        record["parents"] = [
            {
                "informed": c.informed,
                "who": p.text(c.who),
                "how": MADE_HOW_WORDS.get(c.how, ""),
                "contacted_at": _at(c.contacted_at),
                "contacted_by": p.text(c.contacted_by),
                "response": p.text(c.response),
                "not_informed_reason": p.text(c.not_informed_reason),
                "recorded_at": _at(c.recorded_at),
            }
            for c in self.parents.get(case.pk, [])
        ]
        record["notes"] = []
        for n in self.notes.get(case.pk, []):
            corrections = [c for c in self.corrections.get(case.pk, []) if c.note_id == n.pk]
            record["notes"].append(
                {
                    "written_at": _at(n.created_at),
                    "written_by": _name(n.author),
                    # As it now reads: the last correction's text.
                    "text": p.text(corrections[-1].new_text if corrections else n.text),
                    "corrections": self._corrections(case.pk, "note", note_id=n.pk),
                }
            )
        record["reviews"] = [
            {
                "reviewed_at": _at(r.reviewed_at),
                "reviewed_by": _name(r.reviewed_by),
                "notes": p.text(r.notes),
                "next_review_on": _on(r.next_review_due),
            }
            for r in self.reviews.get(case.pk, [])
        ]
        record["status_changes"] = [
            {"changed_at": _at(c.at), "changed_by": _name(c.by), "to": c.get_to_status_display(), "reason": p.text(c.reason)}
            for c in self.status_changes.get(case.pk, [])
        ]
        record["closure"] = (
            {"closed_at": _at(case.closed_at), "closed_by": _name(case.closed_by), "summary": p.text(case.closure_summary)}
            if case.status == "closed"
            else None
        )
        record["attachments"] = [
            {
                "name": p.text(a.original_name),
                "description": p.text(a.description),
                "kind": a.extension.upper(),
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": _at(a.uploaded_at),
            }
            for a in self.attachments.get(case.pk, [])
        ]
        return record

    def _step(self, s: Step) -> dict:
        p = self.p
        return {
            "route": s.route.name,
            "title": p.text(s.title),
            "state": s.state,
            "state_words": STATE_LABELS.get(s.state, s.state),
            "why": p.text(s.reason),
            "owner": s.owner.full_name if s.owner_id else "",
            "due_on": _on(s.due_date),
            "made_at": _at(s.made_at),
            "made_how": MADE_HOW_WORDS.get(s.made_how, ""),
            "made_by": s.made_by.full_name if s.made_by_id else "",
            "reference": s.reference,
            "contact": p.text(s.contact),
            "acknowledged_at": _at(s.acknowledged_at),
            "outcome": p.text(s.outcome),
            "outcome_recorded_at": _at(s.outcome_recorded_at),
            "closed_at": _at(s.closed_at),
            "not_needed_reason": p.text(s.not_needed_reason),
        }

    # --- Concerns and the timeline --------------------------------------------------------------

    def _concern(self, c: Concern) -> dict:
        p = self.p
        named = []
        for link in self.concern_pupils.get(c.pk, []):
            if link.pupil_id == self.pupil.pk:
                named.append(self.pupil.full_name)
            else:
                named.append(p.label(f"pupil:{link.pupil_id}", link.pupil.full_name))
        return {
            "reference": c.reference,
            "raised_at": _at(c.raised_at),
            "raised_by": c.raised_by.full_name if c.raised_by_id else "",
            "urgent": c.urgent,
            "status": c.status,
            "status_words": ConcernStatus(c.status).label,
            "pupils_named": named,
            # Who else it is about, in the raiser's words: a description of another child, left out
            # unless the DSL chose to name the other children.
            "children": c.children if self.name_others else "",
            "what_happened": p.text(c.what_happened),
            "child_words": p.text(c.child_words),
            "happened_at": _at(c.happened_at),
            "where": p.text(c.where),
            "told": p.text(c.told),
            "triaged_at": _at(c.triaged_at),
            "triage_reason": p.text(c.nfa_reason),
            "case_reference": c.case.reference if c.case_id else "",
        }

    def _timeline(self, cases: list[dict], concerns: list[dict]) -> list[dict]:
        """Every case and concern in time order, one line each (the file's contents)."""
        lines = [
            {
                "at": case["disclosure"]["disclosed_at"] if case["disclosure"] else case["opened_at"],
                "kind": "case",
                "reference": case["reference"],
                "words": f"Case {case['reference']} ({case['status_words'].lower()})",
            }
            for case in cases
        ]
        lines += [
            {
                "at": c["raised_at"],
                "kind": "concern",
                "reference": c["reference"],
                "words": f"Concern {c['reference']} ({c['status_words'].lower()})",
            }
            for c in concerns
        ]
        return sorted(
            lines, key=lambda line: datetime.fromisoformat(line["at"]) if line["at"] else datetime.min.replace(tzinfo=UTC)
        )
