"""Work given to people reaches them (a case, an action, a step), their notifications clear when
the work is done, a step is owned only by someone who can act on it, and when someone leaves
their work is handed over in the same form that deactivates them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseAssignment
from cases.services import case_assign, case_unassign
from referrals import services
from referrals.models import Action, Reminder, ReminderKind, Step, StepEvent
from safeguard.models import AuditEvent, Notification
from tests.factories import make_case, staff

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _open(user, **filters):
    return Notification.objects.filter(recipient=user, cleared_at__isnull=True, **filters)


def _step(case, code) -> Step:
    return Step.objects.select_related("route", "case__school").get(case=case, route__code=code)


def _panel(home: str) -> str:
    """The home page's "Needs a new owner" section."""
    start = home.index('id="needs-owner"')
    return home[start : home.index("</section>", start)]


def _due():
    return TODAY() + timedelta(days=3)


# --- Alerts for work given to someone -----------------------------------------------------------------


def test_assigning_a_case_tells_the_assignee_and_opening_it_clears_that(
    dsl, pastoral_unassigned, pupil, school, login, school_hours, django_capture_on_commit_callbacks
):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    with django_capture_on_commit_callbacks(execute=True):
        case_assign(actor=dsl, case=case, user=pastoral_unassigned)
    note = _open(pastoral_unassigned, kind="case_assigned").get()
    assert note.case_id == case.pk and case.reference in note.title
    (message,) = [m for m in mail.outbox if m.to == [pastoral_unassigned.email]]
    assert case.reference in message.subject and pupil.first_name not in message.body + message.subject
    login(pastoral_unassigned).get(reverse("case_detail", args=[case.pk]))
    assert not _open(pastoral_unassigned, kind="case_assigned").exists()


def test_ending_an_assignment_clears_everything_about_that_case_for_them(dsl, pastoral, case):
    services.action_create(actor=dsl, case=case, owner=pastoral, title="Check in", due_date=_due())
    assert _open(pastoral, case_id=case.pk).count() == 2  # assigned, and the action
    case_unassign(actor=dsl, case=case, user=pastoral)
    assert not _open(pastoral, case_id=case.pk).exists()


def test_an_action_tells_its_owner_and_clears_when_done_or_cancelled(dsl, deputy, pastoral, case):
    done = services.action_create(actor=dsl, case=case, owner=pastoral, title="Check in", due_date=_due())
    cancelled = services.action_create(actor=dsl, case=case, owner=deputy, title="Call home", due_date=_due())
    mine = services.action_create(actor=dsl, case=case, owner=dsl, title="Note it", due_date=_due())
    assert _open(pastoral, kind="action_given", subject=f"action:{done.pk}").exists()
    assert _open(deputy, kind="action_given", subject=f"action:{cancelled.pk}").exists()
    assert not Notification.objects.filter(subject=f"action:{mine.pk}").exists()  # nobody tells themselves
    services.action_complete(actor=pastoral, action=done, note="Spoke to her")
    services.action_cancel(actor=dsl, action=cancelled, reason="Parents called us first")
    assert not _open(pastoral, kind="action_given").exists() and not _open(deputy, kind="action_given").exists()


def test_a_step_tells_its_owner_moves_with_a_new_owner_and_clears_when_made(dsl, deputy, case):
    step = services.step_accept(actor=dsl, step=_step(case, "R1"), owner=deputy, due_date=_due())
    assert _open(deputy, kind="step_owner", subject=f"step:{step.pk}").exists()
    services.step_update(actor=dsl, step=step, owner=dsl)
    assert not _open(deputy, subject=f"step:{step.pk}").exists()
    services.step_update(actor=dsl, step=step, owner=deputy)
    assert _open(deputy, kind="step_owner", subject=f"step:{step.pk}").exists()
    services.step_mark_made(actor=deputy, step=step, made_at=timezone.now(), made_how="phone")
    assert not _open(deputy, subject=f"step:{step.pk}").exists()


def test_a_required_police_referral_alerts_the_leads_at_once_and_clears_when_made(dsl, deputy, pastoral, pupil, school):
    case = make_case(actor=dsl, school=school, pupils=[pupil], answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"})
    told = {n.recipient for n in Notification.objects.filter(kind="police_required", case_id=case.pk)}
    assert told == {dsl, deputy}
    services.step_mark_made(actor=dsl, step=_step(case, "R7"), made_at=timezone.now(), made_how="phone_101")
    assert not Notification.objects.filter(kind="police_required", case_id=case.pk, cleared_at__isnull=True).exists()


def test_closing_a_case_clears_every_notification_about_it(dsl, pastoral, case):
    assert _open(pastoral, case_id=case.pk, kind="case_assigned").exists()
    for step in Step.objects.filter(case=case).select_related("route", "case__school"):
        services.step_not_needed(actor=dsl, step=step, reason="Handled in school.")
    services.case_close(actor=dsl, case=case, summary="Resolved with the family; support in place.")
    assert not Notification.objects.filter(case_id=case.pk, cleared_at__isnull=True).exists()


# --- Who may own a step ---------------------------------------------------------------------------------


def test_pastoral_staff_own_only_the_school_support_step(dsl, pastoral_unassigned, pupil, school):
    from django.core.exceptions import ValidationError

    case = make_case(actor=dsl, school=school, pupils=[pupil])
    with pytest.raises(ValidationError, match="only the school"):
        services.step_accept(actor=dsl, step=_step(case, "R1"), owner=pastoral_unassigned, due_date=_due())
    assert not CaseAssignment.objects.filter(case=case, user=pastoral_unassigned).exists()
    services.step_accept(actor=dsl, step=_step(case, "R6"), owner=pastoral_unassigned, due_date=_due())
    # They could not act on a case they cannot read: they are assigned to it.
    assert CaseAssignment.objects.filter(case=case, user=pastoral_unassigned, ended_at__isnull=True).exists()


def test_the_owner_form_offers_pastoral_staff_only_for_school_support(dsl, pastoral, case, login):
    client = login(dsl)
    police = client.get(reverse("step_detail", args=[case.pk, _step(case, "R1").pk])).content.decode()
    support = client.get(reverse("step_detail", args=[case.pk, _step(case, "R6").pk])).content.decode()
    assert pastoral.full_name not in police and pastoral.full_name in support


def test_a_pastoral_owner_works_their_support_step_through_and_no_further(dsl, pastoral, case, login):
    support = services.step_accept(actor=dsl, step=_step(case, "R6"), owner=pastoral, due_date=_due())
    client = login(pastoral)
    home = client.get(reverse("home")).content.decode()
    assert "Your referral steps" in home and reverse("step_detail", args=[case.pk, support.pk]) in home
    page = client.get(reverse("step_detail", args=[case.pk, support.pk])).content.decode()
    assert "Record what has happened" in page and "Not needed" not in page and "Change the owner" not in page
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    made = client.post(
        reverse("step_act", args=[case.pk, support.pk, "made"]), {"made-made_at": now, "made-made_how": "in_person"}
    )
    assert made.status_code == 302
    refused = client.post(reverse("step_act", args=[case.pk, support.pk, "not_needed"]), {"nn-reason": "x"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="cases.case.access_refused", extra__attempted="step_move").exists()
    client.post(reverse("step_act", args=[case.pk, support.pk, "outcome"]), {"outcome-outcome": "Weekly check-ins agreed."})
    assert client.post(reverse("step_act", args=[case.pk, support.pk, "close"])).status_code == 302
    support.refresh_from_db()
    assert support.state == "closed"


def test_a_step_that_is_not_theirs_is_not_shown_to_pastoral_staff(dsl, pastoral, case, login):
    other = services.step_accept(actor=dsl, step=_step(case, "R6"), owner=dsl, due_date=_due())
    police = _step(case, "R1")
    client = login(pastoral)
    for step in (other, police):
        assert client.get(reverse("step_detail", args=[case.pk, step.pk])).status_code == 404
        assert client.post(reverse("step_act", args=[case.pk, step.pk, "close"])).status_code == 404
    # Recorded (repeated refusals by one person are kept together as one burst: safeguard.refusals).
    assert AuditEvent.objects.filter(action="cases.case.access_refused", extra__attempted="step").exists()


# --- People who leave ------------------------------------------------------------------------------------


@pytest.fixture
def leaver(school):
    return staff(school, "pastoral", full_name="Lee Leaving", email="leaving@hillside.example")


@pytest.fixture
def holdings(dsl, leaver, pupil, school):
    """Lee owns a support step and two actions on one case, and is assigned to it and one more."""
    first = make_case(actor=dsl, school=school, pupils=[pupil])
    second = make_case(actor=dsl, school=school, pupils=[pupil], summary="Another matter.")
    step = services.step_accept(actor=dsl, step=_step(first, "R6"), owner=leaver, due_date=TODAY())
    actions = [services.action_create(actor=dsl, case=first, owner=leaver, title=title, due_date=TODAY()) for title in ("A", "B")]
    case_assign(actor=dsl, case=second, user=leaver)
    return {"cases": [first, second], "step": step, "actions": actions}


def test_the_it_admin_sees_what_someone_holds_as_numbers_only(it_admin, leaver, holdings, pupil, login):
    page = login(it_admin).get(reverse("staff_deactivate", args=[leaver.pk])).content.decode()
    assert "1 open referral step" in page and "2 open actions" in page and "Assigned to 2 open cases" in page
    for secret in [c.reference for c in holdings["cases"]] + [pupil.first_name, pupil.last_name, "Another matter"]:
        assert secret not in page


def test_an_empty_form_deactivates_nothing(it_admin, leaver, holdings, login):
    response = login(it_admin).post(reverse("staff_deactivate", args=[leaver.pk]), {})
    assert response.status_code == 200 and "Tick the box to confirm" in response.content.decode()
    leaver.refresh_from_db()
    assert leaver.is_active and Action.objects.filter(owner=leaver).count() == 2


def test_work_handed_to_a_dsl_moves_with_its_history_and_they_are_told(it_admin, deputy, dsl, leaver, holdings, login):
    response = login(it_admin).post(
        reverse("staff_deactivate", args=[leaver.pk]), {"new_owner": deputy.pk, "confirm": "on"}, follow=True
    )
    assert "now belong to Dev Deputy" in response.content.decode()
    leaver.refresh_from_db()
    assert not leaver.is_active
    step = holdings["step"]
    step.refresh_from_db()
    assert step.owner == deputy and Action.objects.filter(owner=deputy).count() == 2
    event = StepEvent.objects.filter(step=step).latest("at")
    assert event.summary == "New owner: Dev Deputy" and event.detail == "Lee Leaving left"
    assert _open(deputy, kind="handed_over").count() == 1
    assert AuditEvent.objects.filter(action="referrals.step.handed_over").count() == 1
    assert AuditEvent.objects.filter(action="referrals.action.handed_over").count() == 2
    left = AuditEvent.objects.get(action="desk.staff.left")
    assert left.extra["steps"] == 1 and left.extra["actions"] == 2 and left.extra["cases_waiting"] == 2
    # Their case access ends with the account: a reactivated account gets no case back by itself.
    assert not CaseAssignment.objects.filter(user=leaver, ended_at__isnull=True).exists()


def test_the_it_admin_cannot_hand_work_to_pastoral_staff(it_admin, pastoral, leaver, holdings, school, login):
    from desk.services import staff_leave

    response = login(it_admin).post(reverse("staff_deactivate", args=[leaver.pk]), {"new_owner": pastoral.pk, "confirm": "on"})
    assert response.status_code == 200 and "Choose someone from the list." in response.content.decode()
    with pytest.raises(Exception, match="DSL or deputy"):
        staff_leave(actor=it_admin, school=school, user=leaver, new_owner=pastoral)
    leaver.refresh_from_db()
    assert leaver.is_active and not CaseAssignment.objects.filter(user=pastoral, case=holdings["cases"][1]).exists()


def test_work_left_unowned_waits_on_every_dsls_home_page_until_someone_takes_it(
    it_admin, dsl, deputy, pastoral_unassigned, leaver, holdings, login
):
    login(it_admin).post(reverse("staff_deactivate", args=[leaver.pk]), {"new_owner": "", "confirm": "on"})
    step, (first, second), (case_a, case_b) = holdings["step"], holdings["actions"], holdings["cases"]
    step.refresh_from_db()
    assert step.owner is None
    for lead in (dsl, deputy):
        assert _open(lead, kind="needs_owner").count() == 1 and _open(lead, kind="needs_assignee").count() == 1
        home = login(lead).get(reverse("home")).content.decode()
        panel = _panel(home)
        assert case_a.reference in panel and case_b.reference in panel
    # A DSL gives each out; the panel empties and the notification clears itself.
    client = login(dsl)
    client.post(reverse("action_reassign", args=[case_a.pk, first.pk]), {"owner": deputy.pk})
    client.post(reverse("action_reassign", args=[case_a.pk, second.pk]), {"owner": pastoral_unassigned.pk})
    assert _open(dsl, kind="needs_owner").exists()  # the step still has nobody
    assert CaseAssignment.objects.filter(case=case_a, user=pastoral_unassigned, ended_at__isnull=True).exists()
    services.step_update(actor=dsl, step=step, owner=dsl)
    assert not _open(dsl, kind="needs_owner").exists() and not _open(deputy, kind="needs_owner").exists()
    # The cases whose assigned member of staff left: giving the action to a pastoral colleague put
    # someone new on the first; the DSL says nobody new is needed on the second.
    home = client.get(reverse("home")).content.decode()
    panel = _panel(home)
    assert case_b.reference in panel and case_a.reference not in panel
    assert _open(dsl, kind="needs_assignee").exists()
    response = client.post(reverse("case_nobody_new_needed", args=[case_b.pk]))
    assert response.status_code == 302
    assert not _open(dsl, kind="needs_assignee").exists()
    home = client.get(reverse("home")).content.decode()
    assert 'id="needs-owner"' not in home
    assert AuditEvent.objects.filter(action="cases.case.nobody_new_needed").count() == 1


def test_unowned_work_due_today_reminds_the_leads(it_admin, dsl, deputy, leaver, holdings, login):
    from referrals.services.reminders import reminders_plan

    login(it_admin).post(reverse("staff_deactivate", args=[leaver.pk]), {"new_owner": "", "confirm": "on"})
    with time_machine.travel(timezone.localtime().replace(hour=7, minute=0), tick=False):
        reminders_plan()
    step_reminders = set(Reminder.objects.filter(kind=ReminderKind.STEP_DUE).values_list("recipient", flat=True))
    action_reminders = set(Reminder.objects.filter(kind=ReminderKind.ACTION_DUE).values_list("recipient", flat=True))
    assert step_reminders == {dsl.pk, deputy.pk} and action_reminders == {dsl.pk, deputy.pk}
    assert not Reminder.objects.filter(recipient=leaver).exists()


def test_the_last_dsl_cannot_leave_and_nothing_is_handed_over(it_admin, school, pupil, login):
    only = staff(school, "dsl", full_name="Only Lead")
    case = make_case(actor=only, school=school, pupils=[pupil])
    services.action_create(actor=only, case=case, owner=only, title="Mine", due_date=_due())
    response = login(it_admin).post(reverse("staff_deactivate", args=[only.pk]), {"confirm": "on"})
    assert response.status_code == 200 and "only one" in response.content.decode()
    only.refresh_from_db()
    assert only.is_active and Action.objects.get().owner == only
    assert not mail.outbox or all("handed" not in m.subject for m in mail.outbox)
