"""The search box (issue 15, item 3): pupils, case and concern numbers, and the words of records,
found only through the permission gateway, ranked, highlighted safely, audited without the words.

Every test runs on the database the suite runs on: SQLite's FTS5 by default, PostgreSQL's
tsvector and GIN index with DATABASE_URL (CI runs both)."""

from __future__ import annotations

import importlib
import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services
from cases.models import Case, Concern, Correction, Note, SearchEntry, SearchKind
from cases.search import (
    NO_WORDS,
    SEARCH_LIMIT,
    TOO_LONG,
    TOO_SHORT,
    case_entry,
    highlight,
    parse_query,
    search,
    search_index_concern,
)
from safeguard.models import AuditEvent, School, User
from tests.factories import PupilFactory, make_case

URL = reverse("search")
ACCOUNT = "He keeps sending me pictures on Snapchat and says he will show everyone at the youth club."


@pytest.fixture
def recorded(dsl, pastoral, school):
    """A case the pastoral teacher is assigned to (on the full view: what the support view finds is
    tests/cases/test_support_view.py's): Ava Testchild, with a distinctive account."""
    pupil = PupilFactory(school=school, first_name="Ava", last_name="Quillfeather", upn="A123456789012")
    case = make_case(actor=dsl, school=school, pupils=[pupil], summary="Requests for images online.", child_account=ACCOUNT)
    services.case_assign(actor=dsl, case=case, user=pastoral, view="full")
    return case


@pytest.fixture
def concern(school, staff_member):
    """A concern as raised by a member of staff; its services keep its index entry."""
    raised = Concern.objects.create(
        school=school,
        reference=f"{school.code}-C2612-0001",
        raised_by=staff_member,
        children="A Year 9 girl",
        what_happened="Overheard boys in the corridor talking about a dinosaur sticker swap.",
    )
    search_index_concern(raised)
    return raised


def page(client, q: str) -> str:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def found_cases(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return [r.case.reference for r in response.context["results"].cases]


def found(client, q: str):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return response.context["results"]


# --- What the DSL finds ----------------------------------------------------------------------------


def test_dsl_finds_a_pupil_by_surname(recorded, dsl, login):
    results = found(login(dsl), "quillfeather")
    assert [p.full_name for p in results.pupils] == ["Ava Quillfeather"]
    assert reverse("pupil_detail", args=[results.pupils[0].pk]) in page(login(dsl), "Quillfeather")


def test_dsl_finds_a_pupil_by_upn(recorded, dsl, login):
    assert [p.full_name for p in found(login(dsl), "a123456789012").pupils] == ["Ava Quillfeather"]


def test_dsl_finds_a_case_by_its_number_whole_or_in_part(recorded, dsl, school, login):
    client = login(dsl)
    number = recorded.reference  # HTA-<year>-0001
    assert found_cases(client, number) == [number]
    assert found_cases(client, number.lower()) == [number]
    assert found_cases(client, f'"{number}"') == [number]
    assert found_cases(client, number.split("-", 1)[1]) == [number]  # "2026-0001": the school's code is implied
    assert found_cases(client, "0001") == [number]  # a bare number: the case numbered 1, of any year
    result = found(client, number).cases[0]
    assert result.hit.label == "Case number"
    assert reverse("case_detail", args=[recorded.pk]) in page(client, number)


def test_dsl_finds_a_case_by_a_word_of_the_childs_account(recorded, dsl, login):
    results = found(login(dsl), "snapchat youth")
    assert [r.case.reference for r in results.cases] == [recorded.reference]
    hit = results.cases[0].hit
    assert hit.kind == SearchKind.ACCOUNT and hit.label == "The child's account"
    assert "<mark>Snapchat</mark>" in hit.snippet and "<mark>youth</mark>" in hit.snippet


def test_words_are_found_in_other_forms_of_them(recorded, dsl, login):
    # "pictures" is in the account; both databases stem English words.
    assert found_cases(login(dsl), "picture") == [recorded.reference]


def test_every_word_must_match_and_quotes_keep_words_together(recorded, dsl, login):
    client = login(dsl)
    assert found_cases(client, "pictures dinosaur") == []
    assert found_cases(client, '"youth club"') == [recorded.reference]
    assert found_cases(client, '"club youth"') == []


def test_dsl_finds_a_case_by_its_summary(recorded, dsl, login):
    hit = found(login(dsl), "online images").cases[0].hit
    assert hit.kind == SearchKind.SUMMARY


def test_a_corrected_account_is_found_by_its_new_words_and_no_longer_by_the_old(recorded, dsl, login):
    """Decided: search reads what the record says now. The earlier text stays in the record (the
    correction keeps it) but no longer finds the case, so a name recorded in error, once
    corrected, stops bringing the case up."""
    services.narrative_correct(
        actor=dsl,
        case=recorded,
        field_name="child_account",
        new_text="He keeps sending me pictures on Instagram, not Snapchat; at the skatepark.",
        reason="The child corrected where it happened.",
    )
    client = login(dsl)
    assert found_cases(client, "skatepark") == [recorded.reference]
    assert found_cases(client, "youth club") == []
    assert Correction.objects.get(case=recorded, field="child_account").previous_text == ACCOUNT


def test_a_corrected_summary_is_found_by_its_new_words(recorded, dsl, login):
    services.narrative_correct(
        actor=dsl, case=recorded, field_name="summary", new_text="Sextortion threats by text message.", reason="Clearer."
    )
    client = login(dsl)
    assert found_cases(client, "sextortion") == [recorded.reference]
    assert found_cases(client, "online images") == []


def test_corrections_of_fields_not_searched_change_nothing(recorded, dsl):
    before = list(SearchEntry.objects.order_by("id").values_list("kind", "text"))
    services.narrative_correct(actor=dsl, case=recorded, field_name="disclosed_to", new_text="Head of Year 9", reason="Wrong")
    assert list(SearchEntry.objects.order_by("id").values_list("kind", "text")) == before


def test_dsl_finds_a_note_and_a_corrected_note_by_its_new_words(recorded, dsl, login):
    note = services.note_add(actor=dsl, case=recorded, text="Met the pupil with the trampoline coach present.")
    client = login(dsl)
    assert found(client, "trampoline").cases[0].hit.kind == SearchKind.NOTE
    services.note_correct(actor=dsl, case=recorded, note=note, new_text="Met the pupil with the rowing coach.", reason="Wrong")
    assert found_cases(client, "rowing") == [recorded.reference]
    assert found_cases(client, "trampoline") == []


def test_dsl_and_deputy_find_a_concern_by_its_words_and_its_number(concern, dsl, deputy, login):
    for user in (dsl, deputy):
        client = login(user)
        results = found(client, "dinosaur sticker")
        assert [r.concern.reference for r in results.concerns] == [concern.reference]
        assert "<mark>dinosaur</mark>" in results.concerns[0].hit.snippet
        assert [r.concern.reference for r in found(client, concern.reference).concerns] == [concern.reference]
        assert [r.concern.reference for r in found(client, "C2612-0001").concerns] == [concern.reference]
        assert reverse("concern_detail", args=[concern.pk]) in page(client, "dinosaur")


def test_a_case_shows_once_with_its_best_matching_text(recorded, dsl, login):
    services.note_add(actor=dsl, case=recorded, text="Snapchat again: more pictures on Snapchat, Snapchat, Snapchat.")
    results = found(login(dsl), "snapchat")
    assert [r.case.reference for r in results.cases] == [recorded.reference]


def test_results_are_ranked_best_first(dsl, school, login):
    weak = make_case(
        actor=dsl, school=school, child_account="We talked about school, lunch, friends, lessons and the weekend; a kestrel once."
    )
    strong = make_case(actor=dsl, school=school, child_account="Kestrel kestrel kestrel.")
    assert found_cases(login(dsl), "kestrel") == [strong.reference, weak.reference]


def test_at_most_the_limit_of_cases_is_shown_and_the_page_says_there_are_more(dsl, school, login):
    for _ in range(SEARCH_LIMIT + 2):
        make_case(actor=dsl, school=school, child_account="A heron was mentioned.")
    results = found(login(dsl), "heron")
    assert len(results.cases) == SEARCH_LIMIT and results.more_cases
    assert "type more words to narrow it down" in page(login(dsl), "heron")


# --- Through the gateway ------------------------------------------------------------------------


def test_pastoral_teacher_assigned_to_no_case_finds_nothing_for_the_same_words(recorded, concern, pastoral_unassigned, login):
    client = login(pastoral_unassigned)
    for q in ("Quillfeather", recorded.reference, "snapchat youth", "dinosaur", "0001", concern.reference):
        results = found(client, q)
        assert results.count == 0, q
        assert "Nothing found" in page(client, q)


def test_pastoral_teacher_finds_only_the_assigned_case_and_its_pupils(recorded, dsl, pastoral, school, login):
    other_pupil = PupilFactory(school=school, first_name="Bo", last_name="Quillfeather")
    other = make_case(actor=dsl, school=school, pupils=[other_pupil], child_account=ACCOUNT)
    services.note_add(actor=dsl, case=other, text="Quillfeather's brother came in.")
    client = login(pastoral)
    assert found_cases(client, "snapchat youth") == [recorded.reference]
    assert found_cases(client, other.reference) == []
    assert [p.full_name for p in found(client, "quillfeather").pupils] == ["Ava Quillfeather"]
    assert found(client, "dinosaur").concerns == [] and not found(client, "dinosaur").sees_concerns


def test_an_ended_assignment_ends_what_the_teacher_finds(recorded, dsl, pastoral, login):
    services.case_unassign(actor=dsl, case=recorded, user=pastoral)
    assert found(login(pastoral), "snapchat").count == 0


def test_another_schools_dsl_finds_nothing_of_this_school(recorded, concern, other_dsl, other_case, login):
    client = login(other_dsl)
    for q in ("Quillfeather", recorded.reference, "snapchat youth", "dinosaur", concern.reference):
        assert found(client, q).count == 0, q
    # Their own school's case is found as usual.
    assert found_cases(client, other_case.reference) == [other_case.reference]


def test_head_finds_pupils_and_cases_but_never_concerns(recorded, concern, head, login):
    client = login(head)
    assert found_cases(client, "snapchat youth") == [recorded.reference]
    assert [p.full_name for p in found(client, "quillfeather").pupils] == ["Ava Quillfeather"]
    results = found(client, "dinosaur")
    assert results.concerns == [] and not results.sees_concerns
    assert found(client, concern.reference).concerns == []
    assert "Concerns (" not in page(client, "dinosaur")


@pytest.mark.parametrize("persona", ["it_admin", "staff_member"])
def test_it_admin_and_staff_have_no_search_and_no_search_box(recorded, personas, persona, login):
    client = login(personas[persona])
    response = client.get(URL, {"q": "snapchat"})
    assert response.status_code == 403
    assert b"Quillfeather" not in response.content and recorded.reference.encode() not in response.content
    home = client.get(reverse("home")).content.decode()
    assert 'role="search"' not in home and reverse("search") not in home


@pytest.mark.parametrize("persona", ["dsl", "deputy", "head", "pastoral", "pastoral_unassigned"])
def test_case_readers_have_the_search_box_in_the_header(personas, persona, login):
    home = login(personas[persona]).get(reverse("home")).content.decode()
    form = re.search(r'<form method="get" action="/search/" role="search" aria-label="Quick search".*?</form>', home, re.S)
    assert form and 'name="q"' in form.group(0) and '<label for="header-search"' in form.group(0)


def test_search_page_answers_post_with_405(dsl, login):
    assert login(dsl).post(URL, {"q": "x"}).status_code == 405


# --- The audit ------------------------------------------------------------------------------------------


def test_every_search_is_audited_with_the_count_and_never_the_words(recorded, dsl, school, login):
    client = login(dsl)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    page(client, "Quillfeather")
    page(client, "q")  # too short: nothing searched, nothing recorded
    page(client, "zzyzx")  # searched, nothing found: recorded with 0
    events = list(AuditEvent.objects.filter(pk__gt=before, action__startswith="cases.search").order_by("pk"))
    assert [(e.action, e.extra) for e in events] == [
        ("cases.search.searched", {"results": 1}),  # the pupil (her name is in no text of the case)
        ("cases.search.searched", {"results": 0}),
    ]
    assert all(e.actor == dsl and e.school_id == school.pk for e in events)
    written = str(list(AuditEvent.objects.filter(pk__gt=before).values()))
    assert "quillfeather" not in written.lower() and "zzyzx" not in written


# --- Bad and hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", TOO_SHORT),
        ("   ", TOO_SHORT),
        ("a", TOO_SHORT),
        ("x" * 10_000, TOO_LONG),
        ("word " * 41, TOO_LONG),
        ("?!...", NO_WORDS),
        ('""', NO_WORDS),
        ("\x00", TOO_SHORT),
    ],
    ids=["empty", "spaces", "one-letter", "10000-characters", "201-characters", "punctuation", "empty-quotes", "nul"],
)
def test_bad_searches_get_a_clear_message_and_no_search(recorded, dsl, login, q, message):
    client = login(dsl)
    before = AuditEvent.objects.count()
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert response.context["results"].count == 0
    assert not AuditEvent.objects.filter(action="cases.search.searched").exists() and AuditEvent.objects.count() == before


def test_the_page_without_a_search_shows_the_box_and_no_message(dsl, login):
    html = login(dsl).get(URL).content.decode()
    assert 'id="search-q"' in html and TOO_SHORT.replace("'", "&#x27;") not in html


HOSTILE = [
    "NEAR(snapchat youth, 2)",
    "snapchat NEAR youth",
    '"unbalanced quote',
    "text:snapchat",
    "{text}:snapchat",
    "snap*",
    "^snapchat",
    "snapchat OR youth",
    "snapchat AND NOT youth",
    "-snapchat",
    "snapchat & youth | !club",
    "'; DROP TABLE cases_case; --",
    "snap\x00chat",
    "<script>alert(1)</script>",
    "((((((((((",
    "snapchat:*",
    "٣٤٥ שלום мир 你好 😀 Zoë\u202e\u200d",
    "%_%",
    "\\",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_searches_are_only_words_and_never_an_error(recorded, dsl, login, q):
    response = login(dsl).get(URL, {"q": q})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_full_text_operators_are_searched_as_plain_words(recorded, dsl, login):
    client = login(dsl)
    assert found_cases(client, "snapchat OR dinosaur") == []  # "or" is a word here, not an operator
    assert found_cases(client, "NEAR(snapchat youth)") == []  # no "near" in the account
    assert found_cases(client, "text:snapchat") == []  # "text" is not in it either
    assert found_cases(client, "snap*") == []  # no prefix searches: "snap" is not a word of it
    assert found_cases(client, "-snapchat") == [recorded.reference]  # no exclusion: the word itself


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=80))
def test_any_text_at_all_is_a_search_or_a_message(recorded, dsl, school, q):
    results = search(dsl, school, q)
    assert results.query.problem or results.ran


# --- Highlighting ------------------------------------------------------------------------------------


def test_a_snippet_is_escaped_and_only_the_marks_are_markup(recorded, dsl, login):
    services.note_add(actor=dsl, case=recorded, text='Pupil wrote <script>alert("x")</script> & <b>bold</b> about the ferret.')
    html = page(login(dsl), "ferret")
    assert "<script>alert" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "&amp;" in html
    assert "<mark>ferret</mark>" in html


def test_highlight_marks_only_what_the_database_marked():
    assert highlight("a \x02<b>\x03 & \ue000i\ue001 \x02x") == "a <mark>&lt;b&gt;</mark> &amp; &lt;i&gt; x"


def test_text_that_looks_like_the_marks_cannot_make_markup(recorded, dsl, login):
    services.note_add(actor=dsl, case=recorded, text="Marks \x02 and \x03 and \ue000script\ue001 typed about the otter.")
    snippet = found(login(dsl), "otter").cases[0].hit.snippet
    assert "<mark>otter</mark>" in snippet and "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert snippet.count("<mark>") == 1


# --- The query, as words (pure) ------------------------------------------------------------------------


def test_the_query_is_phrases_of_words_only():
    query = parse_query('  Snapchat  "youth club" O\'Brien NEAR(x*) text:^y  ')
    assert query.phrases == (("snapchat",), ("youth", "club"), ("o", "brien"), ("near", "x"), ("text", "y"))
    assert query.match == '"snapchat" "youth club" "o brien" "near x" "text y"'
    assert query.text == 'Snapchat "youth club" O\'Brien NEAR(x*) text:^y'


def test_more_words_than_are_searched_are_left_out_and_said_so():
    query = parse_query(" ".join(f"w{n}" for n in range(20)))
    assert len(query.words) == 12 and query.shortened and not query.problem


@pytest.mark.parametrize(("q", "problem"), [("", TOO_SHORT), ("é", TOO_SHORT), ("--", NO_WORDS), ("ab", ""), ("a b", "")])
def test_what_is_too_little_to_search(q, problem):
    assert parse_query(q).problem == problem


# --- The index --------------------------------------------------------------------------------------------


def test_the_full_text_index_is_the_databases_own_and_follows_bulk_writes(recorded, dsl, school):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'cases_searchentry'")
            # One school's entries found inside the index (migration 0018), not every school's then filtered.
            assert any("USING gin (school_id, search_vector)" in row[0] for row in cursor.fetchall())
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_searchentry'")
            assert {row[0] for row in cursor.fetchall()} == {f"cases_searchentry_fts_{w}" for w in ("insert", "update", "delete")}
    # Rows written in bulk (seed_scale) are searchable at once; an update re-indexes, a delete removes.
    SearchEntry.objects.bulk_create(
        [case_entry(recorded, "summary", "A pelican.")],
        update_conflicts=True,
        unique_fields=["kind", "source_id"],
        update_fields=["text"],
    )
    assert [r.case for r in search(dsl, school, "pelican").cases] == [recorded]
    SearchEntry.objects.filter(case=recorded, kind=SearchKind.SUMMARY).update(text="A flamingo.")
    assert search(dsl, school, "pelican").cases == [] and search(dsl, school, "flamingo").count == 1
    SearchEntry.objects.filter(case=recorded).delete()
    assert search(dsl, school, "flamingo").count == 0 and search(dsl, school, "snapchat").count == 0


def test_the_migration_copies_in_the_texts_already_recorded(recorded, concern, dsl, school):
    note = services.note_add(actor=dsl, case=recorded, text="First words.")
    services.note_correct(actor=dsl, case=recorded, note=note, new_text="Walrus words.", reason="Wrong")
    SearchEntry.objects.all().delete()
    importlib.import_module("cases.migrations.0009_search_entries").copy_texts(apps, None)
    assert set(SearchEntry.objects.values_list("kind", flat=True)) == {"summary", "account", "note", "concern"}
    assert search(dsl, school, "walrus").cases[0].hit.kind == SearchKind.NOTE
    assert search(dsl, school, "first words").count == 0
    assert search(dsl, school, "dinosaur").concerns[0].concern == concern
    assert search(dsl, school, "youth club").cases[0].case == recorded


def test_an_entry_is_a_cases_or_a_concerns_never_both(recorded, concern):
    with pytest.raises(IntegrityError), transaction.atomic():
        SearchEntry.objects.create(
            school=recorded.school, case=recorded, concern=concern, kind=SearchKind.NOTE, source_id=999_999, text="x"
        )


def test_scale_data_written_in_bulk_is_indexed_and_found(db):
    call_command("seed_scale", schools=1, pupils=30, cases=12, steps=40, events=0, years=1, stdout=io.StringIO())
    assert SearchEntry.objects.count() == 2 * Case.objects.count() + Note.objects.count()
    school = School.objects.get(code="SC01")
    dsl = User.objects.get(email="dsl@sc01.scale.example")
    assert len(search(dsl, school, "fictional scale testing").cases) == 12
    assert {r.hit.kind for r in search(dsl, school, "older pupil").cases} == {SearchKind.ACCOUNT}
