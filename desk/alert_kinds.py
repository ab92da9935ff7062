"""The desk app's kinds of alert (see safeguard/alert_kinds.py): children's files (issue 18)."""

from safeguard.roles import Role

LEADS = {Role.DSL, Role.DEPUTY_DSL}

ALERT_KINDS = {
    "transfer_to_send": {"words": "A pupil with a child protection file left: the file must be sent", "roles": LEADS},
    "transfer_due": {"words": "A child's file due or overdue to go to the new school", "roles": LEADS},
    "transfer_no_receipt": {"words": "A child's file sent with no receipt after 5 school days", "roles": LEADS},
    "transfer_receipt": {"words": "The new school confirmed receipt of a child's file", "roles": LEADS},
    "transfer_declined": {"words": "The new school declined a child's file", "roles": LEADS, "always": True},
    "transfer_arrived": {"words": "A child's file arrived from a previous school", "roles": LEADS, "always": True},
    "transfer_link_locked": {"words": "A child's file link locked after wrong codes", "roles": LEADS, "always": True},
    # Subject access requests (issue 19): "A records request", and nothing more.
    "records_request_due": {"words": "A records request due in a week, due today or overdue", "roles": LEADS},
}
