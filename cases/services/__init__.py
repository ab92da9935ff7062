"""Writes to cases: each service is atomic and writes its audit event in the same transaction.

Split by subject; import from here (``from cases import services``).
"""

from cases.services.assessments import case_reassess, pupil_cases_reassess
from cases.services.cases import (
    assignments_end_for_leaver,
    case_assign,
    case_assignment_view_change,
    case_create,
    case_nobody_new_needed,
    case_record_view,
    case_unassign,
    clear_if_all_staffed,
)
from cases.services.concerns import (
    ConcernInput,
    concern_add_to_case,
    concern_keep_on_pupil_record,
    concern_no_further_action,
    concern_raise,
)
from cases.services.decisions import decision_record
from cases.services.disclosures import (
    ChildInput,
    DisclosureInput,
    OtherChildInput,
    child_add,
    child_remove,
    disclosure_record,
    facts_update,
    narrative_correct,
    other_child_add,
    other_child_remove,
)
from cases.services.drafts import draft_discard, draft_save
from cases.services.notes import note_add, note_correct
from cases.services.restrictions import (
    break_glass_end,
    case_allegation_record,
    case_break_glass,
    case_restrict,
    case_restriction_change,
    case_unrestrict,
)

__all__ = [
    "break_glass_end",
    "case_allegation_record",
    "case_break_glass",
    "case_restrict",
    "case_restriction_change",
    "case_unrestrict",
    "ChildInput",
    "ConcernInput",
    "DisclosureInput",
    "OtherChildInput",
    "assignments_end_for_leaver",
    "case_assign",
    "case_assignment_view_change",
    "case_create",
    "case_nobody_new_needed",
    "case_reassess",
    "case_record_view",
    "case_unassign",
    "child_add",
    "child_remove",
    "clear_if_all_staffed",
    "concern_add_to_case",
    "concern_keep_on_pupil_record",
    "concern_no_further_action",
    "concern_raise",
    "decision_record",
    "disclosure_record",
    "draft_discard",
    "draft_save",
    "facts_update",
    "narrative_correct",
    "note_add",
    "note_correct",
    "other_child_add",
    "other_child_remove",
    "pupil_cases_reassess",
]
