"""Actions for the school's own team (route R6): assigned to pastoral staff, completed by them."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.access import is_assigned
from cases.models import Case
from cases.services import case_assign
from referrals.models import Action, ActionStatus, Step
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, Role


@transaction.atomic
def action_create(*, actor: User, case: Case, owner: User, title: str, due_date: date, step: Step | None = None) -> Action:
    """Give someone an action. A member of pastoral staff not yet on the case is assigned to it,
    since they cannot act on a case they cannot read."""
    errors = {}
    if not title.strip():
        errors["title"] = "Say what needs doing."
    elif len(title) > 300:
        errors["title"] = "Keep the action to 300 characters; put the detail in a note."
    if due_date < timezone.localdate():
        errors["due_date"] = "The due date cannot be in the past."
    roles = roles_at(owner, case.school_id)
    if not owner.is_active or not roles & (SAFEGUARDING_LEADS | {Role.PASTORAL}):
        errors["owner"] = "Actions go to pastoral staff or the school's DSLs."
    if errors:
        raise ValidationError(errors)
    if step is not None and step.case_id != case.pk:
        raise ValidationError("That step is on another case.")
    needs_access = Role.PASTORAL in roles and not roles & SAFEGUARDING_LEADS
    if needs_access and not is_assigned(owner, case):
        case_assign(actor=actor, case=case, user=owner)
    action = Action.objects.create(case=case, step=step, title=title.strip(), owner=owner, due_date=due_date, created_by=actor)
    audit_record(
        actor=actor,
        action="referrals.action.created",
        obj=case,
        school=case.school_id,
        extra={"action_id": action.pk, "owner_id": owner.pk},
    )
    return action


def _lock(action: Action) -> Action:
    return Action.objects.select_for_update(of=("self",)).select_related("case").get(pk=action.pk)


@transaction.atomic
def action_complete(*, actor: User, action: Action, note: str = "") -> Action:
    """Pastoral staff complete only their own actions; the DSLs may complete any."""
    action = _lock(action)
    if action.owner_id != actor.pk and not roles_at(actor, action.case.school_id) & SAFEGUARDING_LEADS:
        raise ValidationError("Only the person this action is assigned to can complete it.")
    if action.status != ActionStatus.OPEN:
        raise ValidationError("This action is already finished.")
    action.status, action.done_at, action.done_note, action.finished_by = ActionStatus.DONE, timezone.now(), note.strip(), actor
    action.save(update_fields=["status", "done_at", "done_note", "finished_by"])
    audit_record(
        actor=actor,
        action="referrals.action.completed",
        obj=action.case,
        school=action.case.school_id,
        extra={"action_id": action.pk},
    )
    return action


@transaction.atomic
def action_cancel(*, actor: User, action: Action, reason: str) -> Action:
    action = _lock(action)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this action is no longer needed."})
    if action.status != ActionStatus.OPEN:
        raise ValidationError("This action is already finished.")
    action.status, action.cancelled_reason, action.done_at, action.finished_by = (
        ActionStatus.CANCELLED,
        reason.strip(),
        timezone.now(),
        actor,
    )
    action.save(update_fields=["status", "cancelled_reason", "done_at", "finished_by"])
    audit_record(
        actor=actor,
        action="referrals.action.cancelled",
        obj=action.case,
        school=action.case.school_id,
        extra={"action_id": action.pk},
    )
    return action
