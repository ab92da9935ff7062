"""Case views: thin, each reaches its case through the permission gateway."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases import selectors, services
from cases.forms import AssignForm
from cases.models import CaseStatus
from safeguard.models import User
from safeguard.permissions import get_case_for_user, roles_at
from safeguard.roles import CASE_READING_ROLES, CaseAction
from safeguard.selectors import current_school


def case_list(request):
    school = current_school(request)
    if school is None or not roles_at(request.user, school.pk) & CASE_READING_ROLES:
        raise PermissionDenied("Your role does not include reading cases.")
    status = request.GET.get("status") or ""
    if status not in CaseStatus.values:
        status = ""
    cases = selectors.case_list(request.user, school=school, status=status or None)
    return render(request, "cases/case_list.html", {"school": school, "cases": cases, "status": status})


def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.VIEW)
    allowed = case.allowed_actions
    services.case_record_view(actor=request.user, case=case)
    case = selectors.case_detail(case)
    assign_form = None
    if CaseAction.MANAGE in allowed:
        assign_form = AssignForm(school_id=case.school_id, exclude_ids=[a.user_id for a in case.current_assignments])
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "allowed": allowed, "can_manage": CaseAction.MANAGE in allowed, "assign_form": assign_form},
    )


@require_POST
def case_assign(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = AssignForm(request.POST, school_id=case.school_id)
    if form.is_valid():
        try:
            services.case_assign(actor=request.user, case=case, user=form.cleaned_data["user"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{form.cleaned_data['user']} is assigned and can now read this case.")
    else:
        messages.error(request, "Choose a member of pastoral staff to assign.")
    return redirect("case_detail", pk=case.pk)


@require_POST
def case_unassign(request, pk: int, user_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404("No such member of staff.")
    try:
        services.case_unassign(actor=request.user, case=case, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{user} is no longer assigned and can no longer open this case.")
    return redirect("case_detail", pk=case.pk)
