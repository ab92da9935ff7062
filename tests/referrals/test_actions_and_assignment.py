"""Actions for pastoral staff: giving one assigns them; they see and complete only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.access import cases_visible_to
from referrals import services
from referrals.models import Action


def test_giving_an_action_assigns_the_teacher_to_the_case(quiet_case, dsl, pastoral_unassigned, login):
    teacher = login(pastoral_unassigned)
    assert teacher.get(reverse("case_detail", args=[quiet_case.pk])).status_code == 404
    response = login(dsl).post(
        reverse("action_add", args=[quiet_case.pk]),
        {
            "title": "Meet Cal weekly",
            "owner": pastoral_unassigned.pk,
            "due_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert teacher.get(reverse("case_detail", args=[quiet_case.pk])).status_code == 200
    assert quiet_case in cases_visible_to(pastoral_unassigned)


def test_pastoral_staff_see_and_complete_only_their_own_actions(quiet_case, dsl, pastoral, pastoral_unassigned, login):
    today = timezone.localdate()
    mine = services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in at break", due_date=today)
    theirs = services.action_create(
        actor=dsl, case=quiet_case, owner=pastoral_unassigned, title="Seating plan change", due_date=today
    )
    client = login(pastoral)
    page = client.get(reverse("case_detail", args=[quiet_case.pk])).content.decode()
    assert "Check in at break" in page and "Seating plan change" not in page
    assert client.get(reverse("action_complete", args=[quiet_case.pk, theirs.pk])).status_code == 404
    response = client.post(reverse("action_complete", args=[quiet_case.pk, mine.pk]), {"note": "Spoke to Cal; she is OK."})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "done" and mine.finished_by == pastoral
    with pytest.raises(ValidationError, match="Only the person"):
        services.action_complete(actor=pastoral, action=theirs)


def test_pastoral_home_shows_their_actions(quiet_case, dsl, pastoral, login):
    services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in at break", due_date=timezone.localdate())
    home = login(pastoral).get(reverse("home")).content.decode()
    assert "Your actions" in home and "Check in at break" in home


def test_unassigning_revokes_access_to_the_case_and_its_actions(quiet_case, dsl, pastoral, login):
    action = services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in", due_date=timezone.localdate())
    client = login(pastoral)
    assert client.get(reverse("action_complete", args=[quiet_case.pk, action.pk])).status_code == 200
    case_services.case_unassign(actor=dsl, case=quiet_case, user=pastoral)
    assert client.get(reverse("action_complete", args=[quiet_case.pk, action.pk])).status_code == 404
    assert "Check in" not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("title", "days", "message"),
    [
        ("", 1, "Say what needs doing."),
        ("x" * 301, 1, "Keep the action to 300 characters"),
        ("Call home", -1, "cannot be in the past"),
    ],
)
def test_bad_actions_are_refused(quiet_case, dsl, pastoral, title, days, message):
    with pytest.raises(ValidationError, match=message):
        services.action_create(
            actor=dsl, case=quiet_case, owner=pastoral, title=title, due_date=timezone.localdate() + timedelta(days=days)
        )


def test_actions_go_only_to_pastoral_staff_or_dsls(quiet_case, dsl, it_admin):
    with pytest.raises(ValidationError, match="pastoral staff or the school's DSLs"):
        services.action_create(actor=dsl, case=quiet_case, owner=it_admin, title="x", due_date=timezone.localdate())


def test_cancelling_needs_a_reason(quiet_case, dsl, pastoral):
    action = services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="x", due_date=timezone.localdate())
    with pytest.raises(ValidationError):
        services.action_cancel(actor=dsl, action=action, reason="")
    services.action_cancel(actor=dsl, action=action, reason="Pupil moved school")
    assert Action.objects.get().status == "cancelled"
