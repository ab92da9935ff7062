"""The child's voice, parents or carers, closing, reopening and reviewing a case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Step


def test_the_childs_voice_is_recorded_with_every_part(quiet_case, dsl, fourteen, login):
    client = login(dsl)
    told = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("child_voice_add", args=[quiet_case.pk]),
        {
            "pupil": fourteen.pk,
            "told_at": told,
            "told_by": "Ms Example, DSL",
            "views": "I don't want the police to come to my house.",
            "questions": "Will my mum find out? — We will talk to her together.",
            "next_steps": "The police may call to talk to her mum.",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("case_detail", args=[quiet_case.pk])).content.decode()
    assert "I don&#x27;t want the police to come to my house." in page and "Will my mum find out?" in page


def test_the_childs_views_are_required_and_kept_on_error(quiet_case, dsl, fourteen, login):
    told = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = login(dsl).post(
        reverse("child_voice_add", args=[quiet_case.pk]),
        {"pupil": fourteen.pk, "told_at": told, "told_by": "Ms Example", "views": "   ", "next_steps": "Kept text"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Write down the child" in body and "Kept text" in body


def test_parents_informed_for_the_only_child_records_and_closes_the_parents_step(quiet_case, dsl, fourteen):
    services.parent_contact_record(
        actor=dsl,
        case=quiet_case,
        pupils=[fourteen],
        informed=True,
        how="phone",
        who="Ms Fourteen, mother",
        contacted_at=timezone.now() - timedelta(minutes=30),
        contacted_by="Dee Lead",
        response="Upset but supportive.",
    )
    p1 = Step.objects.get(case=quiet_case, route__code="P1")
    assert p1.state == "closed" and p1.contact == "Ms Fourteen, mother" and p1.made_how == "phone"
    assert "Told: the parents or carers of Cal Fourteen (Ms Fourteen, mother" in p1.outcome
    made = p1.events.get(to_state="made")
    assert made.summary.startswith("Made by phone:")


def test_parents_not_informed_needs_a_reason_and_marks_p1_not_needed(quiet_case, dsl, fourteen):
    with pytest.raises(ValidationError) as error:
        services.parent_contact_record(actor=dsl, case=quiet_case, pupils=[fourteen], informed=False)
    assert "not_informed_reason" in error.value.error_dict
    services.parent_contact_record(
        actor=dsl, case=quiet_case, pupils=[fourteen], informed=False, not_informed_reason="Risk of harm at home; MASH advised."
    )
    p1 = Step.objects.get(case=quiet_case, route__code="P1")
    assert p1.state == "not_needed" and "Risk of harm at home" in p1.not_needed_reason


def test_parents_informed_needs_who_when_and_by_whom(quiet_case, dsl, fourteen):
    with pytest.raises(ValidationError) as error:
        services.parent_contact_record(actor=dsl, case=quiet_case, pupils=[fourteen], informed=True)
    assert {"who", "contacted_at", "contacted_by", "how"} <= set(error.value.error_dict)


def test_a_case_cannot_close_with_open_steps_and_says_which(quiet_case, dsl, login):
    response = login(dsl).post(reverse("case_close", args=[quiet_case.pk]), {"summary": "All done."})
    body = response.content.decode()
    assert (
        response.status_code == 200
        and "Close or mark not needed every step first" in body
        and "Parents or carers informed" in body
    )
    quiet_case.refresh_from_db()
    assert quiet_case.status == "open"


def test_a_case_cannot_close_with_open_actions_or_without_a_summary(quiet_case, dsl, pastoral):
    for step in Step.objects.filter(case=quiet_case):
        services.step_not_needed(actor=dsl, step=step, reason="Test")
    services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="x", due_date=timezone.localdate())
    with pytest.raises(ValidationError) as error:
        services.case_close(actor=dsl, case=quiet_case, summary="")
    messages = " ".join(error.value.messages)
    assert "1 action is still to do" in messages and "Write how the concern was followed up and resolved." in messages


def test_closing_and_reopening(quiet_case, dsl):
    for step in Step.objects.filter(case=quiet_case):
        services.step_not_needed(actor=dsl, step=step, reason="Handled elsewhere")
    services.case_close(actor=dsl, case=quiet_case, summary="Supported by pastoral team; parents engaged; no further concerns.")
    quiet_case.refresh_from_db()
    assert quiet_case.status == "closed" and quiet_case.closure_summary.startswith("Supported")
    with pytest.raises(ValidationError):
        services.case_reopen(actor=dsl, case=quiet_case, reason="")
    services.case_reopen(actor=dsl, case=quiet_case, reason="New messages reported.")
    quiet_case.refresh_from_db()
    assert quiet_case.status == "open" and quiet_case.statuschanges if False else quiet_case.status_changes.count() == 2


def test_reviews_move_the_review_date_by_the_schools_interval(quiet_case, dsl, school):
    assert quiet_case.review_due == timezone.localdate() + timedelta(days=14)
    school.review_interval_days = 7
    school.save()
    services.case_review(actor=dsl, case=quiet_case, notes="Still supported; no new concerns.")
    quiet_case.refresh_from_db()
    assert quiet_case.review_due == timezone.localdate() + timedelta(days=7)
    with pytest.raises(ValidationError):
        services.case_review(actor=dsl, case=quiet_case, notes=" ")
