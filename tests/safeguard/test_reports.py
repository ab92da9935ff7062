"""The head's reports: every figure pinned on a small hand-built data set (tests/safeguard/conftest.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse

from cases.models import Case
from desk.reports import selectors, tables
from desk.reports.periods import Period
from safeguard.models import AuditEvent
from tests.safeguard.conftest import MAY, Q1, REPORT_DAY, at

TODAY = date(2025, 4, 1)


def url(name: str = "reports", *, period: Period | None = Q1, school=None, **params) -> str:
    query = dict(params)
    if period is not None:
        query.update(start=period.start.isoformat(), end=period.end.isoformat())
    if school is not None:
        query["school"] = school.pk
    return reverse(name, kwargs=query.pop("kwargs", {})) + ("?" + urlencode(query) if query else "")


def rows(name: str, school, period: Period = Q1, today: date = TODAY) -> list[tuple]:
    return tables.build(name, school, period, today).rows


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- Volume ----------------------------------------------------------------------------------------


def test_disclosures_by_kind_count_each_kind_of_a_disclosure(q1, school):
    assert rows("kinds", school) == [
        ("Non-consensual sharing of sexual images or videos", 1),
        ("Exploitation, coercion and threats (including sexual extortion)", 1),
        ("Sexualised bullying", 1),
        ("Unwanted sexualisation (sexual comments, requests for images, unwanted content)", 2),
    ]
    assert selectors.disclosure_total(school.pk, Q1) == 4  # not the December one, not the other school's


def test_disclosures_by_month_include_months_with_none(q1, school):
    assert rows("months", school) == [("Jan 2025", 2), ("Feb 2025", 1), ("Mar 2025", 1)]
    spring = Period(date(2025, 2, 1), date(2025, 5, 31))
    assert rows("months", school, spring) == [("Feb 2025", 1), ("Mar 2025", 1), ("Apr 2025", 0), ("May 2025", 0)]


def test_disclosures_by_year_group_count_each_disclosure_once_per_year(q1, school):
    # Year 9: A and D (the same pupil twice); Year 10: B and C; Year 7: B.
    assert rows("year-groups", school) == [("Year 7", 1), ("Year 9", 2), ("Year 10", 2)]


def test_platforms_most_frequent_first(q1, school):
    assert rows("platforms", school) == [("Snapchat", 2), ("Instagram", 1), ("TikTok", 1), ("WhatsApp", 1)]


def test_a_disclosure_counts_in_the_month_of_uk_time(school, dsl, report_pupils):
    """23:30 UTC on 31 May is 00:30 on 1 June in the UK (BST): a June disclosure."""
    from tests.factories import make_case

    with time_machine.travel(at(2025, 6, 1, 8, 0), tick=False):
        make_case(actor=dsl, school=school, disclosed_at=at(2025, 5, 31, 23, 30), incident_date=date(2025, 5, 31))
    assert rows("months", school, Period(date(2025, 5, 1), date(2025, 6, 30))) == [("May 2025", 0), ("Jun 2025", 1)]
    assert selectors.disclosure_total(school.pk, MAY) == 0


# --- Timeliness ------------------------------------------------------------------------------------


def test_median_and_90th_percentile_of_each_measure(q1, school):
    by_key = {t.key: t for t in selectors.timings(school.pk, Q1)}
    # Complete assessment: 1 h, 2 h, 4 h; D is still provisional.
    assert (by_key["assessment"].measured, by_key["assessment"].waiting) == (3, 1)
    assert (by_key["assessment"].median, by_key["assessment"].p90) == (hours(2), hours(4))
    # First decision: 2 h, 4 h, 24 h, 48 h: the median is the mean of the middle two.
    assert (by_key["decision"].measured, by_key["decision"].waiting) == (4, 0)
    assert (by_key["decision"].median, by_key["decision"].p90) == (hours(14), hours(48))
    # Police referral made: 6 h (A) and 12 h (D). B (the DSL decided to refer) is still waiting; C
    # (decided not to refer, with a rationale) is not counted as waiting.
    assert (by_key["police"].measured, by_key["police"].waiting) == (2, 1)
    assert (by_key["police"].median, by_key["police"].p90) == (hours(9), hours(12))


def test_percentile_ranks_are_the_nearest_rank_and_the_middle_pair():
    assert selectors.percentile_ranks(1) == (1, 1, 1)
    assert selectors.percentile_ranks(2) == (1, 2, 2)
    assert selectors.percentile_ranks(3) == (2, 2, 3)
    assert selectors.percentile_ranks(4) == (2, 3, 4)
    assert selectors.percentile_ranks(10) == (5, 6, 9)
    assert selectors.percentile_ranks(11) == (6, 6, 10)
    assert selectors.percentile_ranks(20) == (10, 11, 18)


def test_percentiles_over_ten_known_durations(school, dsl):
    """1 h … 10 h: median 5.5 h; 90th percentile 9 h (nearest rank)."""
    from cases import services
    from tests.factories import PupilFactory, make_case

    pupil = PupilFactory(school=school)
    for n in range(1, 11):
        with time_machine.travel(at(2025, 1, n, 8, 0), tick=False):
            case = make_case(
                actor=dsl, school=school, pupils=[pupil], disclosed_at=at(2025, 1, n, 7, 0), incident_date=date(2025, 1, n)
            )
        with time_machine.travel(at(2025, 1, n, 7, 0) + hours(n), tick=False):
            services.decision_record(actor=dsl, case=case, decision="not_refer")
    decision = {t.key: t for t in selectors.timings(school.pk, Q1)}["decision"]
    assert (decision.measured, decision.median, decision.p90) == (10, hours(5.5), hours(9))


def test_timeliness_table_and_csv_values(q1, school):
    assert rows("timeliness", school) == [
        ("Disclosure to a complete assessment (every criterion answered)", 3, hours(2), hours(4), 1),
        ("Disclosure to the DSL's first decision", 4, hours(14), hours(48), 0),
        ("Disclosure to a police referral made (where one is called for)", 2, hours(9), hours(12), 1),
    ]


def test_steps_overdue_now_by_route(q1, school):
    # C's police step (required, due the day of the disclosure) was never made; B's support step
    # was accepted for 22 January and is still to do. A's and D's police steps were made.
    assert rows("overdue-steps", school) == [
        ("The police", 1, date(2025, 2, 10)),
        ("The school's own support: Head of Year, pastoral team, DSL", 1, date(2025, 1, 22)),
    ]
    # "Now" is the day the report is read: on 22 January nothing was overdue yet.
    assert rows("overdue-steps", school, today=date(2025, 1, 22)) == []


def test_cases_past_their_review_date(q1, school):
    from referrals.services import case_review

    with time_machine.travel(at(2025, 3, 25, 10, 0), tick=False):
        case_review(actor=q1.d.created_by, case=q1.d, notes="Reviewed with the Head of Year.")  # next due 8 April
    assert rows("past-review", school) == [
        (q1.before.reference, date(2025, 1, 3), 88),
        (q1.a.reference, date(2025, 1, 20), 71),
        (q1.b.reference, date(2025, 2, 3), 57),
        (q1.c.reference, date(2025, 2, 24), 36),
    ]


# --- Decisions against the criteria ---------------------------------------------------------------


def test_decisions_where_the_criteria_required_a_referral_and_the_dsl_decided_otherwise(q1, school):
    assert rows("decisions-against", school) == [
        (
            q1.c.reference,
            at(2025, 2, 12, 9, 0),
            "Dee Lead",
            "Police referral required",
            "Do not refer to the police",
            "Risk managed with the family; the child asked us not to.",
            False,
        )
    ]


def test_decisions_where_the_dsl_referred_though_the_criteria_did_not_require_it(q1, school):
    assert rows("decisions-reverse", school) == [
        (
            q1.b.reference,
            at(2025, 1, 21, 8, 0),
            "Dee Lead",
            "Not required by the criteria",
            "Refer to the police",
            '=HYPERLINK("http://evil.example","Click") older pupils involved',
            False,
        )
    ]


def test_a_later_decision_marks_the_earlier_one_superseded(q1, school, dsl):
    from cases import services

    with time_machine.travel(at(2025, 2, 14, 9, 0), tick=False):
        services.decision_record(actor=dsl, case=q1.c, decision="refer")
    (row,) = rows("decisions-against", school)
    assert row[0] == q1.c.reference and row[-1] is True


# --- Access ----------------------------------------------------------------------------------------


def test_who_opened_or_changed_which_case(may_access, school, personas):
    q1 = may_access.q1
    assert rows("access", school, MAY) == [
        ("Dev Deputy", q1.a.reference, 1, 0, at(2025, 5, 10, 10, 0), at(2025, 5, 10, 10, 0)),
        ("Dev Deputy", q1.b.reference, 1, 1, at(2025, 5, 7, 12, 0), at(2025, 5, 7, 12, 5)),
        ("Dee Lead", q1.d.reference, 1, 0, at(2025, 5, 6, 17, 30), at(2025, 5, 6, 17, 30)),
        ("Hal Head", q1.a.reference, 2, 0, at(2025, 5, 6, 9, 0), at(2025, 5, 6, 9, 30)),
        ("Dee Lead", q1.c.reference, 1, 0, at(2025, 5, 6, 6, 45), at(2025, 5, 6, 6, 45)),
    ]
    # Refused: the two attempts on A and the staff member's try of a number no case had (the
    # refused attempts' table shows all three); another school's DSL trying a number is theirs.
    assert selectors.access_totals(school.pk, MAY) == {"views": 6, "changes": 1, "refused": 3, "people": 3, "cases": 4}


def test_refused_attempts_include_our_staff_probing_case_numbers(may_access, school):
    q1 = may_access.q1
    assert rows("refused", school, MAY) == [
        (
            at(2025, 5, 8, 12, 0),
            "Sid Staff",
            "No case numbered 999999 at the time",
            1,
            "open the case",
            "no case has that number",
            None,
        ),
        (at(2025, 5, 8, 11, 0), "Oli Otherlead", q1.a.reference, 1, "change the case", "not a case they may see", None),
        (at(2025, 5, 8, 10, 0), "Una Unassigned", q1.a.reference, 1, "open the case", "not a case they may see", None),
    ]


def test_access_outside_school_hours_is_read_in_uk_time(may_access, school):
    """07:45 BST is in hours though 06:45 UTC is not; 18:30 BST is out though 17:30 UTC is in."""
    q1 = may_access.q1
    assert rows("out-of-hours", school, MAY) == [
        ("Dev Deputy", q1.a.reference, 1, at(2025, 5, 10, 10, 0), at(2025, 5, 10, 10, 0)),  # a Saturday
        ("Dee Lead", q1.d.reference, 1, at(2025, 5, 6, 17, 30), at(2025, 5, 6, 17, 30)),
    ]


def test_out_of_hours_follows_the_schools_own_hours(may_access, school):
    school.hours_start, school.hours_end = "08:00", "17:00"
    school.save()
    school.refresh_from_db()
    q1 = may_access.q1
    found = [(row[0], row[1]) for row in rows("out-of-hours", school, MAY)]
    assert found == [("Dev Deputy", q1.a.reference), ("Dee Lead", q1.d.reference), ("Dee Lead", q1.c.reference)]


@pytest.fixture
def many_cases(school, dsl):
    return [Case.objects.create(school=school, reference=f"HTA-BURST-{n:02d}", summary="x", created_by=dsl) for n in range(20)]


def _views(user, cases, start, step_seconds):
    from tests.safeguard.conftest import _event

    for index, case in enumerate(cases):
        _event(user, "cases.case.viewed", case, start + timedelta(seconds=step_seconds * index))


@pytest.mark.parametrize("per_query", [1, 200])
def test_a_burst_across_a_slot_boundary_is_flagged_once(school, many_cases, deputy, head, dsl, per_query, monkeypatch):
    monkeypatch.setattr(selectors, "BURST_SLOTS_PER_QUERY", per_query)
    # Deputy: 16 different cases from 10:06:00 to 10:12:15 (10 before 10:10, 6 after).
    _views(deputy, many_cases[:16], at(2025, 5, 13, 10, 6), 25)
    # Head: 14 different cases in two minutes: one short of a burst.
    _views(head, many_cases[:14], at(2025, 5, 13, 11, 0), 8)
    # DSL: one case opened 30 times in five minutes: not many cases.
    _views(dsl, [many_cases[0]] * 30, at(2025, 5, 13, 12, 0), 10)
    # DSL: 20 cases across three hours.
    _views(dsl, many_cases, at(2025, 5, 14, 9, 0), 540)
    assert rows("bursts", school, MAY) == [("Dev Deputy", at(2025, 5, 13, 10, 6), at(2025, 5, 13, 10, 12, 15), 16)]


def test_a_burst_inside_one_slot_is_flagged(school, many_cases, head):
    _views(head, many_cases[:15], at(2025, 5, 13, 9, 1), 20)
    assert rows("bursts", school, MAY) == [("Hal Head", at(2025, 5, 13, 9, 1), at(2025, 5, 13, 9, 5, 40), 15)]


def test_access_of_another_period_or_school_is_left_out(may_access, school, other_school):
    assert rows("access", school, Q1)[0][2] == 0  # in Q1 the cases were recorded (changes), never opened
    assert [row[1] for row in rows("access", other_school, MAY)] == [may_access.q1.elsewhere.reference]


# --- The page --------------------------------------------------------------------------------------


def _cells(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_head_sees_every_section_with_its_figures(q1, head, login):
    client = login(head)
    with time_machine.travel(REPORT_DAY, tick=False):
        response = client.get(url())
    assert response.status_code == 200
    html = _cells(response.content.decode())
    assert "4</strong> disclosures recorded" in html
    # Charts: inline SVG with a title, and their data tables beside them.
    assert html.count('<svg class="sg-chart__svg" role="img"') == 5
    assert '<title id="chart-kinds-title">Disclosures by kind of harassment</title>' in html
    assert '<th scope="row">Sexualised bullying</th><td class="text-end">1</td>' in html
    assert '<th scope="row">Jan 2025</th><td class="text-end">2</td>' in html
    assert '<th scope="row">Year 10</th><td class="text-end">2</td>' in html
    assert '<th scope="row">Snapchat</th><td class="text-end">2</td>' in html
    # Timeliness.
    assert "<td>3</td><td>2 h</td><td>4 h</td><td>1</td>" in html
    assert "<td>4</td><td>14 h</td><td>2 days</td><td>0</td>" in html
    assert "<td>2</td><td>9 h</td><td>12 h</td><td>1</td>" in html
    assert '<th scope="row">The police</th><td class="text-end">1</td>' in html
    assert not re.search(r"\b(R[1-8]|P1)\b", re.sub(r"<[^>]+>", " ", html))  # route names, never codes
    # Past review, and both lists of decisions with their rationale, linked to the case.
    assert f'<a href="{reverse("case_detail", args=[q1.a.pk])}">{q1.a.reference}</a></td><td>20 Jan 2025</td><td>71</td>' in html
    assert "Risk managed with the family; the child asked us not to." in html
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;Click&quot;) older pupils involved" in html
    # Every table with rows has its CSV link (none was refused, flagged or opened by breaking the
    # glass in Q1); the governors' report is one click away.
    for name in set(tables.TABLES) - {"refused", "bursts", "break-glass"}:
        assert reverse("report_export", args=[name]) in html, name
    assert reverse("governors_report") in html
    for section in ("Disclosures", "Timeliness", "Decisions against the criteria", "Access to cases"):
        assert f">{section}</h2>" in html


def test_page_access_sections_show_people_and_flags(may_access, dsl, login):
    client = login(dsl)
    with time_machine.travel(at(2025, 6, 1, 10, 0), tick=False):
        html = _cells(client.get(url(period=MAY)).content.decode())
    assert "No disclosures were recorded in this period." in html
    assert '<svg class="sg-chart__svg"' not in html.split('id="timeliness-heading"')[0]
    assert "<td>Hal Head</td>" in html and "<td>Una Unassigned</td>" in html and "No case numbered 999999 at the time" in html
    assert "before 07:30, from 18:00, or at a weekend" in html


def test_report_over_no_data_says_so_instead_of_empty_charts(school, head, login):
    response = login(head).get(url(period=Period(date(2025, 1, 1), date(2025, 1, 31))))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No disclosures were recorded in this period." in html
    assert "<svg" not in html
    assert "No case was opened or changed in this period." in html


def test_default_period_is_the_last_twelve_months(head, login):
    with time_machine.travel(at(2025, 5, 20, 10, 0), tick=False):
        html = login(head).get(reverse("reports")).content.decode()
    assert 'value="2024-06-01"' in html and 'value="2025-05-20"' in html


def test_page_queries_stay_flat(q1, head, login, django_assert_max_num_queries, many_cases):
    client = login(head)
    client.get(reverse("home"))  # session and roles warm
    # A fixed number of queries, however many disclosures, cases and audit events there are (the
    # school's term dates, the referrals by agency and the access totals are one query each, or two;
    # the header asks once whether they are a trust's safeguarding lead; one query finds the
    # restricted cases the head may not open, one reads the break-glass openings; children's files
    # sent and still to send are one query).
    with time_machine.travel(REPORT_DAY, tick=False), django_assert_max_num_queries(42):
        assert client.get(url()).status_code == 200


# --- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("2025-03-31", "2025-01-01", "end", "The end date is before the start date."),
        ("", "", "start", "Enter the first day of the period"),
        ("2025-01-01", "", "end", "Enter the last day of the period"),
        ("yesterday", "2025-01-31", "start", "Enter the first day of the period as a date"),
        ("2018-01-01", "2025-01-01", "start", "Choose a period of at most 6 years."),
        ("1999-12-31", "2000-01-31", "start", "Choose a date from 1 January 2000 onwards."),
        ("2025-01-01", "9999-12-31", "end", "Choose a date no more than a year from today."),
    ],
)
def test_bad_dates_get_a_clear_message_beside_the_field(head, login, start, end, field, message):
    response = login(head).get(reverse("reports") + "?" + urlencode({"start": start, "end": end}))
    assert response.status_code == 200
    html = _cells(response.content.decode())
    assert f'<div class="invalid-feedback d-block" id="report-{field}-error">{message}' in html
    assert f'aria-describedby="report-{field}-error"' in html
    assert 'id="volume-heading"' not in html  # no report on a guess


def test_a_six_year_period_is_allowed(head, login):
    response = login(head).get(url(period=Period(date(2019, 9, 1), date(2025, 8, 31))))
    assert response.status_code == 200
    assert 'id="volume-heading"' in response.content.decode()


def test_a_school_the_head_does_not_belong_to_is_not_found(head, other_school, login):
    assert login(head).get(url(school=other_school)).status_code == 404
    assert login(head).get(reverse("reports") + "?school=not-a-number").status_code == 404
    assert login(head).get(reverse("report_export", args=["kinds"]) + f"?school={other_school.pk}").status_code == 404
    assert login(head).get(reverse("governors_report") + f"?school={other_school.pk}").status_code == 404


def test_a_trust_head_chooses_between_their_schools(head, other_school, q1, login):
    from safeguard.models import StaffRole

    StaffRole.objects.create(user=head, school=other_school, role="head")
    response = login(head).get(url(school=other_school))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Safeguarding reports for Valley Test School" in html
    assert f'<option value="{other_school.pk}" selected>' in html
    assert "<strong>1</strong> disclosure recorded" in html


@pytest.mark.parametrize("persona", ["pastoral", "pastoral_unassigned", "it_admin", "staff_member"])
def test_pastoral_staff_it_admins_and_staff_cannot_reach_the_reports(personas, persona, login):
    client = login(personas[persona])
    assert client.get(reverse("reports")).status_code == 403
    assert client.get(reverse("report_export", args=["access"])).status_code == 403
    assert client.get(reverse("governors_report")).status_code == 403
    assert not AuditEvent.objects.filter(action="safeguard.report.exported").exists()


@pytest.mark.parametrize("persona", ["dsl", "deputy", "head"])
def test_dsls_and_the_head_reach_the_reports_from_the_menu(personas, persona, login):
    html = login(personas[persona]).get(reverse("home")).content.decode()
    assert f'href="{reverse("reports")}"' in html


def test_head_home_panel_links_to_the_reports(head, login):
    html = login(head).get(reverse("home")).content.decode()
    assert "Open the reports" in html


def test_unknown_export_table_is_not_found(head, login):
    assert login(head).get(reverse("report_export", args=["pupils"])).status_code == 404


def test_export_with_a_reversed_period_is_refused_plainly(head, login):
    response = login(head).get(reverse("report_export", args=["kinds"]) + "?start=2025-02-01&end=2025-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not AuditEvent.objects.filter(action="safeguard.report.exported").exists()


# --- The per-case access log -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dsl", "head"])
def test_dsls_and_the_head_see_the_case_access_log(may_access, personas, persona, login):
    case = may_access.q1.a
    client = login(personas[persona])
    page = _cells(client.get(reverse("case_detail", args=[case.pk])).content.decode())
    section = page.split('id="access-log-heading"')[1].split("</section>")[0]
    url = reverse("case_access_log", args=[case.pk])
    # The case page offers the log; it is read when asked for, in place (htmx) or as a page.
    assert f'href="{url}" hx-get="{url}" hx-target="#access-log"' in section
    assert "<table" not in section
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(url, **headers)
        assert response.status_code == 200
        assert "HX-Request" in response["Vary"]
        log = _cells(response.content.decode())
        assert ("<html" in log) is not bool(headers)  # the partial is the table alone
        assert 'Una Unassigned</td> <td data-label="What"><strong>Was refused: tried to open the case</strong>' in log
        assert 'Oli Otherlead</td> <td data-label="What"><strong>Was refused: tried to change the case</strong>' in log
        assert 'Hal Head</td> <td data-label="What">Opened the case</td>' in log
        assert "Recorded the disclosure" in log
        assert "Sid Staff" not in log  # a probe of another number is not about this case
    # Reading the log is itself recorded, and named for what it was.
    assert (
        AuditEvent.objects.filter(
            action="cases.case.viewed", object_id=str(case.pk), actor=personas[persona], extra__page="access_log"
        ).count()
        == 2
    )
    assert "Read this access log" in _cells(client.get(url).content.decode())


def test_pastoral_staff_do_not_see_the_access_log(case, pastoral, login):
    client = login(pastoral)
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="access-log-heading"' not in html
    assert client.get(reverse("case_access_log", args=[case.pk])).status_code == 403
    refused = AuditEvent.objects.get(action="cases.case.access_refused", actor=pastoral)
    assert refused.extra["attempted"] == "view_access_log"


def test_the_access_log_shows_the_latest_entries_first_and_says_how_many(case, head, login):
    from tests.safeguard.conftest import _event

    for minute in range(60):
        _event(head, "cases.case.viewed", case, at(2025, 5, 6, 9, minute))
    html = _cells(login(head).get(reverse("case_access_log", args=[case.pk])).content.decode())
    total = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()
    assert f"the latest 50 of {total}" in html
    rows = re.findall(r'<time datetime="([^"]+)"', html)
    assert len(rows) == 50 and rows == sorted(rows, reverse=True)


# --- School hours in the settings ------------------------------------------------------------------


def test_dsl_sets_the_school_hours(school, dsl, login):
    from safeguard.forms import SchoolSettingsForm

    client = login(dsl)
    data = {name: getattr(school, name) for name in SchoolSettingsForm._meta.fields}
    data.update(hours_start="08:15", hours_end="16:45")
    data = {k: (v.strftime("%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()}
    response = client.post(reverse("school_settings"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    school.refresh_from_db()
    assert (school.hours_start.strftime("%H:%M"), school.hours_end.strftime("%H:%M")) == ("08:15", "16:45")
    html = client.get(reverse("school_settings")).content.decode()
    assert "School hours" in html


def test_school_hours_must_end_after_they_start(school):
    from safeguard.forms import SchoolSettingsForm

    data = {name: getattr(school, name) for name in SchoolSettingsForm._meta.fields}
    data.update(hours_start="18:00", hours_end="07:30")
    form = SchoolSettingsForm(data, instance=school)
    assert not form.is_valid()
    assert form.errors["hours_end"] == ["The end of school hours must be later than the start."]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "\x00", "end": "2025-01-01"},
        {"start": "2026-02-30", "end": "9999-99-99"},
        {"start": "x" * 5000},
        {"school": "99999999999999999999999"},
        {"school": "-1"},
        {"start": "<script>alert(1)</script>", "end": "' OR 1=1 --"},
    ],
)
def test_hostile_filters_never_cause_a_server_error(head, login, query):
    response = login(head).get(reverse("reports") + "?" + urlencode(query))
    assert response.status_code in (200, 404)
    assert "<script>alert(1)</script>" not in response.content.decode()
    export = login(head).get(reverse("report_export", args=["kinds"]) + "?" + urlencode(query))
    assert export.status_code in (400, 404)


@pytest.mark.parametrize(
    ("when", "flagged"),
    [
        (at(2025, 5, 4, 23, 30), True),  # Monday 00:30 BST: Sunday 23:30 UTC
        (at(2025, 5, 5, 6, 15), True),  # Monday 07:15 BST
        (at(2025, 5, 5, 6, 45), False),  # Monday 07:45 BST, though 06:45 UTC is before 07:30
        (at(2025, 5, 5, 16, 59), False),  # Monday 17:59 BST
        (at(2025, 5, 5, 17, 10), True),  # Monday 18:10 BST, though 17:10 UTC is before 18:00
        (at(2025, 5, 9, 23, 30), True),  # Saturday 00:30 BST: Friday 23:30 UTC
        (at(2025, 1, 6, 17, 59), False),  # Monday 17:59 GMT
        (at(2025, 1, 6, 18, 0), True),  # Monday 18:00 GMT: the end of school hours is out
        (at(2025, 1, 6, 7, 29, 59), True),  # Monday 07:29:59 GMT
        (at(2025, 3, 30, 0, 30), True),  # Sunday, the night the clocks go forward
        (at(2025, 10, 24, 17, 30), True),  # Friday 18:30 BST, two days before the clocks go back
        (at(2025, 10, 27, 7, 45), False),  # Monday 07:45 GMT, the day after
    ],
)
def test_out_of_hours_at_the_edges_of_the_day_and_of_summer_time(school, dsl, case, when, flagged):
    from tests.safeguard.conftest import _event

    _event(dsl, "cases.case.viewed", case, when)
    period = Period(date(2025, 1, 1), date(2025, 12, 31))
    found = [row for row in rows("out-of-hours", school, period) if row[3] == when or row[4] == when]
    assert bool(found) is flagged
