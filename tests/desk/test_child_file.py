"""The child's file (issue 18, part 1): the document's contents, other children lettered, the
PDF, naming them for a reason, the audit event, who may make it, restricted cases, flat queries."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html import unescape

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone

from cases.services import OtherChildInput, case_assign, child_add, narrative_correct, note_add, note_correct
from cases.services.concerns import ConcernInput, concern_raise
from desk.child_file import render as child_render
from desk.child_file.pseudonyms import OtherChildRef, Pseudonymiser, child_label, criterion_reason, letter, pupil_names
from desk.child_file.records import FORMAT, VERSION, child_file
from desk.child_file.render import (
    child_file_json,
    pdf_available,
    render_child_file_html,
    render_child_file_pdf,
    render_received_records_html,
)
from safeguard.models import AuditEvent
from tests.desk.pdf_text import pdf_pages_text
from tests.factories import PupilFactory, make_case

# --- The pure functions ------------------------------------------------------------------------


def test_letters_run_from_a_to_z_then_aa():
    assert [letter(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]
    assert child_label(0) == "Child B"
    assert child_label(24) == "Child Z"
    assert child_label(25) == "Child AA"


def _ben(**kwargs) -> Pseudonymiser:
    return Pseudonymiser(
        others=[OtherChildRef("pupil:2", pupil_names("Ben", "Jones")), OtherChildRef("other:1", ("Older boy",))],
        protected=pupil_names("Ava", "Testchild"),
        **kwargs,
    )


def test_full_first_and_last_names_become_the_letter_whole_words_only():
    p = _ben()
    text = p.text("Ben Jones sat on the bench. BEN said Jones's phone was Ben's. Benjamin and Bench are not him.")
    assert text == "Child B sat on the bench. Child B said Child B's phone was Child B's. Benjamin and Bench are not him."


def test_names_are_matched_case_insensitively_and_across_line_breaks():
    p = _ben()
    assert p.text("ben\njones and JONES") == "Child B and Child B"


def test_letters_follow_the_order_of_first_appearance_and_stay_the_same():
    p = _ben()
    assert p.text("The older boy laughed; then Ben.") == "The Child B laughed; then Child C."
    assert p.text("Ben, and the Older Boy") == "Child C, and the Child B"
    assert p.label("pupil:2") == "Child C"
    assert p.labels == {"other:1": "Child B", "pupil:2": "Child C"}


def test_a_name_the_files_own_child_shares_is_replaced_only_as_a_full_name():
    p = Pseudonymiser(others=[OtherChildRef("pupil:3", pupil_names("Ava", "Brown"))], protected=pupil_names("Ava", "Testchild"))
    assert p.text("Ava Brown messaged Ava. Brown's friend too.") == "Child B messaged Ava. Child B's friend too."


def test_names_with_marks_are_matched_as_they_are():
    p = Pseudonymiser(others=[OtherChildRef("pupil:4", pupil_names("Anne-Marie", "O'Brien"))], protected=())
    assert p.text("Anne-Marie O'Brien, anne-marie and O'Brien's") == "Child B, Child B and Child B's"
    assert p.text("Marie and Brien stay") == "Marie and Brien stay"


def test_nothing_changes_when_the_dsl_names_the_other_children():
    p = _ben(enabled=False)
    assert p.text("Ben Jones and the older boy") == "Ben Jones and the older boy"
    assert p.label("pupil:2", "Ben Jones") == "Ben Jones"


def test_no_other_child_no_change():
    assert Pseudonymiser().text("Ava said so.") == "Ava said so."


def test_a_criterion_reason_keeps_the_age_and_drops_the_other_childs_birth_date_and_plans():
    p = _ben()
    c3 = "Ben Jones was 12 on the date of the incident (3 May 2025; born 1 June 2012)."
    assert criterion_reason(c3, p) == "Child B was 12 on the date of the incident (3 May 2025)."
    c5 = "Ben Jones's pupil record shows: child protection plan and looked-after child."
    assert criterion_reason(c5, p) == "Child B's pupil record shows they are known to children's social care or the police."
    own = "Ava Testchild was 14 on the date of the incident (3 May 2025; born 1 March 2011)."
    assert criterion_reason(own, p) == own


# --- The file of a worked case -----------------------------------------------------------------


@pytest.fixture
def ben(school):
    return PupilFactory(school=school, first_name="Ben", last_name="Jones", upn="B000000009876", date_of_birth=date(2012, 6, 1))


@pytest.fixture
def worked_case(dsl, pastoral, pupil, ben, school):
    """Ava's case as a DSL has worked it, with Ben and a boy from another school in it, and their
    names in the free text."""
    from cases.services import decision_record
    from referrals.services import child_voice_record, parent_contact_record, step_accept, step_mark_made

    case = make_case(
        actor=dsl,
        school=school,
        summary="Ben Jones sent Ava messages on the bench. Ben's friend, the older boy, watched.",
        pupils=[],
        child_account="BEN kept asking me for photos. Jones said everyone does it.",
        others=[OtherChildInput(description="Older boy from the academy", part="witness", age=15)],
    )
    child_add(actor=dsl, case=case, pupil=pupil, part="harmed")
    child_add(actor=dsl, case=case, pupil=ben, part="harmed_others")
    case_assign(actor=dsl, case=case, user=pastoral, view="full")
    now = timezone.now()
    decision_record(actor=dsl, case=case, decision="refer", rationale="Ben is older and kept on; the police will decide.")
    note = note_add(actor=dsl, case=case, text="Spoke to Ben Jones's head of year.")
    note_correct(actor=dsl, case=case, note=note, new_text="Spoke to Ben's form tutor.", reason="Wrong person: Jones's tutor.")
    narrative_correct(
        actor=dsl, case=case, field_name="summary", new_text="Ben Jones sent Ava messages.", reason="Shorter, as Ben's mum asked."
    )
    step = case.steps.order_by("id").first()
    step_accept(actor=dsl, step=step, owner=dsl, due_date=timezone.localdate())
    step.refresh_from_db()
    step_mark_made(actor=dsl, step=step, made_at=now, made_how="online", reference="CRIME/123")
    child_voice_record(
        actor=dsl,
        case=case,
        pupil=pupil,
        told_at=now,
        told_by="Ms Example",
        views="I don't want Ben to get in trouble.",
        questions="",
        next_steps="We will tell the police.",
    )
    parent_contact_record(
        actor=dsl, case=case, pupils=[pupil], informed=True, how="phone", who="Mum", contacted_at=now, contacted_by="Ms Example"
    )
    concern_raise(
        actor=dsl,
        school=school,
        data=ConcernInput(what_happened="Ava was upset after Ben spoke to her.", pupils=[pupil, ben], children="Ben's cousin"),
    )
    return case


def _html(file, dsl) -> str:
    """The document as its reader reads it (entities decoded)."""
    return unescape(render_child_file_html(file, made_by=dsl, made_at=timezone.now()))


def test_the_file_holds_every_section_and_none_of_the_bookkeeping(worked_case, pupil, dsl):
    html = _html(child_file(pupil, viewer=dsl), dsl)
    for words in (
        "Child protection file: Ava Testchild",
        "OFFICIAL-SENSITIVE",
        f"Case {worked_case.reference}",
        "Summary of the concern",
        "The child's account, in their own words",
        "The police-referral criteria",
        "Decisions on police referral",
        "Refer to the police",
        "Reason: Child B is older",
        "CRIME/123",
        "Ava's voice",
        "I don't want Child B to get in trouble.",
        "Parents or carers",
        "Informed: Mum",
        "Spoke to Child B's form tutor.",
        "Corrected",
        "Wrong person: Child B's tutor.",
        "Concerns raised about Ava",
        "The case is open.",
        "Made by Dee Lead",
    ):
        assert words in html, words
    # The system's own bookkeeping is not in the file: who was assigned, each view, each step's moves.
    for words in (
        "Pat Pastoral",
        "no longer assigned",
        "Disclosure recorded",
        "Opened the case",
        "Access log",
        "Accepted the suggestion",
    ):
        assert words not in html, words
    # The note as first written is not in the file: what it now says, and that it was corrected.
    assert "head of year" not in html


def test_other_children_are_lettered_and_their_details_left_out(worked_case, pupil, ben, dsl):
    file = child_file(pupil, viewer=dsl)
    html = _html(file, dsl)
    dumped = json.dumps(child_file_json(file))
    for text in (html, dumped):
        assert not re.search(r"\bBen\b|\bJones\b|Older boy|older boy", text, re.I), re.search(
            r".{40}(\bBen\b|\bJones\b|older boy).{40}", text, re.I
        )
        assert ben.upn not in text
        assert "cousin" not in text
        assert "1 June 2012" not in text and "2012-06-01" not in text
        assert "Child B" in text and "Child C" in text
    # The same child, the same letter: Ben is first met in the list of children (after the boy).
    case = file.records["cases"][0]
    assert [o["label"] for o in case["other_children"]] == ["Child B", "Child C"]
    assert case["other_children"][1]["details"] == "age 15"
    assert file.records["concerns"][0]["pupils_named"] == ["Ava Testchild", "Child B"]
    # "bench" is not Ben.
    assert "bench" in case["summary"]["corrections"][0]["reason"] or "bench" not in html


def test_the_pdf_has_the_marking_pages_maker_and_no_other_childs_name(worked_case, pupil, dsl):
    assert pdf_available() == (True, "")
    content = render_child_file_pdf(child_file(pupil, viewer=dsl), made_by=dsl, made_at=timezone.now())
    assert content.startswith(b"%PDF")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        pages = len(pdf.pages)
    assert pages >= 2
    texts = pdf_pages_text(content)
    assert len(texts) == pages
    for number, text in enumerate(texts, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, text  # the header and the footer
        assert f"Page {number} of {pages}" in text
        assert "Made by Dee Lead on" in text
        assert "Hillside Test Academy" in text
        assert not re.search(r"\bBen\b|\bJones\b|Older boy", text, re.I)
    assert "Child B" in "\n".join(texts)


def test_a_file_received_renders_from_its_json_with_the_same_template(worked_case, pupil, dsl):
    records = json.loads(json.dumps(child_file_json(child_file(pupil, viewer=dsl))))
    assert records["format"] == FORMAT and records["version"] == VERSION
    assert set(records) >= {"pupil", "school", "cases", "concerns"}
    html = render_received_records_html(records)
    assert f"Case {worked_case.reference}" in html
    assert "CRIME/123" in html
    assert "Received from the previous school" in html
    with pytest.raises(ValueError):
        render_received_records_html({"format": "something else"})
    with pytest.raises(ValueError):
        render_received_records_html({**records, "version": 99})


def test_only_the_cases_chosen_are_in_the_file(worked_case, pupil, dsl, school):
    second = make_case(actor=dsl, school=school, pupils=[pupil], summary="A second matter.")
    file = child_file(pupil, viewer=dsl, case_ids=[second.pk], include_concerns=False)
    assert [c["reference"] for c in file.records["cases"]] == [second.reference]
    assert file.records["concerns"] == []
    assert file.records["left_out"]["not_chosen"] == 1
    assert "1 other case about Ava was not chosen" in _html(file, dsl)


def test_a_restricted_case_the_maker_may_not_read_is_left_out_and_counted(worked_case, pupil, dsl, deputy, school):
    from cases.services import case_restrict

    hidden = make_case(actor=dsl, school=school, pupils=[pupil], summary="Restricted matter.")
    case_restrict(actor=dsl, case=hidden, people=[dsl], reason="The family asked for the fewest people to know.")
    file = child_file(pupil, viewer=deputy)
    assert hidden.reference not in [c["reference"] for c in file.records["cases"]]
    assert file.restricted_left_out == 1
    html = _html(file, deputy)
    assert hidden.reference not in html and "Restricted matter" not in html
    assert "1 restricted record" in html
    # Whoever is named in it makes a file with it in.
    assert hidden.reference in [c["reference"] for c in child_file(pupil, viewer=dsl).records["cases"]]


def test_the_file_reads_each_kind_of_record_once_however_many_cases(pupil, ben, dsl, school):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            child_file(pupil, viewer=dsl)
        return len(ctx.captured_queries)

    make_case(actor=dsl, school=school, pupils=[pupil, ben])
    count()  # what is read once per process (content types, the route catalogue) is read now
    one = count()
    for _ in range(3):
        case = make_case(actor=dsl, school=school, pupils=[pupil, ben])
        note_add(actor=dsl, case=case, text="A note about Ben.")
    assert count() == one


# --- The pages ---------------------------------------------------------------------------------


def _made_events():
    return list(AuditEvent.objects.filter(action="desk.child_file.made").order_by("id"))


def test_the_dsl_previews_and_makes_the_pdf(worked_case, pupil, dsl, login):
    client = login(dsl)
    page = client.get(reverse("child_file", args=[pupil.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Make the PDF" in body and "Child B" in body and "Ben" not in re.sub(r"<[^>]+>", " ", body).replace("Bench", "")
    assert page["Cache-Control"] == "no-store" or "no-store" in page["Cache-Control"]
    response = client.post(reverse("child_file_pdf", args=[pupil.pk]), {"cases": [worked_case.pk], "include_concerns": "on"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    tail = pupil.upn[-4:]
    assert re.fullmatch(
        rf'attachment; filename="child-file-{tail}-\d{{4}}-\d{{2}}-\d{{2}}\.pdf"', response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    (event,) = _made_events()
    assert event.actor_id == dsl.pk
    assert event.extra == {
        "purpose": "download",
        "cases": 1,
        "concerns": 1,
        "restricted_left_out": 0,
        "others_named": False,
        "reason_given": False,
    }


def test_naming_the_other_children_needs_a_reason_and_keeps_what_was_typed(worked_case, pupil, dsl, login):
    client = login(dsl)
    response = client.post(
        reverse("child_file_pdf", args=[pupil.pk]), {"cases": [worked_case.pk], "name_others": "on", "reason": "  "}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Say why the other children should be named" in response.content.decode()
    assert not _made_events()


def test_naming_the_other_children_for_a_reason_names_them_and_is_recorded(worked_case, pupil, dsl, login):
    client = login(dsl)
    reason = "The police asked for the names for their investigation (PC Example)."
    response = client.post(
        reverse("child_file_pdf", args=[pupil.pk]), {"cases": [worked_case.pk], "name_others": "on", "reason": reason}
    )
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(pdf_pages_text(response.content))
    assert "Ben Jones" in text
    (event,) = _made_events()
    assert event.extra["others_named"] is True and event.extra["reason_given"] is True
    # The audit log never holds the reason's words or a name.
    assert "police" not in json.dumps(event.extra) and "Ben" not in json.dumps(event.extra)


def test_nothing_chosen_is_refused_with_what_to_do(worked_case, pupil, dsl, login):
    response = login(dsl).post(reverse("child_file_pdf", args=[pupil.pk]), {})
    assert response.status_code == 200
    assert "Choose at least one case, or include the concerns" in response.content.decode()
    assert not _made_events()


def test_without_pango_the_page_says_what_to_install_and_the_preview_works(worked_case, pupil, dsl, login, monkeypatch):
    monkeypatch.setattr(child_render, "pdf_available", lambda: (False, child_render.PANGO_MISSING))
    from desk.views import child_file as views

    monkeypatch.setattr(views, "pdf_available", lambda: (False, child_render.PANGO_MISSING))
    client = login(dsl)
    page = client.get(reverse("child_file", args=[pupil.pk]))
    assert page.status_code == 200
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in page.content.decode()
    assert f"Case {worked_case.reference}" in page.content.decode()
    response = client.post(reverse("child_file_pdf", args=[pupil.pk]), {"cases": [worked_case.pk]})
    assert response.status_code == 503
    assert "libpango" in response.content.decode()
    assert not _made_events()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("head", 403),
        ("pastoral", 403),
        ("pastoral_unassigned", 404),
        ("it_admin", 404),
        ("staff_member", 404),
        ("other_dsl", 404),
    ],
)
def test_only_the_schools_dsls_make_a_childs_file(worked_case, pupil, personas, persona, status, login):
    client = login(personas[persona])
    assert client.get(reverse("child_file", args=[pupil.pk])).status_code == status
    response = client.post(reverse("child_file_pdf", args=[pupil.pk]), {"cases": [worked_case.pk], "include_concerns": "on"})
    assert response.status_code == status
    assert response.get("Content-Type", "") != "application/pdf"
    assert not _made_events()
    if status == 403:
        refused = AuditEvent.objects.filter(action="cases.pupil.access_refused", actor_id=personas[persona].pk).first()
        assert refused is not None and refused.extra["attempted"] == "child_file"


def test_the_deputy_makes_it_too_and_anonymous_people_are_sent_to_log_in(worked_case, pupil, deputy, login, client):
    assert login(deputy).get(reverse("child_file", args=[pupil.pk])).status_code == 200
    assert client.get(reverse("child_file", args=[pupil.pk])).status_code == 302
    assert client.post(reverse("child_file_pdf", args=[pupil.pk])).status_code == 302
    assert login(deputy).get(reverse("child_file_pdf", args=[pupil.pk])).status_code == 405


def test_a_case_of_another_pupil_cannot_be_slipped_in(worked_case, pupil, dsl, school, login):
    stranger = make_case(actor=dsl, school=school, pupils=[PupilFactory(school=school)], summary="Someone else entirely.")
    response = login(dsl).post(
        reverse("child_file_pdf", args=[pupil.pk]), {"cases": [stranger.pk, worked_case.pk], "include_concerns": "on"}
    )
    # Not one of the choices: the form says so, and nothing is made.
    assert response.status_code == 200
    assert not _made_events()


def test_the_pupil_page_links_to_the_file_for_the_dsl_only(worked_case, pupil, dsl, head, login):
    url = reverse("child_file", args=[pupil.pk])
    assert url in login(dsl).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()
    assert url not in login(head).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()


def test_a_pupil_with_nothing_recorded_has_nothing_to_make(pupil, dsl, login):
    client = login(dsl)
    page = client.get(reverse("child_file", args=[pupil.pk]))
    assert page.status_code == 200
    assert "Nothing is recorded about Ava" in page.content.decode()
    response = client.post(reverse("child_file_pdf", args=[pupil.pk]), {"include_concerns": "on"})
    assert response.status_code == 200
    assert not _made_events()
