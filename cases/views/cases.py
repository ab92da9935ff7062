"""The case list and the case page; assignment of pastoral staff."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.access import get_case_for_user
from cases.criteria import OUTCOME_WORDS, Outcome
from cases.forms import AssignForm, AssignmentViewForm
from cases.models import AssignmentView, CaseStatus
from safeguard.permissions import roles_at
from safeguard.roles import CASE_READING_ROLES, CaseAction
from safeguard.selectors import current_school

CASES_PER_PAGE = 50


@require_GET
def case_list(request):
    school = current_school(request)
    if school is None or not roles_at(request.user, school.pk) & CASE_READING_ROLES:
        raise PermissionDenied("Your role does not include reading cases.")
    status = request.GET.get("status") or ""
    if status not in CaseStatus.values:
        status = ""
    outcome = request.GET.get("outcome") or ""
    if outcome not in Outcome.__members__.values():
        outcome = ""
    review = "due" if request.GET.get("review") == "due" else ""
    cases = selectors.case_list(request.user, school=school, status=status or None)
    if outcome:
        cases = cases.filter(outcome=outcome)
    if review:
        cases = cases.filter(selectors.review_due()).order_by("review_due", "id")
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("status", status), ("outcome", outcome), ("review", review)) if v})
    return render(
        request,
        "cases/case_list.html",
        {
            "school": school,
            "cases": page.object_list,
            "page": page,
            "query": query,
            "status": status,
            "outcome": outcome,
            "outcomes": OUTCOME_WORDS.items(),
            "review": review,
            "today": timezone.localdate(),
        },
    )


@require_POST
def case_assign(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = AssignForm(request.POST, school_id=case.school_id)
    if form.is_valid():
        try:
            services.case_assign(actor=request.user, case=case, user=form.cleaned_data["user"], view=form.cleaned_data["view"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            sees = "the whole case" if form.cleaned_data["view"] == AssignmentView.FULL else "the support view of this case"
            messages.success(request, f"{form.cleaned_data['user']} is assigned and can now read {sees}.")
    else:
        messages.error(request, "Choose a member of pastoral staff to assign.")
    return redirect("case_detail", pk=case.pk)


@require_POST
def case_unassign(request, pk: int, user_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    # Only someone assigned to this case: an id from elsewhere must not even be named.
    assignment = case.assignments.filter(user_id=user_id, ended_at__isnull=True).select_related("user").first()
    if assignment is None:
        raise Http404("No such assignment on this case.")
    user = assignment.user
    try:
        services.case_unassign(actor=request.user, case=case, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{user} is no longer assigned and can no longer open this case.")
    return redirect("case_detail", pk=case.pk)


@require_POST
def case_assignment_view(request, pk: int, user_id: int):
    """A DSL changes what someone assigned sees: the support view or the full case."""
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    # Only someone assigned to this case: an id from elsewhere must not even be named.
    assignment = case.assignments.filter(user_id=user_id, ended_at__isnull=True).select_related("user").first()
    if assignment is None:
        raise Http404("No such assignment on this case.")
    form = AssignmentViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what they see: the support view or the full case.")
        return redirect("case_detail", pk=case.pk)
    user, view = assignment.user, form.cleaned_data["view"]
    try:
        services.case_assignment_view_change(actor=request.user, case=case, user=user, view=view)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        sees = "the whole case" if view == AssignmentView.FULL else "only the support view"
        messages.success(request, f"{user} now sees {sees}, from their next page.")
    return redirect(reverse("case_detail", args=[case.pk]) + "#assigned-heading")


@require_POST
def case_nobody_new_needed(request, pk: int):
    """A DSL says a case whose assigned member of staff left needs nobody new."""
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    try:
        services.case_nobody_new_needed(actor=request.user, case=case)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Case {case.reference}: nobody new is needed. It no longer waits on the home page.")
    return redirect("home")
