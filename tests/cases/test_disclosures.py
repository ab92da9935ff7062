"""Recording a disclosure through the page: the verdict, bad input, drafts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Assessment, Case, DisclosureDraft
from safeguard.models import AuditEvent, Notification
from tests.cases.helpers import disclosure_post
from tests.factories import PupilFactory


def _years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - timedelta(days=days)


@pytest.fixture
def twelve_year_old(school):
    # 12 on an incident two days ago: born 12 years and 100 days ago.
    return PupilFactory(school=school, first_name="Bea", last_name="Younger", date_of_birth=_years_ago(12, 100), year_group=8)


@pytest.fixture
def fourteen_year_old(school):
    return PupilFactory(school=school, first_name="Cal", last_name="Older", date_of_birth=_years_ago(14, 100), year_group=9)


def test_dsl_records_a_disclosure_for_two_pupils_and_sees_c3_met_because_of_the_younger(
    dsl, deputy, school, twelve_year_old, fourteen_year_old, login
):
    client = login(dsl)
    response = client.post(
        reverse("disclosure_new"),
        disclosure_post(pupils=[(twelve_year_old, "harmed"), (fourteen_year_old, "harmed_others")], answer_c4="unknown"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Police referral required" in page
    assert "Bea Younger was 12 on the date of the incident" in page
    assert "Cal Older was 14" not in page  # C3 is met: only the facts that decided it are shown
    # The other criteria show their status and reasons.
    assert "The DSL answered no." in page
    assert "Not answered yet" in page  # C4 was "not known yet"
    assert "No child involved is recorded as known to children&#x27;s social care or the police" in page
    assert "2 children are involved" in page
    assessment = Assessment.objects.get(case=case)
    assert assessment.outcome == "required" and assessment.met == ["C3"] and assessment.complete is False
    # The DSLs are alerted at once, in-app, without a child's name.
    alerts = Notification.objects.filter(kind="police_required")
    assert {n.recipient for n in alerts} == {dsl, deputy}
    assert all("Bea" not in n.title for n in alerts)


def test_recording_is_audited_without_content(dsl, school, fourteen_year_old, login):
    login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(fourteen_year_old, "harmed")]))
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert {"cases.case.created", "cases.disclosure.recorded", "cases.assessment.created"} <= set(actions)
    for event in AuditEvent.objects.all():
        assert "pictures" not in repr(event.extra) and "Cal" not in repr(event.extra)


def test_other_child_with_an_age_counts_for_c3(dsl, school, fourteen_year_old, login):
    other = {"description": "Girl in Year 6 at the primary", "part": "witness", "age": "11", "age_band": ""}
    login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(fourteen_year_old, "harmed")], others=[other]))
    assessment = Assessment.objects.get()
    assert "C3" in assessment.met


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"incident_date": (date.today() + timedelta(days=3)).isoformat()}, "cannot be in the future"),
        ({"child_account": "   "}, "Write down what the child said, in their own words."),
        ({"incident_date": "2026-02-31"}, "Enter a real date"),
        ({"kinds": []}, "Choose at least one kind of harassment."),
        ({"imagery": "some"}, "Say what kind of imagery is involved"),
        ({"imagery": "some", "imagery_kinds": ["crime_recording"], "answer_c6": "no"}, "cannot be \u201cNo\u201d"),
        ({"child_account": "x" * 50_001}, "longer than 50,000 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_typed_is_lost(
    dsl, school, fourteen_year_old, login, overrides, field_message
):
    data = disclosure_post(pupils=[(fourteen_year_old, "harmed")], disclosed_to="Mx Unique-Tutor-Name", **overrides)
    response = login(dsl).post(reverse("disclosure_new"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert field_message in body
    assert "Mx Unique-Tutor-Name" in body  # what was typed is still in the form
    assert "Cal Older" in body  # and so is the pupil row
    assert not Case.objects.exists()
    assert DisclosureDraft.objects.filter(user=dsl).exists()  # and saved as a draft too


def test_incident_before_a_childs_birth_is_refused_beside_the_date(dsl, school, login):
    baby = PupilFactory(
        school=school, first_name="Dot", last_name="Newborn", date_of_birth=timezone.localdate() - timedelta(days=1)
    )
    response = login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(baby, "harmed")]))
    assert response.status_code == 200
    assert "before Dot Newborn was born" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("age", ["18", "-1", "40"])
def test_an_age_outside_0_to_17_is_refused(dsl, school, fourteen_year_old, login, age):
    other = {"description": "Someone", "part": "harmed_others", "age": age, "age_band": ""}
    response = login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(fourteen_year_old, "harmed")], others=[other]))
    assert "Enter an age from 0 to 17" in response.content.decode()
    assert not Case.objects.exists()


def test_any_unicode_is_kept_exactly(dsl, school, fourteen_year_old, login):
    account = "Il a dit «envoie» 😢 — مرحبا — 你好 — Zoë\u200d"
    login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(fourteen_year_old, "harmed")], child_account=account))
    assert Case.objects.get().disclosure.child_account == account


def test_a_pupil_of_another_school_cannot_be_added(dsl, school, other_school, login):
    stranger = PupilFactory(school=other_school)
    response = login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(stranger, "harmed")]))
    assert response.status_code == 200
    assert "not on this school" in response.content.decode()
    assert not Case.objects.exists()


def test_a_draft_is_autosaved_and_reopens_with_what_was_typed(dsl, school, fourteen_year_old, login):
    client = login(dsl)
    partial = disclosure_post(pupils=[(fourteen_year_old, "witness")], child_account="Half typed account", summary="")
    saved = client.post(reverse("disclosure_draft"), partial, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and b"Draft saved at" in saved.content
    # The tab is closed; the DSL comes back later.
    page = client.get(reverse("disclosure_new")).content.decode()
    assert "You are continuing a draft" in page
    assert "Half typed account" in page
    assert "Cal Older" in page
    assert "This field is required" not in page  # a reopened draft is not shouted at
    # Saving the disclosure removes the draft.
    client.post(reverse("disclosure_new"), disclosure_post(pupils=[(fourteen_year_old, "witness")]))
    assert not DisclosureDraft.objects.exists()


def test_a_draft_can_be_discarded(dsl, school, login):
    client = login(dsl)
    client.post(reverse("disclosure_draft"), {"child_account": "oops"})
    client.post(reverse("disclosure_draft_discard"))
    assert not DisclosureDraft.objects.exists()
    assert "You are continuing a draft" not in client.get(reverse("disclosure_new")).content.decode()


def test_drafts_are_private_to_their_author(dsl, deputy, school, login):
    login(dsl).post(reverse("disclosure_draft"), {"child_account": "Only mine"})
    assert "Only mine" not in login(deputy).get(reverse("disclosure_new")).content.decode()


def test_head_and_pastoral_cannot_record_disclosures(head, pastoral, login):
    for user in (head, pastoral):
        assert login(user).post(reverse("disclosure_new"), disclosure_post()).status_code == 403
    assert not Case.objects.exists()
