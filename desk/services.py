"""Writes that combine the apps."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import AssessmentTrigger, Case, CaseStatus
from cases.services import case_reassess
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import can_change_school_settings


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
