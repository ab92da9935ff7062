"""Writes to referrals: each service is atomic and writes its audit event in the same transaction."""

from referrals.services.actions import action_cancel, action_complete, action_create, action_reassign
from referrals.services.closure import case_close, case_reopen, case_review
from referrals.services.handover import work_hand_over
from referrals.services.people import child_voice_record, parent_contact_record
from referrals.services.routes import school_route_update
from referrals.services.steps import (
    step_accept,
    step_acknowledge,
    step_add,
    step_close,
    step_mark_made,
    step_move,
    step_not_needed,
    step_record,
    step_record_outcome,
    step_reinstate,
    step_update,
)
from referrals.services.suggestions import platform_reports_check, steps_after_assessment

__all__ = [
    "action_cancel",
    "action_complete",
    "action_create",
    "action_reassign",
    "case_close",
    "case_reopen",
    "case_review",
    "child_voice_record",
    "parent_contact_record",
    "platform_reports_check",
    "school_route_update",
    "step_accept",
    "step_acknowledge",
    "step_add",
    "step_close",
    "step_mark_made",
    "step_move",
    "step_not_needed",
    "step_record",
    "step_record_outcome",
    "step_reinstate",
    "step_update",
    "steps_after_assessment",
    "work_hand_over",
]
