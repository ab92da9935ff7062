"""Every change of facts re-assesses; earlier results are kept with their rule-set version."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.criteria import RULESET_VERSION
from cases.models import Assessment, FactChange
from desk.services import school_settings_update
from safeguard.models import Notification
from tests.factories import PupilFactory, disclosure_input, make_case


@pytest.fixture
def quiet_case(dsl, school, pupil):
    """Not required by the criteria: a 15-year-old, every answer "no"."""
    return make_case(actor=dsl, school=school, pupils=[pupil])


def _facts(case, **changes):
    d = case.disclosure
    values = {
        "disclosed_at": d.disclosed_at,
        "method": d.method,
        "incident_date": d.incident_date,
        "kinds": d.kinds(),
        "platforms": ["Snapchat"],
        "adult_involvement": d.adult_involvement,
        "imagery": d.imagery,
        "answers": {"C1": "no", "C2": "no", "C4": "no", "C6": "no"},
    }
    values.update(changes)
    return services.DisclosureInput(summary="", disclosed_to="", child_account="", **values)


def test_a_change_of_facts_reassesses_and_keeps_the_earlier_result(quiet_case, dsl, deputy):
    assert quiet_case.outcome == "not_required"
    changed = services.facts_update(
        actor=dsl,
        case=quiet_case,
        data=_facts(quiet_case, answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"}),
        reason="Second talk",
    )
    assert changed == ["answers"]
    history = list(Assessment.objects.filter(case=quiet_case).order_by("id"))
    assert [a.outcome for a in history] == ["not_required", "required"]
    assert [a.trigger for a in history] == ["recorded", "facts_changed"]
    assert all(a.ruleset_version == RULESET_VERSION for a in history)
    assert history[0].facts["answers"]["C1"] == "no" and history[1].facts["answers"]["C1"] == "yes"
    quiet_case.refresh_from_db()
    assert quiet_case.outcome == "required" and quiet_case.current_assessment == history[1]
    change = FactChange.objects.get()
    assert change.reason == "Second talk" and change.before["answers"]["C1"] == "no" and change.after["answers"]["C1"] == "yes"
    # Becoming required alerts every DSL of the school, once.
    assert Notification.objects.filter(kind="police_required").count() == 2


def test_staying_required_does_not_alert_again(dsl, deputy, school, pupil):
    case = make_case(actor=dsl, school=school, pupils=[pupil], answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"})
    assert Notification.objects.filter(kind="police_required").count() == 2
    services.facts_update(
        actor=dsl, case=case, data=_facts(case, answers={"C1": "yes", "C2": "yes", "C4": "no", "C6": "no"}), reason="More detail"
    )
    assert Notification.objects.filter(kind="police_required").count() == 2


def test_a_change_needs_a_reason(quiet_case, dsl):
    with pytest.raises(ValidationError, match="Say why"):
        services.facts_update(actor=dsl, case=quiet_case, data=_facts(quiet_case, adult_involvement="stranger"), reason=" ")


def test_no_change_writes_nothing(quiet_case, dsl):
    assert services.facts_update(actor=dsl, case=quiet_case, data=_facts(quiet_case), reason="Checked") == []
    assert Assessment.objects.filter(case=quiet_case).count() == 1


def test_change_of_a_pupils_flags_reassesses_their_open_cases(quiet_case, pupil, dsl):
    pupil.child_protection_plan = True
    pupil.save()
    services.pupil_cases_reassess(pupil=pupil, actor=dsl)
    quiet_case.refresh_from_db()
    assert quiet_case.outcome == "required"
    latest = quiet_case.current_assessment
    assert latest.trigger == "pupil_record_changed" and latest.met == ["C5"]
    assert "child protection plan" in " ".join(latest.result["criteria"][4]["reasons"])


def test_change_of_a_pupils_date_of_birth_reassesses_c3(quiet_case, pupil, dsl):
    from datetime import timedelta

    pupil.date_of_birth = quiet_case.disclosure.incident_date - timedelta(days=12 * 365)
    pupil.save()
    services.pupil_cases_reassess(pupil=pupil, actor=dsl)
    quiet_case.refresh_from_db()
    assert quiet_case.current_assessment.met == ["C3"]


def test_adding_a_child_reassesses(quiet_case, school, dsl):
    from datetime import timedelta

    young = PupilFactory(school=school, date_of_birth=quiet_case.disclosure.incident_date - timedelta(days=11 * 365))
    services.child_add(actor=dsl, case=quiet_case, pupil=young, part="witness")
    quiet_case.refresh_from_db()
    assert quiet_case.outcome == "required" and quiet_case.current_assessment.trigger == "children_changed"


def test_taking_a_child_off_keeps_the_record_and_reassesses(dsl, school, pupil):
    from datetime import timedelta

    case = make_case(actor=dsl, school=school, pupils=[pupil])
    young = PupilFactory(school=school, date_of_birth=case.disclosure.incident_date - timedelta(days=11 * 365))
    link = services.child_add(actor=dsl, case=case, pupil=young, part="witness")
    services.child_remove(actor=dsl, case=case, link=link, reason="Added in error: a different child")
    link.refresh_from_db()
    assert link.removed_at is not None and link.removed_reason == "Added in error: a different child"
    case.refresh_from_db()
    assert case.outcome == "not_required"
    assert [a.outcome for a in case.assessments.order_by("id")] == ["not_required", "required", "not_required"]


def test_a_new_c7_threshold_reassesses_open_cases(dsl, school):
    pupils = [PupilFactory(school=school) for _ in range(3)]
    case = make_case(actor=dsl, school=school, pupils=pupils)
    assert case.outcome == "not_required"
    school_settings_update(actor=dsl, school=school, changes={"high_number_threshold": 3})
    case.refresh_from_db()
    assert case.outcome == "required" and case.current_assessment.met == ["C7"]
    assert "threshold for a high number is 3" in case.current_assessment.result["criteria"][6]["reasons"][0]


def test_only_the_dsl_changes_the_threshold(deputy, school, login):
    with pytest.raises(ValidationError):
        school_settings_update(actor=deputy, school=school, changes={"high_number_threshold": 3})
    assert login(deputy).get(reverse("school_settings")).status_code == 403


def test_threshold_page_refuses_nonsense(dsl, school, login):
    data = {
        "high_number_threshold": "1",
        "police_referral_due_days": "0",
        "acknowledgement_chase_days": "2",
        "platform_check_hours": "48",
        "review_interval_days": "14",
        "overdue_escalation_days": "2",
        "quiet_hours_start": "19:00",
        "quiet_hours_end": "07:30",
        "school_day_end": "16:00",
    }
    response = login(dsl).post(reverse("school_settings"), data)
    assert response.status_code == 200 and "Ensure this value is greater than or equal to 2." not in response.content.decode()
    assert "Enter at least 2." in response.content.decode()
    school.refresh_from_db()
    assert school.high_number_threshold == 5


def test_facts_page_changes_facts_and_shows_the_new_verdict(quiet_case, dsl, login):
    from cases.forms import FactsChangeForm

    client = login(dsl)
    initial = FactsChangeForm.initial_for(quiet_case)
    data = {k: v for k, v in initial.items() if not isinstance(v, list)}
    data.update(
        {
            "kinds": initial["kinds"],
            "imagery_kinds": initial["imagery_kinds"],
            "answer_c2": "yes",
            "reason": "Video seen by police",
        }
    )
    data["incident_date"] = quiet_case.disclosure.incident_date.isoformat()
    data["incident_date_approximate"] = ""
    response = client.post(reverse("case_facts_edit", args=[quiet_case.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("case_detail", args=[quiet_case.pk])).content.decode()
    assert "Police referral required" in page and "Facts changed: answers to the criteria questions" in page


def test_disclosure_input_defaults_give_a_quiet_case(dsl, school, pupil):
    assert disclosure_input(pupils=[pupil]).answers == {"C1": "no", "C2": "no", "C4": "no", "C6": "no"}
