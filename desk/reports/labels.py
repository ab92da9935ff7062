"""Words for the reports: what an audit action code means to a head teacher. Pure data."""

from __future__ import annotations

CASE_OBJECT = "cases.case"
VIEWED = "cases.case.viewed"
REFUSED = "cases.case.access_refused"
EXPORTED = "safeguard.report.exported"

ACTION_WORDS = {
    VIEWED: "Opened the case",
    REFUSED: "Was refused access",
    "cases.case.created": "Opened a new case",
    "cases.disclosure.recorded": "Recorded the disclosure",
    "cases.disclosure.facts_changed": "Changed the facts",
    "cases.assessment.created": "The criteria were re-assessed",
    "cases.decision.recorded": "Recorded a decision",
    "cases.case.assigned": "Assigned pastoral staff",
    "cases.case.unassigned": "Ended an assignment",
    "cases.case.closed": "Closed the case",
    "cases.case.reopened": "Reopened the case",
    "cases.case.reviewed": "Recorded a review",
    "cases.child.added": "Added a child",
    "cases.child.removed": "Took a child off the case",
    "cases.other_child.added": "Added a child who is not a pupil",
    "cases.other_child.removed": "Took a child who is not a pupil off the case",
    "cases.note.added": "Added a note",
    "cases.note.corrected": "Corrected a note",
    "cases.narrative.corrected": "Corrected the record",
    "referrals.step.suggested": "Referral steps suggested",
    "referrals.step.automatic": "A referral step was added automatically",
    "referrals.step.added": "Added a referral step",
    "referrals.step.accepted": "Accepted a referral step",
    "referrals.step.made": "Made a referral",
    "referrals.step.acknowledged": "Recorded an acknowledgement",
    "referrals.step.outcome_recorded": "Recorded a referral outcome",
    "referrals.step.closed": "Closed a referral step",
    "referrals.step.not_needed": "Marked a referral step not needed",
    "referrals.step.changed": "Changed a referral step",
    "referrals.step.reordered": "Reordered the referral steps",
    "referrals.action.created": "Added an action",
    "referrals.action.completed": "Completed an action",
    "referrals.action.cancelled": "Cancelled an action",
    "referrals.child_voice.recorded": "Recorded the child's voice",
    "referrals.parent_contact.recorded": "Recorded contact with parents or carers",
}

#: What someone tried to do when refused (safeguard.roles.CaseAction values).
ATTEMPT_WORDS = {
    "view": "open the case",
    "manage": "change the case",
    "add_note": "add a note",
    "complete_own_action": "complete an action",
    "view_access_log": "read the access log",
}

#: Why they were refused (safeguard.permissions.get_case_for_user).
REFUSAL_WORDS = {
    "not_found": "no case has that number",
    "not_visible": "not a case they may see",
    "not_permitted": "they may read it but not do that",
}


def action_words(code: str) -> str:
    return ACTION_WORDS.get(code) or code.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def attempt_words(code: str | None) -> str:
    return ATTEMPT_WORDS.get(code or "", code or "—")


def refusal_words(code: str | None) -> str:
    return REFUSAL_WORDS.get(code or "", code or "—")


def year_group_words(year_group: int | None) -> str:
    if year_group is None:
        return "Not recorded"
    return "Reception" if year_group == 0 else f"Year {year_group}"


def duration_words(seconds: float | None) -> str:
    """A duration a head reads at a glance: "45 min", "3 h 20 min", "2 days 4 h"."""
    if seconds is None:
        return "—"
    minutes = round(max(seconds, 0) / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"
