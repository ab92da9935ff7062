"""The home page: one page whose panels follow the roles the user holds at the current school."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from desk.selectors import home_panels, trust_lead_home
from safeguard.selectors import current_school


@require_GET
def home(request):
    """One home page whose panels follow the roles the user holds at the current school.

    Without a verified second factor, only raising a concern is offered (as in CPOMS)."""
    school = current_school(request)
    verified = request.user.is_verified()
    panels = home_panels(request.user, school) if school and verified else {}
    # A trust's safeguarding lead always has a second factor verified here (the middleware asks for it).
    trust_lead = trust_lead_home(request.user) if verified else None
    return render(request, "desk/home.html", {"school": school, "panels": panels, "verified": verified, "trust_lead": trust_lead})
