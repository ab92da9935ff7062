"""Concerns raised by any member of staff, and the DSLs' triage of them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Concern, ConcernStatus
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, can_raise_concern
from safeguard.selectors import users_with_role
from safeguard.services import notification_create


@transaction.atomic
def concern_raise(*, actor: User, school: School, children: str, what_happened: str) -> Concern:
    """Any member of staff raises a concern; it lands in the DSLs' triage queue.

    As in MyConcern, the person who raised it cannot read it back: they get only a reference.
    """
    if not can_raise_concern(roles_at(actor, school.pk)):
        raise ValidationError("You need a role at this school to raise a concern here.")
    errors = {}
    if not children.strip():
        errors["children"] = "Say which child or children this is about (a name, or a description if you do not know it)."
    if not what_happened.strip():
        errors["what_happened"] = "Write down what you saw, heard or were told."
    if errors:
        raise ValidationError(errors)
    locked = School.objects.select_for_update().get(pk=school.pk)
    count = Concern.objects.filter(school=locked).count() + 1
    concern = Concern.objects.create(
        school=school,
        reference=f"{school.code}-C{timezone.localdate():%y%m}-{count:04d}",
        raised_by=actor,
        children=children.strip(),
        what_happened=what_happened,
    )
    audit_record(actor=actor, action="cases.concern.raised", obj=concern, school=school)
    notification_create(
        recipients=users_with_role(school.pk, SAFEGUARDING_LEADS),
        school=school,
        kind="concern_raised",
        title=f"New concern {concern.reference} is waiting for triage",
        url=reverse("concern_detail", args=[concern.pk]),
    )
    return concern


@transaction.atomic
def concern_no_further_action(*, actor: User, concern: Concern, reason: str) -> None:
    """KCSIE: decisions and the reasons for them are recorded, including "no further action"."""
    if not reason.strip():
        raise ValidationError({"reason": "Record why no further action is needed."})
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.status != ConcernStatus.NEW:
        raise ValidationError("This concern has already been dealt with.")
    concern.status = ConcernStatus.NO_FURTHER_ACTION
    concern.nfa_reason = reason.strip()
    concern.triaged_by, concern.triaged_at = actor, timezone.now()
    concern.save(update_fields=["status", "nfa_reason", "triaged_by", "triaged_at"])
    audit_record(actor=actor, action="cases.concern.no_further_action", obj=concern, school=concern.school_id)


def concern_link_case(*, actor: User, concern: Concern, case: Case) -> None:
    """Called inside disclosure_record's transaction when a DSL opens a case from a concern."""
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.status != ConcernStatus.NEW:
        raise ValidationError("This concern has already been dealt with.")
    if concern.school_id != case.school_id:
        raise ValidationError("The concern and the case must be at the same school.")
    concern.status = ConcernStatus.CASE_OPENED
    concern.case = case
    concern.triaged_by, concern.triaged_at = actor, timezone.now()
    concern.save(update_fields=["status", "case", "triaged_by", "triaged_at"])
    audit_record(
        actor=actor, action="cases.concern.case_opened", obj=concern, school=concern.school_id, extra={"case_id": case.pk}
    )
