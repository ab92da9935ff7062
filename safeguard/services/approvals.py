"""Two people for anything an IT administrator does that could open cases to someone.

- A role that reads every case (DSL, deputy, head) waits for a DSL of the school.
- Resetting the second factor of someone who reads cases waits for a DSL or the head: whoever
  runs the school's email could otherwise send themselves that person's set-password link,
  reset their second factor and enrol their own phone.
- Appointing the trust's safeguarding lead (every school's figures, and the cases DSLs grant
  them) waits for a DSL of the school that asked (``trust_lead_propose``).

The approver is never the person who asked, nor the person it is about. Every DSL and head of
the school is told at once of every such request, and of the school's first DSL (who needs no
approval: there is no DSL yet to give it).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from safeguard import second_factor
from safeguard.audit import audit_record
from safeguard.models import School, StaffApproval, StaffRole, User
from safeguard.permissions import forget_roles, roles_at
from safeguard.roles import Role, can_manage_staff
from safeguard.services.alerts import Alert, alert_send, notifications_clear
from safeguard.services.trust_leads import open_lead, trust_lead_appoint
from safeguard.sessions import end_sessions

#: Who may approve each kind of request.
APPROVER_ROLES = {
    StaffApproval.Kind.ROLE: frozenset({Role.DSL}),
    StaffApproval.Kind.SECOND_FACTOR_RESET: frozenset({Role.DSL, Role.HEAD}),
    StaffApproval.Kind.TRUST_LEAD: frozenset({Role.DSL}),
}
#: Who is told of each request (and of the first DSL): the school's DSLs and its head.
TOLD_ROLES = frozenset({Role.DSL, Role.HEAD})


def _people(school: School, roles, *, except_ids=()) -> QuerySet[User]:
    return (
        User.objects.filter(roles__school=school, roles__role__in=list(roles), is_active=True)
        .exclude(pk__in=list(except_ids))
        .distinct()
        .order_by("full_name", "pk")
    )


def approval_request(*, actor: User, school: School, user: User, kind: str, role: str = "") -> StaffApproval:
    """Ask for approval (called inside the staff services' transactions). The same request twice is one."""
    approval, created = StaffApproval.objects.get_or_create(
        kind=kind, user=user, school=school, role=role, status=StaffApproval.Status.PENDING, defaults={"requested_by": actor}
    )
    if not created:
        return approval
    audit_record(
        actor=actor,
        action="safeguard.staff.approval_requested",
        obj=user,
        school=school,
        extra={"approval_id": approval.pk, "kind": kind, "role": role},
    )
    who = f"{user.full_name} ({user.email})"
    if kind == StaffApproval.Kind.ROLE:
        title = f"Approve or decline: {Role(role).label} for {user.full_name}"
        body = (
            f"{actor.full_name}, an IT administrator, has asked for {who} to be given the role {Role(role).label}, "
            "which reads the school's safeguarding cases. It takes effect only when a Designated Safeguarding Lead approves it. "
            "If you do not know why it was asked for, decline it."
        )
    elif kind == StaffApproval.Kind.TRUST_LEAD:
        title = f"Approve or decline: {user.full_name} as the trust's safeguarding lead"
        body = (
            f"{actor.full_name}, an IT administrator, has asked for {who} to be the safeguarding lead of {school.trust.name}: "
            "they would see every school's safeguarding figures (no child, case or member of staff named) and read a case "
            "only when a Designated Safeguarding Lead of its school grants it. It takes effect only when a Designated "
            "Safeguarding Lead approves it. If you do not know why it was asked for, decline it."
        )
    else:
        title = f"Approve or decline: reset the second factor of {user.full_name}"
        body = (
            f"{actor.full_name}, an IT administrator, has asked to reset the second factor of {who}, who reads "
            "safeguarding cases. Approve it only once you have spoken to them (in person or by phone) and they asked for it."
        )
    alert_send(
        alert=Alert(kind="approval", title=title, url=reverse("approval_list"), subject=f"approval:{approval.pk}", detail=body),
        recipients=_people(school, TOLD_ROLES, except_ids=[user.pk]),
        school=school,
    )
    return approval


@transaction.atomic
def trust_lead_propose(*, actor: User, school: School, user: User) -> StaffApproval:
    """An IT administrator of ``school`` asks for ``user`` (someone on the school's staff) to be the
    trust's safeguarding lead. It takes effect only when a DSL of the school approves it."""
    if not can_manage_staff(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's IT administrator can ask for a trust safeguarding lead.")
    if user.pk == actor.pk:
        raise ValidationError("You cannot ask for yourself to be the trust's safeguarding lead. Ask another IT administrator.")
    if not user.is_active:
        raise ValidationError("This account is deactivated. Reactivate it first.")
    if not StaffRole.objects.filter(user=user, school=school).exists():
        raise ValidationError("Only someone on this school's staff can be proposed from here.")
    if open_lead(user, school.trust) is not None:
        raise ValidationError(f"{user.full_name} is already the safeguarding lead of {school.trust.name}.")
    return approval_request(actor=actor, school=school, user=user, kind=StaffApproval.Kind.TRUST_LEAD)


def tell_school_of_grant(*, school: School, user: User, role: str, actor: User, reactivated: bool = False) -> None:
    """A role that reads cases took effect without approval (the school's first DSL), or an account
    holding one came back: every DSL and head of the school is told at once."""
    label = Role(role).label
    if reactivated:
        title = f"{user.full_name}'s account was reactivated ({label})"
        body = f"{actor.full_name}, an IT administrator, reactivated the account of {user.full_name} ({user.email}), who holds the role {label} and can read cases."
    else:
        title = f"{user.full_name} is now {label}"
        body = f"{actor.full_name}, an IT administrator, gave {user.full_name} ({user.email}) the role {label}: the school had no Designated Safeguarding Lead, so no approval was needed."
    alert_send(
        alert=Alert(
            kind="role_given", title=title, url=reverse("approval_list"), subject=f"staff:{user.pk}", detail=body, security=True
        ),
        recipients=_people(school, TOLD_ROLES, except_ids=[user.pk]),
        school=school,
    )


def _require_approver(actor: User, approval: StaffApproval) -> None:
    allowed = APPROVER_ROLES[approval.kind]
    if not actor.is_active or not roles_at(actor, approval.school_id) & allowed:
        if approval.kind == StaffApproval.Kind.ROLE:
            raise ValidationError("Only a Designated Safeguarding Lead of this school can approve a role that reads cases.")
        if approval.kind == StaffApproval.Kind.TRUST_LEAD:
            raise ValidationError("Only a Designated Safeguarding Lead of this school can approve the trust's safeguarding lead.")
        raise ValidationError("Only a Designated Safeguarding Lead or the head of this school can approve this.")
    if actor.pk == approval.requested_by_id:
        raise ValidationError("You asked for this yourself. Another person must approve it: that is the point of asking.")
    if actor.pk == approval.user_id:
        raise ValidationError("This is about your own account. Another person must approve it.")


def _lock_pending(approval: StaffApproval) -> StaffApproval:
    locked = (
        StaffApproval.objects.select_for_update(of=("self",)).select_related("user", "school", "requested_by").get(pk=approval.pk)
    )
    if locked.status != StaffApproval.Status.PENDING:
        raise ValidationError(f"This request was already dealt with: {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def approval_approve(*, actor: User, approval: StaffApproval) -> StaffApproval:
    """A second person approves: the role is given (their sessions end, so it bites now), or the
    second factor is reset."""
    approval = _lock_pending(approval)
    _require_approver(actor, approval)
    user = approval.user
    if approval.kind == StaffApproval.Kind.ROLE:
        StaffRole.objects.get_or_create(
            user=user, school=approval.school, role=approval.role, defaults={"granted_by": approval.requested_by}
        )
        forget_roles(user)
        end_sessions(user)
    elif approval.kind == StaffApproval.Kind.TRUST_LEAD:
        trust_lead_appoint(actor=actor, user=user, trust=approval.school.trust, approval=approval)
    else:
        second_factor.second_factor_remove(actor=approval.requested_by, school=approval.school, user=user, approved_by=actor)
    approval.status, approval.decided_by, approval.decided_at = StaffApproval.Status.APPROVED, actor, timezone.now()
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="safeguard.staff.approval_approved",
        obj=user,
        school=approval.school,
        extra={
            "approval_id": approval.pk,
            "kind": approval.kind,
            "role": approval.role,
            "requested_by": approval.requested_by_id,
        },
    )
    notifications_clear(subject=f"approval:{approval.pk}")
    alert_send(
        alert=Alert(
            kind="approval_decided",
            title=f"Approved: {approval.what} for {user.full_name}",
            url=reverse("staff_edit", args=[user.pk]),
            subject=f"approval_decided:{approval.pk}",
            detail=f"{actor.full_name} approved {approval.what} for {user.full_name}.",
        ),
        recipients=[approval.requested_by],
        school=approval.school,
    )
    return approval


@transaction.atomic
def approval_decline(*, actor: User, approval: StaffApproval, reason: str) -> StaffApproval:
    approval = _lock_pending(approval)
    _require_approver(actor, approval)
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are declining, so the IT administrator knows what to do next."})
    approval.status, approval.decided_by, approval.decided_at = StaffApproval.Status.DECLINED, actor, timezone.now()
    approval.reason = reason.strip()
    approval.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=actor,
        action="safeguard.staff.approval_declined",
        obj=approval.user,
        school=approval.school,
        extra={"approval_id": approval.pk, "kind": approval.kind, "role": approval.role},
    )
    notifications_clear(subject=f"approval:{approval.pk}")
    alert_send(
        alert=Alert(
            kind="approval_decided",
            title=f"Declined: {approval.what} for {approval.user.full_name}",
            url=reverse("staff_edit", args=[approval.user_id]),
            subject=f"approval_decided:{approval.pk}",
            detail=f"{actor.full_name} declined {approval.what} for {approval.user.full_name}. Their reason: {approval.reason}",
        ),
        recipients=[approval.requested_by],
        school=approval.school,
    )
    return approval


def approval_withdraw(*, actor: User, school: School, user: User, kind: str, role: str = "") -> None:
    """The IT administrator no longer asks (a pending role left unticked). Inside their transaction."""
    pending = StaffApproval.objects.filter(kind=kind, user=user, school=school, role=role, status=StaffApproval.Status.PENDING)
    for approval_id in pending.values_list("pk", flat=True):
        notifications_clear(subject=f"approval:{approval_id}")
    pending.update(status=StaffApproval.Status.WITHDRAWN, decided_by=actor, decided_at=timezone.now())
