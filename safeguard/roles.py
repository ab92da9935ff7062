"""Staff roles and what each may do: plain data and pure functions (docs/domain.md, "Who uses it").

Nothing here touches the database, so the rules read like the table they come from and the
permission gateway (safeguard.permissions) is the only place that combines them with data.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    DSL = "dsl", "Designated Safeguarding Lead"
    DEPUTY_DSL = "deputy_dsl", "Deputy DSL"
    PASTORAL = "pastoral", "Pastoral staff"
    HEAD = "head", "Head teacher"
    IT_ADMIN = "it_admin", "IT administrator"
    STAFF = "staff", "Staff member"


ROLE_HELP = {
    Role.DSL: "Everything on the school's cases, and the school's safeguarding settings.",
    Role.DEPUTY_DSL: "As the DSL, except the school's settings.",
    Role.PASTORAL: "Only cases a DSL assigns to them: read, add notes, complete their actions.",
    Role.HEAD: "Reads every case of the school and the audit reports; does not edit case facts.",
    Role.IT_ADMIN: "Manages staff accounts and roles; never sees case content.",
    Role.STAFF: "Raises concerns for the DSL; cannot read them back afterwards.",
}

#: Roles that manage cases end to end.
SAFEGUARDING_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL})
#: Roles that read every case of their school.
READS_ALL_CASES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEAD})
#: Roles that may read at least some cases (pastoral staff: only those assigned to them).
CASE_READING_ROLES = READS_ALL_CASES | {Role.PASTORAL}
#: Roles that must use a second factor before reaching anything but "raise a concern".
SECOND_FACTOR_REQUIRED = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.IT_ADMIN})


class CaseAction(StrEnum):
    """What a user may try to do with one case."""

    VIEW = "view"  # read the case, its facts and chronology
    ADD_NOTE = "add_note"  # add a note to the chronology
    COMPLETE_OWN_ACTION = "complete_own_action"  # complete an action assigned to oneself
    WORK_OWN_STEP = "work_own_step"  # work through a step one owns (referrals.ownership says which)
    MANAGE = "manage"  # record and correct facts, decide, refer, assign, close, reopen
    VIEW_ACCESS_LOG = "view_access_log"  # the per-case access log


def case_actions(roles: Iterable[str], *, assigned: bool) -> frozenset[CaseAction]:
    """What someone holding ``roles`` at the case's school may do with it.

    ``assigned`` is whether a DSL assigned them to the case (a guardian object permission).
    IT admins and plain staff get nothing: they may not even learn that the case exists.
    """
    held = set(roles)
    allowed: set[CaseAction] = set()
    if held & SAFEGUARDING_LEADS:
        allowed |= set(CaseAction)
    if Role.HEAD in held:
        allowed |= {CaseAction.VIEW, CaseAction.VIEW_ACCESS_LOG}
    if Role.PASTORAL in held and assigned:
        allowed |= {CaseAction.VIEW, CaseAction.ADD_NOTE, CaseAction.COMPLETE_OWN_ACTION, CaseAction.WORK_OWN_STEP}
    return frozenset(allowed)


def can_manage_staff(roles: Iterable[str]) -> bool:
    return Role.IT_ADMIN in set(roles)


def can_view_reports(roles: Iterable[str]) -> bool:
    return bool(set(roles) & READS_ALL_CASES)


def can_change_school_settings(roles: Iterable[str]) -> bool:
    return Role.DSL in set(roles)


def can_triage_concerns(roles: Iterable[str]) -> bool:
    return bool(set(roles) & SAFEGUARDING_LEADS)


def can_raise_concern(roles: Iterable[str]) -> bool:
    # Every adult in school with any role may raise a concern.
    return bool(set(roles))


def needs_second_factor(roles: Iterable[str]) -> bool:
    return bool(set(roles) & SECOND_FACTOR_REQUIRED)
