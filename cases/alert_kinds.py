"""The cases app's kinds of alert (see safeguard/alert_kinds.py)."""

from safeguard.roles import Role

ALERT_KINDS = {
    "concern_urgent": {
        "words": "A concern saying a child may be in immediate danger",
        "roles": {Role.DSL, Role.DEPUTY_DSL},
        "always": True,
    },
    "concern_raised": {"words": "A new concern waiting for triage", "roles": {Role.DSL, Role.DEPUTY_DSL}},
    "concern_copied": {
        "words": "A concern a colleague asked for you to know about",
        "roles": {Role.PASTORAL, Role.DSL, Role.DEPUTY_DSL},
    },
    "case_assigned": {"words": "You were assigned to a case", "roles": {Role.PASTORAL}},
    "needs_assignee": {"words": "Cases that need someone new assigned", "roles": {Role.DSL, Role.DEPUTY_DSL}},
}
