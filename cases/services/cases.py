"""Opening cases, recording views, and assigning pastoral staff."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cases.access import VIEW_CASE_PERMISSION, is_assigned
from cases.models import Case, CaseAssignment
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import Role


def _next_reference(school: School) -> str:
    locked = School.objects.select_for_update().get(pk=school.pk)
    number = locked.next_case_number
    School.objects.filter(pk=school.pk).update(next_case_number=number + 1)
    return f"{locked.code}-{timezone.localdate().year}-{number:04d}"


@transaction.atomic
def case_create(*, actor: User, school: School, summary: str) -> Case:
    """Open a case (called by disclosure_record, which records what it is about in the same
    transaction). KCSIE: a clear and comprehensive summary of the concern is recorded in writing."""
    case = Case.objects.create(
        school=school,
        reference=_next_reference(school),
        summary=summary,
        created_by=actor,
        review_due=timezone.localdate() + timedelta(days=school.review_interval_days),
    )
    audit_record(actor=actor, action="cases.case.created", obj=case, school=school)
    return case


@transaction.atomic
def case_record_view(*, actor: User, case: Case, what: str = "case") -> None:
    """Every view of a case is audited (docs/domain.md, "Security and data protection")."""
    audit_record(actor=actor, action="cases.case.viewed", obj=case, school=case.school_id, extra={"page": what})


@transaction.atomic
def concern_record_view(*, actor: User, concern) -> None:
    audit_record(actor=actor, action="cases.concern.viewed", obj=concern, school=concern.school_id)


@transaction.atomic
def case_assign(*, actor: User, case: Case, user: User) -> CaseAssignment:
    """Assign pastoral staff to a case. What grants access is django-guardian's object permission
    (``cases.access.is_assigned``); the assignment's history (who, when, by whom, ended) is written
    beside it, here, in the same transaction, so the two always agree (``assignment_mismatches``)."""
    if Role.PASTORAL not in roles_at(user, case.school_id) or not user.is_active:
        raise ValidationError("Only active pastoral staff of this school can be assigned to a case.")
    if is_assigned(user, case):
        raise ValidationError(f"{user} is already assigned to this case.")
    assignment = CaseAssignment.objects.create(case=case, user=user, assigned_by=actor)
    assign_perm(VIEW_CASE_PERMISSION, user, case)
    audit_record(actor=actor, action="cases.case.assigned", obj=case, school=case.school_id, extra={"user_id": user.pk})
    return assignment


@transaction.atomic
def case_unassign(*, actor: User, case: Case, user: User) -> None:
    """End an assignment: the permission is revoked (their next request cannot reach the case) and
    the assignment's history is ended beside it."""
    assignment = CaseAssignment.objects.select_for_update().filter(case=case, user=user, ended_at__isnull=True).first()
    if assignment is None:
        raise ValidationError(f"{user} is not assigned to this case.")
    assignment.ended_at = timezone.now()
    assignment.ended_by = actor
    assignment.save(update_fields=["ended_at", "ended_by"])
    remove_perm(VIEW_CASE_PERMISSION, user, case)
    audit_record(actor=actor, action="cases.case.unassigned", obj=case, school=case.school_id, extra={"user_id": user.pk})
