"""Your work: every open action and referral step a person owns, the rest of what their home page
lists the first few of."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases.services import case_unassign
from desk.selectors import HOME_WORK_LIMIT
from referrals import services
from referrals.models import Action, Step
from tests.factories import PupilFactory, make_case


def test_your_work_lists_your_open_actions_at_this_school_soonest_due_first(
    required_case, quiet_case, dsl, pastoral, pastoral_unassigned, school, other_school, other_dsl, login
):
    today = timezone.localdate()
    later = services.action_create(actor=dsl, case=required_case, owner=pastoral, title="Meet the parents", due_date=today)
    sooner = services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in", due_date=today)
    Action.objects.filter(pk=sooner.pk).update(due_date=today - timedelta(days=2))  # overdue now
    done = services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Speak to the tutor", due_date=today)
    services.action_complete(actor=pastoral, action=done, note="")
    services.action_create(actor=dsl, case=quiet_case, owner=pastoral_unassigned, title="Someone else's", due_date=today)
    elsewhere = make_case(actor=other_dsl, school=other_school, pupils=[PupilFactory(school=other_school)])
    services.action_create(actor=other_dsl, case=elsewhere, owner=other_dsl, title="Another school's", due_date=today)

    page = login(pastoral).get(reverse("my_work")).content.decode()
    assert page.index("Check in") < page.index("Meet the parents")
    assert "(overdue)" in page.split("Check in")[1].split("Meet the parents")[0]
    assert "Speak to the tutor" not in page and "Someone else" not in page and "Another school" not in page
    assert reverse("action_complete", args=[later.case_id, later.pk]) in page


def test_an_action_on_a_case_you_can_no_longer_open_leaves_your_work(quiet_case, dsl, pastoral, login):
    services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in", due_date=timezone.localdate())
    client = login(pastoral)
    assert "Check in" in client.get(reverse("my_work")).content.decode()
    case_unassign(actor=dsl, case=quiet_case, user=pastoral)
    page = client.get(reverse("my_work")).content.decode()
    assert "Check in" not in page and "You have no actions to do." in page


def test_your_referral_steps_are_on_their_own_tab(quiet_case, dsl, pastoral, login):
    services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in", due_date=timezone.localdate())
    support = Step.objects.get(case=quiet_case, route__code="R6")
    services.step_accept(actor=dsl, step=support, owner=pastoral, due_date=timezone.localdate() + timedelta(days=1))
    client = login(pastoral)
    assert support.title not in client.get(reverse("my_work")).content.decode()
    page = client.get(reverse("my_work") + "?list=steps").content.decode()
    assert reverse("step_detail", args=[quiet_case.pk, support.pk]) in page and "Check in" not in page
    assert 'aria-current="page" href="?list=steps"' in page


def test_the_home_page_shows_the_soonest_and_your_work_the_rest(quiet_case, dsl, pastoral, login):
    today = timezone.localdate()
    for n in range(HOME_WORK_LIMIT + 2):
        services.action_create(
            actor=dsl, case=quiet_case, owner=pastoral, title=f"Task {n:02d}", due_date=today + timedelta(days=n)
        )
    client = login(pastoral)
    home = client.get(reverse("home")).content.decode()
    assert home.count("Mark as done<span") == HOME_WORK_LIMIT and f"Your actions ({HOME_WORK_LIMIT + 2})" in home
    assert f"Task {HOME_WORK_LIMIT - 1:02d}" in home and f"Task {HOME_WORK_LIMIT:02d}" not in home
    assert f'href="{reverse("my_work")}?list=actions">All your actions' in home
    work = client.get(reverse("my_work")).content.decode()
    assert work.count("Mark as done<span") == HOME_WORK_LIMIT + 2


def test_a_few_actions_are_all_on_the_home_page_with_no_link_onwards(quiet_case, dsl, pastoral, login):
    services.action_create(actor=dsl, case=quiet_case, owner=pastoral, title="Check in", due_date=timezone.localdate())
    home = login(pastoral).get(reverse("home")).content.decode()
    assert "Your actions (1)" in home and "All your actions" not in home
