"""The DSL's home page does work bounded by what it shows (issue 22), however much is open.

- Counts stop at ``COUNT_CAP`` and the page says "or more" past it, rather than counting every
  open step and case on a school's worst day.
- Each step keeps its case's school, set on save, so the due steps are read in due order from the
  school's own index (``step_school_due_idx``); on PostgreSQL the plan is checked to use it.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from referrals.models import Step
from safeguard.selectors import count_up_to
from tests.conftest import require_service
from tests.factories import make_case
from tests.referrals.conftest import REQUIRED

pytestmark = pytest.mark.django_db


def _required_cases(dsl, school, pupil, n: int) -> list[Case]:
    """``n`` cases meeting the police-referral criteria: each has its police step due today."""
    return [make_case(actor=dsl, school=school, pupils=[pupil], answers=REQUIRED) for _ in range(n)]


def test_a_step_keeps_its_cases_school(dsl, school, fourteen):
    case = _required_cases(dsl, school, fourteen, 1)[0]
    steps = list(Step.objects.filter(case=case))
    assert steps and all(step.school_id == case.school_id == school.pk for step in steps)


def test_counts_stop_at_the_cap(dsl, school, fourteen):
    _required_cases(dsl, school, fourteen, 4)
    open_cases = Case.objects.filter(school=school, status="open")
    assert count_up_to(open_cases, 3) == 3
    assert count_up_to(open_cases, 10) == open_cases.count() == 4


def test_several_counts_are_asked_in_one_statement(dsl, school, other_school, fourteen):
    from safeguard.selectors import count_together, firsts_and_counts

    for _ in range(4):
        make_case(actor=dsl, school=school, pupils=[fourteen], answers=REQUIRED)
    cases = Case.objects.filter(school=school)
    with CaptureQueriesContext(connection) as one:
        counts = count_together([cases, cases.filter(outcome="required"), Case.objects.filter(school=other_school)], 3)
    assert counts == [3, 3, 0] and len(one.captured_queries) == 1
    # Nothing to ask of an empty queryset, or of a filter on an empty list: counted as 0, still one statement.
    assert count_together([Case.objects.none(), cases.filter(pk__in=[]), cases]) == [0, 0, 4]
    with CaptureQueriesContext(connection) as lists:
        found = firsts_and_counts(
            {"few": (cases, 10), "full": (cases, 2), "also_full": (Step.objects.filter(case__school=school), 1)}
        )
    # Three lists, and the two that came back full counted together: four queries.
    assert len(lists.captured_queries) == 4
    assert (len(found["few"][0]), found["few"][1]) == (4, 4) and (len(found["full"][0]), found["full"][1]) == (2, 4)
    assert found["also_full"][1] == Step.objects.filter(case__school=school).count()


def test_past_the_cap_the_home_page_says_or_more(dsl, school, fourteen, login, monkeypatch):
    _required_cases(dsl, school, fourteen, 4)
    for module in ("safeguard.selectors", "referrals.selectors", "safeguard.templatetags.counts"):
        monkeypatch.setattr(f"{module}.COUNT_CAP", 3)
    page = login(dsl).get(reverse("home")).content.decode()
    assert "3 or more steps overdue or due today across" in page
    assert "Open cases (3 or more)" in page
    monkeypatch.setattr("safeguard.selectors.COUNT_CAP", 1000)
    monkeypatch.setattr("referrals.selectors.COUNT_CAP", 1000)
    monkeypatch.setattr("safeguard.templatetags.counts.COUNT_CAP", 1000)
    page = login(dsl).get(reverse("home")).content.decode()
    assert "0 overdue and 4 due today across" in page and "Open cases (4)" in page


def test_due_steps_are_read_from_the_schools_index(dsl, school, fourteen, login):
    """The plan the database makes for the home page's due steps can walk the school's index
    of accepted open steps in due order (the partial index's condition must be one the query's
    own condition proves, which is easy to lose: see referrals.models.Step)."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "DATABASE_URL does not name a PostgreSQL database")
    _required_cases(dsl, school, fourteen, 3)
    client = login(dsl)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    due = [q["sql"] for q in captured.captured_queries if 'FROM "referrals_step"' in q["sql"] and '"due_date" ASC' in q["sql"]]
    assert due, "the home page read no due steps"
    with connection.cursor() as cursor:
        # Tiny test tables are cheaper to read whole; forbid that, so the plan shows whether the
        # index can serve the query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + due[0])
        plan = json.dumps(cursor.fetchone()[0])
    assert "step_school_due_idx" in plan, plan
