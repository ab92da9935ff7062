"""The trust's safeguarding lead (issue 17; docs/domain.md, "Who uses it"): sees every school of
the trust's report figures and the trust's totals, no child, case or member of staff named, and a
named case only when that school's DSL grants it (``cases.services.grants``).

Appointed as roles that read cases are (``safeguard.services.approvals.trust_lead_propose``): an
IT administrator of a school of the trust asks, and a Designated Safeguarding Lead of that school
approves, so no
administrator can make themselves (or anyone) the trust's lead alone. At deployment, before any
school has its people, the ``trust_lead`` management command appoints one (``actor=None``).

Every appointment and ending is audited at every school of the trust, and the DSLs and heads of
every school are told at once: each school's figures become visible to someone outside it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from safeguard.audit import audit_record
from safeguard.models import School, StaffApproval, Trust, TrustLead, User
from safeguard.permissions import forget_roles, roles_at
from safeguard.roles import Role
from safeguard.services.alerts import Alert, alert_send

#: Sent by ``trust_lead_end`` inside its transaction, once the lead has ended.
#:
#: Keyword arguments: ``lead`` (the ended TrustLead, ``trust`` and ``user`` loaded) and ``actor``
#: (who ended it, or None for the ``trust_lead`` command). Connected by ``cases``
#: (``cases.services.grants.grants_end_for_trust_lead``): every case granted to them in the trust
#: is taken back, so an appointment made later starts with none.
trust_lead_ended = Signal()

#: Who is told, at every school of the trust, of an appointment or an ending.
TOLD_ROLES = frozenset({Role.DSL, Role.HEAD})


def open_lead(user: User, trust: Trust) -> TrustLead | None:
    return TrustLead.objects.filter(user=user, trust=trust, ended_at__isnull=True).first()


def _tell_trust_schools(*, trust: Trust, title: str, detail: str, subject: str, except_ids=()) -> None:
    for school in School.objects.filter(trust=trust).order_by("name", "pk"):
        recipients = (
            User.objects.filter(roles__school=school, roles__role__in=list(TOLD_ROLES), is_active=True)
            .exclude(pk__in=list(except_ids))
            .distinct()
            .order_by("full_name", "pk")
        )
        alert_send(
            alert=Alert(kind="trust_lead", title=title, url=reverse("home"), subject=subject, detail=detail, security=True),
            recipients=recipients,
            school=school,
        )


def _audit_at_every_school(*, actor: User | None, action: str, lead: TrustLead, extra: dict) -> None:
    for school_id in School.objects.filter(trust_id=lead.trust_id).order_by("pk").values_list("pk", flat=True):
        audit_record(actor=actor, action=action, obj=lead.user, school=school_id, extra={"trust_lead_id": lead.pk, **extra})


@transaction.atomic
def trust_lead_appoint(*, actor: User | None, user: User, trust: Trust, approval: StaffApproval | None = None) -> TrustLead:
    """Appoint ``user`` the safeguarding lead of ``trust``.

    Two people, as for a role that reads cases: ``actor`` is the DSL approving ``approval`` (an IT
    administrator's request, ``approvals.approval_approve``). ``actor`` None is the deployment's
    ``trust_lead`` command, run by whoever runs the server, before the schools have their people.
    """
    if actor is not None and (approval is None or approval.kind != StaffApproval.Kind.TRUST_LEAD or approval.user_id != user.pk):
        raise ValidationError(
            "A trust safeguarding lead is appointed when an IT administrator of a school of the trust asks for it "
            "and a Designated Safeguarding Lead of that school approves it."
        )
    if not user.is_active:
        raise ValidationError("This account is deactivated. Reactivate it first.")
    existing = open_lead(user, trust)
    if existing is not None:
        return existing
    lead = TrustLead.objects.create(user=user, trust=trust, granted_by=approval.requested_by if approval else None)
    forget_roles(user)
    _audit_at_every_school(
        actor=actor,
        action="safeguard.trust_lead.appointed",
        lead=lead,
        extra={"approval_id": approval.pk if approval else None, "by": "approval" if approval else "trust_lead command"},
    )
    _tell_trust_schools(
        trust=trust,
        title=f"{user.full_name} is now the safeguarding lead of {trust.name}",
        detail=(
            f"{user.full_name} ({user.email}) now sees every school's safeguarding figures in {trust.name}, with no child, "
            "case or member of staff named. They read a case only when a Designated Safeguarding Lead of its school grants it."
        ),
        subject=f"trust_lead:{lead.pk}",
        except_ids=[user.pk],
    )
    return lead


def may_end_trust_lead(actor: User, trust: Trust) -> bool:
    """An IT administrator or DSL of any school of the trust may end its lead: taking access away
    needs no second person (as removing a role does not)."""
    held = {
        role
        for school_id in School.objects.filter(trust=trust).values_list("pk", flat=True)
        for role in roles_at(actor, school_id)
    }
    return bool(held & {Role.IT_ADMIN, Role.DSL})


@transaction.atomic
def trust_lead_end(*, actor: User | None, lead: TrustLead) -> TrustLead:
    """End an appointment: from their next request they see no figures and no granted case, and
    every case granted to them in the trust is taken back (``trust_lead_ended``). Kept, not deleted."""
    lead = TrustLead.objects.select_for_update(of=("self",)).select_related("user", "trust").get(pk=lead.pk)
    if lead.ended_at is not None:
        raise ValidationError("This appointment has already ended.")
    if actor is not None and not may_end_trust_lead(actor, lead.trust):
        raise ValidationError("Only an IT administrator or a Designated Safeguarding Lead of a school of the trust can end this.")
    lead.ended_at, lead.ended_by = timezone.now(), actor
    lead.save(update_fields=["ended_at", "ended_by"])
    forget_roles(lead.user)
    _audit_at_every_school(actor=actor, action="safeguard.trust_lead.ended", lead=lead, extra={})
    trust_lead_ended.send(sender=TrustLead, lead=lead, actor=actor)
    who = actor.full_name if actor is not None else "The system administrator"
    _tell_trust_schools(
        trust=lead.trust,
        title=f"{lead.user.full_name} is no longer the safeguarding lead of {lead.trust.name}",
        detail=f"{who} ended it. They no longer see the trust's figures or any case granted to them.",
        subject=f"trust_lead_ended:{lead.pk}",
        except_ids=[lead.user_id] + ([actor.pk] if actor is not None else []),
    )
    return lead
