"""Children's files on paper (issue 18, parts 4 and 6): the receipt of a file printed and handed
over in person, recorded by the sending DSL; and a file that came on paper or by secure email from
a school without Safeguard, recorded on the pupil with its PDF, which passes the attachment checks
(a PDF only, never an image: UKCIS). And the attacker's path."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import nudity
from cases.attachments import IMAGERY_REFUSAL, PICTURE_FLAGGED
from cases.models import FileTransfer, ReceivedFile, ReceivedSource, ReceivedStatus, TransferRoute, TransferStatus
from desk.transfers import paper, services
from desk.transfers.selectors import pupil_files
from safeguard.models import AuditEvent, Notification
from tests.cases import smuggling as s


@pytest.fixture
def term_time():
    """Wednesday 4 November 2026, 10:30: term time."""
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 4, 10, 30)), tick=False) as traveller:
        yield traveller


def _printed(dsl, pupil, case) -> FileTransfer:
    """A file made to print, to hand over in person."""
    transfer = services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 2))
    services.transfer_destination_set(
        actor=dsl,
        transfer=transfer,
        where=services.Destination(route=TransferRoute.IN_PERSON, receiving_school_name="Farmoor Test School"),
    )
    return services.transfer_send(actor=dsl, transfer=transfer, case_ids=[case.pk], include_concerns=True).transfer


def _unescaped(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


# --- A file handed over in person ------------------------------------------------------------------


def test_the_transfer_page_offers_the_receipt_form_for_a_printed_file(term_time, dsl, case, pupil, login):
    from desk.transfers.page_extras import link_and_paper_extras

    transfer = _printed(dsl, pupil, case)
    extras = link_and_paper_extras(transfer)
    assert extras["route_templates"] == ["desk/transfers/_receipt_by_hand.html"]
    assert "receipt_form" in extras


def test_the_sending_dsl_records_who_signed_for_the_printed_file(term_time, dsl, deputy, case, pupil, login):
    transfer = _printed(dsl, pupil, case)
    assert transfer.status == TransferStatus.SENT
    term_time.move_to(timezone.make_aware(datetime(2026, 11, 6, 9, 0)))
    response = login(dsl).post(
        reverse("transfer_receipt_by_hand", args=[transfer.pk]),
        {"name": "Fran Farmoor", "role": "Designated Safeguarding Lead", "received_on": "2026-11-05"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("transfer_detail", args=[transfer.pk])
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert (transfer.accepted_by_name, transfer.accepted_by_role) == ("Fran Farmoor", "Designated Safeguarding Lead")
    # Handed over the day before: the receipt is dated that day (noon), not when it was typed.
    assert timezone.localtime(transfer.accepted_at) == timezone.make_aware(datetime(2026, 11, 5, 12, 0))
    event = AuditEvent.objects.get(action="desk.transfer.receipt_confirmed")
    assert event.actor_id == dsl.pk and event.extra["how"] == "in_person"
    # The other lead is told; the one who recorded it is not.
    assert {n.recipient for n in Notification.objects.filter(kind="transfer_receipt")} == {deputy}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"name": "", "role": "", "received_on": ""}, paper.NAME_REQUIRED),
        ({"name": "Fran", "role": "", "received_on": "2026-11-04"}, paper.ROLE_REQUIRED),
        ({"name": "Fran", "role": "DSL", "received_on": "2026-11-05"}, paper.DATE_IN_FUTURE),
        ({"name": "Fran", "role": "DSL", "received_on": "2026-10-01"}, "it cannot have been handed over before then"),
        ({"name": "Fran", "role": "DSL", "received_on": "yesterday"}, "Give the date as day, month and year."),
    ],
)
def test_a_receipt_by_hand_with_bad_input_says_what_to_fix_and_keeps_what_was_typed(
    term_time, dsl, case, pupil, login, data, words
):
    transfer = _printed(dsl, pupil, case)
    response = login(dsl).post(reverse("transfer_receipt_by_hand", args=[transfer.pk]), data)
    assert response.status_code == 400
    text = _unescaped(response)
    assert words in text
    if data["name"]:
        assert f'value="{data["name"]}"' in text
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


def test_a_file_not_handed_over_in_person_takes_no_receipt_by_hand(term_time, dsl, case, pupil, login):
    transfer = services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 2))
    with pytest.raises(ValidationError, match="not handed over in person"):
        paper.transfer_receipt_by_hand(actor=dsl, transfer=transfer, name="A", role="B", received_on=date(2026, 11, 4))
    services.transfer_destination_set(
        actor=dsl,
        transfer=transfer,
        where=services.Destination(route=TransferRoute.IN_PERSON, receiving_school_name="Farmoor Test School"),
    )
    response = login(dsl).post(
        reverse("transfer_receipt_by_hand", args=[transfer.pk]), {"name": "A", "role": "B", "received_on": "2026-11-04"}
    )
    assert response.status_code == 400 and "Make the file to print first" in _unescaped(response)


def test_a_receipt_is_recorded_once(term_time, dsl, case, pupil):
    transfer = _printed(dsl, pupil, case)
    paper.transfer_receipt_by_hand(actor=dsl, transfer=transfer, name="Fran", role="DSL", received_on=date(2026, 11, 4))
    with pytest.raises(ValidationError, match="already recorded"):
        paper.transfer_receipt_by_hand(actor=dsl, transfer=transfer, name="Sam", role="DSL", received_on=date(2026, 11, 4))
    transfer.refresh_from_db()
    assert transfer.accepted_by_name == "Fran"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_dsl", 404), ("pastoral", 404), ("head", 404), ("it_admin", 404), ("staff_member", 404)],
)
def test_only_the_sending_schools_leads_record_a_receipt_by_hand(term_time, dsl, case, pupil, personas, persona, status, login):
    transfer = _printed(dsl, pupil, case)
    response = login(personas[persona]).post(
        reverse("transfer_receipt_by_hand", args=[transfer.pk]), {"name": "X", "role": "Y", "received_on": "2026-11-04"}
    )
    assert response.status_code == status
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


def test_a_receipt_by_hand_needs_a_login_and_a_post(term_time, dsl, deputy, case, pupil, login):
    transfer = _printed(dsl, pupil, case)
    url = reverse("transfer_receipt_by_hand", args=[transfer.pk])
    anonymous = Client().post(url, {"name": "X", "role": "Y", "received_on": "2026-11-04"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert login(dsl).get(url).status_code == 405
    # A deputy may record it.
    assert login(deputy).post(url, {"name": "X", "role": "Y", "received_on": "2026-11-04"}).status_code == 302


# --- A file received on paper or by secure email ---------------------------------------------------


def _record(client, pupil, *, upload=None, confirmed=True, **fields):
    data = {
        "from_school_name": "Old Mill Primary",
        "from_school_urn": "100234",
        "from_dsl_name": "Oona Oldmill",
        "received_on": "2026-11-03",
        "note": "Came by secure email with a covering letter.",
        **fields,
    }
    if confirmed:
        data["confirmed_no_child_images"] = "on"
    if upload is not None:
        data["pdf_file"] = upload
    return client.post(reverse("received_record_by_hand", args=[pupil.pk]), data)


def _stored_files(school) -> list[str]:
    """The files kept for the school (the store outlives a test, so compare before and after)."""
    root = os.path.join(settings.ATTACHMENT_ROOT, str(school.pk), "files")
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def test_a_file_on_paper_is_recorded_on_the_pupil_with_its_pdf(term_time, dsl, pupil, school, login):
    client = login(dsl)
    assert client.get(reverse("received_record_by_hand", args=[pupil.pk])).status_code == 200
    response = _record(client, pupil, upload=SimpleUploadedFile("scan.pdf", s.pdf_plain(pages=2), "application/pdf"))
    assert response.status_code == 302 and response["Location"] == reverse("pupil_detail", args=[pupil.pk])
    received = ReceivedFile.objects.get()
    assert received.source == ReceivedSource.BY_HAND and received.status == ReceivedStatus.ACCEPTED
    assert received.pupil == pupil and received.school == school
    assert (received.accepted_by, received.recorded_by) == (dsl, dsl)
    assert (received.from_school_name, received.from_school_urn, received.from_dsl_name) == (
        "Old Mill Primary",
        "100234",
        "Oona Oldmill",
    )
    assert (received.pupil_name, received.pupil_upn, received.pupil_date_of_birth) == (
        pupil.full_name,
        pupil.upn,
        pupil.date_of_birth,
    )
    assert received.note_from_sender == "Came by secure email with a covering letter."
    assert timezone.localtime(received.arrived_at) == timezone.make_aware(datetime(2026, 11, 3, 12, 0))
    assert received.document.read(5) == b"%PDF-" and len(received.document_sha256) == 64
    event = AuditEvent.objects.get(action="desk.received_file.recorded")
    assert event.actor_id == dsl.pk and event.extra["with_pdf"] is True
    assert pupil.last_name not in str(event.extra)
    # The pupil's page lists it among files from previous schools.
    assert pupil_files(pupil)["received_files"] == [received]


def test_a_file_on_paper_may_be_recorded_without_a_pdf(term_time, dsl, pupil, login):
    response = _record(login(dsl), pupil, confirmed=False)
    assert response.status_code == 302
    received = ReceivedFile.objects.get()
    assert not received.document
    assert login(dsl).get(reverse("received_document", args=[received.pk])).status_code == 404


@pytest.mark.parametrize(
    ("upload", "words", "reason"),
    [
        (lambda: SimpleUploadedFile("photo.pdf", s.jpeg(), "application/pdf"), IMAGERY_REFUSAL, "imagery"),
        (lambda: SimpleUploadedFile("scan.png", s.png(), "image/png"), IMAGERY_REFUSAL, "imagery"),
        (lambda: SimpleUploadedFile("clip.mp4", s.mp4(), "video/mp4"), IMAGERY_REFUSAL, "imagery"),
        (lambda: SimpleUploadedFile("letter.docx", s.docx(), "application/pdf"), paper.ONLY_PDF, "not_pdf"),
        (lambda: SimpleUploadedFile("photo-inside.pdf", s.PDF_PREFIX + s.jpeg(), "application/pdf"), IMAGERY_REFUSAL, "imagery"),
    ],
)
def test_an_image_or_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(
    term_time, dsl, pupil, school, login, upload, words, reason
):
    before = _stored_files(school)
    response = _record(login(dsl), pupil, upload=upload())
    assert response.status_code == 400
    text = _unescaped(response)
    assert words.split(":")[0] in text
    # What was typed is still there; the file must be chosen again, and the page says so.
    assert 'value="Old Mill Primary"' in text and "Came by secure email" in text
    assert "Choose the file again" in text
    assert not ReceivedFile.objects.exists()
    assert _stored_files(school) == before
    refused = AuditEvent.objects.get(action="desk.received_file.refused")
    assert refused.extra["reason"] == reason


def test_a_pdf_holding_a_picture_the_nudity_check_flags_is_refused(term_time, dsl, pupil, school, login, monkeypatch):
    monkeypatch.setattr(nudity, "flags", lambda image: nudity.Finding("FEMALE_BREAST_EXPOSED", 0.9))
    before = _stored_files(school)
    response = _record(login(dsl), pupil, upload=SimpleUploadedFile("scan.pdf", s.pdf_with_image(), "application/pdf"))
    assert response.status_code == 400
    assert PICTURE_FLAGGED.split(",")[0] in _unescaped(response)
    assert not ReceivedFile.objects.exists() and _stored_files(school) == before


def test_the_school_setting_to_take_pictures_out_does_not_blank_a_scan(term_time, dsl, pupil, school, login, monkeypatch):
    """A scan is made of pictures: under REMOVE it would be kept with blank pages. It is checked
    picture by picture instead, and kept whole."""
    from safeguard.models import DocumentImages

    school.document_images = DocumentImages.REMOVE
    school.save()
    monkeypatch.setattr(nudity, "flags", lambda image: None)
    scan = s.pdf_with_image()
    response = _record(login(dsl), pupil, upload=SimpleUploadedFile("scan.pdf", scan, "application/pdf"))
    assert response.status_code == 302
    assert ReceivedFile.objects.get().document.read() == scan


def test_a_pdf_without_the_confirmation_is_refused(term_time, dsl, pupil, school, login):
    before = _stored_files(school)
    response = _record(login(dsl), pupil, upload=SimpleUploadedFile("scan.pdf", s.pdf_plain()), confirmed=False)
    assert response.status_code == 400
    assert "Tick the box to confirm the file holds no photograph or video of a child" in _unescaped(response)
    assert not ReceivedFile.objects.exists() and _stored_files(school) == before


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"from_school_name": ""}, paper.FROM_SCHOOL_REQUIRED),
        ({"from_school_urn": "12ab"}, paper.URN_WRONG),
        ({"received_on": "2026-11-05"}, paper.RECEIVED_IN_FUTURE),
        ({"received_on": "2001-01-01"}, paper.RECEIVED_BEFORE_BIRTH),
        ({"received_on": ""}, "Give the day the file reached you."),
    ],
)
def test_recording_by_hand_with_bad_input_says_what_to_fix(term_time, dsl, pupil, login, fields, words):
    response = _record(login(dsl), pupil, confirmed=False, **fields)
    assert response.status_code == 400
    assert words in _unescaped(response)
    assert not ReceivedFile.objects.exists()


@pytest.mark.parametrize("persona", ["other_dsl", "pastoral", "head", "it_admin", "staff_member"])
def test_only_the_pupils_schools_leads_record_a_file_by_hand(term_time, pupil, personas, persona, login):
    client = login(personas[persona])
    assert client.get(reverse("received_record_by_hand", args=[pupil.pk])).status_code == 404
    response = _record(client, pupil, upload=SimpleUploadedFile("scan.pdf", s.pdf_plain()))
    assert response.status_code == 404
    assert not ReceivedFile.objects.exists()


def test_recording_by_hand_needs_a_login(term_time, pupil, deputy, login):
    response = _record(Client(), pupil)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not ReceivedFile.objects.exists()
    assert login(deputy).get(reverse("received_record_by_hand", args=[pupil.pk])).status_code == 200
    assert login(deputy).put(reverse("received_record_by_hand", args=[pupil.pk])).status_code == 405


# --- Reading a file from a previous school ---------------------------------------------------------


@pytest.fixture
def on_paper(term_time, dsl, pupil):
    return paper.received_record_by_hand(
        actor=dsl,
        pupil=pupil,
        from_school_name="Old Mill Primary",
        received_on=date(2026, 11, 3),
        pdf_file=SimpleUploadedFile("scan.pdf", s.pdf_plain()),
        confirmed_no_child_images=True,
    )


@pytest.mark.parametrize("persona", ["dsl", "deputy", "head"])
def test_the_schools_leads_and_head_download_a_file_from_a_previous_school(on_paper, personas, persona, login):
    response = login(personas[persona]).get(reverse("received_document", args=[on_paper.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="desk.received_file.downloaded")
    assert event.actor_id == personas[persona].pk


@pytest.mark.parametrize("persona", ["other_dsl", "pastoral", "pastoral_unassigned", "it_admin", "staff_member"])
def test_no_one_else_downloads_a_file_from_a_previous_school(on_paper, personas, persona, login):
    response = login(personas[persona]).get(reverse("received_document", args=[on_paper.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="desk.received_file.downloaded").exists()
    assert AuditEvent.objects.filter(action="desk.received_file.access_refused").exists()


def test_downloading_a_file_from_a_previous_school_needs_a_login_and_a_get(on_paper, dsl, login):
    url = reverse("received_document", args=[on_paper.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert login(dsl).post(url).status_code == 405
    assert login(dsl).get(reverse("received_document", args=["99999999999999999999999"])).status_code == 404


def test_a_day_without_a_time_is_noon_there():
    assert timezone.localtime(paper.noon_on(date(2026, 6, 1))).hour == 12
    assert paper.noon_on(date(2026, 6, 1)) - paper.noon_on(date(2026, 5, 31)) == timedelta(days=1)


def test_a_file_whose_record_fails_is_not_left_on_disk(term_time, dsl, pupil, school, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(paper, "audit_record", broken)
    before = _stored_files(school)
    with pytest.raises(RuntimeError):
        paper.received_record_by_hand(
            actor=dsl,
            pupil=pupil,
            from_school_name="Old Mill Primary",
            received_on=date(2026, 11, 3),
            pdf_file=SimpleUploadedFile("scan.pdf", s.pdf_plain()),
            confirmed_no_child_images=True,
        )
    assert not ReceivedFile.objects.exists()
    assert _stored_files(school) == before
