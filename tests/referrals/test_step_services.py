"""Steps through their services: suggestions, the automatic police step, due dates, moves, R2 offers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from referrals import services
from referrals.models import Route, SchoolRoute, Step, StepEvent
from safeguard.models import AuditEvent
from safeguard.workdays import add_working_days
from tests.factories import make_case
from tests.referrals.conftest import REQUIRED


def _steps(case):
    return {s.route.code: s for s in Step.objects.filter(case=case).select_related("route")}


def test_a_case_becoming_required_gets_a_police_step_due_the_same_day(required_case, dsl):
    police = _steps(required_case)["R7"]
    assert police.state == "todo" and police.origin == "automatic"
    assert police.due_date == timezone.localdate() and police.owner == dsl
    assert "criteria are met (C1)" in police.reason
    assert AuditEvent.objects.filter(action="referrals.step.automatic").count() == 1


def test_a_suggested_police_step_is_made_due_today_when_the_case_becomes_required(quiet_case, dsl):
    from tests.cases.test_assessment_history import _facts

    case_services.facts_update(
        actor=dsl, case=quiet_case, data=_facts(quiet_case, adult_involvement="stranger"), reason="New detail"
    )
    assert _steps(quiet_case)["R7"].state == "suggested"
    case_services.facts_update(
        actor=dsl, case=quiet_case, data=_facts(quiet_case, adult_involvement="stranger", answers=REQUIRED), reason="More"
    )
    police = Step.objects.filter(case=quiet_case, route__code="R7")
    assert police.count() == 1
    assert police.get().state == "todo" and police.get().due_date == timezone.localdate()


def test_the_police_step_is_not_duplicated_when_the_case_stays_required(required_case, dsl):
    from tests.cases.test_assessment_history import _facts

    case_services.facts_update(
        actor=dsl, case=required_case, data=_facts(required_case, answers={**REQUIRED, "C2": "yes"}), reason="x"
    )
    assert Step.objects.filter(case=required_case, route__code="R7").count() == 1


def test_the_schools_setting_decides_when_a_required_referral_is_due(dsl, school, fourteen):
    school.police_referral_due_days = 1
    school.save()
    case = make_case(actor=dsl, school=school, pupils=[fourteen], answers=REQUIRED)
    assert _steps(case)["R7"].due_date == add_working_days(timezone.localdate(), 1)


def test_suggestions_carry_their_reasons_and_are_not_repeated(quiet_case, dsl):
    steps = _steps(quiet_case)
    assert set(steps) == {"R1", "R6", "P1"}
    assert steps["R1"].reason.startswith("Suggested because the content was on Snapchat")
    case_services.case_reassess(case=quiet_case, trigger="facts_changed", actor=dsl)
    assert Step.objects.filter(case=quiet_case).count() == 3


def test_accepting_a_suggestion(quiet_case, dsl, pastoral):
    step = _steps(quiet_case)["R6"]
    due = add_working_days(timezone.localdate(), 2)
    services.step_accept(actor=dsl, step=step, owner=pastoral, due_date=due)
    step.refresh_from_db()
    assert (step.state, step.owner, step.due_date) == ("todo", pastoral, due)
    assert StepEvent.objects.filter(step=step, to_state="todo").exists()


def test_a_due_date_in_the_past_is_refused_on_creation(quiet_case, dsl):
    with pytest.raises(ValidationError, match="cannot be in the past"):
        services.step_add(
            actor=dsl,
            case=quiet_case,
            route=Route.objects.get(code="R8"),
            owner=dsl,
            due_date=timezone.localdate() - timedelta(days=1),
        )


def test_default_due_dates_come_from_the_route_or_the_schools_override(quiet_case, dsl, school, login):
    from referrals.services.steps import due_date_for

    r8 = Route.objects.get(code="R8")
    assert due_date_for(quiet_case, r8) == add_working_days(timezone.localdate(), r8.default_due_working_days)
    SchoolRoute.objects.create(school=school, route=r8, due_working_days=5)
    assert due_date_for(quiet_case, r8) == add_working_days(timezone.localdate(), 5)


def test_a_step_goes_all_the_way_with_its_record(required_case, dsl):
    police = _steps(required_case)["R7"]
    made_at = timezone.now() - timedelta(hours=1)
    services.step_mark_made(
        actor=dsl, step=police, made_at=made_at, made_how="phone_101", reference="CR/1234/26", contact="PC 4321 Example"
    )
    services.step_acknowledge(actor=dsl, step=police, acknowledged_at=timezone.now() - timedelta(minutes=10))
    services.step_record_outcome(actor=dsl, step=police, outcome="Officer spoke to the family; no further police action.")
    services.step_close(actor=dsl, step=police)
    police.refresh_from_db()
    assert police.state == "closed" and police.reference == "CR/1234/26" and police.contact == "PC 4321 Example"
    assert list(StepEvent.objects.filter(step=police).order_by("id").values_list("to_state", flat=True)) == [
        "todo",
        "made",
        "acknowledged",
        "outcome_recorded",
        "closed",
    ]
    assert AuditEvent.objects.filter(action__startswith="referrals.step.").exclude(action="referrals.step.suggested").count() == 5


def test_a_reference_of_absurd_length_is_refused(required_case, dsl):
    police = _steps(required_case)["R7"]
    with pytest.raises(ValidationError, match="at most 100 characters"):
        services.step_mark_made(actor=dsl, step=police, made_at=timezone.now(), made_how="phone_101", reference="9" * 5000)
    police.refresh_from_db()
    assert police.state == "todo"


def test_an_acknowledgement_before_the_step_was_made_is_refused(required_case, dsl):
    police = _steps(required_case)["R7"]
    with pytest.raises(ValidationError, match="Mark the step as made"):
        services.step_acknowledge(actor=dsl, step=police, acknowledged_at=timezone.now())


def test_the_step_page_keeps_input_on_a_refused_move(required_case, dsl, login):
    police = _steps(required_case)["R7"]
    url = reverse("step_act", args=[required_case.pk, police.pk, "made"])
    response = login(dsl).post(url, {"made-made_at": "", "made-made_how": "phone_101", "made-reference": "CR/KEEP/ME"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Give the date and time." in body and "CR/KEEP/ME" in body
    response = login(dsl).post(url, {"made-made_at": "", "made-made_how": "phone_101", "made-reference": "R" * 300})
    # A bad date and an absurd reference: both stay on the page with their messages.
    assert "R" * 300 in response.content.decode()


def test_the_step_page_refuses_an_absurd_reference_with_a_clear_message(required_case, dsl, login):
    police = _steps(required_case)["R7"]
    made_at = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = login(dsl).post(
        reverse("step_act", args=[required_case.pk, police.pk, "made"]),
        {"made-made_at": made_at, "made-made_how": "phone_101", "made-reference": "R" * 300},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "A reference can be at most 100 characters (this one has 300)." in body


def test_not_needed_needs_a_reason_and_can_be_reinstated(quiet_case, dsl):
    r1 = _steps(quiet_case)["R1"]
    with pytest.raises(ValidationError, match="Say why"):
        services.step_not_needed(actor=dsl, step=r1, reason="")
    services.step_not_needed(actor=dsl, step=r1, reason="The post was removed before we knew.")
    services.step_reinstate(actor=dsl, step=r1, owner=dsl, due_date=timezone.localdate())
    r1.refresh_from_db()
    assert r1.state == "todo" and r1.not_needed_reason == "The post was removed before we knew."


def test_reordering_steps(quiet_case, dsl):
    ordered = list(Step.objects.filter(case=quiet_case).order_by("position", "id"))
    services.step_move(actor=dsl, step=ordered[1], direction=-1)
    assert list(Step.objects.filter(case=quiet_case).order_by("position", "id")) == [ordered[1], ordered[0], ordered[2]]


def test_an_unresolved_platform_report_offers_report_harmful_content_after_48_hours(quiet_case, dsl):
    r1 = _steps(quiet_case)["R1"]
    services.step_accept(actor=dsl, step=r1, owner=dsl, due_date=timezone.localdate(), platform="Snapchat")
    services.step_mark_made(actor=dsl, step=r1, made_at=timezone.now(), made_how="online", reference="SNAP-123")
    assert services.platform_reports_check() == []
    with time_machine.travel(timezone.now() + timedelta(hours=47)):
        assert services.platform_reports_check() == []
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        offered = services.platform_reports_check()
        assert len(offered) == 1
        assert offered[0].route.code == "R2" and offered[0].state == "suggested" and offered[0].follows == r1
        assert "report to Snapchat" in offered[0].reason and "48 hours" in offered[0].reason
        assert services.platform_reports_check() == []  # offered once only


def test_a_resolved_platform_report_offers_nothing(quiet_case, dsl):
    r1 = _steps(quiet_case)["R1"]
    services.step_accept(actor=dsl, step=r1, owner=dsl, due_date=timezone.localdate())
    services.step_mark_made(actor=dsl, step=r1, made_at=timezone.now(), made_how="online")
    services.step_record_outcome(actor=dsl, step=r1, outcome="Removed by the platform.")
    with time_machine.travel(timezone.now() + timedelta(hours=72)):
        assert services.platform_reports_check() == []


def test_the_schools_platform_check_hours_apply(quiet_case, dsl, school):
    school.platform_check_hours = 24
    school.save()
    r1 = _steps(quiet_case)["R1"]
    services.step_accept(actor=dsl, step=r1, owner=dsl, due_date=timezone.localdate())
    services.step_mark_made(actor=dsl, step=r1, made_at=timezone.now(), made_how="online")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert len(services.platform_reports_check()) == 1


def test_the_beat_task_runs_the_check(quiet_case, dsl):
    from referrals.tasks import check_platform_reports

    r1 = _steps(quiet_case)["R1"]
    services.step_accept(actor=dsl, step=r1, owner=dsl, due_date=timezone.localdate())
    services.step_mark_made(actor=dsl, step=r1, made_at=timezone.now() - timedelta(hours=50), made_how="online")
    assert check_platform_reports.apply().get() == 1
