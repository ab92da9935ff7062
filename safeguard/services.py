"""Writes to the shared core: staff accounts and roles, notifications.

Each service is keyword-only, atomic, and writes its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safeguard.audit import audit_record
from safeguard.models import Notification, School, StaffRole, User
from safeguard.permissions import forget_roles, roles_at, user_roles
from safeguard.roles import Role, can_manage_staff


class StaffPermissionError(ValidationError):
    pass


def _require_staff_admin(actor: User, school: School) -> None:
    if not can_manage_staff(roles_at(actor, school.pk)):
        raise StaffPermissionError("Only the school's IT administrator can manage staff accounts.")


def end_sessions(user: User) -> None:
    """Every session of ``user`` ends at its next request (see User.get_session_auth_hash)."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])


@transaction.atomic
def staff_create(*, actor: User, school: School, email: str, full_name: str, roles: Iterable[str]) -> User:
    """Add a member of staff to ``school`` with ``roles``.

    A new account has no password: once the transaction commits, they are e-mailed a link to set one.
    """
    _require_staff_admin(actor, school)
    email = User.objects.normalize_email(email).strip().lower()
    roles = sorted(set(roles))
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if roles_at(existing, school.pk):
            raise ValidationError({"email": "This person already has an account at this school. Change their roles instead."})
        user = existing
    else:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
    for role in roles:
        StaffRole.objects.create(user=user, school=school, role=role, granted_by=actor)
    forget_roles(user)
    audit_record(
        actor=actor,
        action="safeguard.staff.added",
        obj=user,
        school=school,
        extra={"roles": roles, "new_account": existing is None},
    )
    if existing is None:
        staff_send_password_link(user=user)
    return user


@transaction.atomic
def staff_set_roles(*, actor: User, school: School, user: User, roles: Iterable[str]) -> None:
    """Replace ``user``'s roles at ``school``. Their sessions end at once so the change bites now."""
    _require_staff_admin(actor, school)
    if user.pk == actor.pk:
        # An administrator who could change their own roles could make themselves a DSL.
        raise ValidationError("You cannot change your own roles. Ask another IT administrator.")
    wanted = set(roles)
    invalid = wanted - set(Role.values)
    if invalid:
        raise ValidationError("Unknown role.")
    current = set(StaffRole.objects.filter(user=user, school=school).values_list("role", flat=True))
    removed, added = current - wanted, wanted - current
    if not removed and not added:
        return
    StaffRole.objects.filter(user=user, school=school, role__in=removed).delete()
    for role in sorted(added):
        StaffRole.objects.create(user=user, school=school, role=role, granted_by=actor)
    forget_roles(user)
    end_sessions(user)
    audit_record(
        actor=actor,
        action="safeguard.staff.roles_changed",
        obj=user,
        school=school,
        extra={"added": sorted(added), "removed": sorted(removed)},
    )


@transaction.atomic
def staff_deactivate(*, actor: User, school: School, user: User) -> None:
    """Deactivate an account: they cannot log in, and every session they have ends at once."""
    _require_staff_admin(actor, school)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    other_schools = set(user_roles(user)) - {school.pk}
    not_mine = [s for s in other_schools if not can_manage_staff(roles_at(actor, s))]
    if not_mine:
        raise ValidationError(
            "This person also works at a school you do not administer. Remove their roles here instead, "
            "or ask that school's IT administrator."
        )
    user.is_active = False
    user.save(update_fields=["is_active"])
    end_sessions(user)
    audit_record(actor=actor, action="safeguard.staff.deactivated", obj=user, school=school)


@transaction.atomic
def staff_reactivate(*, actor: User, school: School, user: User) -> None:
    _require_staff_admin(actor, school)
    if not StaffRole.objects.filter(user=user, school=school).exists():
        raise ValidationError("This person has no role at your school.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="safeguard.staff.reactivated", obj=user, school=school)


def notification_create(*, recipients: Iterable[User], school: School, kind: str, title: str, url: str) -> list[Notification]:
    """In-app notifications. ``title`` names the kind of thing and a case reference, never a child."""
    now = timezone.now()
    return Notification.objects.bulk_create(
        [Notification(recipient=user, school=school, kind=kind, title=title, url=url, created_at=now) for user in recipients]
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def worker_heartbeat_record(*, hostname: str) -> int:
    from safeguard.models import WorkerHeartbeat

    beat, _ = WorkerHeartbeat.objects.select_for_update().get_or_create(
        hostname=hostname[:200], defaults={"last_seen": timezone.now()}
    )
    beat.last_seen = timezone.now()
    beat.beats += 1
    beat.save(update_fields=["last_seen", "beats"])
    return beat.beats


def staff_send_password_link(*, user: User) -> None:
    """E-mail a link to set a password (new accounts, or on request of the IT administrator)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.BASE_URL + reverse("password_set_confirm", args=[uid, default_token_generator.make_token(user)])
    body = render_to_string("safeguard/email/set_password.txt", {"user": user, "link": link})

    def send() -> None:
        send_mail("Set your Safeguard password", body, None, [user.email])

    transaction.on_commit(send, robust=True)


@transaction.atomic
def school_settings_update(*, actor: User, school: School, changes: dict) -> list[str]:
    """The DSL changes the school's safeguarding settings. A new threshold for "a high number of
    children" (criterion C7) re-assesses every open case, since their verdict may change."""
    from safeguard.roles import can_change_school_settings

    if not can_change_school_settings(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's Designated Safeguarding Lead can change its settings.")
    school = School.objects.select_for_update().get(pk=school.pk)
    changed = [name for name, value in changes.items() if getattr(school, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(school, name, changes[name])
    school.full_clean()
    school.save(update_fields=changed)
    audit_record(actor=actor, action="safeguard.school.settings_changed", obj=school, school=school, extra={"fields": changed})
    if "high_number_threshold" in changed:
        from cases.models import AssessmentTrigger, Case, CaseStatus
        from cases.services import case_reassess

        for case in Case.objects.filter(school=school, status=CaseStatus.OPEN).select_related("school", "current_assessment"):
            case_reassess(case=case, trigger=AssessmentTrigger.SETTING_CHANGED, actor=actor)
    return changed


@transaction.atomic
def digest_preferences_update(*, actor: User, school: School, choices: dict[int, bool]) -> None:
    """The DSL turns the morning digest on or off for each of the school's leads."""
    from safeguard.models import MemberSettings
    from safeguard.roles import SAFEGUARDING_LEADS, can_change_school_settings

    if not can_change_school_settings(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's Designated Safeguarding Lead can change its settings.")
    leads = set(StaffRole.objects.filter(school=school, role__in=SAFEGUARDING_LEADS).values_list("user_id", flat=True))
    changed = []
    for user_id, wanted in choices.items():
        if user_id not in leads:
            continue
        entry, _ = MemberSettings.objects.get_or_create(user_id=user_id, school=school)
        if entry.digest != wanted:
            entry.digest = wanted
            entry.save(update_fields=["digest"])
            changed.append(user_id)
    if changed:
        audit_record(actor=actor, action="safeguard.school.digest_changed", obj=school, school=school, extra={"users": changed})


def auth_event_record(*, action: str, user: User | None = None, extra: dict | None = None) -> None:
    """Logins, failures and lockouts (DOMAIN.md: failed access is logged). Never the password,
    and never the email typed for an account that does not exist."""
    with transaction.atomic():
        audit_record(actor=user, action=action, obj=user, extra=extra or {})
