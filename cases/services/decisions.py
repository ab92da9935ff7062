"""The DSL's decision on police referral."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from cases import rules
from cases.models import Case, Decision, DecisionChoice
from safeguard.audit import audit_record
from safeguard.models import User


@transaction.atomic
def decision_record(*, actor: User, case: Case, decision: str, rationale: str = "") -> Decision:
    """Record the DSL's decision against the current assessment.

    A decision that differs from the assessment needs a written rationale (the seed: "context is
    key"; the police decide case by case). Decisions are never overwritten: a new one supersedes.
    """
    if decision not in DecisionChoice.values:
        raise ValidationError({"decision": "Choose a decision."})
    case = Case.objects.select_for_update(of=("self",)).select_related("current_assessment").get(pk=case.pk)
    assessment = case.current_assessment
    if assessment is None:
        raise ValidationError("This case has not been assessed yet.")
    differs = rules.decision_differs(assessment.outcome, decision)
    if differs and not rationale.strip():
        raise ValidationError({"rationale": rules.rationale_prompt(assessment.outcome, decision)})
    made = Decision.objects.create(
        case=case,
        decision=decision,
        rationale=rationale.strip(),
        assessment=assessment,
        assessment_outcome=assessment.outcome,
        differs_from_assessment=differs,
        made_by=actor,
    )
    audit_record(
        actor=actor,
        action="cases.decision.recorded",
        obj=case,
        school=case.school_id,
        extra={"decision": decision, "outcome": assessment.outcome, "differs": differs},
    )
    return made
