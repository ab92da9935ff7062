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
    "break_glass": {
        "words": "Someone broke the glass to open a restricted case",
        "roles": {Role.DSL, Role.DEPUTY_DSL, Role.CHAIR_OF_GOVERNORS},
        "always": True,
    },
    "case_assigned": {"words": "You were assigned to a case", "roles": {Role.PASTORAL}},
    # To the trust's safeguarding lead, who holds no school role: no choice offered (at once).
    "case_granted": {"words": "A case was granted to you (the trust's safeguarding lead)", "roles": set()},
    # The nightly pupil import refused a file (issue 20): the IT admin fixes the export, the DSLs know the roll is stale.
    "roll_import_failed": {
        "words": "The nightly pupil import could not use the MIS's file",
        "roles": {Role.IT_ADMIN, Role.DSL, Role.DEPUTY_DSL},
    },
    "needs_assignee": {"words": "Cases that need someone new assigned", "roles": {Role.DSL, Role.DEPUTY_DSL}},
}
