"""Correcting a pupil record: with a reason, nothing typed lost, open cases re-assessed when C3/C5 facts change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Assessment, PupilChange
from cases.services.pupils import pupil_update
from safeguard.models import AuditEvent, StaffRole
from tests.factories import PupilFactory, make_case


def born(years: int) -> date:
    today = timezone.localdate()
    return date(today.year - years, today.month, min(today.day, 28))


@pytest.fixture
def ava(school):
    return PupilFactory(school=school, first_name="Ava", last_name="Morgan", date_of_birth=born(14), year_group=9)


def form_data(pupil, **overrides) -> dict:
    data = {
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "year_group": str(pupil.year_group),
        "reason": "The MIS record was updated after the review meeting.",
    }
    for name in pupil.VULNERABILITY_FIELDS:
        if getattr(pupil, name):
            data[name] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def url(pupil) -> str:
    return reverse("pupil_edit", args=[pupil.pk])


def test_the_form_shows_the_current_record(ava, dsl, login):
    html = login(dsl).get(url(ava)).content.decode()
    assert html.count("<h1") == 1
    assert 'value="Ava"' in html and f'value="{ava.date_of_birth.isoformat()}"' in html
    assert '<option value="9" selected>Year 9</option>' in html
    assert "Child protection plan" in html and "Reason for the change" in html


def test_a_correction_is_saved_and_audited_without_values(ava, dsl, login):
    response = login(dsl).post(url(ava), form_data(ava, last_name="Morgan-Reid", year_group="10"))
    assert response.status_code == 302 and response["Location"] == reverse("pupil_detail", args=[ava.pk])
    ava.refresh_from_db()
    assert (ava.last_name, ava.year_group) == ("Morgan-Reid", 10)
    # The reason and the values either side are kept with the record (not in the audit log).
    change = PupilChange.objects.get(pupil=ava)
    assert change.fields == ["last_name", "year_group"] and change.before["last_name"] == "Morgan"
    assert change.after == {"last_name": "Morgan-Reid", "year_group": 10} and change.made_by == dsl
    event = AuditEvent.objects.get(action="cases.pupil.updated")
    assert event.extra == {"fields": ["last_name", "year_group"]}
    assert (event.object_type, event.object_id, event.school_id) == ("cases.pupil", str(ava.pk), ava.school_id)
    assert "Morgan" not in repr(event.extra) and "review meeting" not in repr(event.extra)


def test_the_reason_is_required_and_what_was_typed_stays(ava, dsl, login):
    response = login(dsl).post(url(ava), form_data(ava, first_name="Ada", year_group="10", reason="  "))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reason"] == ["Say why the record is being changed."]
    assert 'value="Ada"' in response.content.decode()
    assert '<option value="10" selected>Year 10</option>' in response.content.decode()
    ava.refresh_from_db()
    assert ava.first_name == "Ava"
    assert not AuditEvent.objects.filter(action="cases.pupil.updated").exists()


def test_a_future_date_of_birth_is_refused_beside_the_field_keeping_the_input(ava, dsl, login):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = login(dsl).post(
        url(ava), form_data(ava, first_name="Ada", date_of_birth=tomorrow.isoformat(), child_protection_plan="on")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"] == [f"The date of birth {tomorrow:%d/%m/%Y} is in the future."]
    html = response.content.decode()
    assert f'value="{tomorrow.isoformat()}"' in html and 'value="Ada"' in html
    assert 'name="child_protection_plan" class="checkboxinput form-check-input" id="id_child_protection_plan" checked' in html
    ava.refresh_from_db()
    assert (ava.first_name, ava.date_of_birth, ava.child_protection_plan) == ("Ava", born(14), False)


def test_a_date_that_is_not_real_is_refused(ava, dsl, login):
    response = login(dsl).post(url(ava), form_data(ava, date_of_birth="31/02/2012"))
    assert response.context["form"].errors["date_of_birth"] == ["Enter a real date, for example 3 March 2014."]


def test_setting_a_child_protection_plan_reassesses_the_open_case_which_becomes_required(school, ava, dsl, login):
    case = make_case(actor=dsl, school=school, pupils=[ava])
    assert case.outcome == "not_required"
    assessments = Assessment.objects.filter(case=case).count()

    response = login(dsl).post(url(ava), form_data(ava, child_protection_plan="on"), follow=True)

    assert "The record for Ava Morgan is saved. 1 open case re-assessed" in response.content.decode()
    case.refresh_from_db()
    assert Assessment.objects.filter(case=case).count() == assessments + 1
    assert case.outcome == "required"
    assert case.current_assessment.trigger == "pupil_record_changed"
    assert AuditEvent.objects.get(action="cases.pupil.updated").extra == {"fields": ["child_protection_plan"]}


def test_a_date_of_birth_making_the_child_under_13_reassesses(school, ava, dsl):
    case = make_case(actor=dsl, school=school, pupils=[ava])
    result = pupil_update(actor=dsl, pupil=ava, changes={"date_of_birth": born(12)}, reason="Wrong year on the MIS.")
    assert result.fields == ["date_of_birth"] and result.reassessed_cases == 1
    case.refresh_from_db()
    assert case.outcome == "required"
    assert "C3" in case.current_assessment.met


def test_a_name_change_does_not_reassess(school, ava, dsl):
    case = make_case(actor=dsl, school=school, pupils=[ava])
    assessments = Assessment.objects.filter(case=case).count()
    result = pupil_update(actor=dsl, pupil=ava, changes={"first_name": "Ada"}, reason="Legal name change.")
    assert result.reassessed_cases == 0
    assert Assessment.objects.filter(case=case).count() == assessments


def test_saving_without_a_change_says_so(ava, dsl, login):
    response = login(dsl).post(url(ava), form_data(ava))
    assert response.status_code == 200
    assert "Nothing in the record was changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="cases.pupil.updated").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": "  "}, "first_name"),
        ({"date_of_birth": date(1990, 1, 1)}, "date_of_birth"),
        ({"year_group": 14}, "year_group"),
    ],
)
def test_the_service_refuses_impossible_values(ava, dsl, changes, field):
    with pytest.raises(ValidationError) as refused:
        pupil_update(actor=dsl, pupil=ava, changes=changes, reason="A reason.")
    assert field in refused.value.message_dict


def test_the_service_requires_a_reason(ava, dsl):
    with pytest.raises(ValidationError) as refused:
        pupil_update(actor=dsl, pupil=ava, changes={"first_name": "Ada"}, reason=" ")
    assert "reason" in refused.value.message_dict


def test_the_service_refuses_anyone_but_the_schools_leads(ava, head, other_dsl):
    for actor in (head, other_dsl):
        with pytest.raises(PermissionDenied):
            pupil_update(actor=actor, pupil=ava, changes={"first_name": "Ada"}, reason="A reason.")
    ava.refresh_from_db()
    assert ava.first_name == "Ava"


@pytest.mark.parametrize("persona", ["other_dsl", "head", "pastoral", "it_admin", "staff_member"])
def test_a_pupil_outside_the_users_lead_schools_is_not_found(ava, personas, login, persona):
    client = login(personas[persona])
    assert client.get(url(ava)).status_code == 404
    assert client.post(url(ava), form_data(ava, first_name="Ada")).status_code == 404
    ava.refresh_from_db()
    assert ava.first_name == "Ava"


def test_deputy_may_correct(ava, deputy, login):
    assert login(deputy).post(url(ava), form_data(ava, known_to_police="on")).status_code == 302
    ava.refresh_from_db()
    assert ava.known_to_police


def test_a_lead_at_two_schools_may_correct_a_pupil_of_either(ava, other_school, other_dsl, login):
    StaffRole.objects.create(user=other_dsl, school=ava.school, role="deputy_dsl")
    assert login(other_dsl).get(url(ava)).status_code == 200
