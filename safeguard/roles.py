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
    #: No access of its own: reads a case only when named in its restriction (an allegation against the head).
    CHAIR_OF_GOVERNORS = "chair_of_governors", "Chair of governors"


ROLE_HELP = {
    Role.DSL: "Everything on the school's cases, and the school's safeguarding settings.",
    Role.DEPUTY_DSL: "As the DSL, except the school's settings.",
    Role.PASTORAL: "Only cases a DSL assigns to them: read, add notes, complete their actions.",
    Role.HEAD: "Reads every case of the school and the audit reports; does not edit case facts.",
    Role.IT_ADMIN: "Manages staff accounts and roles; never sees case content.",
    Role.STAFF: "Raises concerns for the DSL; cannot read them back afterwards.",
    Role.CHAIR_OF_GOVERNORS: "Reads only the cases they are named in: an allegation against the head teacher comes to them.",
}

#: Roles that manage cases end to end.
SAFEGUARDING_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL})
#: Roles that read every case of their school.
READS_ALL_CASES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEAD})
#: Roles that may read at least some cases (pastoral staff: only those assigned to them).
CASE_READING_ROLES = READS_ALL_CASES | {Role.PASTORAL}
#: Roles an IT administrator cannot give alone: a DSL approves (a chair of governors may read an
#: allegation against the head, so it is one of them).
NEEDS_DSL_APPROVAL = READS_ALL_CASES | {Role.CHAIR_OF_GOVERNORS}
#: Roles that must use a second factor before reaching anything but "raise a concern".
SECOND_FACTOR_REQUIRED = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.IT_ADMIN, Role.CHAIR_OF_GOVERNORS})


class CaseAction(StrEnum):
    """What a user may try to do with one case."""

    VIEW = "view"  # open the case: the support view at least
    READ_IN_FULL = "read_in_full"  # everything it holds: the child's account, the imagery's description, references, the criteria's facts, other children
    ADD_NOTE = "add_note"  # add a note to the chronology
    COMPLETE_OWN_ACTION = "complete_own_action"  # complete an action assigned to oneself
    WORK_OWN_STEP = "work_own_step"  # work through a step one owns (referrals.ownership says which)
    MANAGE = "manage"  # record and correct facts, decide, refer, assign, close, reopen
    VIEW_ACCESS_LOG = "view_access_log"  # the per-case access log


#: What someone outside a restriction may do once they have broken the glass: read, no more.
BREAK_GLASS_ACTIONS = frozenset({CaseAction.VIEW, CaseAction.READ_IN_FULL})


def case_actions(
    roles: Iterable[str],
    *,
    assigned: bool,
    full_view: bool = True,
    granted: bool = False,
    restricted: bool = False,
    named: bool = False,
    kept_out: bool = False,
    broke_glass: bool = False,
) -> frozenset[CaseAction]:
    """What someone holding ``roles`` at the case's school may do with it.

    - ``assigned``: a DSL assigned them to the case (a guardian object permission); ``full_view``:
      the DSL chose the full case for them, not the support view (issue 17).
    - ``granted``: a DSL of the school granted them this one case (a trust safeguarding lead).
    - ``restricted``: the case is restricted to named people; ``named``: they are named in it.
      A restricted case is nothing to anyone not named, head and deputies included, unless they
      ``broke_glass`` (for this session, with a reason): then they may read it, no more.
    - ``kept_out``: an allegation on the case is about them. They get nothing, whatever else holds.

    IT admins and plain staff get nothing: they may not even learn that the case exists.
    """
    if kept_out:
        return frozenset()
    held = set(roles)
    allowed: set[CaseAction] = set()
    if held & SAFEGUARDING_LEADS:
        allowed |= set(CaseAction)
    if Role.HEAD in held:
        allowed |= {CaseAction.VIEW, CaseAction.READ_IN_FULL, CaseAction.VIEW_ACCESS_LOG}
    if Role.PASTORAL in held and assigned:
        allowed |= {CaseAction.VIEW, CaseAction.ADD_NOTE, CaseAction.COMPLETE_OWN_ACTION, CaseAction.WORK_OWN_STEP}
        if full_view:
            allowed.add(CaseAction.READ_IN_FULL)
    if granted:
        allowed |= {CaseAction.VIEW, CaseAction.READ_IN_FULL}
    if not restricted:
        return frozenset(allowed)
    if named:
        if Role.CHAIR_OF_GOVERNORS in held:
            # An allegation against the head comes to the chair: they read it and add notes.
            allowed |= {CaseAction.VIEW, CaseAction.READ_IN_FULL, CaseAction.ADD_NOTE, CaseAction.VIEW_ACCESS_LOG}
        return frozenset(allowed)
    if broke_glass and may_break_glass(held, restricted=True, named=False, kept_out=False):
        return BREAK_GLASS_ACTIONS
    return frozenset()


def may_break_glass(roles: Iterable[str], *, restricted: bool, named: bool, kept_out: bool) -> bool:
    """Whether someone may ask to open a restricted case with a written reason: they would read
    the school's cases were it not restricted (a DSL, deputy or the head), are not named in the
    restriction, and the allegation is not about them."""
    return restricted and not named and not kept_out and bool(set(roles) & READS_ALL_CASES)


def can_manage_staff(roles: Iterable[str]) -> bool:
    return Role.IT_ADMIN in set(roles)


def can_view_reports(roles: Iterable[str]) -> bool:
    return bool(set(roles) & READS_ALL_CASES)


def can_change_school_settings(roles: Iterable[str]) -> bool:
    return Role.DSL in set(roles)


def can_triage_concerns(roles: Iterable[str]) -> bool:
    return bool(set(roles) & SAFEGUARDING_LEADS)


def can_send_child_files(roles: Iterable[str]) -> bool:
    """Make a child's file, send it to the next school, and receive files from previous schools
    (KCSIE: the DSL's duty when a child moves school)."""
    return bool(set(roles) & SAFEGUARDING_LEADS)


def can_raise_concern(roles: Iterable[str]) -> bool:
    # Every adult in school with any role may raise a concern.
    return bool(set(roles))


def needs_second_factor(roles: Iterable[str]) -> bool:
    return bool(set(roles) & SECOND_FACTOR_REQUIRED)
