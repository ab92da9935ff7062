"""The referrals app's kinds of alert (see safeguard/alert_kinds.py)."""

from safeguard.roles import Role

ALERT_KINDS = {
    "police_required": {"words": "A case now requires a police referral", "roles": {Role.DSL, Role.DEPUTY_DSL}, "always": True},
    "step_owner": {"words": "A referral step was given to you", "roles": {Role.DSL, Role.DEPUTY_DSL, Role.PASTORAL}},
    "action_given": {"words": "An action was given to you", "roles": {Role.DSL, Role.DEPUTY_DSL, Role.PASTORAL}},
    "handed_over": {"words": "Work handed to you when a colleague left", "roles": {Role.DSL, Role.DEPUTY_DSL}},
    "needs_owner": {"words": "Steps or actions that need a new owner", "roles": {Role.DSL, Role.DEPUTY_DSL}},
}
