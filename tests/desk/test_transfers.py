"""A child's file leaving the school for another on this Safeguard (issue 18, parts 2 and 5): the
deadline in school days, the checklist when a pupil leaves, pending -> viewed -> accepted or
declined, the sender's record, reminders, the home page and the reports, and the attacker's path."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import FileTransfer, Pupil, ReceivedFile, ReceivedStatus, TransferRoute, TransferStatus
from desk.transfers import services
from desk.transfers.deadlines import file_due, next_term_start, receipt_chase_on
from safeguard.models import AuditEvent, Notification
from safeguard.terms import england_default
from tests.factories import PupilFactory, make_case, staff

# --- The deadline, in school days (pure) ---------------------------------------------------------

CALENDAR = {year: england_default(year) for year in (2025, 2026, 2027)}


def test_in_year_file_is_due_five_school_days_after_the_new_school_confirms_the_roll():
    # Wednesday 4 November 2026 (no bank holiday near): five school days later is Wednesday 11th.
    assert file_due(left_on=date(2026, 11, 2), on_roll_confirmed_on=date(2026, 11, 4), calendar=CALENDAR) == date(2026, 11, 11)


def test_until_the_roll_is_confirmed_it_counts_from_the_day_the_child_left():
    assert file_due(left_on=date(2026, 11, 4), calendar=CALENDAR) == date(2026, 11, 11)


def test_half_term_is_not_counted():
    dates = CALENDAR[2026]
    autumn = dates.terms[0]
    friday_before = autumn.half_term_first - timedelta(days=3 if autumn.half_term_first.weekday() == 0 else 1)
    due = file_due(left_on=friday_before, calendar=CALENDAR)
    assert due > autumn.half_term_last
    assert (due - autumn.half_term_last).days >= 5


def test_a_move_at_the_end_of_the_year_is_due_on_the_fifth_school_day_of_the_new_term():
    summer_end = CALENDAR[2025].terms[-1].last_day
    autumn_start = next_term_start(summer_end, CALENDAR)
    assert autumn_start == CALENDAR[2026].terms[0].first_day
    due = file_due(left_on=summer_end, calendar=CALENDAR, new_term=True)
    # The first day counts: school days 1..5 are the first five of the term.
    days = [autumn_start + timedelta(days=n) for n in range(14)]
    school_days = [d for d in days if d.weekday() < 5][:5]
    assert due == school_days[-1]


def test_a_missing_receipt_is_chased_five_school_days_after_sending():
    assert receipt_chase_on(date(2026, 11, 4), CALENDAR) == date(2026, 11, 11)


# --- Marking a pupil as left ---------------------------------------------------------------------


@pytest.fixture
def receiving(trust):
    from tests.factories import SchoolFactory

    return SchoolFactory(trust=trust, name="Riverside Test High", code="RTH", urn="912345")


@pytest.fixture
def receiving_dsl(receiving):
    return staff(receiving, "dsl", full_name="Rae Receiver", email="dsl@riverside.example")


@pytest.fixture
def receiving_pupil(receiving, pupil):
    """The same child on the new school's roll (the MIS gave them the same UPN)."""
    return PupilFactory(school=receiving, upn=pupil.upn, first_name=pupil.first_name, last_name=pupil.last_name)


@pytest.fixture
def term_time():
    """Wednesday 4 November 2026, 10:30: term time, no bank holiday within a fortnight."""
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 4, 10, 30)), tick=False) as traveller:
        yield traveller


def test_marking_a_pupil_with_records_as_left_starts_the_checklist(term_time, dsl, deputy, case, pupil):
    transfer = services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 4))
    pupil.refresh_from_db()
    assert pupil.left_on == date(2026, 11, 4)
    assert transfer.status == TransferStatus.TO_SEND
    assert transfer.due_on == date(2026, 11, 11)
    # The other lead is told (never the child's name); the DSL who did it is not.
    note = Notification.objects.get(kind="transfer_to_send")
    assert note.recipient == deputy
    assert pupil.first_name not in note.title and pupil.last_name not in note.title
    assert AuditEvent.objects.filter(action="desk.pupil.marked_left").exists()
    assert AuditEvent.objects.filter(action="desk.transfer.started").exists()


def test_a_pupil_with_nothing_on_record_leaves_with_nothing_to_send(term_time, dsl, school):
    quiet = PupilFactory(school=school)
    assert services.pupil_mark_left(actor=dsl, pupil=quiet, left_on=date(2026, 11, 4)) is None
    assert not FileTransfer.objects.exists()
    quiet.refresh_from_db()
    assert quiet.left_on == date(2026, 11, 4)


def test_marking_left_twice_is_refused_with_the_date(term_time, dsl, case, pupil):
    services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 4))
    with pytest.raises(ValidationError, match="already marked as left, on 4 November 2026"):
        services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 5))


def test_pastoral_staff_cannot_mark_a_pupil_as_left(term_time, pastoral, case, pupil):
    with pytest.raises(ValidationError, match="Only the school's DSL"):
        services.pupil_mark_left(actor=pastoral, pupil=pupil, left_on=date(2026, 11, 4))
    pupil.refresh_from_db()
    assert pupil.left_on is None


# --- Where the child is going ---------------------------------------------------------------------


def _left(dsl, pupil) -> FileTransfer:
    return services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 4))


def test_a_transfer_to_the_same_school_is_refused(term_time, dsl, case, pupil, school):
    transfer = _left(dsl, pupil)
    where = services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=school)
    with pytest.raises(ValidationError) as raised:
        services.transfer_destination_set(actor=dsl, transfer=transfer, where=where)
    assert "That is this school" in str(raised.value)
    transfer.refresh_from_db()
    assert transfer.route == ""


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (services.Destination(route="carrier-pigeon"), "route"),
        (services.Destination(route=TransferRoute.THIS_SAFEGUARD), "receiving_school"),
        (services.Destination(route=TransferRoute.OTHER_SAFEGUARD, receiving_school_urn="12"), "receiving_school_urn"),
        (services.Destination(route=TransferRoute.LINK, receiving_school_name="Far Away School"), "receiving_dsl_email"),
        (services.Destination(route=TransferRoute.IN_PERSON), "receiving_school_name"),
    ],
)
def test_each_route_says_what_it_is_missing(term_time, dsl, case, pupil, where, field):
    transfer = _left(dsl, pupil)
    assert field in services.destination_errors(transfer, where)


def test_the_confirmed_roll_date_moves_the_deadline(term_time, dsl, case, pupil, receiving):
    transfer = _left(dsl, pupil)
    where = services.Destination(
        route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving, on_roll_confirmed_on=date(2026, 11, 9)
    )
    transfer = services.transfer_destination_set(actor=dsl, transfer=transfer, where=where)
    assert transfer.due_on == date(2026, 11, 16)
    assert transfer.receiving_school_name == "Riverside Test High"


# --- Sending to a school on this Safeguard, and its answer ------------------------------------------


def _sent(dsl, pupil, receiving, case, **send) -> FileTransfer:
    transfer = _left(dsl, pupil)
    services.transfer_destination_set(
        actor=dsl, transfer=transfer, where=services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving)
    )
    return services.transfer_send(
        actor=dsl, transfer=transfer, case_ids=[case.pk], include_concerns=True, note="Call me about her.", **send
    ).transfer


def test_sending_keeps_the_pdf_and_alerts_the_receiving_dsls_at_once(term_time, dsl, case, pupil, receiving, receiving_dsl):
    transfer = _sent(dsl, pupil, receiving, case)
    assert transfer.status == TransferStatus.SENT
    assert transfer.document.read(5) == b"%PDF-"
    assert len(transfer.document_sha256) == 64
    assert list(transfer.cases.values_list("pk", flat=True)) == [case.pk]
    received = ReceivedFile.objects.get(transfer=transfer)
    assert received.school == receiving and received.status == ReceivedStatus.PENDING
    assert received.note_from_sender == "Call me about her."
    note = Notification.objects.get(kind="transfer_arrived", recipient=receiving_dsl)
    assert pupil.last_name not in note.title
    assert AuditEvent.objects.filter(action="desk.transfer.sent", school_id=transfer.school_id).exists()


def test_nothing_chosen_is_refused_and_nothing_is_sent(term_time, dsl, case, pupil, receiving):
    transfer = _left(dsl, pupil)
    services.transfer_destination_set(
        actor=dsl, transfer=transfer, where=services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving)
    )
    with pytest.raises(ValidationError, match="Nothing is chosen to send"):
        services.transfer_send(actor=dsl, transfer=transfer, case_ids=[], include_concerns=False)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.TO_SEND and not transfer.document
    assert not ReceivedFile.objects.exists()


def test_another_schools_case_cannot_be_slipped_into_the_file(term_time, dsl, case, pupil, receiving, other_case):
    transfer = _left(dsl, pupil)
    services.transfer_destination_set(
        actor=dsl, transfer=transfer, where=services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving)
    )
    with pytest.raises(ValidationError, match="not this pupil's"):
        services.transfer_send(actor=dsl, transfer=transfer, case_ids=[case.pk, other_case.pk], include_concerns=True)


def test_naming_the_other_children_needs_a_reason(term_time, dsl, case, pupil, receiving):
    transfer = _left(dsl, pupil)
    services.transfer_destination_set(
        actor=dsl, transfer=transfer, where=services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving)
    )
    with pytest.raises(ValidationError, match="Say why the other children are named"):
        services.transfer_send(actor=dsl, transfer=transfer, case_ids=[case.pk], include_concerns=True, name_others=True)


def test_opening_moves_it_to_viewed_and_the_sender_sees_it(term_time, dsl, case, pupil, receiving, receiving_dsl, login):
    transfer = _sent(dsl, pupil, receiving, case)
    received = ReceivedFile.objects.get(transfer=transfer)
    page = login(receiving_dsl).get(reverse("received_detail", args=[received.pk]))
    assert page.status_code == 200
    received.refresh_from_db()
    transfer.refresh_from_db()
    assert received.status == ReceivedStatus.VIEWED and received.viewed_by == receiving_dsl
    assert transfer.status == TransferStatus.VIEWED and transfer.viewed_at is not None


def test_accepting_joins_the_pupil_record_and_the_sender_sees_who_and_when(
    term_time, dsl, case, pupil, receiving, receiving_dsl, receiving_pupil, login
):
    transfer = _sent(dsl, pupil, receiving, case)
    received = ReceivedFile.objects.get(transfer=transfer)
    client = login(receiving_dsl)
    client.get(reverse("received_detail", args=[received.pk]))
    # Not ticked: refused, nothing changes.
    refused = client.post(reverse("received_accept", args=[received.pk]), {"pupil": receiving_pupil.pk})
    assert refused.status_code == 400
    assert "Tick to confirm" in refused.content.decode()
    answer = client.post(reverse("received_accept", args=[received.pk]), {"pupil": receiving_pupil.pk, "confirmed": "on"})
    assert answer.status_code == 302
    received.refresh_from_db()
    transfer.refresh_from_db()
    assert received.status == ReceivedStatus.ACCEPTED and received.pupil == receiving_pupil
    assert transfer.status == TransferStatus.ACCEPTED
    assert transfer.accepted_by_name == "Rae Receiver"
    assert transfer.accepted_by_role == "Designated Safeguarding Lead, Riverside Test High"
    # The receiving school's pupil page lists it, read-only, from the previous school.
    page = client.get(reverse("pupil_detail", args=[receiving_pupil.pk])).content.decode()
    assert "From the previous school" in page and "Hillside Test Academy" in page
    # The sending school's record shows the receipt.
    sender_page = login(dsl).get(reverse("transfer_detail", args=[transfer.pk])).content.decode()
    assert "Confirmed by Rae Receiver" in sender_page
    assert Notification.objects.filter(kind="transfer_receipt", recipient=dsl).exists()
    assert AuditEvent.objects.filter(action="desk.received_file.accepted").exists()


def test_a_file_with_no_upn_match_asks_which_pupil(term_time, dsl, case, pupil, receiving, receiving_dsl):
    transfer = _sent(dsl, pupil, receiving, case)
    received = ReceivedFile.objects.get(transfer=transfer)
    with pytest.raises(ValidationError, match="Choose the pupil on your roll"):
        services.received_accept(actor=receiving_dsl, received=received, pupil=None, confirmed=True)
    other = PupilFactory(school=receiving)
    services.received_accept(actor=receiving_dsl, received=received, pupil=other, confirmed=True)
    received.refresh_from_db()
    assert received.pupil == other


def test_a_pupil_of_another_school_cannot_be_chosen(term_time, dsl, case, pupil, receiving, receiving_dsl):
    transfer = _sent(dsl, pupil, receiving, case)
    received = ReceivedFile.objects.get(transfer=transfer)
    with pytest.raises(ValidationError, match="Choose a pupil of your school"):
        services.received_accept(actor=receiving_dsl, received=received, pupil=pupil, confirmed=True)


def test_a_declined_file_tells_the_sender_and_stays_open_to_send_again(
    term_time, dsl, deputy, case, pupil, receiving, receiving_dsl, receiving_pupil
):
    transfer = _sent(dsl, pupil, receiving, case)
    received = ReceivedFile.objects.get(transfer=transfer)
    with pytest.raises(ValidationError, match="Say why you are declining"):
        services.received_decline(actor=receiving_dsl, received=received, reason="  ")
    services.received_decline(actor=receiving_dsl, received=received, reason="This child is not on our roll.")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DECLINED and transfer.is_open
    assert transfer.declined_reason == "This child is not on our roll."
    assert Notification.objects.filter(kind="transfer_declined", recipient=dsl).exists()
    # Sent again, it is a new copy at the receiving school; the declined one keeps its reason.
    again = services.transfer_send(actor=dsl, transfer=transfer, case_ids=[case.pk], include_concerns=True).transfer
    assert again.status == TransferStatus.SENT
    assert ReceivedFile.objects.filter(transfer=transfer).count() == 2
    assert ReceivedFile.objects.filter(transfer=transfer, status=ReceivedStatus.DECLINED).count() == 1


def test_a_sent_file_cannot_be_called_off(term_time, dsl, case, pupil, receiving):
    transfer = _sent(dsl, pupil, receiving, case)
    with pytest.raises(ValidationError, match="cannot be called off"):
        services.transfer_cancel(actor=dsl, transfer=transfer, reason="Changed my mind")


def test_calling_off_needs_a_reason_and_keeps_the_row(term_time, dsl, case, pupil):
    transfer = _left(dsl, pupil)
    with pytest.raises(ValidationError):
        services.transfer_cancel(actor=dsl, transfer=transfer, reason="")
    services.transfer_cancel(actor=dsl, transfer=transfer, reason="The family stayed after all.")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED and transfer.cancelled_reason == "The family stayed after all."


# --- Reminders ------------------------------------------------------------------------------------


def test_reminders_when_due_when_overdue_and_when_no_receipt_came_each_once(dsl, deputy, case, pupil, receiving):
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 4, 10, 30)), tick=False):
        unsent = _left(dsl, pupil)
    assert unsent.due_on == date(2026, 11, 11)
    assert services.transfer_reminders_sweep(today=date(2026, 11, 10)) == {"due": 0, "overdue": 0, "no_receipt": 0}
    assert services.transfer_reminders_sweep(today=date(2026, 11, 11))["due"] == 1
    assert services.transfer_reminders_sweep(today=date(2026, 11, 11))["due"] == 0  # once
    assert services.transfer_reminders_sweep(today=date(2026, 11, 12))["overdue"] == 1
    assert services.transfer_reminders_sweep(today=date(2026, 11, 13))["overdue"] == 0
    assert services.transfer_reminders_sweep(today=date(2026, 11, 19))["overdue"] == 1  # a week later, again
    titles = list(Notification.objects.filter(kind="transfer_due", recipient=dsl).values_list("title", flat=True))
    assert any("overdue" in t for t in titles) and any("due today" in t for t in titles)
    assert all(pupil.last_name not in t for t in titles)
    # Sent on the 19th: no receipt by the fifth school day after, the 26th, is chased once.
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 19, 11, 0)), tick=False):
        services.transfer_destination_set(
            actor=dsl, transfer=unsent, where=services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving)
        )
        services.transfer_send(actor=dsl, transfer=unsent, case_ids=[case.pk], include_concerns=True)
    assert services.transfer_reminders_sweep(today=date(2026, 11, 25))["no_receipt"] == 0
    assert services.transfer_reminders_sweep(today=date(2026, 11, 26))["no_receipt"] == 1
    assert services.transfer_reminders_sweep(today=date(2026, 11, 27))["no_receipt"] == 0
    assert Notification.objects.filter(kind="transfer_no_receipt", recipient=deputy).count() == 1


# --- The home page, the list, the reports -----------------------------------------------------------


def test_the_home_page_shows_files_due_and_overdue(term_time, dsl, case, pupil, login):
    _left(dsl, pupil)
    page = login(dsl).get(reverse("home")).content.decode()
    assert "Children's files" in page and "the file is due by 11 Nov 2026" in page and "due in 5 school days" in page
    term_time.move_to(timezone.make_aware(datetime(2026, 11, 13, 10, 0)))
    page = login(dsl).get(reverse("home")).content.decode()
    assert "overdue by 2 school days" in page


def test_the_home_page_shows_files_arrived(term_time, dsl, case, pupil, receiving, receiving_dsl, login):
    _sent(dsl, pupil, receiving, case)
    page = login(receiving_dsl).get(reverse("home")).content.decode()
    assert "A file from Hillside Test Academy" in page


def test_the_reports_count_files_sent_on_time(term_time, dsl, head, case, pupil, receiving, login):
    _sent(dsl, pupil, receiving, case)
    page = login(head).get(reverse("reports"), {"start": "2026-09-01", "end": "2026-12-31"}).content.decode()
    assert 'id="files-sent">1<' in page
    assert 'id="files-on-time">1 of 1<' in page


# --- The pages, through the gateway ---------------------------------------------------------------


def test_the_whole_journey_over_http(term_time, dsl, case, pupil, receiving, receiving_dsl, receiving_pupil, login):
    client = login(dsl)
    assert "Mark Ava as leaving the school" in client.get(reverse("pupil_detail", args=[pupil.pk])).content.decode()
    answer = client.post(reverse("pupil_leave", args=[pupil.pk]), {"left_on": "2026-11-04"})
    transfer = FileTransfer.objects.get(pupil=pupil)
    assert answer.status_code == 302 and answer["Location"] == reverse("transfer_detail", args=[transfer.pk])
    page = client.get(answer["Location"]).content.decode()
    assert "Where is this child going?" in page and "11 Nov 2026" in page
    bad = client.post(reverse("transfer_destination", args=[transfer.pk]), {"route": "this", "move": "in_year"})
    assert bad.status_code == 400 and "Choose the new school." in bad.content.decode()
    good = client.post(
        reverse("transfer_destination", args=[transfer.pk]),
        {"route": "this", "move": "in_year", "receiving_school": receiving.pk},
    )
    assert good.status_code == 302
    sent = client.post(
        reverse("transfer_send", args=[transfer.pk]), {"cases": [case.pk], "include_concerns": "on", "note": "Ring me."}
    )
    assert sent.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    pdf = client.get(reverse("transfer_document", args=[transfer.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and "no-store" in pdf["Cache-Control"]
    assert AuditEvent.objects.filter(action="desk.transfer.document_downloaded").exists()
    received = ReceivedFile.objects.get(transfer=transfer)
    other = login(receiving_dsl)
    assert other.get(reverse("transfer_list")).status_code == 200
    other.post(reverse("received_accept", args=[received.pk]), {"pupil": receiving_pupil.pk, "confirmed": "on"})
    listing = client.get(reverse("transfer_list")).content.decode()
    assert "received by Rae Receiver at Riverside Test High" in listing


@pytest.mark.parametrize("persona", ["pastoral", "head", "it_admin", "staff_member", "other_dsl"])
def test_only_the_sending_schools_leads_reach_a_transfer(term_time, dsl, case, pupil, personas, persona, login):
    transfer = _left(dsl, pupil)
    client = login(personas[persona])
    for name in ("transfer_detail", "transfer_document"):
        assert client.get(reverse(name, args=[transfer.pk])).status_code == 404
    for name in ("transfer_destination", "transfer_send", "transfer_cancel"):
        assert client.post(reverse(name, args=[transfer.pk]), {"reason": "x", "route": "in_person"}).status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.TO_SEND and transfer.route == ""
    assert client.post(reverse("pupil_leave", args=[pupil.pk]), {"left_on": "2026-11-04"}).status_code == 404
    assert AuditEvent.objects.filter(action="desk.transfer.access_refused").exists()


def test_the_sending_school_cannot_open_or_answer_the_receiving_copy(
    term_time, dsl, case, pupil, receiving, receiving_pupil, login
):
    transfer = _sent(dsl, pupil, receiving, case)
    received = ReceivedFile.objects.get(transfer=transfer)
    client = login(dsl)
    assert client.get(reverse("received_detail", args=[received.pk])).status_code == 404
    assert (
        client.post(reverse("received_accept", args=[received.pk]), {"pupil": receiving_pupil.pk, "confirmed": "on"}).status_code
        == 404
    )
    received.refresh_from_db()
    assert received.status == ReceivedStatus.PENDING


def test_wrong_methods_are_refused(term_time, dsl, case, pupil, login):
    transfer = _left(dsl, pupil)
    client = login(dsl)
    assert client.get(reverse("transfer_send", args=[transfer.pk])).status_code == 405
    assert client.post(reverse("transfer_detail", args=[transfer.pk])).status_code == 405


def test_a_file_sent_after_the_due_date_counts_as_late(dsl, case, pupil, receiving):
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 4, 10, 30)), tick=False):
        transfer = _left(dsl, pupil)
    with time_machine.travel(timezone.make_aware(datetime.combine(date(2026, 11, 12), time(9))), tick=False):
        services.transfer_destination_set(
            actor=dsl,
            transfer=transfer,
            where=services.Destination(route=TransferRoute.THIS_SAFEGUARD, receiving_school=receiving),
        )
        services.transfer_send(actor=dsl, transfer=transfer, case_ids=[case.pk], include_concerns=True)
    transfer.refresh_from_db()
    assert transfer.made_on_time is False


def test_pupil_left_on_is_kept_never_deleted(term_time, dsl, case, pupil):
    _left(dsl, pupil)
    assert Pupil.objects.filter(pk=pupil.pk, left_on=date(2026, 11, 4)).exists()


def test_make_case_helper_still_builds_cases_for_left_pupils(term_time, dsl, school, case, pupil):
    # A pupil who has left can still be named in a new case (a disclosure about events before they left).
    _left(dsl, pupil)
    assert make_case(actor=dsl, school=school, pupils=[pupil]).pk
