"""How the cases app's audit actions read to a head teacher (the reports and each case's access
log). Each app words its own; the reports combine them (desk.reports.labels)."""

from __future__ import annotations

#: The view of a case, and a refusal: the two the reports count apart.
VIEWED = "cases.case.viewed"
REFUSED = "cases.case.access_refused"
CASE_OBJECT = "cases.case"

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
    "cases.case.assignment_view_changed": "Changed what assigned pastoral staff see (support view or full case)",
    "cases.case.nobody_new_needed": "Said nobody new is needed on a case whose assigned member of staff left",
    "cases.case.restricted": "Restricted the case to named people",
    "cases.case.restriction_changed": "Changed who is named in the case's restriction",
    "cases.case.unrestricted": "Lifted the case's restriction",
    "cases.case.allegation_recorded": "Recorded an allegation against a member of staff: the case was restricted",
    "cases.case.break_glass": "BROKE THE GLASS: opened a restricted case, with a reason",
    "cases.case.break_glass_ended": "Ended someone's break-glass access",
    "cases.case.trust_lead_granted": "Granted the trust's safeguarding lead this case",
    "cases.case.trust_lead_grant_ended": "Took the case back from the trust's safeguarding lead",
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
    "cases.concern.raised": "Raised a concern",
    "cases.concern.viewed": "Read a concern",
    "cases.concern.no_further_action": "Decided no further action on a concern",
    "cases.concern.case_opened": "Opened a case from a concern",
    "cases.concern.added_to_case": "Added a concern to the case",
    "cases.concern.kept_on_pupil_record": "Kept a concern on the pupil's record",
    "cases.concern.access_refused": "Was refused a concern",
    "cases.attachment.added": "Attached a document",
    "cases.attachment.refused": "A document was refused",
    "cases.attachment.downloaded": "Downloaded a document",
    "cases.pupil.viewed": "Read a pupil's record",
    "cases.pupil.updated": "Corrected a pupil's record",
    "cases.pupil.searched": "Searched the pupil roll",
    "cases.search.searched": "Searched pupils, cases and concerns",
    "cases.pupil.access_refused": "Was refused a pupil's record",
    "cases.pupil_import.previewed": "Checked a pupil import",
    "cases.pupil_import.applied": "Imported pupils",
    "cases.pupil_import.viewed": "Read a pupil import's report",
    "cases.pupil_import.failed": "The nightly pupil import refused a file",
    "cases.roll_feed.saved": "Set up the nightly pupil import",
    "cases.pupil_import.access_refused": "Was refused a pupil import",
}

#: What someone tried to do when refused (safeguard.roles.CaseAction values).
ATTEMPT_WORDS = {
    "view": "open the case",
    "manage": "change the case",
    "add_note": "add a note",
    "complete_own_action": "complete an action",
    "work_own_step": "work on a referral step",
    "step": "open a referral step that is not theirs",
    "step_move": "make a move on a referral step that only a DSL makes",
    "view_access_log": "read the access log",
}

#: Why they were refused (cases.access.get_case_for_user).
REFUSAL_WORDS = {
    "not_found": "no case has that number",
    "not_visible": "not a case they may see",
    "not_permitted": "they may read it but not do that",
}
