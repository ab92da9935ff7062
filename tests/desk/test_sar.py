"""Subject access requests (issue 19, part 4): the due date, recording a request (refused without
the proof of identity seen), the draft with the other children removed, redactions with reasons,
review before release, the released PDF with what was withheld and why, reminders once each, and
nobody but the DSLs and the head hearing of a request."""

from __future__ import annotations

import copy
import hashlib
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Redaction, RequestStatus, SubjectAccessRequest
from cases.services import OtherChildInput, child_add, note_add
from desk.sar import rules
from desk.sar.redact import (
    RULE_OTHER_CHILDREN,
    Withheld,
    apply_redactions,
    marker,
    reason_words,
    withholdable,
)
from desk.sar.selectors import release_records
from desk.sar.services import (
    RequestInput,
    redaction_make,
    redaction_undo,
    request_gather,
    request_mark_reviewed,
    request_record,
    request_release,
    request_reminders_sweep,
    request_withdraw,
)
from safeguard.models import AlertEmail, AuditEvent, Notification
from tests.desk.pdf_text import pdf_pages_text
from tests.factories import PupilFactory, make_case

SECRET_NOTE = "Mum's partner shouted at the worker on the doorstep."

# --- The due date and the reminders (pure) -------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 3, 3), date(2026, 4, 3)),
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 1, 29), date(2025, 2, 28)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 12, 31), date(2026, 1, 31)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2024, 2, 29), date(2024, 3, 29)),
    ],
)
def test_a_request_is_due_on_the_same_day_of_the_next_month_or_its_last_day(received, due):
    assert rules.due_on(received) == due


def test_each_reminder_is_due_once_and_none_for_a_day_already_past():
    due = date(2026, 5, 20)

    def remind(today, reminded_on=None):
        return rules.reminder_due(due=due, today=today, reminded_on=reminded_on)

    assert remind(date(2026, 5, 12)) is None
    assert remind(date(2026, 5, 13)) == "week"
    assert remind(date(2026, 5, 15), reminded_on=date(2026, 5, 13)) is None
    assert remind(date(2026, 5, 20), reminded_on=date(2026, 5, 13)) == "due"
    assert remind(date(2026, 5, 20), reminded_on=date(2026, 5, 20)) is None
    assert remind(date(2026, 5, 21), reminded_on=date(2026, 5, 20)) == "overdue"
    assert remind(date(2026, 6, 30), reminded_on=date(2026, 5, 21)) is None
    # Recorded two days before it is due: no "in a week", only the due day's.
    assert remind(date(2026, 5, 18)) == "week"
    assert remind(date(2026, 5, 25)) == "overdue"


def test_a_date_received_in_the_future_is_refused_in_words():
    today = date(2026, 3, 3)
    assert rules.received_refusal(today + timedelta(days=1), today) == "The date received cannot be in the future."
    assert rules.received_refusal(today, today) is None
    assert "date the request was received" in rules.received_refusal(None, today)


def _draft() -> dict:
    return {
        "pupil": {"full_name": "Ava Testchild"},
        "timeline": [
            {"kind": "case", "reference": "C1", "at": None, "words": "Case C1"},
            {"kind": "case", "reference": "C2", "at": None, "words": "Case C2"},
        ],
        "left_out": {"restricted": 1, "not_chosen": 0},
        "cases": [
            {
                "reference": "C1",
                "summary": {"text": "Summary one", "corrections": [{"reason": "quotes the summary"}]},
                "disclosure": None,
                "notes": [
                    {"written_at": "2026-03-03T10:00:00+00:00", "text": "First note", "corrections": []},
                    {"written_at": "2026-03-04T10:00:00+00:00", "text": "Second note", "corrections": []},
                ],
            },
            {"reference": "C2", "summary": {"text": "Summary two", "corrections": []}, "disclosure": None, "notes": []},
        ],
        "concerns": [{"reference": "K1", "what_happened": "Seen", "case_reference": "C2"}],
    }


def test_the_release_is_the_draft_with_passages_replaced_and_records_left_out():
    draft = _draft()
    before = copy.deepcopy(draft)
    release = apply_redactions(
        draft,
        [
            Withheld(RULE_OTHER_CHILDREN, 1),
            Withheld("cases.0.summary.text", 2),
            Withheld("cases.0.notes.0", 3),
            Withheld("cases.1", 4),
            Withheld("cases.1.summary.text", 5),
            Withheld("cases.9", 6),
        ],
    )
    assert draft == before, "the draft itself is never changed"
    assert release["cases"][0]["summary"] == {"text": marker(2), "corrections": []}
    assert [n["text"] for n in release["cases"][0]["notes"]] == ["Second note"]
    assert [c["reference"] for c in release["cases"]] == ["C1"]
    assert [line["words"] for line in release["timeline"]] == [
        "Case C1",
        "Case C2: withheld, see item 4 of “What was withheld, and why”",
    ]
    assert release["concerns"][0]["case_reference"] == ""
    assert release["left_out"] == {"restricted": 0, "not_chosen": 0}


def test_a_note_inside_a_withheld_case_goes_with_it_and_nothing_else_moves():
    release = apply_redactions(_draft(), [Withheld("cases.0.notes.1", 1), Withheld("cases.0", 2)])
    assert [c["reference"] for c in release["cases"]] == ["C2"]
    assert release["cases"][0]["summary"]["text"] == "Summary two"


def test_what_may_be_withheld_is_described_without_its_words():
    items = {item.target: item for item in withholdable(_draft())}
    assert items["cases.0"].whole and not items["cases.0.summary.text"].whole
    assert items["cases.0.notes.1"].description == "A note of 4 March 2026, case C1"
    assert items["concerns.0.what_happened"].description == "What was seen, heard or told, concern K1"
    assert not any("First note" in item.description or "Summary one" in item.description for item in items.values())


def test_a_reason_is_required_and_another_reason_is_written_out():
    with pytest.raises(ValueError, match="needs a reason"):
        reason_words("", "")
    with pytest.raises(ValueError, match="Write out the reason"):
        reason_words("other", "  ")
    assert reason_words("other", "The police asked us to wait.") == "The police asked us to wait."
    assert "serious harm" in reason_words("serious_harm") and "DPA 2018 Sch. 3" in reason_words("serious_harm")


# --- The world: Ava's case with Ben in it ------------------------------------------------------


@pytest.fixture
def ben(school):
    return PupilFactory(school=school, first_name="Ben", last_name="Jones", upn="B000000009876", date_of_birth=date(2012, 6, 1))


@pytest.fixture
def ava_case(dsl, pupil, ben, school):
    case = make_case(
        actor=dsl,
        school=school,
        summary="Ben Jones sent Ava messages after school.",
        pupils=[],
        child_account="BEN kept asking me for photos.",
        others=[OtherChildInput(description="Older boy from the academy", part="witness", age=15)],
    )
    child_add(actor=dsl, case=case, pupil=pupil, part="harmed")
    child_add(actor=dsl, case=case, pupil=ben, part="harmed_others")
    note_add(actor=dsl, case=case, text="Spoke to Ben Jones's form tutor.")
    note_add(actor=dsl, case=case, text=SECRET_NOTE)
    return case


def _input(**overrides) -> RequestInput:
    values = {
        "requester_name": "Mrs Testchild",
        "requester_kind": "parent",
        "identity_checked": "Passport and a council tax bill; birth certificate.",
        "received_on": timezone.localdate(),
    }
    values.update(overrides)
    return RequestInput(**values)


@pytest.fixture
def sar(dsl, school, pupil, ava_case):
    return request_record(actor=dsl, school=school, pupil=pupil, data=_input())


def _note_target(sar, text: str) -> str:
    notes = sar.draft["cases"][0]["notes"]
    index = next(i for i, n in enumerate(notes) if n["text"] == text)
    return f"cases.0.notes.{index}.text"


# --- Recording a request -------------------------------------------------------------------------


def test_a_request_without_the_proof_of_identity_is_refused_in_words(dsl, school, pupil):
    with pytest.raises(ValidationError) as refused:
        request_record(actor=dsl, school=school, pupil=pupil, data=_input(identity_checked="  "))
    assert "proof of identity" in " ".join(refused.value.message_dict["identity_checked"])
    assert not SubjectAccessRequest.objects.exists()


def test_a_request_received_tomorrow_or_for_another_schools_pupil_is_refused(dsl, school, pupil, other_school):
    with pytest.raises(ValidationError) as refused:
        request_record(actor=dsl, school=school, pupil=pupil, data=_input(received_on=timezone.localdate() + timedelta(days=1)))
    assert refused.value.message_dict["received_on"] == ["The date received cannot be in the future."]
    stranger = PupilFactory(school=other_school)
    with pytest.raises(ValidationError) as refused:
        request_record(actor=dsl, school=school, pupil=stranger, data=_input())
    assert "pupil" in refused.value.message_dict
    assert not SubjectAccessRequest.objects.exists()


def test_the_form_keeps_what_was_typed_when_the_identity_check_is_missing(dsl, pupil, login):
    client = login(dsl)
    page = client.get(reverse("sar_new") + f"?pupil={pupil.pk}")
    assert page.status_code == 200
    assert f'<option value="{pupil.pk}" selected>' in page.content.decode()
    response = client.post(
        reverse("sar_new"),
        {
            "pupil": pupil.pk,
            "requester_name": "Mrs Testchild",
            "requester_kind": "parent",
            "identity_checked": "",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "a request cannot be recorded without it" in body
    assert 'value="Mrs Testchild"' in body
    assert not SubjectAccessRequest.objects.exists()


def test_a_request_recorded_is_due_a_calendar_month_later_and_audited(dsl, pupil, login):
    response = login(dsl).post(
        reverse("sar_new"),
        {
            "pupil": pupil.pk,
            "requester_name": "Ava Testchild",
            "requester_kind": "child",
            "identity_checked": "Her school ID card, seen by me.",
            "received_on": "2025-01-31",
        },
    )
    sar = SubjectAccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sar_detail", args=[sar.pk])
    assert sar.due_on == date(2025, 2, 28) and sar.status == RequestStatus.OPEN
    event = AuditEvent.objects.get(action="desk.sar.recorded")
    assert "Ava" not in str(event.extra) and "ID card" not in str(event.extra)


# --- The draft, redactions, review and release -------------------------------------------------


def test_the_draft_has_the_other_children_removed_and_that_is_recorded_by_rule(sar, dsl, ben, ava_case):
    sar = request_gather(actor=dsl, request=sar)
    assert sar.status == RequestStatus.DRAFT
    text = str(sar.draft)
    assert not re.search(r"\bBen\b|\bJones\b|Older boy", text, re.I)
    assert ben.upn not in text and "Child B" in text
    rule = Redaction.objects.get(request=sar, by_rule=True)
    assert rule.target == RULE_OTHER_CHILDREN
    assert rule.description == "Other children's names, dates of birth and details (2 children)"
    assert "Art. 15(4)" in rule.reason
    # Frozen: a note written afterwards is not in it.
    note_add(actor=dsl, case=ava_case, text="Written after the draft.")
    sar.refresh_from_db()
    assert "Written after the draft." not in str(sar.draft)


def test_a_redaction_with_no_reason_is_refused_and_nothing_is_withheld(sar, dsl):
    sar = request_gather(actor=dsl, request=sar)
    target = _note_target(sar, SECRET_NOTE)
    for kind, text in (("", ""), ("other", " "), ("made_up", "")):
        with pytest.raises(ValidationError, match="reason"):
            redaction_make(actor=dsl, request=sar, target=target, reason_kind=kind, reason_text=text)
    with pytest.raises(ValidationError, match="Choose what to withhold"):
        redaction_make(actor=dsl, request=sar, target="cases.7.notes.0.text", reason_kind="serious_harm")
    assert not Redaction.objects.filter(request=sar, by_rule=False).exists()


def test_release_without_review_is_refused(sar, dsl):
    sar = request_gather(actor=dsl, request=sar)
    with pytest.raises(ValidationError, match="No one has reviewed this draft"):
        request_release(actor=dsl, request=sar)
    sar.refresh_from_db()
    assert sar.status == RequestStatus.DRAFT and not sar.document_sha256


def test_a_redaction_after_review_clears_the_review(sar, dsl, head):
    sar = request_gather(actor=dsl, request=sar)
    sar = request_mark_reviewed(actor=head, request=sar)
    assert sar.reviewed_by == head and sar.status == RequestStatus.REVIEWED
    redaction = redaction_make(actor=dsl, request=sar, target=_note_target(sar, SECRET_NOTE), reason_kind="other_person")
    sar.refresh_from_db()
    assert sar.reviewed_by is None and sar.status == RequestStatus.DRAFT
    with pytest.raises(ValidationError, match="No one has reviewed"):
        request_release(actor=dsl, request=sar)
    # Undoing it needs a reason, is kept, and clears a review too.
    request_mark_reviewed(actor=dsl, request=sar)
    with pytest.raises(ValidationError, match="Say why"):
        redaction_undo(actor=dsl, request=sar, redaction=redaction, reason="")
    redaction_undo(actor=dsl, request=sar, redaction=redaction, reason="Checked: it is her own mother's partner.")
    sar.refresh_from_db()
    assert sar.reviewed_by is None
    assert Redaction.objects.filter(pk=redaction.pk).exists()
    assert SECRET_NOTE in str(release_records(sar))
    with pytest.raises(ValidationError, match="undone already"):
        redaction_undo(actor=dsl, request=sar, redaction=redaction, reason="Again.")


def test_the_other_children_cannot_be_put_back(sar, dsl):
    sar = request_gather(actor=dsl, request=sar)
    rule = Redaction.objects.get(request=sar, by_rule=True)
    with pytest.raises(ValidationError, match="always left out"):
        redaction_undo(actor=dsl, request=sar, redaction=rule, reason="Because.")


def test_the_dsl_withholds_reviews_and_releases_the_pdf_through_the_pages(sar, dsl, head, ben, login):
    client = login(dsl)
    detail = reverse("sar_detail", args=[sar.pk])
    page = client.get(detail)
    assert page.status_code == 200 and "Gather the records" in page.content.decode()
    assert client.post(reverse("sar_gather", args=[sar.pk])).status_code == 302
    sar.refresh_from_db()
    target = _note_target(sar, SECRET_NOTE)
    page = client.get(detail + f"?withhold={target}").content.decode()
    assert "Other adults named in the text" in page and "cannot be found reliably" in page
    assert f'value="{target}" selected' in page
    # No reason: refused, and the choice kept.
    response = client.post(reverse("sar_withhold", args=[sar.pk]), {"target": target})
    assert response.status_code == 400
    assert "a redaction needs a reason" in response.content.decode()
    assert (
        client.post(reverse("sar_withhold", args=[sar.pk]), {"target": target, "reason_kind": "serious_harm"}).status_code == 302
    )
    # A whole note too, for another reason written out.
    whole = target.rsplit(".", 1)[0].rsplit(".", 1)[0] + ".0"
    client.post(
        reverse("sar_withhold", args=[sar.pk]),
        {"target": whole, "reason_kind": "other", "reason_text": "The police asked the school not to disclose it yet."},
    )
    assert Redaction.objects.filter(request=sar, by_rule=False).count() == 2
    # Not reviewed: refused, in words.
    client.post(reverse("sar_release", args=[sar.pk]))
    sar.refresh_from_db()
    assert sar.status == RequestStatus.DRAFT
    # The head reviews; the DSL releases.
    assert login(head).post(reverse("sar_reviewed", args=[sar.pk])).status_code == 302
    assert client.post(reverse("sar_release", args=[sar.pk])).status_code == 302
    sar.refresh_from_db()
    assert sar.status == RequestStatus.RELEASED and sar.released_by == dsl
    response = client.get(reverse("sar_document", args=[sar.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert hashlib.sha256(content).hexdigest() == sar.document_sha256
    text = "\n".join(pdf_pages_text(content))
    flat = " ".join(text.split())
    assert "Records about Ava Testchild: response to a subject access request" in flat
    assert "OFFICIAL-SENSITIVE" in text and "Made by Dee Lead on" in flat
    # No other pupil's name, and not the withheld words.
    assert not re.search(r"\bBen\b|\bJones\b|Older boy", text, re.I)
    assert ben.upn not in text
    assert "doorstep" not in text and "partner shouted" not in flat
    assert "Spoke to Child B's form tutor" not in flat
    # The last section: what was withheld, and why.
    last = flat[flat.index("What was withheld, and why") :]
    assert "Other children's names, dates of birth and details (2 children)" in last
    assert "The text of a note of" in last and "serious harm" in last
    assert "The police asked the school not to disclose it yet." in last
    # Released, audited; each download audited; nothing can change now.
    released = AuditEvent.objects.get(action="desk.sar.released")
    assert released.extra["sha256"] == sar.document_sha256
    client.get(reverse("sar_document", args=[sar.pk]))
    assert AuditEvent.objects.filter(action="desk.sar.document_downloaded").count() == 2
    with pytest.raises(ValidationError, match="answered"):
        redaction_make(actor=dsl, request=sar, target="cases.0.summary.text", reason_kind="serious_harm")
    for event in AuditEvent.objects.filter(action__startswith="desk.sar."):
        assert "Ben" not in str(event.extra) and "police asked" not in str(event.extra)


def test_a_request_is_withdrawn_with_a_reason(sar, dsl, login):
    client = login(dsl)
    response = client.post(reverse("sar_withdraw", args=[sar.pk]), {"reason": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    client.post(reverse("sar_withdraw", args=[sar.pk]), {"reason": "The family asked to stop."})
    sar.refresh_from_db()
    assert sar.status == RequestStatus.WITHDRAWN and sar.withdrawn_reason == "The family asked to stop."
    with pytest.raises(ValidationError, match="withdrawn"):
        request_withdraw(actor=dsl, request=sar, reason="Again.")


# --- Reminders ---------------------------------------------------------------------------------


def test_reminders_go_a_week_before_on_the_day_and_when_overdue_each_once(sar, dsl, deputy, pastoral, head):
    due = sar.due_on
    days = [due - timedelta(days=8), due - timedelta(days=7), due - timedelta(days=7), due - timedelta(days=2), due, due]
    days += [due + timedelta(days=1), due + timedelta(days=1), due + timedelta(days=9)]
    sent = [request_reminders_sweep(today=day) for day in days]
    total = {kind: sum(s[kind] for s in sent) for kind in ("week", "due", "overdue")}
    assert total == {"week": 1, "due": 1, "overdue": 1}
    notes = Notification.objects.filter(kind="records_request_due")
    assert {n.recipient for n in notes} == {dsl, deputy}
    assert notes.count() == 6
    for n in notes:
        assert n.title.startswith("A records request")
        assert "Ava" not in n.title and "Testchild" not in n.title and "subject access" not in n.title.lower()
    for email in AlertEmail.objects.all():
        assert "Ava" not in email.body and "Testchild" not in email.body and "subject access" not in email.body.lower()
    assert not Notification.objects.filter(recipient__in=[pastoral, head]).filter(kind="records_request_due").exists()
    assert AuditEvent.objects.filter(action="desk.sar.reminded").count() == 3


def test_an_answered_request_is_not_reminded_and_its_reminders_clear(sar, dsl, head):
    request_reminders_sweep(today=sar.due_on)
    sar = request_gather(actor=dsl, request=sar)
    request_mark_reviewed(actor=head, request=sar)
    request_release(actor=dsl, request=sar)
    assert not Notification.objects.filter(kind="records_request_due", cleared_at__isnull=True).exists()
    assert request_reminders_sweep(today=sar.due_on + timedelta(days=3)) == {"week": 0, "due": 0, "overdue": 0}


# --- Who sees requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dsl", 200),
        ("deputy", 200),
        ("head", 200),
        ("pastoral", 404),
        ("pastoral_unassigned", 404),
        ("it_admin", 404),
        ("staff_member", 404),
        ("other_dsl", 404),
    ],
)
def test_only_the_schools_dsls_and_head_see_a_request(sar, personas, persona, status, login):
    client = login(personas[persona])
    for url in (reverse("sar_detail", args=[sar.pk]), reverse("sar_list"), reverse("sar_new")):
        if persona == "other_dsl" and url != reverse("sar_detail", args=[sar.pk]):
            # Their own school's list and form: nothing of this school's in it.
            page = client.get(url)
            assert page.status_code == 200 and "Mrs Testchild" not in page.content.decode()
            continue
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 200 and url == reverse("sar_list"):
            assert "Ava Testchild" in response.content.decode()
    if status == 404:
        refused = AuditEvent.objects.filter(action="desk.sar.access_refused", actor_id=personas[persona].pk)
        assert refused.exists()
        assert client.post(reverse("sar_gather", args=[sar.pk])).status_code == 404
        sar.refresh_from_db()
        assert sar.status == RequestStatus.OPEN


def test_nothing_about_a_request_reaches_pastoral_staff_or_it(sar, dsl, pastoral, staff_member, it_admin, ava_case, login):
    from cases.services import case_assign

    case_assign(actor=dsl, case=ava_case, user=pastoral, view="full")
    request_reminders_sweep(today=sar.due_on)
    for user in (pastoral, staff_member, it_admin):
        client = login(user)
        for url in (reverse("home"), reverse("notification_list"), reverse("search") + "?q=Testchild"):
            body = client.get(url).content.decode()
            assert "records request" not in body.lower() and "subject access" not in body.lower(), (user, url)
            assert reverse("sar_detail", args=[sar.pk]) not in body and "Mrs Testchild" not in body
    # The DSL hears of it.
    assert "A records request is due today" in login(dsl).get(reverse("notification_list")).content.decode()
