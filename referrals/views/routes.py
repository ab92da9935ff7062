"""The school's own details for each reporting route (its police force, MASH, LADO...)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cases.views.common import lead_school
from referrals import forms as ref_forms
from referrals import selectors, services
from referrals.models import Route
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS


@require_GET
def route_list(request):
    school = lead_school(request)
    return render(
        request,
        "referrals/route_list.html",
        {
            "school": school,
            "routes": selectors.school_routes(school),
            "can_edit": bool(roles_at(request.user, school.pk) & SAFEGUARDING_LEADS),
        },
    )


def route_edit(request, code: str):
    school = lead_school(request)
    route = Route.objects.filter(code=code).first()
    if route is None:
        raise Http404("No such route.")
    own = selectors.school_routes(school)
    current = next((entry for r, entry in own if r.pk == route.pk), None)
    initial = {
        "contact_details": current.contact_details if current else "",
        "due_working_days": current.due_working_days if current else None,
    }
    form = ref_forms.SchoolRouteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_route_update(
                actor=request.user,
                school=school,
                route=route,
                contact_details=form.cleaned_data["contact_details"],
                due_working_days=form.cleaned_data["due_working_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{route.name}: your details are saved.")
            return redirect("route_list")
    return render(request, "referrals/route_edit.html", {"school": school, "route": route, "form": form})
