"""A step worked in one or two moves: everything already known recorded at once (each state in
order, each audited and in the chronology), a second tab refused with what happened, the parents
step following who has been told, and the case saying what is left before it can close."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Step, StepEvent
from safeguard.models import AuditEvent
from tests.factories import PupilFactory, make_case

pytestmark = pytest.mark.django_db


def _step(case, code) -> Step:
    return Step.objects.select_related("route", "case__school").get(case=case, route__code=code)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_one_move_records_a_suggestion_made_today_with_its_outcome_and_closes_it(dsl, pupil, school):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    platform = _step(case, "R1")
    made = timezone.now() - timedelta(minutes=40)
    done = services.step_record(
        actor=dsl,
        step=platform,
        seen_state="suggested",
        made_at=made,
        made_how="online",
        reference="SNAP-99812",
        outcome="The account was removed within the hour.",
        close=True,
    )
    assert done.state == "closed" and done.owner == dsl and done.reference == "SNAP-99812" and done.made_at == made
    assert done.walked == ["todo", "made", "outcome_recorded", "closed"]
    events = list(StepEvent.objects.filter(step=platform).order_by("id").values_list("from_state", "to_state"))
    assert events[-4:] == [("suggested", "todo"), ("todo", "made"), ("made", "outcome_recorded"), ("outcome_recorded", "closed")]
    moves = list(
        AuditEvent.objects.filter(action__startswith="referrals.step.", extra__step_id=platform.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert moves[-4:] == [
        "referrals.step.accepted",
        "referrals.step.made",
        "referrals.step.outcome_recorded",
        "referrals.step.closed",
    ]
    assert StepEvent.objects.get(step=platform, to_state="made").summary == "Made online: Report to the app or service"


def test_a_move_the_machine_refuses_writes_nothing(dsl, pupil, school):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    platform = _step(case, "R1")
    before = (StepEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.step_record(
            actor=dsl, step=platform, made_at=timezone.now() + timedelta(days=1), made_how="online", outcome="x", close=True
        )
    with pytest.raises(ValidationError, match="Mark the step as made before recording its outcome"):
        services.step_record(
            actor=dsl,
            step=services.step_accept(actor=dsl, step=platform, owner=dsl, due_date=timezone.localdate()),
            outcome="Done",
        )
    platform.refresh_from_db()
    assert platform.state == "todo"
    assert StepEvent.objects.count() == before[0] + 1  # the accept only


def test_the_same_move_from_a_second_tab_is_refused_with_what_happened_and_keeps_what_was_typed(
    dsl, deputy, pupil, school, login
):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    platform = _step(case, "R1")
    services.step_accept(actor=dsl, step=platform, owner=dsl, due_date=timezone.localdate())
    first, second = login(dsl), login(deputy)
    typed = {"seen": "todo", "rec-made_how": "online", "rec-made_at": _local(timezone.now()), "rec-reference": "FIRST-1"}
    assert first.post(reverse("step_act", args=[case.pk, platform.pk, "record"]), typed).status_code == 302
    again = {**typed, "rec-reference": "SECOND-2", "rec-outcome": "Typed in the other tab"}
    response = second.post(reverse("step_act", args=[case.pk, platform.pk, "record"]), again)
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "While this page was open, this step moved on: it is now made" in body and "Dee Lead" in body
    assert "SECOND-2" in body and "Typed in the other tab" in body  # nothing typed is lost
    platform.refresh_from_db()
    assert platform.reference == "FIRST-1" and platform.state == "made"


def test_the_case_page_opens_each_steps_next_move_in_place(dsl, pupil, school, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    platform = _step(case, "R1")
    client = login(dsl)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    quick = reverse("step_quick", args=[case.pk, platform.pk])
    assert f'hx-get="{quick}"' in page and f'href="{reverse("step_detail", args=[case.pk, platform.pk])}#form-record"' in page
    fragment = client.get(quick, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="rec-made_how"' in fragment and 'name="seen" value="suggested"' in fragment and "<html" not in fragment
    response = client.post(
        reverse("step_act", args=[case.pk, platform.pk, "record"]),
        {
            "seen": "suggested",
            "rec-made_how": "online",
            "rec-made_at": _local(timezone.now()),
            "rec-outcome": "Removed.",
            "rec-close": "on",
        },
        follow=True,
    )
    assert "Report to the app or service: accepted, made, outcome recorded, closed." in html.unescape(response.content.decode())


def test_the_parents_step_follows_who_has_been_told_and_closes_when_all_have(dsl, school, login):
    ava, ben = PupilFactory(school=school, first_name="Ava"), PupilFactory(school=school, first_name="Ben")
    case = make_case(actor=dsl, school=school, pupils=[ava, ben])
    told = timezone.now() - timedelta(hours=1)
    services.parent_contact_record(
        actor=dsl,
        case=case,
        pupils=[ava],
        informed=True,
        how="phone",
        who="Ms A, mother",
        contacted_at=told,
        contacted_by="Dee Lead",
    )
    parents = _step(case, "P1")
    assert parents.state == "made"
    page = html.unescape(login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode())
    assert f"Still to tell (or record why not): the parents or carers of {ben.full_name}." in page
    services.parent_contact_record(
        actor=dsl, case=case, pupils=[ben], informed=False, not_informed_reason="A risk of harm at home; social care advised."
    )
    parents.refresh_from_db()
    assert parents.state == "closed"
    assert f"Told: the parents or carers of {ava.full_name} (Ms A, mother" in parents.outcome
    assert f"Not told: the parents or carers of {ben.full_name}, because A risk of harm at home" in parents.outcome


def test_siblings_parents_are_told_in_one_submission(dsl, school, login):
    ava, ben = PupilFactory(school=school, first_name="Ava"), PupilFactory(school=school, first_name="Ben")
    case = make_case(actor=dsl, school=school, pupils=[ava, ben])
    client = login(dsl)
    form = client.get(reverse("parent_contact_add", args=[case.pk])).content.decode()
    assert form.count("checked") >= 2  # both still to tell, ticked for you
    response = client.post(
        reverse("parent_contact_add", args=[case.pk]),
        {
            "pupils": [ava.pk, ben.pk],
            "informed": "yes",
            "how": "in_person",
            "who": "Mr and Mrs Sample, parents",
            "contacted_at": _local(timezone.now() - timedelta(minutes=10)),
            "contacted_by": "Dee Lead",
        },
    )
    assert response.status_code == 302
    assert _step(case, "P1").state == "closed" and case.parent_contacts.count() == 2


def test_nobody_told_with_reasons_marks_the_parents_step_not_needed(dsl, pupil, school):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    services.parent_contact_record(
        actor=dsl, case=case, pupils=[pupil], informed=False, not_informed_reason="Police asked us to wait."
    )
    parents = _step(case, "P1")
    assert parents.state == "not_needed" and "Police asked us to wait." in parents.not_needed_reason


def test_the_case_says_what_is_left_before_it_can_close(dsl, pupil, school, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    client = login(dsl)
    page = html.unescape(client.get(reverse("case_detail", args=[case.pk])).content.decode())
    assert "What is left before it can close" in page and "Before this case can close" in page
    assert "Report to the app or service: accept it (or mark it not needed, with why)</a>." in page
    assert f'href="{reverse("case_close", args=[case.pk])}"' not in page
    close_page = html.unescape(client.get(reverse("case_close", args=[case.pk])).content.decode())
    assert "Still open, with the move each needs:" in close_page and "accept it (or mark it not needed, with why)" in close_page
    for step in Step.objects.filter(case=case).select_related("route", "case__school"):
        services.step_not_needed(actor=dsl, step=step, reason="Handled already.")
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Every step and action is finished: the case can close." in html.unescape(page)
    assert f'href="{reverse("case_close", args=[case.pk])}"' in page
