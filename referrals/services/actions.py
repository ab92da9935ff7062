"""Actions for the school's own team (route R6): given to pastoral staff or the DSLs, completed by their owners."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.access import is_assigned
from cases.models import Case
from cases.services import case_assign
from referrals.models import Action, ActionStatus, Step
from referrals.ownership import action_owner_problem
from referrals.services.unowned import clear_if_all_owned
from safeguard.audit import audit_record
from safeguard.models import User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, Role
from safeguard.services import Alert, alert_send, notifications_clear


def give_access_for_action(*, actor: User, case: Case, owner: User) -> None:
    """A member of pastoral staff not yet on the case is assigned to it: they cannot act on a case
    they cannot read."""
    roles = roles_at(owner, case.school_id)
    if Role.PASTORAL in roles and not roles & SAFEGUARDING_LEADS and not is_assigned(owner, case):
        case_assign(actor=actor, case=case, user=owner)


def tell_action_owner(*, actor: User, action: Action) -> None:
    if action.owner_id is None or action.owner_id == actor.pk:
        return
    case = action.case
    alert_send(
        alert=Alert(
            kind="action_given",
            title=f"Case {case.reference}: an action for you, due {action.due_date:%-d %b %Y}",
            url=reverse("action_complete", args=[case.pk, action.pk]),
            subject=f"action:{action.pk}",
            case_id=case.pk,
            detail=f"{actor.full_name} gave you an action on this case.",
        ),
        recipients=[action.owner],
        school=case.school,
    )


@transaction.atomic
def action_create(*, actor: User, case: Case, owner: User, title: str, due_date: date, step: Step | None = None) -> Action:
    """Give someone who can act on it (``referrals.ownership``) an action."""
    errors = {}
    if not title.strip():
        errors["title"] = "Say what needs doing."
    elif len(title) > 300:
        errors["title"] = "Keep the action to 300 characters; put the detail in a note."
    if due_date < timezone.localdate():
        errors["due_date"] = "The due date cannot be in the past."
    problem = action_owner_problem(roles_at(owner, case.school_id), active=owner.is_active)
    if problem:
        errors["owner"] = problem
    if errors:
        raise ValidationError(errors)
    if step is not None and step.case_id != case.pk:
        raise ValidationError("That step is on another case.")
    give_access_for_action(actor=actor, case=case, owner=owner)
    action = Action.objects.create(case=case, step=step, title=title.strip(), owner=owner, due_date=due_date, created_by=actor)
    audit_record(
        actor=actor,
        action="referrals.action.created",
        obj=case,
        school=case.school_id,
        extra={"action_id": action.pk, "owner_id": owner.pk},
    )
    tell_action_owner(actor=actor, action=action)
    return action


@transaction.atomic
def action_reassign(*, actor: User, action: Action, owner: User) -> Action:
    """Give an open action to someone else who can act on it (a DSL's move: when its owner left,
    or the work is better with someone else). The old owner's notification clears; the new owner
    is told."""
    action = _lock(action)
    if action.status != ActionStatus.OPEN:
        raise ValidationError("This action is already finished.")
    problem = action_owner_problem(roles_at(owner, action.case.school_id), active=owner.is_active)
    if problem:
        raise ValidationError({"owner": problem})
    if owner.pk == action.owner_id:
        return action
    previous = action.owner_id
    give_access_for_action(actor=actor, case=action.case, owner=owner)
    action.owner = owner
    action.save(update_fields=["owner"])
    audit_record(
        actor=actor,
        action="referrals.action.reassigned",
        obj=action.case,
        school=action.case.school_id,
        extra={"action_id": action.pk, "from_id": previous, "to_id": owner.pk},
    )
    notifications_clear(subject=f"action:{action.pk}")
    tell_action_owner(actor=actor, action=action)
    clear_if_all_owned(action.case.school_id)
    return action


def _lock(action: Action) -> Action:
    return Action.objects.select_for_update(of=("self",)).select_related("case__school", "owner").get(pk=action.pk)


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
    notifications_clear(subject=f"action:{action.pk}")
    if action.owner is None or not action.owner.is_active:
        clear_if_all_owned(action.case.school_id)
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
    notifications_clear(subject=f"action:{action.pk}")
    if action.owner is None or not action.owner.is_active:
        clear_if_all_owned(action.case.school_id)
    return action
