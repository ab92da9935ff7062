"""Referral entries for the case and pupil chronologies: steps, actions, the child's voice,
parents' contact, reviews and status changes. One query per kind of record (``REFERRAL_SOURCES``)."""

from __future__ import annotations

from collections.abc import Iterable

from cases.chronology import AS_IT_IS, TITLE_ONLY, Entry, Source, name_of
from cases.models import CaseReview, CaseStatusChange
from referrals.models import MADE_HOW_WORDS, Action, ChildVoice, ParentContact, StepEvent


def _step_entries(rows, cases) -> Iterable[Entry]:
    for e in rows:
        yield Entry(e.at, e.case_id, cases[e.case_id].reference, "step", e.summary, e.detail, name_of(e.by), 4)


def _actions(case_ids, only_actions_of):
    actions = Action.objects.filter(case_id__in=case_ids)
    if only_actions_of is not None:
        actions = actions.filter(owner=only_actions_of)
    return actions


def _action_entries(rows, cases) -> Iterable[Entry]:
    for a in rows:
        ref = cases[a.case_id].reference
        yield Entry(
            a.created_at,
            a.case_id,
            ref,
            "action",
            f"Action for {a.owner.full_name}: {a.title}",
            f"Due {a.due_date:%-d %b %Y}",
            name_of(a.created_by),
            5,
        )
        if a.status == "done":
            yield Entry(a.done_at, a.case_id, ref, "action", f"Action done: {a.title}", a.done_note, name_of(a.finished_by), 5)
        elif a.status == "cancelled":
            yield Entry(
                a.done_at,
                a.case_id,
                ref,
                "action",
                f"Action cancelled: {a.title}",
                f"Reason: {a.cancelled_reason}",
                name_of(a.finished_by),
                5,
            )


def _voice_entries(rows, cases) -> Iterable[Entry]:
    for v in rows:
        detail = f"Their views: {v.views}\nTold what happens next: {v.next_steps}"
        if v.questions:
            detail += f"\nTheir questions and the answers: {v.questions}"
        yield Entry(
            v.told_at,
            v.case_id,
            cases[v.case_id].reference,
            "voice",
            f"{v.pupil.full_name} was told, by {v.told_by}",
            detail,
            name_of(v.recorded_by),
            6,
        )


def _parent_entries(rows, cases) -> Iterable[Entry]:
    for p in rows:
        ref = cases[p.case_id].reference
        if p.informed:
            how = MADE_HOW_WORDS.get(p.how, "")
            detail = f"Told {how + ' ' if how else ''}by {p.contacted_by}." + (
                f" Their response: {p.response}" if p.response else ""
            )
            yield Entry(
                p.contacted_at,
                p.case_id,
                ref,
                "parents",
                f"Parents or carers informed: {p.who} ({p.pupil.full_name})",
                detail,
                name_of(p.recorded_by),
                6,
            )
        else:
            yield Entry(
                p.recorded_at,
                p.case_id,
                ref,
                "parents",
                f"Parents or carers not informed ({p.pupil.full_name})",
                f"Reason: {p.not_informed_reason}",
                name_of(p.recorded_by),
                6,
            )


def _review_entries(rows, cases) -> Iterable[Entry]:
    for r in rows:
        yield Entry(
            r.reviewed_at,
            r.case_id,
            cases[r.case_id].reference,
            "review",
            "Case reviewed",
            f"{r.notes}\nNext review by {r.next_review_due:%-d %b %Y}.",
            name_of(r.reviewed_by),
            7,
        )


def _status_entries(rows, cases) -> Iterable[Entry]:
    for c in rows:
        title = "Case closed" if c.to_status == "closed" else "Case reopened"
        yield Entry(c.at, c.case_id, cases[c.case_id].reference, "status", title, c.reason, name_of(c.by), 8)


#: Each kind of record the referrals app keeps, by name (see ``cases.chronology.sources``).
REFERRAL_SOURCES: dict[str, Source] = {
    "step_events": Source(lambda ids, _: StepEvent.objects.filter(case_id__in=ids), _step_entries, ("by",)),
    # A pastoral teacher's own actions (``only_actions_of``): what support is asked of them.
    "actions": Source(_actions, _action_entries, ("owner", "created_by", "finished_by"), support_view=AS_IT_IS),
    "voices": Source(
        lambda ids, _: ChildVoice.objects.filter(case_id__in=ids).select_related("pupil"), _voice_entries, ("recorded_by",)
    ),
    "parents": Source(
        lambda ids, _: ParentContact.objects.filter(case_id__in=ids).select_related("pupil"), _parent_entries, ("recorded_by",)
    ),
    # That the case was reviewed, closed or reopened; not the DSL's notes or reasons.
    "reviews": Source(
        lambda ids, _: CaseReview.objects.filter(case_id__in=ids), _review_entries, ("reviewed_by",), support_view=TITLE_ONLY
    ),
    "status_changes": Source(
        lambda ids, _: CaseStatusChange.objects.filter(case_id__in=ids), _status_entries, ("by",), support_view=TITLE_ONLY
    ),
}
