"""Writes that combine the apps."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import AssessmentTrigger, Case, CaseStatus
from cases.services import assignments_end_for_leaver, case_reassess
from referrals.selectors import Holdings
from referrals.services import work_hand_over
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import can_change_school_settings
from safeguard.services import staff_deactivate


@transaction.atomic
def school_settings_update(*, actor: User, school: School, changes: dict) -> list[str]:
    """The DSL changes the school's safeguarding settings. A new threshold for "a high number of
    children" (criterion C7) re-assesses every open case, since their verdict may change."""
    if not can_change_school_settings(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's Designated Safeguarding Lead can change its settings.")
    school = School.objects.select_for_update().get(pk=school.pk)
    changed = [name for name, value in changes.items() if getattr(school, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(school, name, changes[name])
    school.full_clean()
    school.save(update_fields=changed)
    audit_record(actor=actor, action="safeguard.school.settings_changed", obj=school, school=school, extra={"fields": changed})
    if "high_number_threshold" in changed:
        for case in Case.objects.filter(school=school, status=CaseStatus.OPEN).select_related("school", "current_assessment"):
            case_reassess(case=case, trigger=AssessmentTrigger.SETTING_CHANGED, actor=actor)
    return changed


@transaction.atomic
def staff_leave(*, actor: User, school: School, user: User, new_owner: User | None) -> tuple[Holdings, int]:
    """Deactivate someone who is leaving, and hand over what they hold at ``school`` in the same
    transaction, so nothing is left with a person who can no longer log in:
    - their open steps and actions go to ``new_owner`` (a DSL or deputy), or, with None, wait
      unowned on every DSL's home page until a DSL gives them out;
    - the cases they are assigned to are closed to them, and each open one waits on every DSL's
      home page until a DSL assigns someone new (only a DSL can open a case to someone).
    The IT administrator who does this sees numbers only, never a case. Returns what was handed
    over and how many open cases now wait for someone new."""
    staff_deactivate(actor=actor, school=school, user=user)
    held = work_hand_over(actor=actor, school=school, leaver=user, to=new_owner)
    waiting = assignments_end_for_leaver(actor=actor, school=school, user=user)
    audit_record(
        actor=actor,
        action="desk.staff.left",
        obj=user,
        school=school,
        extra={
            "steps": held.steps,
            "actions": held.actions,
            "cases_waiting": waiting,
            "new_owner_id": new_owner.pk if new_owner else None,
        },
    )
    return held, waiting
