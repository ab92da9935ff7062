"""The case list and the case page; assignment of pastoral staff."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.criteria import OUTCOME_WORDS, Outcome
from cases.forms import AssignForm, NoteForm
from cases.models import CaseStatus
from safeguard.permissions import get_case_for_user, roles_at
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
    cases = selectors.case_list(request.user, school=school, status=status or None)
    if outcome:
        cases = cases.filter(outcome=outcome)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("status", status), ("outcome", outcome)) if v})
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
        },
    )


@require_GET
def case_detail(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.VIEW, queryset=selectors.case_for_page())
    allowed = case.allowed_actions
    services.case_record_view(actor=request.user, case=case)
    own_only = CaseAction.MANAGE not in allowed and CaseAction.VIEW_ACCESS_LOG not in allowed  # pastoral staff
    viewer = request.user if own_only else None
    page = selectors.case_page(case)
    from referrals.selectors import case_referrals

    referrals = case_referrals(case, user=request.user, own_actions_only=own_only, people=page.people)
    chronology = selectors.case_chronology(page, also_loaded=referrals.loaded, only_actions_of=viewer)
    assign_form = None
    if CaseAction.MANAGE in allowed:
        assign_form = AssignForm(school_id=case.school_id, exclude_ids=[a.user_id for a in page.assignments])
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": page.case,
            "page": page,
            "chronology": chronology,
            "referrals": referrals,
            "allowed": allowed,
            "can_manage": CaseAction.MANAGE in allowed,
            "can_note": CaseAction.ADD_NOTE in allowed,
            "assign_form": assign_form,
            "note_form": NoteForm() if CaseAction.ADD_NOTE in allowed else None,
        },
    )


@require_GET
def case_access_log(request, pk: int):
    """The per-case access log (DSLs and the head): who opened, changed or was refused this case.
    Opened from its section of the case page (htmx swaps the table in) or as a page of its own."""
    from safeguard.reports.selectors import case_access_log as access_log

    case = get_case_for_user(request.user, pk, CaseAction.VIEW_ACCESS_LOG)
    services.case_record_view(actor=request.user, case=case, what="access_log")
    template = "cases/includes/access_log.html" if request.htmx else "cases/access_log.html"
    response = render(request, template, {"case": case, "access_log": access_log(case)})
    patch_vary_headers(response, ("HX-Request",))
    return response


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
