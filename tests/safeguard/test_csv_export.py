"""CSV exports, safe in a spreadsheet and audited; the governors' report, figures only; the charts."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from desk.reports import charts
from desk.reports.csv import BOM, csv_cell, rows_to_csv, safe_text
from safeguard.models import AuditEvent
from tests.safeguard.conftest import MAY, PUPIL_NAMES, Q1, REPORT_DAY, SUMMARIES
from tests.safeguard.test_reports import url

# --- The formula-injection guard -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("Snapchat", "Snapchat"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_cells_starting_like_a_formula_are_written_as_text(cell, written):
    assert safe_text(cell) == written
    assert csv_cell(cell) == written


def test_numbers_safeguard_computed_stay_numbers():
    assert csv_cell(3) == 3
    assert csv_cell(-2) == -2
    assert csv_cell(None) == ""
    assert csv_cell(True) == "yes"


def test_csv_has_a_bom_a_header_row_and_reads_back_with_csv_reader():
    content = rows_to_csv(["Name", "=Count"], [("=1+1", 2), ('O\'Brien, "Jo"\nline two', -3)])
    assert content.startswith(BOM)
    parsed = list(csv.reader(io.StringIO(content.removeprefix(BOM))))
    assert parsed == [["Name", "'=Count"], ["'=1+1", "2"], ['O\'Brien, "Jo"\nline two', "-3"]]


# --- Exports ---------------------------------------------------------------------------------------


def _export(client, name: str, period=Q1):
    with time_machine.travel(REPORT_DAY, tick=False):
        return client.get(url("report_export", period=period, kwargs={"table": name}))


def _read(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.removeprefix(BOM))))


def test_export_of_decisions_is_a_safe_csv_with_the_rationale(q1, head, login):
    response = _export(login(head), "decisions-reverse")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="safeguard-HTA-decisions-reverse-20250101-20250331.csv"'
    header, *body = _read(response)
    assert header == [
        "Case",
        "Decided",
        "By",
        "The criteria said",
        "The DSL decided",
        "Rationale",
        "Superseded by a later decision",
    ]
    assert body == [
        [
            q1.b.reference,
            "2025-01-21 08:00",
            "Dee Lead",
            "Not required by the criteria",
            "Refer to the police",
            '\'=HYPERLINK("http://evil.example","Click") older pupils involved',
            "no",
        ]
    ]


def test_export_of_timeliness_writes_hours(q1, dsl, login):
    header, *body = _read(_export(login(dsl), "timeliness"))
    assert header[2:4] == ["Median (hours)", "90th percentile (hours)"]
    assert [row[1:] for row in body] == [["3", "2.0", "4.0", "1"], ["4", "14.0", "48.0", "0"], ["2", "9.0", "12.0", "1"]]


def test_each_export_writes_one_audit_event_without_content(q1, head, school, login):
    client = login(head)
    before = AuditEvent.objects.count()
    _export(client, "kinds")
    _export(client, "platforms")
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.actor_id, e.school_id, e.extra) for e in events] == [
        (
            "safeguard.report.exported",
            head.pk,
            school.pk,
            {"table": "kinds", "rows": 4, "from": "2025-01-01", "to": "2025-03-31"},
        ),
        (
            "safeguard.report.exported",
            head.pk,
            school.pk,
            {"table": "platforms", "rows": 4, "from": "2025-01-01", "to": "2025-03-31"},
        ),
    ]


def test_access_export_holds_no_case_content(may_access, head, login):
    response = _export(login(head), "access", period=MAY)
    body = response.content.decode()
    header, *rows = _read(response)
    assert header == ["Person", "Case", "Times opened", "Changes", "First", "Last"]
    assert len(rows) == 5
    for first, last, _year in PUPIL_NAMES.values():
        assert first not in body and last not in body
    for summary in SUMMARIES.values():
        assert summary not in body


def test_every_table_exports(may_access, dsl, login):
    from desk.reports.tables import TABLES

    client = login(dsl)
    for name in TABLES:
        response = _export(client, name, period=MAY)
        assert response.status_code == 200, name
        assert _read(response)[0], name
    assert AuditEvent.objects.filter(action="safeguard.report.exported").count() == len(TABLES)


# --- The governors' report -------------------------------------------------------------------------


def test_governors_report_holds_figures_and_no_child_case_or_summary(may_access, head, login):
    q1 = may_access.q1
    with time_machine.travel(REPORT_DAY, tick=False):
        response = login(head).get(url("governors_report"))
    assert response.status_code == 200
    html = response.content.decode()
    for first, last, _year in PUPIL_NAMES.values():
        assert first not in html and last not in html
    for summary in SUMMARIES.values():
        assert summary not in html
    for case in (q1.a, q1.b, q1.c, q1.d, q1.before):
        assert case.reference not in html
    assert "Risk managed with the family" not in html  # a rationale is case content
    assert "HYPERLINK" not in html
    assert "Dee Lead" not in html and "Dev Deputy" not in html  # no member of staff named either
    assert "<strong>4</strong> disclosures of online sexual harassment" in html
    assert '<th scope="row" class="fw-normal">Year 10</th><td class="text-end">2</td>' in html
    assert "Open cases past their review date: <strong>5</strong>" in html
    assert "decided not to refer, with a written rationale: <strong>1</strong>" in html
    assert "data-sg-print hidden" in html and "safeguard/js/print.js" in html
    assert "<script>" not in html and 'style="' not in html


def test_governors_report_writes_an_audit_event(q1, head, school, login):
    login(head).get(url("governors_report"))
    event = AuditEvent.objects.filter(action="safeguard.report.exported").get()
    assert event.extra == {"table": "governors-report", "rows": 4, "from": "2025-01-01", "to": "2025-03-31"}


def test_governors_report_with_a_bad_period_says_what_to_fix(head, login):
    response = login(head).get(reverse("governors_report") + "?start=2025-02-01&end=2025-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not AuditEvent.objects.filter(action="safeguard.report.exported").exists()


def test_report_pages_have_no_inline_script_or_style(q1, head, login):
    client = login(head)
    for target in (url(), url("governors_report")):
        html = client.get(target).content.decode()
        assert "<script>" not in html and "<style" not in html and 'style="' not in html
        assert "http://" not in html.replace("http://evil.example", "").replace('xmlns="http://www.w3.org/2000/svg"', "")


# --- Charts ----------------------------------------------------------------------------------------


def test_bar_chart_is_an_accessible_svg_with_its_table_beside_it():
    html = str(
        charts.bar_chart(
            chart_id="c1",
            title="Platforms & apps",
            data=[charts.Datum("<script>alert(1)</script>", 3), charts.Datum("Snapchat", 1)],
            label_heading="Platform",
            value_heading="Disclosures",
        )
    )
    assert '<svg class="sg-chart__svg" role="img" aria-labelledby="c1-title c1-desc"' in html
    assert '<title id="c1-title">Platforms &amp; apps</title>' in html
    assert "4 disclosures in all; the most: &lt;script&gt;alert(1)&lt;/script&gt;, 3." in html
    assert "<script>" not in html
    assert '<th scope="row">Snapchat</th><td class="text-end">1</td>' in html
    assert "style=" not in html


def test_charts_say_none_rather_than_draw_nothing():
    assert "None recorded" in str(charts.bar_chart(chart_id="c", title="t", data=[], label_heading="a", value_heading="b"))
    assert "None recorded" in str(charts.column_chart(chart_id="c", title="t", data=[], label_heading="a", value_heading="b"))


def test_column_chart_thins_labels_when_there_are_many_months():
    data = [charts.Datum(f"M{n}", n) for n in range(72)]
    html = str(charts.column_chart(chart_id="m", title="Months", data=data, label_heading="Month", value_heading="n"))
    assert html.count('<rect class="sg-chart__rect"') == 72
    assert html.count('class="sg-chart__label"') == 6


@pytest.mark.parametrize("name", ["report_export", "governors_report"])
def test_exports_ask_for_the_password_and_a_code_again_when_the_last_proof_is_old(name, q1, head, login):
    client = login(head)
    session = client.session
    session["safeguard_reauth_at"] = 0  # the last proof was long ago
    session.save()
    kwargs = {"table": "decisions"} if name == "report_export" else None
    response = client.get(url(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauth"))
    assert not AuditEvent.objects.filter(action="safeguard.report.exported").exists()
