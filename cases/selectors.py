"""Reads of cases. Every list starts from the permission gateway's ``cases_visible_to``."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cases.models import Case, CaseAssignment, CaseChild, CaseStatus
from safeguard.models import School
from safeguard.permissions import cases_visible_to, roles_at
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, Role

HOME_LIST_LIMIT = 15


def case_list(user, *, school: School, status: str | None = None) -> QuerySet[Case]:
    qs = cases_visible_to(user).filter(school=school).select_related("school")
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related(
        Prefetch("children", queryset=CaseChild.objects.select_related("pupil").order_by("id")),
    ).order_by("-created_at", "-id")


def case_detail(case: Case) -> Case:
    """The case with what its page shows, fetched in a fixed number of queries."""
    return (
        Case.objects.filter(pk=case.pk)
        .select_related("school", "created_by")
        .prefetch_related(
            Prefetch("children", queryset=CaseChild.objects.select_related("pupil").order_by("id")),
            Prefetch(
                "assignments",
                queryset=CaseAssignment.objects.filter(ended_at__isnull=True).select_related("user"),
                to_attr="current_assignments",
            ),
        )
        .get()
    )


def home_panels(user, school: School) -> dict:
    """What the home page shows, by the roles held at ``school``."""
    roles = roles_at(user, school.pk)
    panels: dict = {"roles": roles}
    if roles & SAFEGUARDING_LEADS:
        open_cases = case_list(user, school=school, status=CaseStatus.OPEN)
        panels["open_cases"] = list(open_cases[:HOME_LIST_LIMIT])
        panels["open_case_count"] = open_cases.count()
    elif Role.HEAD in roles:
        cases = case_list(user, school=school)
        panels["school_cases"] = list(cases[:HOME_LIST_LIMIT])
        panels["school_case_count"] = cases.count()
    if Role.PASTORAL in roles and not roles & READS_ALL_CASES:
        panels["my_cases"] = list(case_list(user, school=school))
    if Role.IT_ADMIN in roles:
        from safeguard.selectors import staff_for_school, worker_status

        panels["staff_count"] = staff_for_school(school).count()
        panels["worker"] = worker_status()
    return panels
