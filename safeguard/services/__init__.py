"""Writes to the shared core, split by subject. Import from here (``from safeguard import services``).

Each service is keyword-only, atomic, and writes its audit event in the same transaction.
"""

from safeguard.services.alerts import Alert, alert_preferences_update, alert_send, notifications_clear
from safeguard.services.approvals import approval_approve, approval_decline, trust_lead_propose
from safeguard.services.notifications import notification_create, notification_mark_read
from safeguard.services.school import digest_preferences_update
from safeguard.services.staff import (
    IN_USE_ELSEWHERE,
    LAST_DSL,
    StaffPermissionError,
    require_administers_person,
    send_first_password_link,
    staff_create,
    staff_deactivate,
    staff_reactivate,
    staff_reset_second_factor,
    staff_send_password_link,
    staff_set_roles,
)
from safeguard.services.system import auth_event_record, worker_heartbeat_record
from safeguard.services.terms import TermDatesSaved, term_dates_save
from safeguard.services.trust_leads import trust_lead_appoint, trust_lead_end
from safeguard.sessions import end_sessions

__all__ = [
    "Alert",
    "alert_preferences_update",
    "alert_send",
    "notifications_clear",
    "IN_USE_ELSEWHERE",
    "LAST_DSL",
    "StaffPermissionError",
    "approval_approve",
    "approval_decline",
    "auth_event_record",
    "digest_preferences_update",
    "end_sessions",
    "notification_create",
    "notification_mark_read",
    "require_administers_person",
    "send_first_password_link",
    "staff_create",
    "staff_deactivate",
    "staff_reactivate",
    "staff_reset_second_factor",
    "staff_send_password_link",
    "staff_set_roles",
    "TermDatesSaved",
    "term_dates_save",
    "trust_lead_appoint",
    "trust_lead_end",
    "trust_lead_propose",
    "worker_heartbeat_record",
]
