"""What the referral pages share."""

from __future__ import annotations

from safeguard.roles import SAFEGUARDING_LEADS, Role

#: Who may own a step or an action: the school's DSLs, or pastoral staff (who are then assigned).
OWNER_ROLES = SAFEGUARDING_LEADS | {Role.PASTORAL}
