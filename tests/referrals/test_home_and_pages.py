"""The DSL's home shows steps due today and overdue; the step and route pages work."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Route, SchoolRoute, Step


def test_dsl_home_lists_steps_due_today_and_overdue(required_case, quiet_case, dsl, login, django_assert_max_num_queries):
    police = Step.objects.get(case=required_case, route__code="R7")  # due today
    r6 = Step.objects.get(case=quiet_case, route__code="R6")
    services.step_accept(actor=dsl, step=r6, owner=dsl, due_date=timezone.localdate() + timedelta(days=1))
    home = login(dsl).get(reverse("home")).content.decode()
    assert "Referral steps due" in home and required_case.reference in home and "Today" in home
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        home = login(dsl).get(reverse("home")).content.decode()
        assert home.count("— overdue") == 2 and police.route.name in home


def test_home_query_count_does_not_grow_with_steps(dsl, school, fourteen, login, django_assert_max_num_queries):
    from tests.factories import make_case
    from tests.referrals.conftest import REQUIRED

    client = login(dsl)
    # Seven cases fill the five suggestions the page lists (a list that is not full is counted
    # from its rows, a full one by the database: one query more, once), then seven more.
    for _ in range(7):
        make_case(actor=dsl, school=school, pupils=[fourteen], answers=REQUIRED)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("home"))
    for _ in range(7):
        make_case(actor=dsl, school=school, pupils=[fourteen], answers=REQUIRED)
    with django_assert_max_num_queries(40) as many:
        client.get(reverse("home"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_step_page_shows_the_route_guidance_and_the_schools_details(required_case, dsl, school, login):
    SchoolRoute.objects.create(
        school=school, route=Route.objects.get(code="R7"), contact_details="Safer schools officer: PC Example, 01632 960000"
    )
    police = Step.objects.get(case=required_case, route__code="R7")
    page = login(dsl).get(reverse("step_detail", args=[required_case.pk, police.pk])).content.decode()
    assert "Call 999 if a child is in immediate danger" in page and "PC Example, 01632 960000" in page
    assert "Record what has happened" in page and "Not needed" in page


def test_the_dsl_edits_the_schools_route_details(dsl, school, login):
    response = login(dsl).post(
        reverse("route_edit", args=["R8"]), {"contact_details": "MASH: 01632 960111", "due_working_days": "1"}
    )
    assert response.status_code == 302
    entry = SchoolRoute.objects.get(school=school, route__code="R8")
    assert entry.contact_details == "MASH: 01632 960111" and entry.due_working_days == 1
    assert "MASH: 01632 960111" in login(dsl).get(reverse("route_list")).content.decode()


def test_adding_a_second_platform_report(quiet_case, dsl, login):
    response = login(dsl).post(
        reverse("step_add", args=[quiet_case.pk]),
        {
            "route": Route.objects.get(code="R1").pk,
            "owner": dsl.pk,
            "due_date": timezone.localdate().isoformat(),
            "platform": "TikTok",
        },
    )
    assert response.status_code == 302
    assert Step.objects.filter(case=quiet_case, route__code="R1").count() == 2
    assert Step.objects.get(case=quiet_case, platform="TikTok").state == "todo"


def test_home_lists_the_most_overdue_steps_and_counts_them_all(dsl, school, fourteen, login):
    from referrals.selectors import steps_due
    from tests.factories import make_case
    from tests.referrals.conftest import REQUIRED

    cases = [make_case(actor=dsl, school=school, pupils=[fourteen], answers=REQUIRED) for _ in range(4)]
    today = timezone.localdate()
    for days, case in enumerate(cases):  # police steps due today, 1, 2 and 3 days ago
        Step.objects.filter(case=case, route__code="R7").update(due_date=today - timedelta(days=days))
    due = steps_due(dsl, school, limit=2)
    assert (due["overdue_count"], due["today_count"], due["shown"], due["total"]) == (3, 1, 2, 4)
    assert [s.case_id for s in due["overdue"]] == [cases[3].pk, cases[2].pk] and due["today"] == []
    home = login(dsl).get(reverse("home")).content.decode()
    assert "3 overdue and 1 due today across" in home and "overdue first" in home
