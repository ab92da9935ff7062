"""The DSL's decision: a rationale whenever it differs from the assessment; never overwritten."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Decision
from cases.rules import decision_differs
from tests.factories import make_case

REQUIRED = {"C1": "yes", "C2": "no", "C4": "no", "C6": "no"}
PROVISIONAL = {"C1": "unknown", "C2": "no", "C4": "no", "C6": "no"}


@pytest.mark.parametrize(
    ("outcome", "decision", "differs"),
    [
        ("required", "refer", False),
        ("required", "already_referred", False),
        ("required", "not_refer", True),
        ("not_required", "not_refer", False),
        ("not_required", "refer", True),
        ("not_required", "already_referred", True),
        ("provisional", "refer", True),
        ("provisional", "not_refer", True),
        ("provisional", "already_referred", True),
    ],
)
def test_the_rationale_rule(outcome, decision, differs):
    assert decision_differs(outcome, decision) is differs


@pytest.mark.parametrize(("answers", "decision"), [(REQUIRED, "not_refer"), (PROVISIONAL, "refer"), (None, "refer")])
def test_a_differing_decision_without_rationale_is_refused(dsl, school, pupil, answers, decision):
    case = make_case(actor=dsl, school=school, pupils=[pupil], **({"answers": answers} if answers else {}))
    with pytest.raises(ValidationError) as error:
        services.decision_record(actor=dsl, case=case, decision=decision, rationale="  ")
    assert "rationale" in error.value.error_dict
    assert not Decision.objects.exists()


def test_a_decision_in_line_with_the_assessment_needs_no_rationale(dsl, school, pupil):
    case = make_case(actor=dsl, school=school, pupils=[pupil], answers=REQUIRED)
    decision = services.decision_record(actor=dsl, case=case, decision="refer")
    assert decision.differs_from_assessment is False and decision.assessment_outcome == "required"


def test_decisions_are_never_overwritten(dsl, school, pupil):
    case = make_case(actor=dsl, school=school, pupils=[pupil], answers=REQUIRED)
    first = services.decision_record(
        actor=dsl, case=case, decision="not_refer", rationale="Police already aware via parents; confirmed by PC."
    )
    second = services.decision_record(actor=dsl, case=case, decision="already_referred")
    assert list(Decision.objects.order_by("id")) == [first, second]
    first.refresh_from_db()
    assert first.decision == "not_refer" and first.differs_from_assessment is True


def test_the_decision_page_explains_and_keeps_input(dsl, school, pupil, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil], answers=REQUIRED)
    response = login(dsl).post(reverse("case_decide", args=[case.pk]), {"decision": "not_refer", "rationale": ""})
    assert response.status_code == 200
    assert "The criteria say a police referral is required. If you decide otherwise, write down why." in response.content.decode()
    response = login(dsl).post(
        reverse("case_decide", args=[case.pk]), {"decision": "not_refer", "rationale": "Context: see note."}
    )
    assert response.status_code == 302
    page = login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Do not refer to the police" in page and "differs from the assessment" in page


def test_a_decision_overtaken_by_a_new_assessment_is_flagged(dsl, school, pupil, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    services.decision_record(actor=dsl, case=case, decision="not_refer")
    services.child_add(
        actor=dsl,
        case=case,
        pupil=type(pupil).objects.create(
            school=school,
            upn="B000000000001",
            first_name="Young",
            last_name="One",
            date_of_birth=case.disclosure.incident_date.replace(year=case.disclosure.incident_date.year - 10),
            year_group=5,
        ),
        part="witness",
    )
    page = login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "The assessment has changed since this decision was made" in page
