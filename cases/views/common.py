"""Small helpers shared by the case views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import current_school


def lead_school(request):
    """The current school, if the user is its DSL or Deputy DSL (who record disclosures)."""
    school = current_school(request)
    if school is None or not roles_at(request.user, school.pk) & SAFEGUARDING_LEADS:
        raise PermissionDenied("Only the school's Designated Safeguarding Leads can do this.")
    return school
