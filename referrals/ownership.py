"""Who may own a referral step or an action, and what an owner who does not lead the case may do
with their own step: pure rules, no ORM (docs/domain.md, "Who uses it").

A step or an action may only be owned by someone who can act on it:
- the school's DSLs and deputies own any step and any action;
- pastoral staff own actions, and the one step that is the school's own work: support in school
  (R6). As its owner they open it and work it through (made, acknowledged, outcome, closed); a
  referral to the police, CEOP or children's social care is the DSL's to make and to own.
"""

from __future__ import annotations

from collections.abc import Iterable

from referrals.routes import RouteCode
from safeguard.roles import SAFEGUARDING_LEADS, Role

#: The routes a member of pastoral staff may own: the school's own support for the child.
PASTORAL_ROUTES = frozenset({RouteCode.SCHOOL})
#: The moves the owner of a step may make when they do not lead the case: work it through to the end.
#: Accepting, reinstating, "not needed", a new owner and the order of steps stay with the DSLs.
OWNER_MOVES = frozenset({"record", "made", "acknowledged", "outcome", "close"})

STEP_OWNER_PROBLEM = (
    "Pastoral staff can own only the school's own support for the child. "
    "Give this step to a DSL or deputy, who make referrals to other agencies."
)
ACTION_OWNER_PROBLEM = "Actions go to pastoral staff or the school's DSLs and deputies."
NOT_ACTIVE = "The owner must be an active member of staff at this school."


def step_owner_roles(route_code: str | None) -> frozenset[str]:
    """The roles a form offers as a step's owner (``None``: the route is still to be chosen)."""
    if route_code is None or route_code in PASTORAL_ROUTES:
        return SAFEGUARDING_LEADS | {Role.PASTORAL}
    return SAFEGUARDING_LEADS


#: The roles a form offers as an action's owner.
ACTION_OWNER_ROLES = SAFEGUARDING_LEADS | {Role.PASTORAL}


def can_own_step(roles: Iterable[str], route_code: str) -> bool:
    held = set(roles)
    return bool(held & SAFEGUARDING_LEADS) or (Role.PASTORAL in held and route_code in PASTORAL_ROUTES)


def can_own_action(roles: Iterable[str]) -> bool:
    return bool(set(roles) & ACTION_OWNER_ROLES)


def step_owner_problem(roles: Iterable[str], route_code: str, *, active: bool) -> str:
    """Why this person may not own a step on this route ("" when they may)."""
    held = set(roles)
    if not active or not held:
        return NOT_ACTIVE
    return "" if can_own_step(held, route_code) else STEP_OWNER_PROBLEM


def action_owner_problem(roles: Iterable[str], *, active: bool) -> str:
    held = set(roles)
    if not active or not held:
        return NOT_ACTIVE
    return "" if can_own_action(held) else ACTION_OWNER_PROBLEM


def moves_for_owner(*, leads_case: bool, owns_step: bool, route_code: str, state: str, moves: Iterable[str]) -> list[str]:
    """Which of a step's ``moves`` this person may make: every one when they lead the case; the
    owner's moves on their own school-support step otherwise (never accepting or reinstating it,
    which "record" would do for a step that is not under way); none else."""
    if leads_case:
        return list(moves)
    if owns_step and route_code in PASTORAL_ROUTES:
        not_under_way = state in ("suggested", "not_needed")
        return [move for move in moves if move in OWNER_MOVES and not (move == "record" and not_under_way)]
    return []
