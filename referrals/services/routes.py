"""The school's own details for each reporting route."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from referrals.models import Route, SchoolRoute
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS


@transaction.atomic
def school_route_update(
    *, actor: User, school: School, route: Route, contact_details: str, due_working_days: int | None
) -> SchoolRoute:
    if not roles_at(actor, school.pk) & SAFEGUARDING_LEADS:
        raise ValidationError("Only the school's Designated Safeguarding Leads can change route details.")
    if due_working_days is not None and not 0 <= due_working_days <= 30:
        raise ValidationError({"due_working_days": "Enter a number of working days from 0 to 30, or leave it blank."})
    entry, _ = SchoolRoute.objects.select_for_update().get_or_create(school=school, route=route)
    entry.contact_details, entry.due_working_days, entry.updated_at = contact_details.strip(), due_working_days, timezone.now()
    entry.save()
    audit_record(actor=actor, action="referrals.route.updated", obj=entry, school=school, extra={"route": route.code})
    return entry
