"""Who gets the morning digest, chosen by the school's Designated Safeguarding Lead (the school's
other settings are changed by ``desk.services.school_settings_update``, which re-assesses cases)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from safeguard.audit import audit_record
from safeguard.models import MemberSettings, School, StaffRole, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, can_change_school_settings


@transaction.atomic
def digest_preferences_update(*, actor: User, school: School, choices: dict[int, bool]) -> None:
    """The DSL turns the morning digest on or off for each of the school's leads."""
    if not can_change_school_settings(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's Designated Safeguarding Lead can change its settings.")
    leads = set(StaffRole.objects.filter(school=school, role__in=SAFEGUARDING_LEADS).values_list("user_id", flat=True))
    changed = []
    for user_id, wanted in choices.items():
        if user_id not in leads:
            continue
        entry, _ = MemberSettings.objects.get_or_create(user_id=user_id, school=school)
        if entry.digest != wanted:
            entry.digest = wanted
            entry.save(update_fields=["digest"])
            changed.append(user_id)
    if changed:
        audit_record(actor=actor, action="safeguard.school.digest_changed", obj=school, school=school, extra={"users": changed})
