"""A named case granted to the trust's safeguarding lead (issue 17; docs/domain.md, "Who uses it":
"a named case only when that school's DSL grants it").

What grants it is django-guardian's object permission ``cases.read_granted`` on the case, for one
person, the way an assignment is ``view_case`` (``cases.services.cases.case_assign``); the gateway
(``cases.access``) lets an open trust lead of the case's trust holding it read the case. Granted
and taken back only here, by a DSL or deputy of the case's school, each audited on the case (so
it is in the case's access log and the head's reports) and listed on the case page for its DSLs.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from cases.models import READ_GRANTED_PERMISSION, Case, CaseUserObjectPermission
from safeguard.audit import audit_record
from safeguard.models import TrustLead, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.services import Alert, alert_send, notifications_clear

NOT_A_TRUST_LEAD = (
    "{name} is not the safeguarding lead of {trust}, so this case cannot be granted to them. "
    "Only the trust's safeguarding lead can be granted a case; the IT administrator asks for one and a DSL approves it."
)


def _require_lead_of_school(actor: User, case: Case) -> None:
    if not roles_at(actor, case.school_id) & SAFEGUARDING_LEADS:
        raise ValidationError("Only a Designated Safeguarding Lead or deputy of the case's school can grant or end access to it.")


def is_granted(user: User, case: Case) -> bool:
    return CaseUserObjectPermission.objects.filter(
        user=user, content_object=case, permission__codename=READ_GRANTED_PERMISSION
    ).exists()


@transaction.atomic
def case_grant_trust_lead(*, actor: User, case: Case, user: User) -> None:
    """Grant the trust's safeguarding lead this one case: from their next request they can read it
    in full (not change it). KCSIE: information is shared on a need-to-know basis, so it is one
    case at a time, by the school's DSL, on the record."""
    _require_lead_of_school(actor, case)
    trust_id = case.school.trust_id
    if not user.is_active or not TrustLead.objects.filter(user=user, trust_id=trust_id, ended_at__isnull=True).exists():
        raise ValidationError({"user": NOT_A_TRUST_LEAD.format(name=user.full_name, trust=case.school.trust.name)})
    if is_granted(user, case):
        raise ValidationError({"user": f"{user.full_name} has already been granted this case."})
    assign_perm(READ_GRANTED_PERMISSION, user, case)
    audit_record(actor=actor, action="cases.case.trust_lead_granted", obj=case, school=case.school_id, extra={"user_id": user.pk})
    alert_send(
        alert=Alert(
            kind="case_granted",
            title=f"You were granted case {case.reference}",
            url=reverse("case_detail", args=[case.pk]),
            subject=f"case:{case.pk}",
            case_id=case.pk,
            detail=f"{actor.full_name}, a Designated Safeguarding Lead of {case.school.name}, granted you this case to read.",
        ),
        recipients=[user],
        school=case.school,
    )


def _take_back(*, actor: User | None, case: Case, user: User, because: str) -> None:
    remove_perm(READ_GRANTED_PERMISSION, user, case)
    audit_record(
        actor=actor,
        action="cases.case.trust_lead_grant_ended",
        obj=case,
        school=case.school_id,
        extra={"user_id": user.pk, "because": because},
    )
    notifications_clear(case_id=case.pk, recipients=[user])


@transaction.atomic
def case_grant_end(*, actor: User, case: Case, user: User) -> None:
    """Take the case back: from their next request the trust's lead cannot open it."""
    _require_lead_of_school(actor, case)
    if not is_granted(user, case):
        raise ValidationError(f"{user.full_name} has not been granted this case.")
    _take_back(actor=actor, case=case, user=user, because="ended")


@transaction.atomic
def grants_end_for_trust_lead(*, lead: TrustLead, actor: User | None) -> None:
    """The lead's appointment ended (``cases.receivers``): every case of the trust granted to them
    is taken back, inside the ending's transaction, so a later appointment starts with none."""
    granted = (
        CaseUserObjectPermission.objects.filter(
            user_id=lead.user_id, permission__codename=READ_GRANTED_PERMISSION, content_object__school__trust_id=lead.trust_id
        )
        .select_related("content_object")
        .order_by("content_object_id")
    )
    for permission in granted:
        _take_back(actor=actor, case=permission.content_object, user=lead.user, because="trust_lead_ended")
