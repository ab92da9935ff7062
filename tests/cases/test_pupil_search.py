"""Finding a pupil while typing: every word against first or last name, or an exact UPN; this school only."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.models import AuditEvent, StaffRole
from tests.factories import PupilFactory, make_case

URL = reverse("pupil_search")
HTMX = {"HTTP_HX_REQUEST": "true"}


def found(response) -> list[str]:
    return [p.full_name for p in response.context["pupils"]]


@pytest.fixture
def pupils(school):
    return {
        "ava_testchild": PupilFactory(school=school, first_name="Ava", last_name="Testchild", upn="A123456789012"),
        "ava_smith": PupilFactory(school=school, first_name="Ava", last_name="Smith"),
        "ben_testchild": PupilFactory(school=school, first_name="Ben", last_name="Testchild"),
        "cara_avanti": PupilFactory(school=school, first_name="Cara", last_name="Avanti"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ava", ["Cara Avanti", "Ava Smith", "Ava Testchild"]),  # first or last name, ordered by last name
        ("AVA", ["Cara Avanti", "Ava Smith", "Ava Testchild"]),
        ("ava test", ["Ava Testchild"]),  # every word must match
        ("test ava", ["Ava Testchild"]),
        ("testchild", ["Ava Testchild", "Ben Testchild"]),
        ("ben smith", []),
        ("a123456789012", ["Ava Testchild"]),  # an exact UPN, however typed
        (" A 1234 5678 9012 ", ["Ava Testchild"]),
        ("A12345678901", []),  # part of a UPN is not a search for one
    ],
)
def test_search_matches_every_word_against_first_or_last_name_or_an_exact_upn(pupils, dsl, login, query, expected):
    response = login(dsl).get(URL, {"q": query})
    assert response.status_code == 200
    assert found(response) == expected


@pytest.mark.parametrize("query", ["", "a", " a ", "%"])
def test_fewer_than_two_characters_asks_for_more(pupils, dsl, login, query):
    response = login(dsl).get(URL, {"q": query}, **HTMX)
    assert found(response) == []
    assert "Type at least 2 letters" in response.content.decode()


def test_wildcards_are_searched_for_literally(pupils, dsl, login):
    assert found(login(dsl).get(URL, {"q": "%%"})) == []
    assert found(login(dsl).get(URL, {"q": "__"})) == []


def test_at_most_20_results_and_it_says_there_are_more(school, dsl, login):
    for n in range(25):
        PupilFactory(school=school, first_name=f"Sam{n:02d}", last_name="Lee")
    response = login(dsl).get(URL, {"q": "sam"})
    assert found(response) == [f"Sam{n:02d} Lee" for n in range(20)]
    assert "only the first 20 are shown" in response.content.decode()


def test_another_schools_pupils_are_never_found(pupils, other_school, other_dsl, dsl, login):
    PupilFactory(school=other_school, first_name="Ava", last_name="Elsewhere", upn="Z123456789012")
    assert "Ava Elsewhere" not in found(login(dsl).get(URL, {"q": "ava"}))
    assert found(login(dsl).get(URL, {"q": "Z123456789012"})) == []
    assert found(login(other_dsl).get(URL, {"q": "ava"})) == ["Ava Elsewhere"]


def test_a_lead_at_two_schools_searches_the_current_school_only(pupils, school, other_school, dsl, login):
    StaffRole.objects.create(user=dsl, school=other_school, role="dsl")
    PupilFactory(school=other_school, first_name="Ava", last_name="Elsewhere")
    client = login(dsl)
    client.post(reverse("school_switch"), {"school": other_school.pk})
    assert found(client.get(URL, {"q": "ava"})) == ["Ava Elsewhere"]
    client.post(reverse("school_switch"), {"school": school.pk})
    assert "Ava Elsewhere" not in found(client.get(URL, {"q": "ava"}))


def test_htmx_gets_pick_buttons_for_the_disclosure_form(school, dsl, login):
    pupil = PupilFactory(school=school, first_name="Ava", last_name="Testchild", date_of_birth=date(2014, 3, 3), year_group=8)
    response = login(dsl).get(URL, {"q": "ava"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "<h1" not in html
    assert 'aria-live="polite"' in html
    assert (
        f'<button type="button" class="btn btn-outline-primary btn-sm sg-pupil-pick" data-pupil-id="{pupil.pk}" '
        f'data-pupil-label="Ava Testchild (Year 8, born 3 Mar 2014)"'
    ) in html
    assert ">Add Ava Testchild</button>" in html
    assert "HX-Request" in response["Vary"]


def test_the_full_page_has_a_search_form_and_links_to_the_pupil_page(school, dsl, login):
    with_case = PupilFactory(school=school, first_name="Ava", last_name="Testchild")
    make_case(actor=dsl, school=school, pupils=[with_case])
    without = PupilFactory(school=school, first_name="Ava", last_name="Newcomer", year_group=0)
    response = login(dsl).get(URL, {"q": "ava"})
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'role="search"' in html and 'name="q" value="ava"' in html
    assert "<caption>" in html and '<th scope="col">Date of birth</th>' in html
    assert f'<a href="{reverse("pupil_detail", args=[with_case.pk])}">Ava Testchild</a>' in html
    # A pupil with no case still has a page (their record) for the school's DSLs, and can be corrected.
    assert (
        f'<a href="{reverse("pupil_detail", args=[without.pk])}">Ava Newcomer</a> <span class="small text-body-secondary">(no cases)</span>'
        in html
    )
    assert reverse("pupil_edit", args=[without.pk]) in html
    assert "Reception" in html
    assert "sg-pupil-pick" not in html


def test_no_match_says_so_and_offers_the_import(pupils, dsl, login):
    html = login(dsl).get(URL, {"q": "zz"}).content.decode()
    assert "No pupils at Hillside Test Academy match" in html
    assert reverse("pupil_import") in html


def _queries(client, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, {"q": "testchild"}, **extra).status_code == 200
    return len(captured)


@pytest.mark.parametrize("extra", [{}, HTMX], ids=["page", "htmx"])
def test_queries_stay_flat_as_results_grow(school, dsl, login, django_assert_max_num_queries, extra):
    client = login(dsl)
    PupilFactory.create_batch(5, school=school)
    few = _queries(client, **extra)
    PupilFactory.create_batch(45, school=school)
    with django_assert_max_num_queries(few):
        response = client.get(URL, {"q": "testchild"}, **extra)
    assert len(response.context["pupils"]) == 20


@pytest.mark.parametrize("persona", ["head", "pastoral", "it_admin", "staff_member"])
def test_only_the_schools_leads_may_search(pupils, personas, login, persona):
    response = login(personas[persona]).get(URL, {"q": "ava"}, **HTMX)
    assert response.status_code == 403
    assert b"Testchild" not in response.content


def test_deputy_may_search(pupils, deputy, login):
    assert found(login(deputy).get(URL, {"q": "ben"})) == ["Ben Testchild"]


def test_a_search_is_audited_with_how_many_were_found_never_the_words(pupils, dsl, login):
    client = login(dsl)
    before = AuditEvent.objects.count()
    client.get(URL, {"q": "ava"})
    client.get(URL, {"q": "a"})  # too short to search: nothing shown, nothing recorded
    events = list(AuditEvent.objects.filter(pk__gt=0).order_by("id"))[before:]
    assert [e.action for e in events] == ["cases.pupil.searched"]
    assert events[0].actor == dsl and set(events[0].extra) == {"results", "more"} and events[0].extra["results"] >= 1
    assert "ava" not in str(events[0].extra).lower()
