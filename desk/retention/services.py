"""Writes for retention: the school's rule, a review of a pupil's records, and legal holds. Each
is checked against the rules (``desk.retention.rules``), refused in the DSL's words when wrong, and
audited in the same transaction. Destruction itself is ``desk.retention.destruction``."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseChild, HoldKind, LegalHold, Pupil, RetentionReview, RetentionRule, ReviewOutcome
from desk.retention import rules
from desk.retention.selectors import retention_rule
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import READS_ALL_CASES, can_change_school_settings


def _require_reader(actor: User, school_id: int) -> None:
    if not roles_at(actor, school_id) & READS_ALL_CASES:
        raise PermissionDenied("Only the school's Designated Safeguarding Leads and the head do this.")


@transaction.atomic
def retention_rule_set(*, actor: User, school: School, years: int | None, reason: str) -> RetentionRule:
    """A school's own retention period, with its reason (IRMS: date of birth + 25 years unless the
    school decides otherwise and records why). Each change is a new row: the history stays."""
    if not can_change_school_settings(roles_at(actor, school.pk)):
        raise PermissionDenied("Only the school's Designated Safeguarding Lead sets how long records are kept.")
    School.objects.select_for_update().filter(pk=school.pk).first()
    current, _ = retention_rule(school)
    problems = rules.rule_refusals(years=years, reason=reason, current_years=current)
    if problems:
        raise ValidationError(problems)
    rule = RetentionRule.objects.create(school=school, years=years, reason=reason.strip(), set_by=actor)
    audit_record(
        actor=actor,
        action="desk.retention.rule_set",
        obj=rule,
        school=school.pk,
        extra={"years": years, "previous_years": current},
    )
    return rule


@transaction.atomic
def retention_review_record(
    *,
    actor: User,
    pupil: Pupil,
    outcome: str,
    reason: str,
    next_review_on: date | None = None,
    today: date | None = None,
) -> RetentionReview:
    """A review of a pupil's records (IRMS: reviewed at the end of the period): kept, with a reason
    and the next review date, or put forward for destruction (which two people then carry out)."""
    today = today or timezone.localdate()
    _require_reader(actor, pupil.school_id)
    if outcome == ReviewOutcome.KEEP:
        problems = rules.keep_review_refusals(reason=reason, next_review_on=next_review_on, today=today)
    elif outcome == ReviewOutcome.DESTROY:
        problems = {} if (reason or "").strip() else {"reason": "Write why the records can now be destroyed."}
        next_review_on = None
    else:
        problems = {"outcome": "Choose whether to keep the records or destroy them."}
    if problems:
        raise ValidationError(problems)
    review = RetentionReview.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        outcome=outcome,
        reason=reason.strip(),
        next_review_on=next_review_on,
        reviewed_by=actor,
    )
    extra = {"outcome": outcome}
    if next_review_on:
        extra["next_review_on"] = next_review_on.isoformat()
    audit_record(actor=actor, action="desk.retention.reviewed", obj=pupil, school=pupil.school_id, extra=extra)
    return review


@transaction.atomic
def legal_hold_place(*, actor: User, pupil: Pupil | None = None, case: Case | None = None, kind: str, reason: str) -> LegalHold:
    """A hold on a pupil's records or on one case (an inquiry, a court case, a police
    investigation, a complaint): nothing held is destroyed while it stands."""
    if (pupil is None) == (case is None):
        raise ValidationError("Choose what to hold: all the pupil's records, or one case.")
    school_id = pupil.school_id if pupil is not None else case.school_id
    _require_reader(actor, school_id)
    problems = {}
    if kind not in HoldKind.values:
        problems["kind"] = "Choose what the hold is for."
    if not (reason or "").strip():
        problems["reason"] = "Write why the records are held (for example, the police force and the crime reference)."
    if problems:
        raise ValidationError(problems)
    hold = LegalHold.objects.create(
        school_id=school_id, pupil=pupil, case=case, kind=kind, reason=reason.strip(), placed_by=actor
    )
    target = ("cases.pupil", pupil.pk) if pupil is not None else ("cases.case", case.pk)
    audit_record(
        actor=actor,
        action="desk.retention.hold_placed",
        obj=hold,
        school=school_id,
        extra={"kind": kind, "on": target[0], "on_id": target[1]},
    )
    return hold


def pupil_case(pupil: Pupil, case_id) -> Case | None:
    """One of the pupil's cases, by id (a hold's form offers only those)."""
    return Case.objects.filter(
        pk__in=CaseChild.objects.filter(pupil=pupil, removed_at__isnull=True).values("case_id"), pk=case_id
    ).first()


@transaction.atomic
def legal_hold_lift(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """A hold ends (the inquiry or the case is over), with a reason; the hold stays on the record."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    _require_reader(actor, hold.school_id)
    if hold.lifted_at is not None:
        raise ValidationError("This hold was lifted already.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Write why the hold is lifted (for example, the case closed on a date)."})
    hold.lifted_by, hold.lifted_at, hold.lifted_reason = actor, timezone.now(), reason.strip()
    hold.save(update_fields=["lifted_by", "lifted_at", "lifted_reason"])
    audit_record(actor=actor, action="desk.retention.hold_lifted", obj=hold, school=hold.school_id, extra={"kind": hold.kind})
    return hold


def retention_page_view(*, actor: User, pupil: Pupil) -> None:
    """A pupil's retention page names them and their cases' holds: audited, as the pupil page is."""
    audit_record(actor=actor, action="desk.retention.pupil_viewed", obj=pupil, school=pupil.school_id)
