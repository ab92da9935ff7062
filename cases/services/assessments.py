"""Re-assessment: every change of facts re-runs the criteria and keeps the earlier results."""

from __future__ import annotations

from django.db import transaction

from cases import criteria
from cases.facts import facts_for_case
from cases.models import Assessment, AssessmentTrigger, Case, CaseStatus
from cases.signals import case_assessed
from safeguard.audit import audit_record


@transaction.atomic
def case_reassess(*, case: Case, trigger: str, actor=None) -> Assessment:
    """Run the criteria on the case's current facts and keep the result with its rule-set version.

    A case that becomes *police referral required* alerts the school's DSLs at once and gets a
    police step due the same day (docs/domain.md, "Rules of the assessment"): ``case_assessed`` says
    so to the referrals app, which does both inside this transaction.
    """
    previous = case.current_assessment
    facts = facts_for_case(case)
    result = criteria.assess(facts)
    assessment = Assessment.objects.create(
        case=case,
        trigger=trigger,
        actor=actor,
        ruleset_version=result.ruleset_version,
        outcome=result.outcome,
        complete=result.complete,
        met=list(result.met),
        facts=criteria.facts_to_dict(facts),
        result=result.to_dict(),
    )
    Case.objects.filter(pk=case.pk).update(outcome=result.outcome, current_assessment=assessment)
    case.outcome, case.current_assessment = result.outcome, assessment
    audit_record(
        actor=actor,
        action="cases.assessment.created",
        obj=case,
        school=case.school_id,
        extra={"outcome": str(result.outcome), "met": list(result.met), "trigger": trigger, "ruleset": result.ruleset_version},
    )
    became_required = result.outcome == criteria.Outcome.REQUIRED and (
        previous is None or previous.outcome != criteria.Outcome.REQUIRED
    )
    # Referral steps follow the assessment (routes suggested from the facts, a police step and an
    # alert when it has just become required): the referrals app does that, in this transaction.
    case_assessed.send(
        sender=Case, case=case, assessment=assessment, previous=previous, became_required=became_required, actor=actor
    )
    return assessment


@transaction.atomic
def pupil_cases_reassess(*, pupil, actor) -> list[Assessment]:
    """A pupil's date of birth or vulnerability flags changed: re-assess their open cases."""
    cases = (
        Case.objects.filter(children__pupil=pupil, children__removed_at__isnull=True, status=CaseStatus.OPEN)
        .select_related("school", "current_assessment")
        .distinct()
    )
    return [case_reassess(case=case, trigger=AssessmentTrigger.PUPIL_RECORD_CHANGED, actor=actor) for case in cases]
