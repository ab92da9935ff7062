"""Pinned: every list page and the case page run exactly as many queries over 500 rows as over 5.

Each test counts a page's queries with 5 rows, grows the same school to 500 rows of the same
shapes, and asserts the count has not moved (``django_assert_num_queries``), so a query per row (an
N+1) fails at once. The first rows are written by the real services (a disclosure recorded,
pastoral staff given an action and so assigned, with guardian's object permission); the rest are
bulk copies of those rows, and each test checks the page really shows the 500.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases.access import VIEW_CASE_PERMISSION, cases_visible_to
from cases.models import (
    Assessment,
    AssignmentView,
    Attachment,
    Case,
    CaseAssignment,
    CaseChild,
    CasePlatform,
    CaseReview,
    CaseStatusChange,
    Concern,
    ConcernStatus,
    Correction,
    Decision,
    Disclosure,
    FactChange,
    Note,
    OtherChild,
    Pupil,
    PupilImport,
    SearchEntry,
)
from cases.search import case_entry
from referrals.models import (
    Action,
    ActionStatus,
    ChildVoice,
    ParentContact,
    Reminder,
    ReminderStatus,
    Route,
    Step,
    StepEvent,
    StepState,
)
from referrals.selectors import HOME_STEPS_LIMIT
from referrals.services import action_create
from safeguard.audit import audit_record
from safeguard.models import Notification, StaffRole, User
from tests.factories import PupilFactory, UserFactory, make_case

SMALL = 5
BIG = 500
REQUIRED = {"C1": "yes", "C2": "no", "C4": "no", "C6": "no"}

_serial = itertools.count(1)


def count_queries(client, url: str) -> int:
    client.get(url)  # the session's first request is not the one measured
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def get_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Rows in the shapes the services write -----------------------------------------------------------


def _copy(obj, **changes):
    """An unsaved copy of a model instance (every concrete field but the primary key)."""
    values = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in changes and f.attname not in changes
    }
    return type(obj)(**values, **changes)


def new_pupils(school, n: int) -> list[Pupil]:
    return Pupil.objects.bulk_create(PupilFactory.build_batch(n, school=school))


def new_staff(school, role: str, n: int) -> list[User]:
    users = User.objects.bulk_create(UserFactory.build_batch(n))
    StaffRole.objects.bulk_create([StaffRole(user=u, school=school, role=role) for u in users])
    return users


#: The tables the helpers below fill in bulk.
GROWN_TABLES = (
    "cases_case", "cases_assessment", "cases_disclosure", "cases_caseplatform", "cases_casechild", "cases_pupil",
    "cases_caseassignment", "cases_caseuserobjectpermission", "cases_concern", "referrals_step", "referrals_action",
)  # fmt: skip


def plan_as_production() -> None:
    """On PostgreSQL, refresh the planner's statistics of the tables just grown, as autovacuum
    would within a minute in production. Without it the planner keeps what an earlier test left
    (seed_scale's ANALYZE of near-empty tables) and plans nested loops that take minutes over a
    few thousand rows: a test of query counts then measures a plan no live database would use."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(GROWN_TABLES))


def copy_cases(template: Case, n: int, *, pupil: Pupil | None = None, review_overdue: bool = False) -> list[Case]:
    """``n`` more cases like ``template`` (recorded through the disclosure service): each with its
    own disclosure, current assessment, platforms, referral steps and a child (a new pupil each,
    or ``pupil`` in every one)."""
    if n <= 0:
        return []
    template = Case.objects.select_related("disclosure", "current_assessment").get(pk=template.pk)
    now = timezone.now()
    review_due = timezone.localdate() - timedelta(days=1) if review_overdue else template.review_due
    cases = Case.objects.bulk_create(
        [
            _copy(
                template,
                reference=f"{template.reference}-{next(_serial):05d}",
                created_at=now - timedelta(seconds=i + 1),
                updated_at=now,
                current_assessment=None,
                review_due=review_due,
            )
            for i in range(n)
        ]
    )
    assessments = Assessment.objects.bulk_create([_copy(template.current_assessment, case=c) for c in cases])
    for case, assessment in zip(cases, assessments, strict=True):
        case.current_assessment = assessment
    Case.objects.bulk_update(cases, ["current_assessment"])
    Disclosure.objects.bulk_create([_copy(template.disclosure, case=c) for c in cases])
    platforms = list(CasePlatform.objects.filter(case=template))
    CasePlatform.objects.bulk_create([_copy(p, case=c) for c in cases for p in platforms])
    steps = list(Step.objects.filter(case=template))
    Step.objects.bulk_create([_copy(s, case=c, follows=None) for c in cases for s in steps])
    pupils = [pupil] * n if pupil is not None else new_pupils(template.school, n)
    CaseChild.objects.bulk_create(
        [
            CaseChild(case=c, pupil=p, part="harmed", added_at=c.created_at, added_by_id=c.created_by_id)
            for c, p in zip(cases, pupils, strict=True)
        ]
    )
    plan_as_production()
    return cases


def assign(dsl, pastoral, cases: list[Case]) -> None:
    """What ``case_assign`` writes, in bulk: the assignment and guardian's object permission
    (the gateway reads the permission), and an action for the teacher on each case."""
    CaseAssignment.objects.bulk_create([CaseAssignment(case=c, user=pastoral, assigned_by=dsl) for c in cases])
    assign_perm(VIEW_CASE_PERMISSION, pastoral, cases)
    due = timezone.localdate() + timedelta(days=7)
    Action.objects.bulk_create(
        [
            Action(case=c, owner=pastoral, title=f"Check in with the child ({c.reference})", due_date=due, created_by=dsl)
            for c in cases
        ]
    )
    plan_as_production()


def assign_through_services(dsl, pastoral, cases: list[Case]) -> None:
    """Giving pastoral staff an action assigns them to the case (case_assign, guardian permission)."""
    for case in cases:
        action_create(
            actor=dsl,
            case=case,
            owner=pastoral,
            title=f"Check in with the child ({case.reference})",
            due_date=timezone.localdate() + timedelta(days=7),
        )


def new_concerns(school, raised_by, dsl, n: int, *, case: Case | None = None) -> None:
    now = timezone.now()
    rows = []
    for i in range(n):
        k = next(_serial)
        rows.append(
            Concern(
                school=school, reference=f"CON-{k:05d}", raised_by=raised_by, children="A Year 9 pupil", what_happened="Messages."
            )
        )
        rows.append(
            Concern(
                school=school,
                reference=f"CON-{k:05d}-T",
                raised_by=raised_by,
                children="A Year 8 pupil",
                what_happened="Name-calling.",
                status=ConcernStatus.CASE_OPENED if case else ConcernStatus.NO_FURTHER_ACTION,
                triaged_by=dsl,
                triaged_at=now - timedelta(minutes=i),
                nfa_reason="" if case else "Dealt with in class.",
                case=case,
            )
        )
    Concern.objects.bulk_create(rows)


def fill_case(case: Case, dsl, pastoral, n: int) -> None:
    """``n`` more of everything the case page lists: notes (each corrected), children (one in
    three taken off), other children, decisions, assessments, steps and their events, actions
    (half for ``pastoral``), the child's voice, parents' contact, reviews, fact changes, status
    changes, platforms, attachments, assignments (half ended), linked concerns and access-log
    events."""
    school = case.school
    k = next(_serial)
    now = timezone.now()
    notes = Note.objects.bulk_create([Note(case=case, text=f"Note {k}.{i}", author=dsl) for i in range(n)])
    Correction.objects.bulk_create(
        [
            Correction(
                case=case,
                field="note",
                note=note,
                previous_text=note.text,
                new_text=f"{note.text} (corrected)",
                reason="Typo",
                made_by=dsl,
            )
            for note in notes
        ]
    )
    pupils = new_pupils(school, n)
    CaseChild.objects.bulk_create(
        [
            CaseChild(
                case=case,
                pupil=p,
                part="witness",
                added_at=case.created_at + timedelta(minutes=10),
                added_by=dsl,
                removed_at=now if i % 3 == 0 else None,
                removed_by=dsl if i % 3 == 0 else None,
                removed_reason="Added by mistake." if i % 3 == 0 else "",
            )
            for i, p in enumerate(pupils)
        ]
    )
    OtherChild.objects.bulk_create(
        [
            OtherChild(
                case=case,
                description=f"Year 10 pupil at another school ({k}.{i})",
                part="harmed_others",
                age=15,
                added_by=dsl,
                removed_at=now if i % 3 == 0 else None,
                removed_by=dsl if i % 3 == 0 else None,
            )
            for i in range(n)
        ]
    )
    assessment = case.current_assessment
    Assessment.objects.bulk_create([_copy(assessment, created_at=now - timedelta(minutes=i)) for i in range(n)])
    Decision.objects.bulk_create(
        [
            Decision(
                case=case,
                decision="refer",
                rationale="Police to look at it.",
                assessment=assessment,
                assessment_outcome=assessment.outcome,
                differs_from_assessment=False,
                made_by=dsl,
                made_at=now - timedelta(minutes=i + 1),
            )
            for i in range(n)
        ]
    )
    routes = list(Route.objects.order_by("position"))
    steps = Step.objects.bulk_create(
        [
            Step(
                case=case,
                school_id=case.school_id,
                route=routes[i % len(routes)],
                state=StepState.TODO,
                origin="added",
                owner=dsl,
                due_date=timezone.localdate() + timedelta(days=i % 5),
                position=100 + i,
                created_by=dsl,
            )
            for i in range(n)
        ]
    )
    StepEvent.objects.bulk_create(
        [StepEvent(step=s, case=case, to_state=s.state, summary=f"{s.route.name}: accepted", by=dsl) for s in steps]
    )
    due = timezone.localdate() + timedelta(days=3)
    Action.objects.bulk_create(
        [
            Action(
                case=case,
                owner=pastoral if i % 2 else dsl,
                title=f"Action {k}.{i}",
                due_date=due,
                status=ActionStatus.DONE if i % 4 == 0 else ActionStatus.OPEN,
                done_at=now if i % 4 == 0 else None,
                finished_by=dsl if i % 4 == 0 else None,
                created_by=dsl,
            )
            for i in range(n)
        ]
    )
    ChildVoice.objects.bulk_create(
        [
            ChildVoice(
                case=case,
                pupil=p,
                told_at=now,
                told_by="Form tutor",
                views="Wants it to stop.",
                next_steps="A referral.",
                recorded_by=dsl,
            )
            for p in pupils
        ]
    )
    ParentContact.objects.bulk_create(
        [
            ParentContact(case=case, pupil=p, informed=True, who="Mother", contacted_at=now, contacted_by="DSL", recorded_by=dsl)
            for p in pupils
        ]
    )
    CaseReview.objects.bulk_create(
        [CaseReview(case=case, notes="Reviewed.", reviewed_by=dsl, next_review_due=timezone.localdate()) for _ in range(n)]
    )
    FactChange.objects.bulk_create(
        [FactChange(case=case, fields=["platforms"], reason="The child remembered.", made_by=dsl) for _ in range(n)]
    )
    CasePlatform.objects.bulk_create([CasePlatform(case=case, name=f"App {k}.{i}") for i in range(n)])
    Attachment.objects.bulk_create(
        [
            Attachment(
                case=case,
                file=f"{school.pk}/{k}-{i}",
                original_name=f"referral-{i}.pdf",
                content_type="application/pdf",
                extension="pdf",
                size=1000,
                sha256="0" * 64,
                uploaded_by=dsl,
            )
            for i in range(n)
        ]
    )
    CaseStatusChange.objects.bulk_create(
        [
            CaseStatusChange(case=case, from_status=a, to_status=b, reason="Closed too early.", by=dsl)
            for _ in range(n // 2)
            for a, b in (("open", "closed"), ("closed", "open"))
        ]
    )
    teachers = new_staff(school, "pastoral", n)
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(case=case, user=t, assigned_by=dsl, ended_by=dsl if i % 2 else None, ended_at=now if i % 2 else None)
            for i, t in enumerate(teachers)
        ]
    )
    for teacher in teachers:
        assign_perm(VIEW_CASE_PERMISSION, teacher, case)
    new_concerns(school, dsl, dsl, n, case=case)
    for _ in range(n):
        audit_record(actor=dsl, action="cases.case.viewed", obj=case, school=school, extra={"page": "case"})


# --- Fixtures ------------------------------------------------------------------------------------------


@pytest.fixture
def template(dsl, school, pupil):
    """One case recorded through the disclosure service, police referral required: its steps
    include the police step due today and suggested ones, as real cases have."""
    return make_case(actor=dsl, school=school, pupils=[pupil], answers=REQUIRED, platforms=["Snapchat", "Instagram"])


@pytest.fixture
def pastoral_on_five(dsl, pastoral, template):
    """The pastoral teacher, given an action on five cases through the services (and so assigned)."""
    cases = [template, *copy_cases(template, SMALL - 1)]
    assign_through_services(dsl, pastoral, cases)
    assert cases_visible_to(pastoral).count() == SMALL
    return cases


def grow_pastoral_to_big(dsl, pastoral, template, *, already: int = SMALL) -> None:
    assign(dsl, pastoral, copy_cases(template, BIG - already))
    assert cases_visible_to(pastoral).count() == BIG


# --- Home pages ----------------------------------------------------------------------------------------


#: Enough cases and concerns to fill every list on the DSL's home page (the longest shows 25 steps
#: due): a list shorter than its limit is counted from its rows, one that is full by the database.
FULL = HOME_STEPS_LIMIT + 5


def grow_dsl_work(template, school, staff_member, dsl, *, cases: int, concerns: int) -> None:
    """More open cases (each a copy of ``template``, its review overdue) and concerns waiting."""
    copy_cases(template, cases, review_overdue=True)
    new_concerns(school, staff_member, dsl, concerns)


def test_dsl_home_runs_no_query_for_a_list_that_is_not_full(dsl, staff_member, school, template, login):
    grow_dsl_work(template, school, staff_member, dsl, cases=SMALL - 1, concerns=SMALL)
    client = login(dsl)
    url = reverse("home")
    n_at_5 = count_queries(client, url)
    grow_dsl_work(template, school, staff_member, dsl, cases=FULL - SMALL, concerns=FULL - SMALL)
    n_full = count_queries(client, url)
    # Four lists are counted by the database once full: open cases, concerns waiting and reviews
    # due in the one statement that already counted the five suggestions shown (full already:
    # each case suggests several), and steps due in one of their own.
    assert n_full == n_at_5 + 1
    page = get_page(client, url)
    assert f"Open cases ({FULL})" in page and f"Concerns waiting for triage ({FULL})" in page


def test_dsl_home_runs_the_same_queries_for_500_cases_and_concerns_as_for_30(
    dsl, staff_member, school, template, login, django_assert_num_queries
):
    grow_dsl_work(template, school, staff_member, dsl, cases=FULL - 1, concerns=FULL)
    client = login(dsl)
    url = reverse("home")
    n_full = count_queries(client, url)

    grow_dsl_work(template, school, staff_member, dsl, cases=BIG - FULL, concerns=BIG - FULL)
    with django_assert_num_queries(n_full):
        page = get_page(client, url)
    assert f"Open cases ({BIG})" in page and "suggested step" in page
    assert f"Concerns waiting for triage ({BIG})" in page and "The 15 to look at first" in page
    assert f"{BIG - 1} case reviews due or overdue (the 15 most overdue here)" in page
    assert "?review=due" in page
    assert f"0 overdue and {BIG} due today" in page  # the police step of each case, due today, all counted
    assert page.count('<tr><td data-label="Due">Today</td>') == 25  # and the first 25 listed


def test_head_home_runs_the_same_queries_for_500_cases_as_for_30(dsl, head, template, login, django_assert_num_queries):
    copy_cases(template, FULL - 1)  # the list of cases full: counted by the database
    client = login(head)
    url = reverse("home")
    n_full = count_queries(client, url)

    copy_cases(template, BIG - FULL)
    with django_assert_num_queries(n_full):
        page = get_page(client, url)
    assert f"Cases at Hillside Test Academy ({BIG})" in page


def own_school_support_steps(pastoral) -> None:
    """The school-support step of every case the teacher is assigned to, theirs to do and due."""
    cases = list(CaseAssignment.objects.filter(user=pastoral).values_list("case_id", flat=True))
    Step.objects.filter(case_id__in=cases, route=Route.objects.get(code="R6")).update(
        owner=pastoral, state=StepState.TODO, due_date=timezone.localdate() + timedelta(days=3)
    )
    plan_as_production()


def test_pastoral_home_runs_the_same_queries_for_500_assigned_cases_as_for_30(
    dsl, pastoral, template, pastoral_on_five, login, django_assert_num_queries
):
    from desk.selectors import HOME_WORK_LIMIT

    assign(dsl, pastoral, copy_cases(template, FULL - SMALL))  # every list on the page full
    own_school_support_steps(pastoral)
    client = login(pastoral)
    url = reverse("home")
    n_full = count_queries(client, url)

    grow_pastoral_to_big(dsl, pastoral, template, already=FULL)
    own_school_support_steps(pastoral)
    with django_assert_num_queries(n_full):
        page = get_page(client, url)
    # The 25 due soonest of each, the count, and the way to the rest.
    assert page.count("Mark as done<span") == HOME_WORK_LIMIT
    assert f"Your actions ({BIG})" in page and "All your actions" in page
    assert f"Your referral steps ({BIG})" in page and "All your referral steps" in page
    assert f"Open cases assigned to you ({BIG})" in page


def test_your_work_runs_the_same_queries_for_500_actions_as_for_5(
    dsl, pastoral, template, pastoral_on_five, login, django_assert_num_queries
):
    client = login(pastoral)
    url = reverse("my_work")
    n_at_5 = count_queries(client, url)
    n_steps_at_5 = count_queries(client, url + "?list=steps")

    grow_pastoral_to_big(dsl, pastoral, template)
    own_school_support_steps(pastoral)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("Mark as done<span") == 50 and f"Page 1 of 10 ({BIG} actions)" in page
    with django_assert_num_queries(n_steps_at_5 + 1):  # steps to list now: the page counts them too
        page = get_page(client, url + "?list=steps&page=2")
    assert f"Page 2 of 10 ({BIG} steps)" in page


# --- Case lists ----------------------------------------------------------------------------------------


def test_case_list_for_a_dsl_runs_the_same_queries_for_500_cases_as_for_5(dsl, template, login, django_assert_num_queries):
    copy_cases(template, SMALL - 1)
    client = login(dsl)
    url = reverse("case_list")
    n_at_5 = count_queries(client, url)

    copy_cases(template, BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert f"Page 1 of 10 ({BIG} cases)" in page


def test_case_list_for_pastoral_staff_runs_the_same_queries_for_500_assigned_cases_as_for_5(
    dsl, pastoral, template, pastoral_on_five, login, django_assert_num_queries
):
    client = login(pastoral)
    url = reverse("case_list")
    n_at_5 = count_queries(client, url)

    grow_pastoral_to_big(dsl, pastoral, template)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert f"Page 1 of 10 ({BIG} cases)" in page


# --- The case page -------------------------------------------------------------------------------------


def test_case_page_for_a_dsl_runs_the_same_queries_with_500_of_everything_as_with_5(
    dsl, pastoral, template, login, django_assert_num_queries
):
    fill_case(template, dsl, pastoral, SMALL)
    client = login(dsl)
    url = reverse("case_detail", args=[template.pk])
    n_at_5 = count_queries(client, url)

    fill_case(template, dsl, pastoral, BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("Correct this note") == BIG and page.count("Take off the case<span") >= 2 * BIG * 2 // 3
    for entry in ("Case reopened", "no longer assigned", "added (Witness)", "taken off the case", "Corrected a note"):
        assert page.count(entry) >= BIG // 3, entry


def test_case_page_for_pastoral_staff_runs_the_same_queries_with_500_of_everything_as_with_5(
    dsl, pastoral, template, pastoral_on_five, login, django_assert_num_queries
):
    fill_case(template, dsl, pastoral, SMALL)
    client = login(pastoral)
    url = reverse("case_detail", args=[template.pk])
    n_at_5 = count_queries(client, url)

    grow_pastoral_to_big(dsl, pastoral, template)  # the gateway's check, over 500 assignments
    fill_case(template, dsl, pastoral, BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    # Their own actions only: the one given through the service and half of those added.
    assert page.count("Mark as done<span") == Action.objects.filter(case=template, owner=pastoral, status="open").count() > 200


def test_case_page_reads_the_rare_kinds_of_record_only_when_the_case_has_them(dsl, pastoral, template, login):
    """Other children, corrections, attachments, fact changes, concerns, reviews and closures: the
    case's own query says which it has (EXISTS), so a case with none of them never reads their
    tables, and a case with all of them reads each once."""
    from cases.selectors import SPARSE_KINDS

    client = login(dsl)
    url = reverse("case_detail", args=[template.pk])
    tables = [model._meta.db_table for model in SPARSE_KINDS.values()]

    def reads(table, captured):  # queries of the table's own rows (not the EXISTS in the case's query)
        return sum(1 for q in captured if q["sql"].startswith(f'SELECT "{table}".'))

    client.get(url)
    with CaptureQueriesContext(connection) as bare:
        assert client.get(url).status_code == 200
    assert {table: reads(table, bare.captured_queries) for table in tables} == dict.fromkeys(tables, 0)
    fill_case(template, dsl, pastoral, SMALL)
    with CaptureQueriesContext(connection) as full:
        assert client.get(url).status_code == 200
    assert {table: reads(table, full.captured_queries) for table in tables} == dict.fromkeys(tables, 1)
    page = get_page(client, url)
    for shown in ("Case reopened", "Corrected a note", "Year 10 pupil at another school", "Case reviewed", "Facts changed"):
        assert shown in page, shown


def test_case_access_log_runs_the_same_queries_for_500_events_as_for_5(
    dsl, pastoral, head, template, login, django_assert_num_queries
):
    fill_case(template, dsl, pastoral, SMALL)
    client = login(head)
    url = reverse("case_access_log", args=[template.pk])
    n_at_5 = count_queries(client, url)

    fill_case(template, dsl, pastoral, BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert "the latest 50 of" in page and page.count("<time datetime=") == 50


def test_step_page_runs_the_same_queries_for_500_events_as_for_5(dsl, template, login, django_assert_num_queries):
    step = Step.objects.filter(case=template).first()

    def events(n):
        StepEvent.objects.bulk_create(
            [StepEvent(step=step, case=template, to_state=step.state, summary=f"Moved {i}", by=dsl) for i in range(n)]
        )

    events(SMALL)
    client = login(dsl)
    url = reverse("step_detail", args=[template.pk, step.pk])
    n_at_5 = count_queries(client, url)

    events(BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert "Moved 494" in page


# --- Pupils ------------------------------------------------------------------------------------------


def test_pupil_page_for_a_dsl_runs_the_same_queries_for_500_cases_as_for_5(
    dsl, pupil, template, login, django_assert_num_queries
):
    copy_cases(template, SMALL - 1, pupil=pupil)
    client = login(dsl)
    url = reverse("pupil_detail", args=[pupil.pk])
    n_at_5 = count_queries(client, url)

    copy_cases(template, BIG - SMALL, pupil=pupil)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("— Open, opened") == BIG


def test_pupil_page_for_pastoral_staff_runs_the_same_queries_for_500_assigned_cases_as_for_5(
    dsl, pastoral, pupil, template, pastoral_on_five, login, django_assert_num_queries
):
    # The five cases have a new pupil each: put ``pupil`` on every one the teacher can see, as a
    # child harmed (the teacher is on the support view, which reaches only the children harmed).
    CaseChild.objects.bulk_create(
        [CaseChild(case=c, pupil=pupil, part="harmed", added_by=dsl) for c in pastoral_on_five if c != template]
    )
    client = login(pastoral)
    url = reverse("pupil_detail", args=[pupil.pk])
    n_at_5 = count_queries(client, url)

    assign(dsl, pastoral, copy_cases(template, BIG - SMALL, pupil=pupil))
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("— Open, opened") == BIG


def test_pupil_search_runs_the_same_queries_for_500_matches_as_for_5(dsl, school, template, login, django_assert_num_queries):
    new_pupils(school, SMALL)  # with ``pupil`` (on the template case) six match
    client = login(dsl)
    url = reverse("pupil_search") + "?q=Testchild"
    n_at_5 = count_queries(client, url)

    copy_cases(template, 50)  # some of the new matches have cases
    new_pupils(school, BIG - SMALL - 50)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert "only the first 20 are shown" in page


def test_pupil_import_page_runs_the_same_queries_for_500_imports_as_for_5(dsl, school, login, django_assert_num_queries):
    def upload(n):
        counts = {"added": 3, "changed": 1, "unchanged": 20, "refused": 1}
        PupilImport.objects.bulk_create(
            [
                PupilImport(school=school, uploaded_by=dsl, filename=f"roll-{i}.csv", content="UPN\n", report={"counts": counts})
                for i in range(n)
            ]
        )

    upload(SMALL)
    client = login(dsl)
    url = reverse("pupil_import")
    n_at_5 = count_queries(client, url)

    upload(BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("3 new, 1 changed, 20 unchanged") == 20


# --- Concerns, notifications, staff ----------------------------------------------------------------------


def test_concern_list_runs_the_same_queries_for_500_concerns_as_for_5(
    dsl, staff_member, school, template, login, django_assert_num_queries
):
    new_concerns(school, staff_member, dsl, SMALL, case=template)
    client = login(dsl)
    url = reverse("concern_list")
    n_at_5 = count_queries(client, url)

    new_concerns(school, staff_member, dsl, BIG - SMALL, case=template)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert f"Waiting for triage ({BIG})" in page


def test_notification_list_runs_the_same_queries_for_500_notifications_as_for_5(dsl, school, login, django_assert_num_queries):
    def notify(n):
        now = timezone.now()
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=dsl,
                    school=school,
                    kind="step_due",
                    title=f"A referral step is due today ({i})",
                    url="/cases/1/",
                    read_at=now if i % 2 else None,
                )
                for i in range(n)
            ]
        )

    notify(SMALL)
    client = login(dsl)
    url = reverse("notification_list")
    n_at_5 = count_queries(client, url)

    notify(BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("A referral step is due today") == 50


def test_staff_list_runs_the_same_queries_for_500_staff_as_for_5(it_admin, school, login, django_assert_num_queries):
    def hire(n):
        users = new_staff(school, "pastoral", n)
        # Some hold two roles: the roles are prefetched, not read per person.
        StaffRole.objects.bulk_create([StaffRole(user=u, school=school, role="staff") for u in users[::2]])

    hire(SMALL - 1)
    client = login(it_admin)
    url = reverse("staff_list")
    n_at_5 = count_queries(client, url)

    hire(BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("Change<span") == BIG


def test_school_settings_run_the_same_queries_for_500_failed_reminders_and_leads_as_for_5(
    dsl, school, login, django_assert_num_queries
):
    def grow(n):
        leads = new_staff(school, "deputy_dsl", n)
        now = timezone.now()
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind="digest",
                    recipient=lead,
                    school=school,
                    subject="digest",
                    due_on=timezone.localdate(),
                    deliver_at=now,
                    status=ReminderStatus.FAILED,
                    attempts=3,
                    last_error="Mailbox unavailable",
                )
                for lead in leads
            ]
        )

    grow(SMALL)
    client = login(dsl)
    url = reverse("school_settings")
    n_at_5 = count_queries(client, url)

    grow(BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count("Mailbox unavailable") == 50 and page.count('name="digest-digest_') == BIG + 1


# --- Reports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_name", ["reports", "governors_report"])
def test_reports_run_the_same_queries_for_500_cases_as_for_5(
    page_name, dsl, head, pastoral_unassigned, school, template, login, django_assert_num_queries
):
    # Every table has rows at both sizes. Views are two minutes apart, so nobody opens 15 cases in
    # ten minutes: a burst, whose flagged slots are checked 200 to a query.
    london_evening = timezone.localtime().replace(hour=21, minute=0, second=0, microsecond=0) - timedelta(days=1)
    opened = itertools.count()

    def grow(n):
        cases = copy_cases(template, n, review_overdue=True)
        Step.objects.filter(case__in=cases, state=StepState.TODO).update(due_date=timezone.localdate() - timedelta(days=2))
        Decision.objects.bulk_create(
            [
                Decision(
                    case=c,
                    decision="not_refer" if i % 2 else "refer",
                    rationale="Managed in school." if i % 2 else "Older pupils involved.",
                    assessment=c.current_assessment,
                    assessment_outcome="required" if i % 2 else "not_required",
                    differs_from_assessment=True,
                    made_by=dsl,
                )
                for i, c in enumerate(cases)
            ]
        )
        for case in cases:
            audit_record(
                actor=dsl,
                action="cases.case.viewed",
                obj=case,
                school=school,
                occurred_at=london_evening - timedelta(minutes=2 * next(opened)),
            )
            audit_record(
                actor=pastoral_unassigned,
                action="cases.case.access_refused",
                obj=case,
                school=school,
                extra={"attempted": "view", "reason": "not_visible"},
            )

    grow(SMALL)
    client = login(head)
    url = reverse(page_name)
    n_at_5 = count_queries(client, url)

    grow(BIG - SMALL)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    if page_name == "reports":
        # Cut to 100 rows: the cases past review, the refused attempts, the decisions against the
        # criteria either way, who opened which case, and access out of hours.
        assert page.count(f"the first 100 of {BIG} shown") == 2 and page.count("the first 100 of") == 6
    else:
        assert f"<strong>{BIG + 1}</strong>" in page  # disclosures: the template case and 500 copies


# --- Search --------------------------------------------------------------------------------------------


def _index_copies(cases: list[Case]) -> None:
    """What case_create and disclosure_record index for each case, for the bulk copies."""
    copies = Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("disclosure")
    SearchEntry.objects.bulk_create(
        [case_entry(c, "summary", c.summary) for c in copies]
        + [case_entry(c, "child_account", c.disclosure.child_account) for c in copies]
    )


@pytest.mark.parametrize("persona", ["dsl", "pastoral"])
def test_search_runs_the_same_queries_for_200_matching_cases_as_for_5(
    persona, dsl, pastoral, template, pastoral_on_five, login, django_assert_num_queries
):
    """A word of every child's account: ranked through the gateway, the best 20 shown, whatever matches."""
    _index_copies(pastoral_on_five[1:])  # the first is the template, indexed by the services
    # On the full view: on the support view the child's account is not searched (test_support_view).
    CaseAssignment.objects.filter(user=pastoral).update(view=AssignmentView.FULL)
    client = login(dsl if persona == "dsl" else pastoral)
    url = reverse("search") + "?q=messages"
    n_at_5 = count_queries(client, url)
    assert get_page(client, url).count('class="fw-semibold">HTA-') == SMALL

    copies = copy_cases(template, 200 - SMALL)
    assign(dsl, pastoral, copies)
    CaseAssignment.objects.filter(user=pastoral).update(view=AssignmentView.FULL)
    _index_copies(copies)
    with django_assert_num_queries(n_at_5):
        page = get_page(client, url)
    assert page.count('class="fw-semibold">HTA-') == 20 and "type more words to narrow it down" in page
