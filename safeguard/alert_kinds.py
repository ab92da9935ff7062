"""The core's kinds of alert, as each person sees them on "Your alerts" (the page combines every
app's). ``roles``: who may get it, to offer the choice only to them; ``always``: no choice (at once)."""

from safeguard.roles import Role

ALERT_KINDS = {
    "approval": {"words": "Staff access waiting for your approval", "roles": {Role.DSL, Role.HEAD}},
    "role_given": {
        "words": "A role that reads cases given without approval (a school's first DSL)",
        "roles": {Role.DSL, Role.HEAD},
    },
    "trust_lead": {
        "words": "The trust's safeguarding lead appointed or ended",
        "roles": {Role.DSL, Role.HEAD},
    },
    "sign_in_problem": {"words": "Signing in with the school's accounts stopped working", "roles": {Role.IT_ADMIN}},
    "approval_decided": {"words": "Your request for staff access approved or declined", "roles": {Role.IT_ADMIN}},
}
