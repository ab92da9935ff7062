"""Need to know (issue 17): restricting a case to named people, the member of staff an
allegation is about, and break glass.

Who is named in a restriction is a django-guardian object permission on the case
(``cases.read_restricted``): these services are the only place it is granted or removed, each in
the same transaction as its audit event, so the change holds from the next request. KCSIE: an
allegation against a member of staff goes to the LADO within one working day, and one against the
head teacher to the chair of governors, not the head.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cases.access import READ_RESTRICTED_PERMISSION, may_break_glass_on, session_hash
from cases.models import BreakGlass, Case, CaseExclusion, CaseRestriction, RestrictionKind
from safeguard.audit import audit_record
from safeguard.models import Notification, User
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, Role
from safeguard.selectors import users_with_role
from safeguard.services import Alert, alert_send, notifications_clear

#: A reason is the DSL's record of why: a few characters do not say it.
REASON_MIN = 10
BREAK_GLASS_REASON_MIN = 20
#: Who a restriction may name: people of the school who read cases, or could be given one.
NAMEABLE_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.PASTORAL, Role.CHAIR_OF_GOVERNORS})


def _perm() -> str:
    return f"cases.{READ_RESTRICTED_PERMISSION}"


def _reason(text: str, *, least: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) < least:
        raise ValidationError(f"Say why {what}, in at least {least} characters: it is kept on the record.")
    return text


def _lead(actor: User, case: Case) -> None:
    if not roles_at(actor, case.school_id) & SAFEGUARDING_LEADS:
        raise ValidationError("Only the school's DSLs and deputies can restrict a case or change who is named in it.")
    if CaseExclusion.objects.filter(case=case, user=actor, ended_at__isnull=True).exists():
        raise ValidationError("You cannot change the restriction of a case about you.")


def open_restriction(case: Case) -> CaseRestriction | None:
    return CaseRestriction.objects.filter(case=case, ended_at__isnull=True).first()


def named_people(case: Case) -> list[User]:
    """Who is named in the case's restriction (the guardian permission), by name."""
    return list(
        User.objects.filter(
            caseuserobjectpermission__content_object=case,
            caseuserobjectpermission__permission__codename=READ_RESTRICTED_PERMISSION,
        )
        .distinct()
        .order_by("full_name", "id")
    )


def kept_out_people(case: Case) -> list[User]:
    return [e.user for e in CaseExclusion.objects.filter(case=case, ended_at__isnull=True).select_related("user")]


def _check_people(case: Case, people: list[User], kept_out: Iterable[User]) -> None:
    out = {u.pk for u in kept_out}
    if not people:
        raise ValidationError("Name at least one person: a restricted case is read only by the people named in it.")
    for user in people:
        if user.pk in out:
            raise ValidationError(f"{user.full_name} cannot be named: the allegation on this case is about them.")
        if not user.is_active or not roles_at(user, case.school_id) & NAMEABLE_ROLES:
            raise ValidationError(f"{user.full_name} is not a member of staff of this school who can read cases.")
    if not any(roles_at(u, case.school_id) & SAFEGUARDING_LEADS for u in people):
        raise ValidationError("Name at least one DSL or deputy DSL: someone must be able to manage the case.")


def _grant(case: Case, people: Iterable[User], *, now_named: set[int]) -> None:
    for user in people:
        if user.pk not in now_named:
            assign_perm(_perm(), user, case)


def _hide_notifications(case: Case, keep: Iterable[User]) -> None:
    """Anyone not named has nothing left to do about this case: its notifications clear (and the
    notification list shows none about a case its reader cannot open: desk.views.alerts)."""
    keep_ids = {u.pk for u in keep}
    others = Notification.objects.filter(case_id=case.pk, cleared_at__isnull=True).exclude(recipient_id__in=keep_ids)
    others.update(cleared_at=timezone.now())


@transaction.atomic
def case_restrict(*, actor: User, case: Case, people: list[User], reason: str) -> CaseRestriction:
    """A DSL restricts the case to named people (at least one DSL or deputy). Everyone else gets
    the 404 anyone gets for a case they cannot see."""
    _lead(actor, case)
    reason = _reason(reason, least=REASON_MIN, what="the case is restricted")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if open_restriction(case):
        raise ValidationError("This case is already restricted: change who is named in it instead.")
    people = list({u.pk: u for u in people}.values())
    _check_people(case, people, kept_out_people(case))
    restriction = CaseRestriction.objects.create(case=case, kind=RestrictionKind.DSL, reason=reason, started_by=actor)
    _grant(case, people, now_named=set())
    Case.objects.filter(pk=case.pk).update(is_restricted=True)
    case.is_restricted = True
    _hide_notifications(case, people)
    audit_record(
        actor=actor,
        action="cases.case.restricted",
        obj=case,
        school=case.school_id,
        extra={"kind": restriction.kind, "user_ids": sorted(u.pk for u in people)},
    )
    return restriction


@transaction.atomic
def case_restriction_change(*, actor: User, case: Case, people: list[User], reason: str) -> None:
    """Change who is named: added people read it from their next request, removed ones lose it."""
    _lead(actor, case)
    reason = _reason(reason, least=REASON_MIN, what="who is named changes")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if open_restriction(case) is None:
        raise ValidationError("This case is not restricted.")
    people = list({u.pk: u for u in people}.values())
    _check_people(case, people, kept_out_people(case))
    before = {u.pk: u for u in named_people(case)}
    after = {u.pk for u in people}
    if after == set(before):
        return
    _grant(case, people, now_named=set(before))
    for pk, user in before.items():
        if pk not in after:
            remove_perm(_perm(), user, case)
    _hide_notifications(case, people)
    audit_record(
        actor=actor,
        action="cases.case.restriction_changed",
        obj=case,
        school=case.school_id,
        extra={"added": sorted(after - set(before)), "removed": sorted(set(before) - after), "reason": reason},
    )


@transaction.atomic
def case_unrestrict(*, actor: User, case: Case, reason: str) -> None:
    """Lift a DSL's restriction. An allegation's restriction stays while its member of staff is
    kept out: otherwise they could read it."""
    _lead(actor, case)
    reason = _reason(reason, least=REASON_MIN, what="the restriction is lifted")
    case = Case.objects.select_for_update().get(pk=case.pk)
    restriction = open_restriction(case)
    if restriction is None:
        raise ValidationError("This case is not restricted.")
    if kept_out_people(case):
        raise ValidationError(
            "This case holds an allegation against a member of staff: it stays restricted while they are kept out of it."
        )
    restriction.ended_at, restriction.ended_by, restriction.ended_reason = timezone.now(), actor, reason
    restriction.save(update_fields=["ended_at", "ended_by", "ended_reason"])
    for user in named_people(case):
        remove_perm(_perm(), user, case)
    BreakGlass.objects.filter(case=case, ended_at__isnull=True).update(ended_at=timezone.now(), ended_by=actor)
    Case.objects.filter(pk=case.pk).update(is_restricted=False)
    case.is_restricted = False
    audit_record(actor=actor, action="cases.case.unrestricted", obj=case, school=case.school_id, extra={"reason": reason})


def _allegation_readers(case: Case, staff_member: User) -> tuple[str, list[User]]:
    """Who reads an allegation: the DSLs and deputies and the head; or, when the head is the one
    named, the DSLs and deputies and the chair of governors. Never the person named."""
    about_head = Role.HEAD in roles_at(staff_member, case.school_id)
    roles = SAFEGUARDING_LEADS | ({Role.CHAIR_OF_GOVERNORS} if about_head else {Role.HEAD})
    people = [u for u in users_with_role(case.school_id, roles) if u.pk != staff_member.pk]
    return (RestrictionKind.HEAD if about_head else RestrictionKind.STAFF), people


def check_staff_member(school_id: int, staff_member: User | None) -> None:
    """The member of staff named in an allegation must be one of this school's."""
    if staff_member is not None and not roles_at(staff_member, school_id):
        raise ValidationError(f"{staff_member.full_name} is not a member of staff at this school: pick someone from this school.")


@transaction.atomic
def case_allegation_record(*, actor: User, case: Case, staff_member: User) -> CaseRestriction:
    """A disclosure or concern names a member of staff as the adult involved: at once the case is
    restricted to those who handle allegations, and the person named is kept out of it, whatever
    their roles, with no sign that it exists."""
    check_staff_member(case.school_id, staff_member)
    case = Case.objects.select_for_update().select_related("school").get(pk=case.pk)
    kind, readers = _allegation_readers(case, staff_member)
    leads = set(users_with_role(case.school_id, SAFEGUARDING_LEADS).values_list("pk", flat=True)) - {staff_member.pk}
    if not leads:
        raise ValidationError("The school has no other DSL or deputy to handle an allegation about this person.")
    CaseExclusion.objects.get_or_create(case=case, user=staff_member, ended_at=None, defaults={"named_by": actor})
    restriction = open_restriction(case)
    reason = (
        "An allegation against the head teacher: the DSLs and the chair of governors handle it."
        if kind == RestrictionKind.HEAD
        else "An allegation against a member of staff: the DSLs, deputies and the head handle it."
    )
    if restriction is None:
        restriction = CaseRestriction.objects.create(case=case, kind=kind, reason=reason, started_by=actor)
        now_named: set[int] = set()
    else:
        if restriction.kind != kind and kind == RestrictionKind.HEAD:
            restriction.kind = kind
            restriction.save(update_fields=["kind"])
        now_named = {u.pk for u in named_people(case)}
    remove_perm(_perm(), staff_member, case)
    _grant(case, readers, now_named=now_named - {staff_member.pk})
    Case.objects.filter(pk=case.pk).update(is_restricted=True)
    case.is_restricted = True
    BreakGlass.objects.filter(case=case, user=staff_member, ended_at__isnull=True).update(ended_at=timezone.now(), ended_by=actor)
    _hide_notifications(case, [u for u in named_people(case) if u.pk != staff_member.pk])
    audit_record(
        actor=actor,
        action="cases.case.allegation_recorded",
        obj=case,
        school=case.school_id,
        extra={"kind": kind, "staff_member_id": staff_member.pk, "user_ids": sorted(u.pk for u in readers)},
    )
    return restriction


@transaction.atomic
def case_break_glass(*, actor: User, case: Case, reason: str) -> BreakGlass:
    """Someone who would read the school's cases, outside this case's restriction, opens it for
    this session with a written reason. Every DSL (and the chair of governors for a case about the
    head) is told at once; the head's access report shows it."""
    if not may_break_glass_on(actor, case):
        raise ValidationError("You cannot open this case.")
    if not session_hash(actor):
        raise ValidationError("Log in again to open this case.")
    reason = _reason(reason, least=BREAK_GLASS_REASON_MIN, what="you need to open this case")
    glass = BreakGlass.objects.create(case=case, user=actor, session_hash=session_hash(actor), reason=reason)
    audit_record(
        actor=actor, action="cases.case.break_glass", obj=case, school=case.school_id, extra={"break_glass_id": glass.pk}
    )
    restriction = open_restriction(case)
    roles = SAFEGUARDING_LEADS | (
        {Role.CHAIR_OF_GOVERNORS} if restriction and restriction.kind == RestrictionKind.HEAD else set()
    )
    out = {u.pk for u in kept_out_people(case)}
    told = [u for u in users_with_role(case.school_id, roles) if u.pk not in out and u.pk != actor.pk]
    alert_send(
        alert=Alert(
            kind="break_glass",
            title=f"{actor.full_name} broke the glass on restricted case {case.reference}",
            url=reverse("case_detail", args=[case.pk]),
            subject=f"break_glass:{glass.pk}",
            case_id=case.pk,
            security=True,
            detail="They gave a reason, which is on the case page. You can end their access there.",
        ),
        recipients=told,
        school=case.school,
    )
    return glass


@transaction.atomic
def break_glass_end(*, actor: User, glass: BreakGlass) -> None:
    """A DSL ends someone's break-glass access: their next request is refused."""
    _lead(actor, glass.case)
    if glass.ended_at is not None:
        return
    glass.ended_at, glass.ended_by = timezone.now(), actor
    glass.save(update_fields=["ended_at", "ended_by"])
    notifications_clear(subject=f"break_glass:{glass.pk}")
    audit_record(
        actor=actor,
        action="cases.case.break_glass_ended",
        obj=glass.case,
        school=glass.case.school_id,
        extra={"break_glass_id": glass.pk, "user_id": glass.user_id},
    )
