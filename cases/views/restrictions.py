"""Restricting a case to named people, and breaking the glass (issue 17). Thin: each view parses
the request, calls one service, and says what happened in the DSL's words."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases import services
from cases.access import get_case_for_break_glass, get_case_for_user
from cases.forms.restrictions import BreakGlassForm, LiftRestrictionForm, RestrictionForm
from cases.models import BreakGlass
from cases.selectors import restriction_summary
from cases.services.restrictions import kept_out_people, named_people, open_restriction
from cases.views.common import render_case_page
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


def case_restriction(request, pk: int):
    """Restrict the case to named people, or change who is named."""
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    restriction = open_restriction(case)
    kept_out = kept_out_people(case)
    initial = {"people": [u.pk for u in named_people(case)] if restriction else [request.user.pk]}
    form = RestrictionForm(request.POST or None, school_id=case.school_id, kept_out_ids=[u.pk for u in kept_out], initial=initial)
    if request.method == "POST" and form.is_valid():
        people, reason = list(form.cleaned_data["people"]), form.cleaned_data["reason"]
        try:
            if restriction:
                services.case_restriction_change(actor=request.user, case=case, people=people, reason=reason)
            else:
                services.case_restrict(actor=request.user, case=case, people=people, reason=reason)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Who may read this case has changed." if restriction else "The case is restricted to the people you named.",
            )
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "cases/restriction.html",
        {
            "form": form,
            "lift_form": LiftRestrictionForm(),
            "restriction": restriction,
            "summary": restriction_summary(case, request.user, case.allowed_actions),
        },
        page="restriction",
    )


@require_POST
def case_restriction_lift(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = LiftRestrictionForm(request.POST)
    if form.is_valid():
        try:
            services.case_unrestrict(actor=request.user, case=case, reason=form.cleaned_data["lift_reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The restriction is lifted: the case reads as any other of the school's cases.")
            return redirect("case_detail", pk=case.pk)
    else:
        messages.error(request, " ".join(form.errors["lift_reason"]))
    return redirect("case_restriction", pk=case.pk)


def case_break_glass(request, pk: int):
    """Someone outside a restriction opens the case for this session, with a written reason."""
    case = get_case_for_break_glass(request.user, pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_break_glass(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(request, "You opened a restricted case. Every DSL has been told, with your reason.")
            return redirect("case_detail", pk=case.pk)
    # Nothing of the case is shown here, not even its number's summary: only that it is restricted.
    return render(request, "cases/break_glass.html", {"case_id": case.pk, "form": form})


@require_POST
def break_glass_end(request, pk: int, glass_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    glass = BreakGlass.objects.filter(pk=glass_id, case=case).select_related("case", "user").first()
    if glass is None:
        raise Http404("No such break-glass access on this case.")
    try:
        services.break_glass_end(actor=request.user, glass=glass)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{glass.user.full_name} can no longer open this case.")
    return redirect("case_restriction", pk=case.pk)
