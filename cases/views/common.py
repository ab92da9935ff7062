"""Small helpers shared by the case views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cases.services.cases import case_record_view
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import current_school


def lead_school(request):
    """The current school, if the user is its DSL or Deputy DSL (who record disclosures)."""
    school = current_school(request)
    if school is None or not roles_at(request.user, school.pk) & SAFEGUARDING_LEADS:
        raise PermissionDenied("Only the school's Designated Safeguarding Leads can do this.")
    return school


def render_case_page(request, case, template: str, context: dict, *, page: str, status: int = 200):
    """Render a page that shows something of ``case``, recording the view first: every page that
    shows case content writes exactly one view event (docs/domain.md: every view of a case is logged)."""
    case_record_view(actor=request.user, case=case, what=page)
    return render(request, template, {"case": case, **context}, status=status)
