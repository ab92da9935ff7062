"""One definition of each fact (issue 14), and the bugs found on the way, each with its test."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import criteria, rules
from cases.criteria import AgeBand, ChildFacts, Facts, Outcome, Status
from cases.models import DecisionChoice
from referrals import steps as machine
from referrals.models import Step, StepEvent
from safeguard.models import AuditEvent, StaffRole
from tests.factories import PupilFactory, make_case, staff

# --- One definition ------------------------------------------------------------------------------


def test_step_states_and_the_reference_limit_are_the_machines():
    field = Step._meta.get_field("state")
    assert field.choices == machine.CHOICES
    assert StepEvent._meta.get_field("to_state").choices == machine.CHOICES
    assert Step._meta.get_field("reference").max_length == machine.REFERENCE_MAX
    from referrals.models import StepState

    assert StepState is machine.StepState


def test_decision_codes_are_the_rules():
    assert {DecisionChoice.REFER, DecisionChoice.NOT_REFER, DecisionChoice.ALREADY_REFERRED} == {
        rules.REFER,
        rules.NOT_REFER,
        rules.ALREADY_REFERRED,
    }


def test_the_disclosure_choices_take_their_values_from_the_criteria():
    from cases.models import AdultInvolvement, AgeBandChoice, AnswerChoice, ImageryChoice, ImageryKindChoice

    assert set(AnswerChoice.values) == {a.value for a in criteria.Answer}
    assert set(AdultInvolvement.values) == {a.value for a in criteria.Adult}
    assert set(ImageryChoice.values) == {a.value for a in criteria.Imagery}
    assert set(ImageryKindChoice.values) == {a.value for a in criteria.ImageryKind}
    assert set(AgeBandChoice.values) == {a.value for a in criteria.AgeBand}


def test_the_routes_for_13_and_over_use_the_criterias_rule_for_under_13():
    from referrals.services.suggestions import harmed_under_13

    stored = criteria.facts_to_dict(
        Facts(
            incident_date=date(2026, 3, 1),
            answers={},
            children=(ChildFacts("Child A", part="harmed", date_of_birth=date(2013, 3, 2)),),
        )
    )
    assert criteria.under_13(ChildFacts("Child A", date_of_birth=date(2013, 3, 2)), date(2026, 3, 1)) is True
    assert harmed_under_13(stored) is True
    stored["children"][0]["part"] = "witness"
    assert harmed_under_13(stored) is False


# --- C3 without an incident date ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        (ChildFacts("Child B", age=12), Status.MET),
        (ChildFacts("Child B", age_band=AgeBand.UNDER_13), Status.MET),
        (ChildFacts("Child B", age=14), Status.NOT_MET),
        (ChildFacts("Child B", date_of_birth=date(2013, 1, 1)), Status.UNANSWERED),
    ],
)
def test_c3_without_an_incident_date_still_reads_a_recorded_age_or_band(child, expected):
    result = criteria.assess(Facts(incident_date=None, answers={}, children=(child,))).criterion("C3")
    assert result.status == expected
    if expected == Status.UNANSWERED:
        assert "date of the incident is not recorded" in result.reasons[0]


def test_assess_command_meets_c3_from_an_age_band_when_the_date_is_missing(tmp_path):
    facts = {"answers": {"C1": "no"}, "children": [{"label": "Girl in Year 6", "age_band": "under_13"}]}
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = io.StringIO()
    call_command("assess", str(path), stdout=out)
    printed = out.getvalue()
    assert "Police referral required" in printed and "Girl in Year 6 was under 13" in printed


# --- The automatic police step goes through the machine ----------------------------------------


def test_the_automatic_police_step_is_to_do_only_with_an_owner(trust, db):
    from tests.factories import SchoolFactory

    school = SchoolFactory(trust=trust)
    dsl = staff(school, "dsl")
    pupil = PupilFactory(school=school)
    # The DSL who recorded it leaves; the school has no lead to own the police step.
    StaffRole.objects.filter(user=dsl).update(role="staff")
    case = make_case(actor=dsl, school=school, pupils=[pupil], answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"})
    police = Step.objects.get(case=case, route__code="R7")
    assert case.outcome == Outcome.REQUIRED
    assert police.state == "suggested" and police.owner is None and "needs an owner" in police.reason
    assert AuditEvent.objects.filter(action="referrals.step.automatic", extra__state="suggested").count() == 1


# --- Reinstating is its own move ---------------------------------------------------------------


def test_a_step_marked_not_needed_is_reinstated_from_its_page_and_audited_as_such(dsl, case, login):
    step = Step.objects.get(case=case, route__code="R1")
    client = login(dsl)
    client.post(reverse("step_act", args=[case.pk, step.pk, "not_needed"]), {"nn-reason": "Reported already by a parent."})
    page = client.get(reverse("step_detail", args=[case.pk, step.pk])).content.decode()
    assert "Reinstate this step" in page and reverse("step_act", args=[case.pk, step.pk, "reinstate"]) in page
    done = client.post(
        reverse("step_act", args=[case.pk, step.pk, "reinstate"]),
        {"accept-owner": dsl.pk, "accept-due_date": timezone.localdate().isoformat()},
    )
    assert done.status_code == 302
    step.refresh_from_db()
    assert step.state == "todo"
    assert AuditEvent.objects.filter(action="referrals.step.reinstated", extra__step_id=step.pk).count() == 1
    assert not AuditEvent.objects.filter(action="referrals.step.accepted", extra__step_id=step.pk).exists()
    assert StepEvent.objects.filter(step=step, summary__startswith="Reinstated").count() == 1


def test_accept_refuses_a_step_marked_not_needed(dsl, case):
    from django.core.exceptions import ValidationError

    from referrals import services

    step = Step.objects.get(case=case, route__code="R1")
    services.step_not_needed(actor=dsl, step=step, reason="Not on a platform after all.")
    with pytest.raises(ValidationError, match="Reinstate it instead"):
        services.step_accept(actor=dsl, step=step, owner=dsl, due_date=timezone.localdate())


# --- A step edit's audit names its fields ----------------------------------------------------


def test_changing_a_step_audits_the_names_of_the_fields_changed(dsl, deputy, case):
    from referrals import services

    step = Step.objects.get(case=case, route__code="R6")
    services.step_accept(actor=dsl, step=step, owner=dsl, due_date=timezone.localdate())
    services.step_update(
        actor=dsl, step=step, owner=deputy, due_date=timezone.localdate() + timedelta(days=3), reference="", contact="Ms Owner"
    )
    event = AuditEvent.objects.filter(action="referrals.step.changed").get()
    assert event.extra["fields"] == ["owner", "due_date", "contact"]


# --- my_open_actions picks the school before the home page's limit --------------------------------


def test_a_teacher_at_two_schools_sees_all_of_this_schools_actions(dsl, pastoral, case, school, other_school, other_dsl):
    from desk.selectors import HOME_WORK_LIMIT
    from referrals.models import Action
    from referrals.selectors import my_open_actions
    from referrals.services import action_create
    from safeguard.permissions import forget_roles

    StaffRole.objects.create(user=pastoral, school=other_school, role="pastoral")
    forget_roles(pastoral)
    elsewhere = make_case(actor=other_dsl, school=other_school, pupils=[PupilFactory(school=other_school)])
    first = action_create(actor=other_dsl, case=elsewhere, owner=pastoral, title="Elsewhere", due_date=timezone.localdate())
    Action.objects.bulk_create(
        [
            Action(case=elsewhere, owner=pastoral, title=f"More {n}", due_date=first.due_date, created_by=other_dsl)
            for n in range(HOME_WORK_LIMIT + 5)
        ]
    )
    mine = action_create(
        actor=dsl, case=case, owner=pastoral, title="Check in here", due_date=timezone.localdate() + timedelta(days=1)
    )
    forget_roles(pastoral)
    assert [a.pk for a in my_open_actions(pastoral, school=school)[:HOME_WORK_LIMIT]] == [mine.pk]


# --- Assignment: one answer -------------------------------------------------------------------------


def test_the_permission_and_the_assignment_history_never_disagree(dsl, pastoral, pastoral_unassigned, case, school):
    from cases.selectors import assignment_mismatches
    from cases.services import case_unassign
    from referrals import services

    services.action_create(actor=dsl, case=case, owner=pastoral_unassigned, title="Talk", due_date=timezone.localdate())
    step = Step.objects.get(case=case, route__code="R6")
    services.step_accept(actor=dsl, step=step, owner=pastoral, due_date=timezone.localdate())
    case_unassign(actor=dsl, case=case, user=pastoral)
    assert assignment_mismatches() == []


def test_a_disagreement_is_found_by_the_nightly_check(dsl, pastoral, case, caplog):
    from guardian.shortcuts import remove_perm

    from cases.access import VIEW_CASE_PERMISSION
    from cases.tasks import check_assignments

    remove_perm(VIEW_CASE_PERMISSION, pastoral, case)  # as a bug or a hand edit might
    assert check_assignments() == 1
    assert "an assignment recorded with no access granted" in caplog.text
