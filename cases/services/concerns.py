"""Concerns raised by any member of staff, and the DSLs' triage of them.

Any member of staff raises a concern (MyConcern's "basic user"); it reaches every DSL and deputy
of the school at once, in Safeguard and by email, and anyone else the raiser chose to tell. The
DSL triages it into a new case, an open case of one of its pupils (it joins that case's
chronology), the pupil's record only (a low-level concern, kept so that patterns show: CPOMS's
"small observations checked before risk is missed"), or no further action with a reason.
KCSIE: every concern, decision and the reason for it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseStatus, Concern, ConcernPupil, ConcernStatus, Pupil
from cases.search import search_index_concern
from cases.services.restrictions import case_allegation_record
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, Role, can_raise_concern
from safeguard.selectors import users_with_role
from safeguard.services import Alert, alert_send, notifications_clear

#: Who a member of staff may choose to tell as well (CPOMS's habit): the school's DSLs, deputies
#: and pastoral staff.
ALSO_ALERT_ROLES = SAFEGUARDING_LEADS | {Role.PASTORAL}


@dataclass
class ConcernInput:
    what_happened: str
    pupils: list[Pupil] = field(default_factory=list)
    #: Anyone else it is about, in the raiser's words (a child they cannot name).
    children: str = ""
    happened_at: datetime | None = None
    where: str = ""
    child_words: str = ""
    told: str = ""
    urgent: bool = False
    also_alert: list[User] = field(default_factory=list)
    #: A member of staff the concern is about (an allegation): they never read it (issue 17).
    staff_member: User | None = None


def _check(data: ConcernInput, school: School) -> None:
    errors: dict[str, str] = {}
    if not data.what_happened.strip():
        errors["what_happened"] = "Write down what you saw, heard or were told."
    if any(pupil.school_id != school.pk for pupil in data.pupils):
        errors["pupils"] = "A pupil of another school cannot be named here. Search this school's roll again."
    if data.happened_at is not None and data.happened_at > timezone.now():
        errors["happened_at"] = "When it happened cannot be in the future."
    allowed = set(users_with_role(school.pk, ALSO_ALERT_ROLES).values_list("pk", flat=True))
    if any(user.pk not in allowed for user in data.also_alert):
        errors["also_alert"] = "You can tell as well only the school's DSLs, deputies and pastoral staff."
    if data.staff_member is not None:
        if not roles_at(data.staff_member, school.pk):
            errors["staff_member"] = (
                f"{data.staff_member.full_name} is not a member of staff at this school: pick someone from this school."
            )
        elif any(user.pk == data.staff_member.pk for user in data.also_alert):
            errors["also_alert"] = "The concern is about this person: they cannot be told of it."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def concern_raise(*, actor: User, school: School, data: ConcernInput) -> Concern:
    """Any member of staff raises a concern; it lands in the DSLs' triage queue and they are told
    at once. As in MyConcern, the person who raised it cannot read it back: they get a reference.

    A concern naming no pupil is still accepted (the member of staff may not know the name): the
    DSL is told so on the concern's page."""
    if not can_raise_concern(roles_at(actor, school.pk)):
        raise ValidationError("You need a role at this school to raise a concern here.")
    _check(data, school)
    locked = School.objects.select_for_update().get(pk=school.pk)
    count = Concern.objects.filter(school=locked).count() + 1
    concern = Concern.objects.create(
        school=school,
        reference=f"{school.code}-C{timezone.localdate():%y%m}-{count:04d}",
        raised_by=actor,
        children=data.children.strip()[:300],
        what_happened=data.what_happened,
        happened_at=data.happened_at,
        where=data.where.strip()[:200],
        child_words=data.child_words,
        told=data.told.strip()[:300],
        urgent=data.urgent,
        staff_member=data.staff_member,
    )
    ConcernPupil.objects.bulk_create(ConcernPupil(concern=concern, pupil=pupil) for pupil in dict.fromkeys(data.pupils))
    concern.also_alerted.set(data.also_alert)
    audit_record(
        actor=actor,
        action="cases.concern.raised",
        obj=concern,
        school=school,
        extra={"pupils": len(data.pupils), "urgent": data.urgent, "also_alerted": len(data.also_alert)},
    )
    search_index_concern(concern)
    leads = list(users_with_role(school.pk, SAFEGUARDING_LEADS).exclude(pk=actor.pk))
    if data.staff_member is not None:
        # The person it is about never hears of it, even when they are a DSL.
        leads = [lead for lead in leads if lead.pk != data.staff_member.pk]
    subject = f"concern:{concern.pk}"
    if data.urgent:
        title = f"Concern {concern.reference}: a child may be in immediate danger"
        detail = "The member of staff who raised it was told to find a DSL in person or call 999 now."
    else:
        title = f"New concern {concern.reference} is waiting for triage"
        detail = ""
    alert_send(
        alert=Alert(
            kind="concern_urgent" if data.urgent else "concern_raised",
            title=title,
            url=reverse("concern_detail", args=[concern.pk]),
            subject=subject,
            urgent=data.urgent,
            detail=detail,
        ),
        recipients=leads,
        school=school,
    )
    others = [user for user in data.also_alert if user.pk not in {lead.pk for lead in leads} and user.pk != actor.pk]
    alert_send(
        alert=Alert(
            kind="concern_copied",
            title=f"{actor.full_name} raised concern {concern.reference} and asked for you to know",
            url=reverse("home"),
            subject=subject,
            urgent=data.urgent,
            detail="The Designated Safeguarding Leads have it and will be in touch if they need you.",
        ),
        recipients=others,
        school=school,
    )
    return concern


def _lock_new(concern: Concern) -> Concern:
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.status != ConcernStatus.NEW:
        raise ValidationError(f"This concern has already been dealt with: {concern.get_status_display().lower()}.")
    return concern


def _triaged(*, actor: User, concern: Concern, status: str, reason: str = "", case: Case | None = None) -> None:
    concern.status = status
    concern.triaged_by, concern.triaged_at = actor, timezone.now()
    concern.nfa_reason = reason
    concern.case = case
    concern.save(update_fields=["status", "triaged_by", "triaged_at", "nfa_reason", "case"])
    # It no longer asks anything of anyone: the DSLs' notifications of it clear themselves.
    notifications_clear(subject=f"concern:{concern.pk}")


@transaction.atomic
def concern_no_further_action(*, actor: User, concern: Concern, reason: str) -> None:
    """KCSIE: decisions and the reasons for them are recorded, including "no further action"."""
    if not reason.strip():
        raise ValidationError({"reason": "Record why no further action is needed."})
    concern = _lock_new(concern)
    _triaged(actor=actor, concern=concern, status=ConcernStatus.NO_FURTHER_ACTION, reason=reason.strip())
    audit_record(actor=actor, action="cases.concern.no_further_action", obj=concern, school=concern.school_id)


@transaction.atomic
def concern_keep_on_pupil_record(*, actor: User, concern: Concern, reason: str) -> None:
    """A low-level concern: kept on the pupils' records (their chronology), not a case, with why."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why this stays on the pupil's record rather than opening a case."})
    concern = _lock_new(concern)
    if not concern.pupil_links.exists():
        raise ValidationError(
            "No pupil is named in this concern, so it cannot go on a pupil's record. Open a case, or record no further action."
        )
    _triaged(actor=actor, concern=concern, status=ConcernStatus.PUPIL_RECORD, reason=reason.strip())
    audit_record(actor=actor, action="cases.concern.kept_on_pupil_record", obj=concern, school=concern.school_id)


@transaction.atomic
def concern_add_to_case(*, actor: User, concern: Concern, case: Case) -> None:
    """The concern is about a case already open: it joins that case's chronology. (If it changes
    the facts, the DSL changes them next, which re-runs the assessment.)"""
    concern = _lock_new(concern)
    if case.school_id != concern.school_id:
        raise ValidationError("The concern and the case must be at the same school.")
    if case.status != CaseStatus.OPEN:
        raise ValidationError("That case is closed. Reopen it first, or open a new case.")
    named = set(concern.pupil_links.values_list("pupil_id", flat=True))
    if not case.children.filter(pupil_id__in=named, removed_at__isnull=True).exists():
        raise ValidationError("That case is not about any pupil this concern names.")
    _triaged(actor=actor, concern=concern, status=ConcernStatus.ADDED_TO_CASE, case=case)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    if concern.staff_member_id is not None:
        case_allegation_record(actor=actor, case=case, staff_member=concern.staff_member)
    audit_record(
        actor=actor, action="cases.concern.added_to_case", obj=case, school=case.school_id, extra={"concern_id": concern.pk}
    )


def concern_link_case(*, actor: User, concern: Concern, case: Case) -> None:
    """Called inside disclosure_record's transaction when a DSL opens a case from a concern."""
    concern = _lock_new(concern)
    if concern.school_id != case.school_id:
        raise ValidationError("The concern and the case must be at the same school.")
    _triaged(actor=actor, concern=concern, status=ConcernStatus.CASE_OPENED, case=case)
    if concern.staff_member_id is not None:
        case_allegation_record(actor=actor, case=case, staff_member=concern.staff_member)
    audit_record(
        actor=actor, action="cases.concern.case_opened", obj=concern, school=concern.school_id, extra={"case_id": case.pk}
    )
