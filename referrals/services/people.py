"""The child's voice, and parents or carers informed (or not, with the reason)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseChild, Pupil
from referrals.models import ChildVoice, MadeHow, ParentContact, Step, StepState
from referrals.routes import RouteCode
from referrals.services.steps import step_accept, step_mark_made, step_not_needed
from safeguard.audit import audit_record
from safeguard.models import User


def _check_pupil(case: Case, pupil: Pupil) -> None:
    if not CaseChild.objects.filter(case=case, pupil=pupil, removed_at__isnull=True).exists():
        raise ValidationError({"pupil": "Choose a child who is on this case."})


def _not_future(value: datetime | None, field: str, errors: dict) -> None:
    if value is not None and value > timezone.now() + timezone.timedelta(minutes=5):
        errors[field] = "This cannot be in the future."


@transaction.atomic
def child_voice_record(
    *, actor: User, case: Case, pupil: Pupil, told_at: datetime, told_by: str, views: str, questions: str, next_steps: str
) -> ChildVoice:
    """The seed: children may not want police involvement. Their wishes never block a required
    referral, but the record shows they were told, their views, their questions, what happens next."""
    _check_pupil(case, pupil)
    errors: dict = {}
    if not told_by.strip():
        errors["told_by"] = "Say who told the child."
    if not views.strip():
        errors["views"] = "Write down the child's views in their own words."
    if not next_steps.strip():
        errors["next_steps"] = "Write down what the child was told will happen next."
    _not_future(told_at, "told_at", errors)
    if errors:
        raise ValidationError(errors)
    voice = ChildVoice.objects.create(
        case=case,
        pupil=pupil,
        told_at=told_at,
        told_by=told_by.strip(),
        views=views,
        questions=questions,
        next_steps=next_steps,
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action="referrals.child_voice.recorded", obj=case, school=case.school_id, extra={"pupil_id": pupil.pk}
    )
    return voice


@transaction.atomic
def parent_contact_record(
    *,
    actor: User,
    case: Case,
    pupil: Pupil,
    informed: bool,
    who: str = "",
    contacted_at: datetime | None = None,
    contacted_by: str = "",
    response: str = "",
    not_informed_reason: str = "",
) -> ParentContact:
    """P1: parents or carers are informed unless that would put the child at risk (then say why).

    Recording it moves the case's P1 step on: informed → made; not informed → not needed, with the reason.
    """
    _check_pupil(case, pupil)
    errors: dict = {}
    if informed:
        if not who.strip():
            errors["who"] = "Say who was informed (name and relationship to the child)."
        if contacted_at is None:
            errors["contacted_at"] = "Say when they were informed."
        if not contacted_by.strip():
            errors["contacted_by"] = "Say who informed them."
        _not_future(contacted_at, "contacted_at", errors)
    elif not not_informed_reason.strip():
        errors["not_informed_reason"] = "Record why the parents or carers were not informed."
    if errors:
        raise ValidationError(errors)
    contact = ParentContact.objects.create(
        case=case,
        pupil=pupil,
        informed=informed,
        who=who.strip(),
        contacted_at=contacted_at if informed else None,
        contacted_by=contacted_by.strip(),
        response=response,
        not_informed_reason=not_informed_reason.strip() if not informed else "",
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action="referrals.parent_contact.recorded", obj=case, school=case.school_id, extra={"informed": informed}
    )
    _advance_p1(actor=actor, case=case, contact=contact)
    return contact


def _advance_p1(*, actor: User, case: Case, contact: ParentContact) -> None:
    step = (
        Step.objects.filter(case=case, route__code=RouteCode.PARENTS, state__in=[StepState.SUGGESTED, StepState.TODO])
        .order_by("id")
        .first()
    )
    if step is None:
        return
    if contact.informed:
        if step.state == StepState.SUGGESTED:
            step = step_accept(actor=actor, step=step, owner=actor, due_date=timezone.localdate())
        step_mark_made(actor=actor, step=step, made_at=contact.contacted_at, made_how=MadeHow.OTHER, contact=contact.who)
    else:
        step_not_needed(actor=actor, step=step, reason=f"Parents or carers not informed: {contact.not_informed_reason}")
