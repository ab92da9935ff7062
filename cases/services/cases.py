"""Opening cases, recording views, and assigning pastoral staff."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cases.access import VIEW_CASE_PERMISSION, is_assigned
from cases.models import AssignmentEnd, AssignmentView, Case, CaseAssignment, CaseStatus
from cases.search import search_index_case_text
from cases.selectors import cases_needing_assignee
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, Role
from safeguard.selectors import users_with_role
from safeguard.services import Alert, alert_send, notifications_clear


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
    search_index_case_text(case=case, field="summary", text=summary)
    return case


@transaction.atomic
def case_record_view(*, actor: User, case: Case, what: str = "case") -> None:
    """Every view of a case is audited (docs/domain.md, "Security and data protection"). Someone
    told they were assigned to it has now looked: that notification has done its job.

    The audit event is written last: it takes the school's chain lock, held until the commit, so
    the other views and changes at the school wait only for the event itself (every DSL's case
    views at one school pass through that lock)."""
    if what == "case":
        notifications_clear(subject=f"case:{case.pk}", kinds=["case_assigned"], recipients=[actor])
    audit_record(actor=actor, action="cases.case.viewed", obj=case, school=case.school_id, extra={"page": what})


@transaction.atomic
def concern_record_view(*, actor: User, concern) -> None:
    audit_record(actor=actor, action="cases.concern.viewed", obj=concern, school=concern.school_id)


@transaction.atomic
def case_assign(*, actor: User, case: Case, user: User, view: str = AssignmentView.SUPPORT) -> CaseAssignment:
    """Assign pastoral staff to a case. What grants access is django-guardian's object permission
    (``cases.access.is_assigned``); the assignment's history (who, when, by whom, ended) is written
    beside it, here, in the same transaction, so the two always agree (``assignment_mismatches``).

    ``view``: what the DSL chose they see. KCSIE: information is shared on a need-to-know basis, so
    the support view (what support to give, not what happened) unless the DSL chooses the full case."""
    if view not in AssignmentView.values:
        raise ValidationError("Choose what they see: the support view or the full case.")
    if Role.PASTORAL not in roles_at(user, case.school_id) or not user.is_active:
        raise ValidationError("Only active pastoral staff of this school can be assigned to a case.")
    if is_assigned(user, case):
        raise ValidationError(f"{user} is already assigned to this case.")
    assignment = CaseAssignment.objects.create(case=case, user=user, assigned_by=actor, view=view)
    assign_perm(VIEW_CASE_PERMISSION, user, case)
    audit_record(
        actor=actor,
        action="cases.case.assigned",
        obj=case,
        school=case.school_id,
        extra={"user_id": user.pk, "view": view},
    )
    _followed_up(case)
    alert_send(
        alert=Alert(
            kind="case_assigned",
            title=f"You were assigned to case {case.reference}",
            url=reverse("case_detail", args=[case.pk]),
            subject=f"case:{case.pk}",
            case_id=case.pk,
            detail=f"{actor.full_name} assigned you, so that you can support the child.",
        ),
        recipients=[user] if user.pk != actor.pk else [],
        school=case.school,
    )
    return assignment


@transaction.atomic
def case_assignment_view_change(*, actor: User, case: Case, user: User, view: str) -> CaseAssignment:
    """A DSL changes what someone assigned to the case sees: the support view or the full case.
    The gateway reads the open assignment on every request, so it holds from their next page."""
    if view not in AssignmentView.values:
        raise ValidationError("Choose what they see: the support view or the full case.")
    assignment = CaseAssignment.objects.select_for_update().filter(case=case, user=user, ended_at__isnull=True).first()
    if assignment is None:
        raise ValidationError(f"{user} is not assigned to this case.")
    if assignment.view == view:
        raise ValidationError(f"That is already what {user} sees on this case.")
    previous = assignment.view
    assignment.view = view
    assignment.save(update_fields=["view"])
    audit_record(
        actor=actor,
        action="cases.case.assignment_view_changed",
        obj=case,
        school=case.school_id,
        extra={"user_id": user.pk, "view": view, "previous": previous},
    )
    return assignment


@transaction.atomic
def case_unassign(*, actor: User, case: Case, user: User) -> None:
    """End an assignment: the permission is revoked (their next request cannot reach the case) and
    the assignment's history is ended beside it."""
    assignment = CaseAssignment.objects.select_for_update().filter(case=case, user=user, ended_at__isnull=True).first()
    if assignment is None:
        raise ValidationError(f"{user} is not assigned to this case.")
    _end(assignment, actor=actor, because=AssignmentEnd.UNASSIGNED)


def _end(assignment: CaseAssignment, *, actor: User, because: str) -> None:
    case, user = assignment.case, assignment.user
    assignment.ended_at = timezone.now()
    assignment.ended_by = actor
    assignment.ended_because = because
    assignment.save(update_fields=["ended_at", "ended_by", "ended_because"])
    remove_perm(VIEW_CASE_PERMISSION, user, case)
    audit_record(
        actor=actor,
        action="cases.case.unassigned",
        obj=case,
        school=case.school_id,
        extra={"user_id": user.pk, "because": because},
    )
    # They can no longer open the case: nothing about it should still ask anything of them.
    notifications_clear(case_id=case.pk, recipients=[user])


#: The subject of the DSLs' "a case needs someone new" notification at a school.
UNSTAFFED_SUBJECT = "unstaffed:{school_id}"


@transaction.atomic
def assignments_end_for_leaver(*, actor: User, school: School, user: User) -> int:
    """Someone is leaving: every case of ``school`` they are assigned to is closed to them now
    (their account may come back one day; their access to cases does not, unless a DSL gives it).
    Each open case among them waits on every DSL's home page until a DSL assigns someone new or
    says nobody new is needed; the DSLs are told once. Returns how many open cases wait."""
    assignments = list(
        CaseAssignment.objects.select_for_update(of=("self",))
        .filter(case__school=school, user=user, ended_at__isnull=True)
        .select_related("case", "user")
        .order_by("id")
    )
    for assignment in assignments:
        _end(assignment, actor=actor, because=AssignmentEnd.LEFT)
    waiting = sum(1 for a in assignments if a.case.status == CaseStatus.OPEN)
    if waiting:
        alert_send(
            alert=Alert(
                kind="needs_assignee",
                title=f"{waiting} case{'s' if waiting != 1 else ''} need{'s' if waiting == 1 else ''} someone new assigned",
                url=reverse("home") + "#needs-owner",
                subject=UNSTAFFED_SUBJECT.format(school_id=school.pk),
                detail=f'{user.full_name} left, and was assigned to them. They are on your home page under "Needs a new owner".',
            ),
            recipients=users_with_role(school.pk, SAFEGUARDING_LEADS),
            school=school,
        )
    return waiting


def _followed_up(case: Case) -> None:
    """Someone new is assigned (or a DSL said nobody is needed): the case no longer waits."""
    CaseAssignment.objects.filter(case=case, ended_because=AssignmentEnd.LEFT, followed_up_at__isnull=True).update(
        followed_up_at=timezone.now()
    )
    clear_if_all_staffed(case.school_id)


def clear_if_all_staffed(school_id: int) -> None:
    if not cases_needing_assignee(School(pk=school_id)).exists():
        notifications_clear(subject=UNSTAFFED_SUBJECT.format(school_id=school_id))


@transaction.atomic
def case_nobody_new_needed(*, actor: User, case: Case) -> None:
    """A DSL says a case whose assigned member of staff left needs nobody new."""
    if not cases_needing_assignee(case.school).filter(pk=case.pk).exists():
        raise ValidationError("This case is not waiting for someone new.")
    audit_record(actor=actor, action="cases.case.nobody_new_needed", obj=case, school=case.school_id)
    _followed_up(case)
