"""Closing, reopening and reviewing cases (KCSIE: closing is a status; reopening is allowed)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseReview, CaseStatus, CaseStatusChange
from cases.services import clear_if_all_staffed
from referrals.models import OPEN_STATES, Action, ActionStatus, Step
from referrals.services.unowned import clear_if_all_owned
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.services import notifications_clear


@transaction.atomic
def case_close(*, actor: User, case: Case, summary: str) -> Case:
    """A case closes only when every step is closed or not needed, every action is finished, and
    the DSL has written how it was followed up and resolved (KCSIE)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is already closed.")
    open_steps = list(Step.objects.filter(case=case, state__in=OPEN_STATES).select_related("route").order_by("position", "id"))
    open_actions = Action.objects.filter(case=case, status=ActionStatus.OPEN).count()
    problems = []
    if open_steps:
        names = "; ".join(f"{s.title} ({s.get_state_display().lower()})" for s in open_steps)
        problems.append(f"Close or mark not needed every step first. Still open: {names}.")
    if open_actions:
        problems.append(
            f"{open_actions} action{'s are' if open_actions != 1 else ' is'} still to do: complete or cancel {'them' if open_actions != 1 else 'it'} first."
        )
    if not summary.strip():
        problems.append("Write how the concern was followed up and resolved.")
    if problems:
        raise ValidationError(problems)
    case.status, case.closure_summary = CaseStatus.CLOSED, summary.strip()
    case.closed_at, case.closed_by, case.updated_at = timezone.now(), actor, timezone.now()
    case.save(update_fields=["status", "closure_summary", "closed_at", "closed_by", "updated_at"])
    CaseStatusChange.objects.create(
        case=case, from_status=CaseStatus.OPEN, to_status=CaseStatus.CLOSED, reason=case.closure_summary, by=actor
    )
    audit_record(actor=actor, action="cases.case.closed", obj=case, school=case.school_id)
    # Closed: nothing about the case asks anything of anyone any more.
    notifications_clear(case_id=case.pk)
    clear_if_all_owned(case.school_id)
    clear_if_all_staffed(case.school_id)
    return case


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> Case:
    case = Case.objects.select_for_update(of=("self",)).select_related("school").get(pk=case.pk)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError("This case is open.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the case is being reopened."})
    case.status, case.updated_at = CaseStatus.OPEN, timezone.now()
    case.review_due = timezone.localdate() + timedelta(days=case.school.review_interval_days)
    case.save(update_fields=["status", "updated_at", "review_due"])
    CaseStatusChange.objects.create(
        case=case, from_status=CaseStatus.CLOSED, to_status=CaseStatus.OPEN, reason=reason.strip(), by=actor
    )
    audit_record(actor=actor, action="cases.case.reopened", obj=case, school=case.school_id)
    return case


@transaction.atomic
def case_review(*, actor: User, case: Case, notes: str) -> CaseReview:
    """Every open case is reviewed at least every N days (14 by default); a review moves the date on."""
    case = Case.objects.select_for_update(of=("self",)).select_related("school").get(pk=case.pk)
    if case.status != CaseStatus.OPEN:
        raise ValidationError("Only an open case is reviewed.")
    if not notes.strip():
        raise ValidationError({"notes": "Write what the review found, even briefly."})
    next_due = timezone.localdate() + timedelta(days=case.school.review_interval_days)
    review = CaseReview.objects.create(case=case, notes=notes.strip(), reviewed_by=actor, next_review_due=next_due)
    case.review_due = next_due
    case.save(update_fields=["review_due"])
    audit_record(actor=actor, action="cases.case.reviewed", obj=case, school=case.school_id)
    notifications_clear(subject=f"case:{case.pk}", kinds=["review_due"])
    return review
