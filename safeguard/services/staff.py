"""Staff accounts and roles, managed by the school's IT administrator.

The IT administrator manages accounts but never reads a case (MyConcern's admins cannot see
pupil records), and that must hold for the people they create and the accounts they manage, not
only for their own account:
- a role that reads every case (DSL, deputy, head) they give takes effect only when a DSL of the
  school approves it (``safeguard.services.approvals``); the school's first DSL is the exception,
  while it has no DSL at all; every DSL and head of the school is told of every such grant;
- a school always keeps at least one active DSL (KCSIE: every school has one), so no
  administrator can empty the school of DSLs and then appoint their own;
- an account that also works at a school the administrator does not look after is managed
  there: it cannot be attached, reset, sent a password link or deactivated from here.

Each service is keyword-only, atomic, and writes its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from safeguard import second_factor
from safeguard.audit import audit_record
from safeguard.models import School, StaffApproval, StaffRole, User
from safeguard.permissions import forget_roles, roles_at, trust_lead_of
from safeguard.roles import CASE_READING_ROLES, NEEDS_DSL_APPROVAL, READS_ALL_CASES, Role, can_manage_staff
from safeguard.selectors import pending_roles
from safeguard.services import approvals
from safeguard.sessions import end_sessions

IN_USE_ELSEWHERE = (
    "This email address is already in use elsewhere in the trust. Use the person's address at this school, "
    "or ask the IT administrator of the school where they already have an account."
)
LAST_DSL = (
    "A school must always have a Designated Safeguarding Lead, and this is its only one. "
    "Add another DSL first (a DSL approves it), then change this person."
)


class StaffPermissionError(ValidationError):
    pass


def _require_staff_admin(actor: User, school: School) -> None:
    if not can_manage_staff(roles_at(actor, school.pk)):
        raise StaffPermissionError("Only the school's IT administrator can manage staff accounts.")


def _schools_of(user: User) -> set[int]:
    """Every school where the account holds a role or waits for one, active or not."""
    held = set(StaffRole.objects.filter(user=user).values_list("school_id", flat=True))
    waiting = StaffApproval.objects.filter(user=user, status=StaffApproval.Status.PENDING).values_list("school_id", flat=True)
    return held | set(waiting)


def require_administers_person(*, actor: User, school: School, user: User) -> None:
    """The IT administrator of ``school`` may act on ``user``'s account only if every school where
    the account holds a role (or waits for one) is a school the administrator looks after."""
    _require_staff_admin(actor, school)
    if any(not can_manage_staff(roles_at(actor, school_id)) for school_id in _schools_of(user) - {school.pk}):
        raise StaffPermissionError(
            "This person also works at a school you do not administer, so their account is managed there. "
            "Ask that school's IT administrator."
        )


def active_dsl_ids(school: School) -> set[int]:
    return set(StaffRole.objects.filter(school=school, role=Role.DSL, user__is_active=True).values_list("user_id", flat=True))


def _needs_approval(school: School, role: str) -> bool:
    """Roles that read every case (and the chair of governors) need a DSL's approval, except the
    school's first DSL while it has no DSL at all (someone has to be first: create_school, or its
    IT administrator)."""
    if role not in NEEDS_DSL_APPROVAL:
        return False
    return not (role == Role.DSL and not active_dsl_ids(school))


def _give_roles(*, actor: User, school: School, user: User, roles: set[str]) -> tuple[list[str], list[str]]:
    """Give ``roles`` now, or ask for a DSL's approval: returns (given now, waiting for approval)."""
    given, waiting = [], []
    for role in sorted(roles):
        if _needs_approval(school, role):
            approvals.approval_request(actor=actor, school=school, user=user, kind=StaffApproval.Kind.ROLE, role=role)
            waiting.append(role)
        else:
            StaffRole.objects.create(user=user, school=school, role=role, granted_by=actor)
            given.append(role)
            if role in READS_ALL_CASES:
                # The first DSL: no one to approve it, so every head of the school is told at once.
                approvals.tell_school_of_grant(school=school, user=user, role=role, actor=actor)
    return given, waiting


@transaction.atomic
def staff_create(*, actor: User, school: School, email: str, full_name: str, roles: Iterable[str]) -> User:
    """Add a member of staff to ``school`` with ``roles``; roles that read cases wait for a DSL.

    A new account has no password: once the transaction commits, they are e-mailed a link to set one.
    """
    _require_staff_admin(actor, school)
    email = User.objects.normalize_email(email).strip().lower()
    wanted = set(roles)
    if not wanted:
        raise ValidationError({"roles": "Choose at least one role."})
    if wanted - set(Role.values):
        raise ValidationError({"roles": "Unknown role."})
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if StaffRole.objects.filter(user=existing, school=school).exists():
            raise ValidationError({"email": "This person already has an account at this school. Change their roles instead."})
        if any(not can_manage_staff(roles_at(actor, school_id)) for school_id in _schools_of(existing)):
            # Say only that it is in use: which school, and whose account, is not the asker's business.
            raise ValidationError({"email": IN_USE_ELSEWHERE})
        user = existing
    else:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
    given, waiting = _give_roles(actor=actor, school=school, user=user, roles=wanted)
    forget_roles(user)
    audit_record(
        actor=actor,
        action="safeguard.staff.added",
        obj=user,
        school=school,
        extra={"roles": given, "waiting_for_approval": waiting, "new_account": existing is None},
    )
    if existing is None:
        _send_password_link(user)
    return user


@transaction.atomic
def staff_set_roles(*, actor: User, school: School, user: User, roles: Iterable[str]) -> dict[str, list[str]]:
    """Change ``user``'s roles at ``school``: removals bite at once (their sessions end), roles that
    read cases wait for a DSL's approval, and a pending role left unticked is withdrawn."""
    require_administers_person(actor=actor, school=school, user=user)
    if user.pk == actor.pk:
        # An administrator who could change their own roles could make themselves a DSL.
        raise ValidationError("You cannot change your own roles. Ask another IT administrator.")
    wanted = set(roles)
    if wanted - set(Role.values):
        raise ValidationError("Unknown role.")
    current = set(StaffRole.objects.filter(user=user, school=school).values_list("role", flat=True))
    waiting = pending_roles(school, user)
    removed, added, withdrawn = current - wanted, wanted - current - waiting, waiting - wanted
    if Role.DSL in removed and user.is_active and active_dsl_ids(school) == {user.pk}:
        raise ValidationError(LAST_DSL)
    if not (removed or added or withdrawn):
        return {"added": [], "waiting": [], "removed": [], "withdrawn": []}
    StaffRole.objects.filter(user=user, school=school, role__in=removed).delete()
    for role in sorted(withdrawn):
        approvals.approval_withdraw(actor=actor, school=school, user=user, kind=StaffApproval.Kind.ROLE, role=role)
    given, asked = _give_roles(actor=actor, school=school, user=user, roles=added)
    forget_roles(user)
    if removed or given:
        end_sessions(user)
    audit_record(
        actor=actor,
        action="safeguard.staff.roles_changed",
        obj=user,
        school=school,
        extra={"added": given, "waiting_for_approval": asked, "removed": sorted(removed), "withdrawn": sorted(withdrawn)},
    )
    return {"added": given, "waiting": asked, "removed": sorted(removed), "withdrawn": sorted(withdrawn)}


@transaction.atomic
def staff_deactivate(*, actor: User, school: School, user: User) -> None:
    """Deactivate an account: they cannot log in, and every session they have ends at once."""
    require_administers_person(actor=actor, school=school, user=user)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    for school_id in set(StaffRole.objects.filter(user=user, role=Role.DSL).values_list("school_id", flat=True)):
        if active_dsl_ids(School(pk=school_id)) == {user.pk}:
            raise ValidationError(LAST_DSL)
    user.is_active = False
    user.save(update_fields=["is_active"])
    end_sessions(user)
    audit_record(actor=actor, action="safeguard.staff.deactivated", obj=user, school=school)


@transaction.atomic
def staff_reactivate(*, actor: User, school: School, user: User) -> None:
    """An account comes back with the roles it had; if they read cases, the school's DSLs and head
    are told (the same people who approve such roles)."""
    require_administers_person(actor=actor, school=school, user=user)
    held = set(StaffRole.objects.filter(user=user, school=school).values_list("role", flat=True))
    if not held:
        raise ValidationError("This person has no role at your school.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="safeguard.staff.reactivated", obj=user, school=school)
    for role in sorted(held & CASE_READING_ROLES):
        approvals.tell_school_of_grant(school=school, user=user, role=role, actor=actor, reactivated=True)


@transaction.atomic
def staff_reset_second_factor(*, actor: User, school: School, user: User) -> bool:
    """The IT administrator resets a lost second factor. For someone who reads cases, a DSL or the
    head must approve it first (returns False: asked); for anyone else it is done now (True)."""
    require_administers_person(actor=actor, school=school, user=user)
    if user.pk == actor.pk:
        raise ValidationError("You cannot reset your own second factor. Ask another IT administrator.")
    if not second_factor.has_second_factor(user):
        raise ValidationError("This person has no second factor to reset: they set one up when they next log in.")
    # A trust's safeguarding lead reads every school's figures and the cases granted to them: the same.
    reads_cases = StaffRole.objects.filter(user=user, role__in=CASE_READING_ROLES).exists() or bool(trust_lead_of(user))
    if reads_cases:
        approvals.approval_request(actor=actor, school=school, user=user, kind=StaffApproval.Kind.SECOND_FACTOR_RESET)
        return False
    second_factor.second_factor_remove(actor=actor, school=school, user=user)
    return True


@transaction.atomic
def staff_send_password_link(*, actor: User, school: School, user: User) -> None:
    """The IT administrator sends a new set-password link (to the person's own address)."""
    require_administers_person(actor=actor, school=school, user=user)
    if not user.is_active:
        raise ValidationError("This account is deactivated. Reactivate it first.")
    audit_record(actor=actor, action="safeguard.staff.password_link_sent", obj=user, school=school)
    _send_password_link(user)


def _send_password_link(user: User) -> None:
    """E-mail a link to set a password, once the surrounding transaction commits."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.BASE_URL + reverse("password_set_confirm", args=[uid, default_token_generator.make_token(user)])
    body = render_to_string("safeguard/email/set_password.txt", {"user": user, "link": link})

    def send() -> None:
        send_mail("Set your Safeguard password", body, None, [user.email])

    transaction.on_commit(send, robust=True)


def send_first_password_link(user: User) -> None:
    """For ``create_school`` and the demo: the first IT administrator's or DSL's link."""
    _send_password_link(user)
