"""Term dates and school days: the England default, the checks on what a school sets, counting
school days, the service that saves and confirms a year, and the page for the DSL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from safeguard.models import AuditEvent, InsetDay, SchoolTerm, SchoolYear
from safeguard.school_days import add_school_days, is_school_day, school_days_between
from safeguard.selectors import school_calendar
from safeguard.services import term_dates_save
from safeguard.terms import (
    DEFAULT,
    FIRST_YEAR,
    LAST_YEAR,
    SCHOOL,
    Term,
    YearDates,
    academic_year_of,
    england_default,
    problems,
    year_label,
)
from safeguard.workdays import is_working_day

#: 10:00 on Wednesday 15 October 2025 (BST): in the school year 2025 to 2026.
NOW = datetime(2025, 10, 15, 9, 0, tzinfo=UTC)


def term(name, first, last, half_first=None, half_last=None) -> Term:
    return Term(name, first, last, half_first, half_last)


#: Hillside's own dates for 2025 to 2026, as a local authority might publish them.
AUTUMN = term("Autumn term", date(2025, 9, 1), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31))
SPRING = term("Spring term", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20))
SUMMER = term("Summer term", date(2026, 4, 13), date(2026, 7, 22), date(2026, 5, 25), date(2026, 5, 29))
TERMS = (AUTUMN, SPRING, SUMMER)
INSET = [date(2025, 9, 1), date(2025, 9, 2), date(2026, 1, 5), date(2026, 4, 13), date(2026, 7, 22)]


def in_term_working_days(year: YearDates) -> int:
    count = 0
    for t in year.terms:
        day = t.first_day
        while day <= t.last_day:
            count += is_working_day(day) and t.in_term_time(day)
            day += timedelta(days=1)
    return count


# --- Academic years and the England default --------------------------------------------------------


def test_an_academic_year_runs_from_1_september_to_31_august():
    assert academic_year_of(date(2025, 9, 1)) == 2025
    assert academic_year_of(date(2026, 8, 31)) == 2025
    assert academic_year_of(date(2025, 8, 31)) == 2024
    assert year_label(2025) == "2025 to 2026"


def test_the_england_default_for_2025_to_2026():
    year = england_default(2025)
    assert year.source == DEFAULT and not year.confirmed and year.inset_days == frozenset()
    assert year.terms == (
        term("Autumn term", date(2025, 9, 1), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)),
        term("Spring term", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20)),
        term("Summer term", date(2026, 4, 13), date(2026, 7, 22), date(2026, 5, 25), date(2026, 5, 29)),
    )


def test_a_late_easter_keeps_the_easter_holidays_in_early_april():
    """Easter Sunday 2025 was 20 April: spring ends on Friday 4 April, summer starts on Tuesday 22 April
    (Easter Monday is a bank holiday), as most local authorities had it."""
    spring, summer = england_default(2024).terms[1:]
    assert (spring.last_day, summer.first_day) == (date(2025, 4, 4), date(2025, 4, 22))


def test_an_early_easter_starts_the_holidays_after_good_friday():
    """Good Friday 2024 was 29 March: spring ended on Thursday 28 March, summer began on 15 April."""
    spring, summer = england_default(2023).terms[1:]
    assert (spring.last_day, summer.first_day) == (date(2024, 3, 28), date(2024, 4, 15))


@pytest.mark.parametrize("start_year", range(FIRST_YEAR, LAST_YEAR + 1))
def test_every_default_year_hangs_together_and_has_about_195_days(start_year):
    year = england_default(start_year)
    assert problems(start_year, year.terms, []) == []
    assert [t.first_day.weekday() < 5 and t.last_day.weekday() < 5 for t in year.terms] == [True] * 3
    assert 190 <= in_term_working_days(year) <= 200


# --- What a school sets, checked -----------------------------------------------------------------


def messages(found) -> list[tuple[str, int, str, str]]:
    return [(p.kind, p.index, p.part, p.message) for p in found]


def test_hillsides_dates_hang_together():
    assert problems(2025, TERMS, INSET) == []


def test_a_term_that_ends_before_it_starts():
    autumn = term("Autumn term", date(2025, 12, 19), date(2025, 9, 1))
    assert messages(problems(2025, (autumn, SPRING, SUMMER), [])) == [
        (
            "term",
            0,
            "last_day",
            "The autumn term ends before it starts: its last day (1 September 2025) is before its first day "
            "(19 December 2025). Check both dates.",
        )
    ]


def test_terms_that_overlap():
    spring = term("Spring term", date(2025, 12, 15), date(2026, 3, 27))
    assert messages(problems(2025, (AUTUMN, spring, SUMMER), [])) == [
        (
            "term",
            1,
            "first_day",
            "The spring term starts on 15 December 2025, before the autumn term ends (19 December 2025). "
            "Terms cannot overlap: check both dates.",
        )
    ]


def test_terms_out_of_order_say_so():
    spring = term("Spring term", date(2025, 8, 30), date(2025, 8, 31))  # a year too early: outside the year
    found = problems(2025, (AUTUMN, spring, SUMMER), [])
    assert [(p.index, p.part) for p in found] == [(1, "first_day")]
    assert "must be inside the school year 2025 to 2026 (1 September 2025 to 31 August 2026)" in found[0].message
    summer = term("Summer term", date(2025, 12, 22), date(2026, 1, 2))  # inside the year, before spring
    (problem,) = problems(2025, (AUTUMN, SPRING, summer), [])
    assert problem.message == (
        "The summer term starts (22 December 2025) before the spring term (5 January 2026). "
        "Put the terms in order, or check the year of each date."
    )


def test_a_term_outside_the_academic_year():
    summer = term("Summer term", date(2026, 4, 13), date(2026, 9, 4))
    assert messages(problems(2025, (AUTUMN, SPRING, summer), [])) == [
        (
            "term",
            2,
            "last_day",
            "The summer term must be inside the school year 2025 to 2026 (1 September 2025 to 31 August 2026). "
            "Check the year of each date.",
        )
    ]


@pytest.mark.parametrize(
    ("half_first", "half_last", "part", "message"),
    [
        (date(2025, 10, 27), None, "half_term_last", "Give the last day of the autumn term's half-term break too"),
        (date(2025, 10, 31), date(2025, 10, 27), "half_term_last", "The autumn term's half-term break ends before it starts."),
        (date(2025, 8, 25), date(2025, 9, 5), "half_term_first", "The autumn term's half-term break must fall inside the term"),
    ],
)
def test_a_half_term_break_must_be_whole_and_inside_its_term(half_first, half_last, part, message):
    autumn = term("Autumn term", AUTUMN.first_day, AUTUMN.last_day, half_first, half_last)
    (problem,) = problems(2025, (autumn, SPRING, SUMMER), [])
    assert (problem.index, problem.part) == (0, part)
    assert problem.message.startswith(message)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            date(2025, 9, 6),
            "The INSET day on Saturday 6 September 2025 is at a weekend. An INSET day is a weekday the pupils are not in: "
            "choose a weekday.",
        ),
        (
            date(2025, 12, 22),
            "The INSET day on Monday 22 December 2025 is outside every term. An INSET day falls in term time: "
            "check the date, or the term dates.",
        ),
        (date(2025, 10, 29), "The INSET day on Wednesday 29 October 2025 is in the autumn term's half-term break."),
        (date(2026, 5, 4), "The INSET day on Monday 4 May 2026 is a bank holiday (May Day). Choose another day."),
    ],
)
def test_an_inset_day_must_be_a_weekday_in_term_time(day, message):
    (problem,) = problems(2025, TERMS, [INSET[0], day])
    assert (problem.kind, problem.index, problem.part) == ("inset", 1, "day")
    assert problem.message.startswith(message)


def test_an_inset_day_listed_twice():
    (problem,) = problems(2025, TERMS, [INSET[0], INSET[0]])
    assert problem.message == "Monday 1 September 2025 is listed twice as an INSET day. Remove one of them."


def test_a_year_needs_a_term():
    assert messages(problems(2025, (), [])) == [("term", 0, "", "Give the first and last day of at least one term.")]


# --- School days -----------------------------------------------------------------------------------

HILLSIDE = {2025: YearDates(2025, TERMS, frozenset(INSET), SCHOOL, True)}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 3), True),  # a Wednesday in term
        (date(2025, 9, 1), False),  # an INSET day
        (date(2025, 9, 6), False),  # a Saturday
        (date(2025, 10, 28), False),  # half-term
        (date(2025, 12, 22), False),  # Christmas holidays
        (date(2026, 5, 4), False),  # May Day, a bank holiday in term
        (date(2026, 5, 5), True),
        (date(2026, 7, 22), False),  # the last day of the summer term is an INSET day
        (date(2026, 7, 21), True),
        (date(2026, 8, 3), False),  # summer holidays
    ],
)
def test_a_school_day_is_a_weekday_in_term_that_is_not_a_holiday_or_inset(day, expected):
    assert is_school_day(day, HILLSIDE) is expected


def test_adding_school_days_skips_weekends_half_term_and_inset_days():
    assert add_school_days(date(2025, 10, 22), 5, HILLSIDE) == date(2025, 11, 5)  # Wed + 2, half-term, + 3
    assert add_school_days(date(2025, 10, 22), 0, HILLSIDE) == date(2025, 10, 22)
    # A move in the summer holidays: the 5th school day of the autumn term (the 1st and 2nd are INSET).
    assert add_school_days(date(2025, 8, 16), 5, HILLSIDE) == date(2025, 9, 9)
    # Over Christmas, into the spring term (5 January is an INSET day).
    assert add_school_days(date(2025, 12, 18), 3, HILLSIDE) == date(2026, 1, 7)
    with pytest.raises(ValueError):
        add_school_days(date(2025, 9, 1), -1, HILLSIDE)


def test_a_year_the_calendar_lacks_counts_by_the_england_default():
    """2026 to 2027 is not set: it follows the default, which places no INSET day."""
    assert add_school_days(date(2026, 7, 21), 2, HILLSIDE) == date(2026, 9, 2)
    assert is_school_day(date(2026, 9, 1), HILLSIDE)


def test_school_days_between_counts_what_add_school_days_adds():
    assert school_days_between(date(2025, 10, 22), date(2025, 11, 5), HILLSIDE) == 5
    assert school_days_between(date(2025, 11, 5), date(2025, 10, 22), HILLSIDE) == 0
    start = date(2025, 8, 20)
    for n in (1, 5, 20, 100, 189):
        assert school_days_between(start, add_school_days(start, n, HILLSIDE), HILLSIDE) == n
    # The whole year: 197 weekdays in term, less 5 INSET days.
    assert school_days_between(date(2025, 8, 31), date(2026, 8, 31), HILLSIDE) == 192


# --- The service -------------------------------------------------------------------------------------


def save(actor, school, *, terms=TERMS, inset=INSET, confirm=False, start_year=2025):
    return term_dates_save(
        actor=actor, school=school, start_year=start_year, terms=terms, inset_days=[(d, "") for d in inset], confirm=confirm
    )


def test_the_dsl_saves_and_confirms_a_year_with_its_audit_events(school, dsl):
    with time_machine.travel(NOW, tick=False):
        saved = save(dsl, school, confirm=True)
    assert (saved.changed, saved.confirmed) == (True, True)
    row = SchoolYear.objects.get(school=school, start_year=2025)
    assert (row.confirmed_by, row.confirmed_at) == (dsl, NOW)
    assert list(SchoolTerm.objects.filter(year=row).values_list("name", "first_day", "last_day")) == [
        (t.name, t.first_day, t.last_day) for t in TERMS
    ]
    assert sorted(InsetDay.objects.filter(year=row).values_list("day", flat=True)) == INSET
    changed, confirmed = AuditEvent.objects.filter(school=school, action__startswith="safeguard.school.terms").order_by("pk")
    assert (changed.action, confirmed.action) == ("safeguard.school.terms_changed", "safeguard.school.terms_confirmed")
    assert changed.extra["year"] == 2025 and changed.extra["inset_days"] == [d.isoformat() for d in INSET]
    assert changed.extra["terms"][0] == ["Autumn term", "2025-09-01", "2025-12-19", "2025-10-27", "2025-10-31"]
    assert school_calendar(school.pk, [2025])[2025] == YearDates(2025, TERMS, frozenset(INSET), SCHOOL, True)


def test_a_change_not_confirmed_clears_the_confirmation(school, dsl):
    save(dsl, school, confirm=True)
    saved = save(dsl, school, inset=INSET[:4])
    assert (saved.changed, saved.confirmed, saved.unconfirmed) == (True, False, True)
    row = SchoolYear.objects.get(school=school, start_year=2025)
    assert row.confirmed_at is None and row.confirmed_by is None
    assert not school_calendar(school.pk, [2025])[2025].confirmed


def test_confirming_the_default_as_it_is_stores_it(school, dsl):
    default = england_default(2025)
    saved = save(dsl, school, terms=default.terms, inset=[], confirm=True)
    assert (saved.changed, saved.confirmed) == (False, True)
    assert school_calendar(school.pk, [2025])[2025] == YearDates(2025, default.terms, frozenset(), SCHOOL, True)
    assert list(AuditEvent.objects.filter(action__startswith="safeguard.school.terms").values_list("action", flat=True)) == [
        "safeguard.school.terms_confirmed"
    ]


def test_saving_what_is_already_there_writes_nothing(school, dsl):
    save(dsl, school, confirm=True)
    before = AuditEvent.objects.count()
    assert save(dsl, school).changed is False
    assert save(dsl, school, confirm=True).confirmed is False  # already confirmed
    assert save(dsl, school, terms=england_default(2026).terms, inset=[], start_year=2026).changed is False
    assert AuditEvent.objects.count() == before
    assert not SchoolYear.objects.filter(start_year=2026).exists()


@pytest.mark.parametrize("persona", ["deputy", "head", "other_dsl", "pastoral"])
def test_only_the_dsl_changes_the_term_dates(personas, school, persona):
    with pytest.raises(ValidationError, match="Only the school's Designated Safeguarding Lead"):
        save(personas[persona], school, confirm=True)
    assert not SchoolYear.objects.exists()


def test_the_service_refuses_dates_that_do_not_hang_together(school, dsl):
    with pytest.raises(ValidationError) as refused:
        save(dsl, school, inset=[date(2025, 9, 6)])
    assert refused.value.messages == [
        "The INSET day on Saturday 6 September 2025 is at a weekend. An INSET day is a weekday the pupils are not in: "
        "choose a weekday."
    ]
    with pytest.raises(ValidationError, match="Choose a school year from 2000 to 2001"):
        save(dsl, school, start_year=1999)
    assert not SchoolYear.objects.exists()


def test_the_calendar_falls_back_to_the_england_default(school, dsl):
    save(dsl, school)
    calendar = school_calendar(school.pk, [2024, 2025])
    assert calendar[2024] == england_default(2024) and calendar[2024].is_default
    assert calendar[2025].source == SCHOOL and not calendar[2025].confirmed


# --- The page -------------------------------------------------------------------------------------


def form_data(terms=TERMS, inset=INSET, *, confirm=False, notes=None) -> dict:
    data = {}
    for index, t in enumerate(terms):
        for part in ("first_day", "last_day", "half_term_first", "half_term_last"):
            value = getattr(t, part)
            data[f"term_{index}_{part}"] = value.isoformat() if value else ""
    for index in range(8):
        day = inset[index] if index < len(inset) else None
        data[f"inset_{index}_day"] = day.isoformat() if day else ""
        data[f"inset_{index}_note"] = (notes or {}).get(index, "")
    if confirm:
        data["confirm"] = "on"
    return data


def page(client, **params) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("school_terms"), params)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_dsl_sees_the_england_default_until_they_confirm(school, dsl, login):
    client = login(dsl)
    html = page(client)
    assert "Term dates and INSET days, 2025 to 2026" in html
    assert "England default, not yet confirmed by your DSL." in html
    assert 'name="term_0_first_day" value="2025-09-01"' in html
    assert 'name="term_2_half_term_first" value="2026-05-25"' in html
    assert "<strong>197</strong> school days in 2025 to 2026" in html  # the default places no INSET day
    assert "May Day, 4 May" in html
    with time_machine.travel(NOW, tick=False):
        settings_page = re.sub(r"\s+", " ", client.get(reverse("school_settings")).content.decode())
    assert f'href="{reverse("school_terms")}"' in settings_page
    assert "England default, not yet confirmed by your DSL" in settings_page


def test_the_dsl_sets_and_confirms_the_dates_in_one_form(school, dsl, login):
    client = login(dsl)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("school_terms") + "?year=2025", form_data(confirm=True, notes={0: "Safeguarding training"})
        )
    assert response.status_code == 302 and response["Location"] == reverse("school_terms") + "?year=2025"
    html = page(client, year="2025")
    assert "Term dates for 2025 to 2026 saved and confirmed." in html
    assert "<strong>Confirmed</strong> by Dee Lead on 15 October 2025." in html
    assert "<strong>192</strong> school days" in html
    assert 'name="inset_0_note" value="Safeguarding training"' in html
    assert InsetDay.objects.get(day=INSET[0]).note == "Safeguarding training"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"term_0_last_day": "2025-08-20"}, "term_0_last_day", "The autumn term ends before it starts"),
        ({"term_1_first_day": "2025-12-15"}, "term_1_first_day", "Terms cannot overlap: check both dates."),
        ({"term_2_last_day": "2026-09-04"}, "term_2_last_day", "The summer term must be inside the school year 2025 to 2026"),
        ({"inset_3_day": "2025-09-06"}, "inset_3_day", "The INSET day on Saturday 6 September 2025 is at a weekend."),
        ({"inset_3_day": "2025-12-23"}, "inset_3_day", "The INSET day on Tuesday 23 December 2025 is outside every term."),
        ({"term_0_first_day": ""}, "term_0_first_day", "Give the first day of the autumn term."),
        ({"term_0_first_day": "1st Sept"}, "term_0_first_day", "Enter the first day of the autumn term as a date"),
        ({"inset_6_note": "Trust day"}, "inset_6_day", "Give the date of this INSET day, or clear its note."),
    ],
)
def test_bad_dates_get_a_clear_message_beside_the_field_and_nothing_typed_is_lost(school, dsl, login, change, field, message):
    client = login(dsl)
    data = {**form_data(notes={1: "Curriculum planning"}), **change}
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("school_terms") + "?year=2025", data)
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    assert re.search(rf'id="error_\d+_id_{field}"[^>]*>\s*<strong>[^<]*{re.escape(message)}', html), html[:200]
    assert "Some dates need checking" in html
    for name, value in data.items():
        if value and name != field:
            assert f'name="{name}" value="{value}"' in html, name
    assert 'name="inset_1_note" value="Curriculum planning"' in html
    assert not SchoolYear.objects.exists()


def test_an_empty_post_changes_nothing(school, dsl, login):
    client = login(dsl)
    save(dsl, school, confirm=True)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("school_terms") + "?year=2025", {})
    assert response.status_code == 302
    assert school_calendar(school.pk, [2025])[2025] == YearDates(2025, TERMS, frozenset(INSET), SCHOOL, True)
    assert "Nothing changed in the term dates for 2025 to 2026." in page(client, year="2025")


@pytest.mark.parametrize("persona", ["deputy", "head"])
def test_deputies_and_the_head_read_the_dates_but_cannot_change_them(school, dsl, personas, persona, login):
    save(dsl, school, confirm=True)
    InsetDay.objects.filter(day=INSET[0]).update(note="Safeguarding training")
    client = login(personas[persona])
    html = page(client, year="2025")
    assert 'name="term_0_first_day"' not in html and "Save the term dates" not in html
    assert "<td>Monday 1 September 2025</td>" in html and "27 October to 31 October 2025" in html
    assert "Monday 1 September 2025: Safeguarding training" in html
    assert "Only the school's Designated Safeguarding Lead can change these." in html
    with time_machine.travel(NOW, tick=False):
        assert client.post(reverse("school_terms") + "?year=2025", form_data(inset=[])).status_code == 403
    assert InsetDay.objects.count() == len(INSET)


@pytest.mark.parametrize("year", ["1999", "2027", "next", "9" * 40, "<script>"])
def test_a_school_year_that_cannot_be_shown_says_so(school, dsl, login, year):
    html = page(login(dsl), year=year)
    assert "There are no term dates to show for" in html and "Showing 2025 to 2026." in html
    assert "<script>" not in html.split("<main")[-1]


def test_the_dsl_moves_between_school_years(school, dsl, login):
    html = page(login(dsl), year="2024")
    assert "Term dates and INSET days, 2024 to 2025" in html
    assert f'href="{reverse("school_terms")}?year=2023"' in html and f'href="{reverse("school_terms")}?year=2025"' in html
    assert 'name="term_1_last_day" value="2025-04-04"' in html
