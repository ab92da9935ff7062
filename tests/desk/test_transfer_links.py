"""A child's file for a school without Safeguard (issue 18, part 4): a link emailed to the new
school's DSL (no child's name, no code), opened only with the one-time code given by phone, valid
for 7 days; every wrong code counted, locked after 5 with the sending DSLs told; every download
audited; receipt by name and role, and the link dies. Over the test client, as the people do it."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import FileTransfer, TransferRoute, TransferStatus
from desk.transfers import links, services, views_links
from safeguard.models import AuditEvent, Notification
from tests.factories import staff

NEW_SCHOOL_DSL = "dsl@farmoor.example"


@pytest.fixture
def term_time():
    """Wednesday 4 November 2026, 10:30: term time, no bank holiday within a fortnight."""
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 4, 10, 30)), tick=False) as traveller:
        yield traveller


def _to_a_link(dsl, pupil) -> FileTransfer:
    transfer = services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=date(2026, 11, 4))
    return services.transfer_destination_set(
        actor=dsl,
        transfer=transfer,
        where=services.Destination(
            route=TransferRoute.LINK,
            receiving_school_name="Farmoor Test School",
            receiving_dsl_name="Fran Farmoor",
            receiving_dsl_email=NEW_SCHOOL_DSL,
        ),
    )


def _send(client, transfer, case, capture) -> tuple[str, str]:
    """The DSL sends the file by a link: the code shown once on the page, and the link from the email."""
    before = len(mail.outbox)
    with capture(execute=True):
        response = client.post(reverse("transfer_send", args=[transfer.pk]), {"cases": [case.pk], "include_concerns": "on"})
    assert response.status_code == 200, response.content[:500]
    code = re.search(r'id="link-code">([\d ]+)<', response.content.decode()).group(1).strip()
    assert len(mail.outbox) == before + 1
    return code, _link_in(mail.outbox[-1])


def _link_in(email) -> str:
    return re.search(r"(http\S+/file/\S+/)", email.body).group(1)


def _path(link: str) -> str:
    return urlsplit(link).path


def _token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def _no_child(text: str, pupil) -> None:
    assert pupil.first_name not in text and pupil.last_name not in text, "the child is named"
    assert pupil.upn not in text


@pytest.fixture
def sent(term_time, dsl, deputy, case, pupil, login, django_capture_on_commit_callbacks):
    transfer = _to_a_link(dsl, pupil)
    code, link = _send(login(dsl), transfer, case, django_capture_on_commit_callbacks)
    transfer.refresh_from_db()
    return transfer, code, link


def test_the_whole_link_journey(term_time, dsl, deputy, case, pupil, login, django_capture_on_commit_callbacks, sent):
    transfer, code, link = sent
    sender = login(dsl)
    assert transfer.status == TransferStatus.SENT
    assert transfer.link_expires_at == timezone.now() + timedelta(days=7)

    # The email: to the new school's DSL, naming the sending school; no child, no code.
    email = mail.outbox[-1]
    assert email.to == [NEW_SCHOOL_DSL]
    assert "Hillside Test Academy" in email.subject + email.body
    _no_child(email.subject + email.body, pupil)
    assert code.replace(" ", "") not in email.body.replace(" ", "") and code not in email.body
    assert "by phone" in email.body

    # The recipient opens it: the code first, and nothing about the child.
    recipient = Client()
    page = recipient.get(_path(link))
    assert page.status_code == 200
    assert "enter the code" in page.content.decode().lower()
    _no_child(page.content.decode(), pupil)
    assert page["Cache-Control"].startswith("no-store")
    assert recipient.get(_path(link) + "download/").status_code == 302  # not before the code

    # Four wrong codes: each refused and counted, with the tries left.
    for attempt in range(1, 5):
        wrong = recipient.post(_path(link), {"code": "0000 0000 000" + str(attempt)})
        assert wrong.status_code == 400
        assert f"{5 - attempt} more tr" in wrong.content.decode()
        transfer.refresh_from_db()
        assert transfer.link_failed_attempts == attempt
    assert AuditEvent.objects.filter(action="desk.transfer_link.code_refused").count() == 4
    assert not Notification.objects.filter(kind="transfer_link_locked").exists()

    # The fifth locks the link, and the sending DSLs are told (once, and never the child's name).
    locked = recipient.post(_path(link), {"code": "9999 9999 9999"})
    assert locked.status_code == 403 and "This link is locked" in locked.content.decode()
    _no_child(locked.content.decode(), pupil)
    transfer.refresh_from_db()
    assert transfer.link_locked_at is not None
    told = Notification.objects.filter(kind="transfer_link_locked")
    assert {n.recipient for n in told} == {dsl, deputy}
    for note in told:
        _no_child(note.title, pupil)
    assert AuditEvent.objects.filter(action="desk.transfer_link.locked").count() == 1
    # Even the right code does nothing now, and no more alerts go.
    assert recipient.post(_path(link), {"code": code}).status_code == 403
    assert Notification.objects.filter(kind="transfer_link_locked").count() == 2

    # The sending DSL sees it on the transfer's page, and sends a new link and code.
    transfer_page = sender.get(reverse("transfer_detail", args=[transfer.pk]))
    assert transfer_page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        again = sender.post(reverse("transfer_link_reissue", args=[transfer.pk]))
    assert again.status_code == 200
    new_code = re.search(r'id="link-code">([\d ]+)<', again.content.decode()).group(1).strip()
    new_link = _link_in(mail.outbox[-1])
    assert new_link != link
    _no_child(mail.outbox[-1].body, pupil)
    assert new_code.replace(" ", "") not in mail.outbox[-1].body.replace(" ", "")
    assert AuditEvent.objects.filter(action="desk.transfer_link.reissued").count() == 1
    assert not Notification.objects.filter(kind="transfer_link_locked", cleared_at__isnull=True).exists()
    # The old link is dead.
    assert recipient.get(_path(link)).status_code == 404

    # The right code opens it; the file's page, then the download (audited each time).
    opened = recipient.post(_path(new_link), {"code": new_code.replace(" ", "-")})
    assert opened.status_code == 302
    page = recipient.get(_path(new_link))
    assert page.status_code == 200 and "Download the file" in page.content.decode()
    _no_child(page.content.decode(), pupil)
    for times in (1, 2):
        download = recipient.get(_path(new_link) + "download/")
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"].startswith("attachment")
        assert "no-store" in download["Cache-Control"]
        assert b"".join(download.streaming_content).startswith(b"%PDF-")
        assert AuditEvent.objects.filter(action="desk.transfer_link.downloaded").count() == times
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.VIEWED and transfer.viewed_at is not None

    # Another browser with the link but not the code gets nothing.
    assert Client().get(_path(new_link) + "download/").status_code == 302

    # Receipt: their name and role are needed; then the transfer is done and the link dies.
    missing = recipient.post(_path(new_link) + "confirm/", {"name": "", "role": ""})
    assert missing.status_code == 400 and links.NAME_REQUIRED in missing.content.decode().replace("&#x27;", "'")
    done = recipient.post(_path(new_link) + "confirm/", {"name": "Fran Farmoor", "role": "DSL, Farmoor Test School"})
    assert done.status_code == 200 and "receipt confirmed" in done.content.decode().lower()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert (transfer.accepted_by_name, transfer.accepted_by_role) == ("Fran Farmoor", "DSL, Farmoor Test School")
    assert transfer.link_ended_at is not None
    receipt = AuditEvent.objects.get(action="desk.transfer.receipt_confirmed")
    assert receipt.extra["how"] == "link"
    assert Notification.objects.filter(kind="transfer_receipt", recipient=dsl).exists()

    ended = recipient.get(_path(new_link))
    assert ended.status_code == 410 and "This link has ended" in ended.content.decode()
    assert recipient.get(_path(new_link) + "download/").status_code == 410
    assert recipient.post(_path(new_link), {"code": new_code}).status_code == 410
    # No new link for a file whose receipt is confirmed.
    assert sender.post(reverse("transfer_link_reissue", args=[transfer.pk])).status_code == 302
    assert AuditEvent.objects.filter(action="desk.transfer_link.reissued").count() == 1


def test_the_token_and_the_code_are_never_stored_in_clear(sent):
    transfer, code, link = sent
    token = _token(link)
    row = FileTransfer.objects.filter(pk=transfer.pk).values().get()
    stored = " ".join(str(value) for value in row.values())
    assert token not in stored
    assert code.replace(" ", "") not in stored.replace(" ", "") and code not in stored
    assert row["link_token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert check_password(code.replace(" ", ""), row["link_code_hash"])
    # Nor in the audit log.
    for event in AuditEvent.objects.all():
        text = str(event.extra)
        assert token not in text and code.replace(" ", "") not in text.replace(" ", "")


def test_the_link_expires_after_seven_days(sent, term_time, pupil):
    transfer, code, link = sent
    term_time.move_to(timezone.now() + timedelta(days=7) - timedelta(minutes=1))
    assert Client().get(_path(link)).status_code == 200
    term_time.move_to(timezone.now() + timedelta(minutes=2))
    expired = Client().get(_path(link))
    assert expired.status_code == 410
    text = expired.content.decode()
    assert "This link has expired" in text and "ask the school that sent it for a new link" in text.lower()
    _no_child(text, pupil)
    # The right code does nothing after expiry, and the refusal is on record.
    assert Client().post(_path(link), {"code": code}).status_code == 410
    assert AuditEvent.objects.filter(action="desk.transfer_link.refused", extra__reason="expired").exists()


def test_an_unlocked_browser_loses_the_file_when_the_link_expires(sent, term_time):
    transfer, code, link = sent
    recipient = Client()
    assert recipient.post(_path(link), {"code": code}).status_code == 302
    term_time.move_to(timezone.now() + timedelta(days=8))
    assert recipient.get(_path(link) + "download/").status_code == 410


def test_the_unlocked_flag_is_for_one_link_only(
    term_time, dsl, case, pupil, school, login, django_capture_on_commit_callbacks, sent
):
    from tests.factories import PupilFactory, make_case

    transfer, code, link = sent
    other_pupil = PupilFactory(school=school)
    other_case = make_case(actor=dsl, school=school, pupils=[other_pupil])
    _other_code, other_link = _send(login(dsl), _to_a_link(dsl, other_pupil), other_case, django_capture_on_commit_callbacks)
    browser = Client()
    assert browser.post(_path(link), {"code": code}).status_code == 302
    assert browser.get(_path(link) + "download/").status_code == 200
    assert browser.get(_path(other_link) + "download/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_wrong_code_counts_although_the_request_then_fails(monkeypatch, school, dsl, case, pupil):
    """The count and its audit row are committed before the page is made: a request that fails
    afterwards (here, the page itself) still counts the try."""
    transfer = _to_a_link(dsl, pupil)
    with time_machine.travel(timezone.now(), tick=True):
        services.transfer_send(actor=dsl, transfer=transfer, case_ids=[case.pk], include_concerns=True)
    transfer.refresh_from_db()
    token = links.new_token()
    FileTransfer.objects.filter(pk=transfer.pk).update(link_token_hash=links.token_hash(token))

    def broken(*args, **kwargs):
        raise RuntimeError("the page could not be made")

    monkeypatch.setattr(views_links, "render", broken)
    with pytest.raises(RuntimeError):
        Client().post(reverse("transfer_link", args=[token]), {"code": "1111 2222 3333"})
    transfer.refresh_from_db()
    assert transfer.link_failed_attempts == 1
    assert AuditEvent.objects.filter(action="desk.transfer_link.code_refused").count() == 1


def test_a_link_that_is_no_link_opens_nothing_and_names_nothing(db):
    for token in ("nothing-here", "x" * 500, "%00"):
        response = Client().get(reverse("transfer_link", args=[token]))
        assert response.status_code == 404
        assert "This link does not open anything" in response.content.decode()
    with pytest.raises(links.LinkRefused):
        links.link_open("")


def test_the_code_is_easy_to_read_out_and_forgiving_to_type():
    code = links.new_code()
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", code)
    assert links.code_digits(" 1234-5678 9012 ") == "123456789012"


def test_receipt_needs_the_file_downloaded_first(sent):
    transfer, code, link = sent
    recipient = Client()
    recipient.post(_path(link), {"code": code})
    early = recipient.post(_path(link) + "confirm/", {"name": "Fran Farmoor", "role": "DSL"})
    assert early.status_code == 400 and "Download the file first" in early.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


# --- The attacker's path ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["other_dsl", "pastoral", "head", "it_admin", "staff_member"])
def test_only_the_sending_schools_leads_send_a_new_link(sent, personas, persona, login):
    transfer, _code, _link = sent
    before = transfer.link_token_hash
    response = login(personas[persona]).post(reverse("transfer_link_reissue", args=[transfer.pk]))
    assert response.status_code == 404
    transfer.refresh_from_db()
    assert transfer.link_token_hash == before


def test_a_new_link_needs_a_login_and_a_post(sent, login, dsl):
    transfer, _code, _link = sent
    anonymous = Client().post(reverse("transfer_link_reissue", args=[transfer.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert login(dsl).get(reverse("transfer_link_reissue", args=[transfer.pk])).status_code == 405
    transfer_before = transfer.link_token_hash
    transfer.refresh_from_db()
    assert transfer.link_token_hash == transfer_before


def test_the_recipients_pages_refuse_the_wrong_method(sent):
    transfer, code, link = sent
    browser = Client()
    browser.post(_path(link), {"code": code})
    assert browser.post(_path(link) + "download/").status_code == 405
    assert browser.get(_path(link) + "confirm/").status_code == 405
    assert browser.put(_path(link)).status_code == 405


def test_a_deputy_may_send_a_new_link(sent, deputy, login, django_capture_on_commit_callbacks):
    transfer, _code, link = sent
    with django_capture_on_commit_callbacks(execute=True):
        response = login(deputy).post(reverse("transfer_link_reissue", args=[transfer.pk]))
    assert response.status_code == 200
    assert Client().get(_path(link)).status_code == 404


def test_a_lead_of_another_school_on_this_safeguard_cannot_use_a_leads_power_on_it(sent, trust, login):
    """A DSL elsewhere with a login is, on the link's page, just someone holding a link: the code is
    still needed."""
    from tests.factories import SchoolFactory

    elsewhere = staff(SchoolFactory(trust=trust, code="ELS"), "dsl", email="dsl@elsewhere.example")
    _transfer, _code, link = sent
    assert login(elsewhere).get(_path(link) + "download/").status_code == 302


def test_the_transfer_page_shows_the_links_state_and_offers_a_new_one(sent, term_time):
    """What the link route adds to the sending DSL's transfer page (``page_extras``), in each state."""
    from django.template.loader import render_to_string

    from desk.transfers.page_extras import link_and_paper_extras

    transfer, _code, _link = sent

    def shown() -> str:
        transfer.refresh_from_db()
        extras = link_and_paper_extras(transfer)
        assert extras["route_templates"] == ["desk/transfers/_link_status.html"]
        return render_to_string(extras["route_templates"][0], {"transfer": transfer, **extras})

    assert "it works until" in shown() and "Send a new link and code" in shown()
    FileTransfer.objects.filter(pk=transfer.pk).update(link_locked_at=timezone.now(), link_failed_attempts=5)
    assert "Locked" in shown() and "data protection officer" in shown()
    FileTransfer.objects.filter(pk=transfer.pk).update(link_locked_at=None, link_expires_at=timezone.now())
    assert "Expired" in shown() and "Send a new link and code" in shown()
    FileTransfer.objects.filter(pk=transfer.pk).update(link_ended_at=timezone.now(), status=TransferStatus.ACCEPTED)
    assert "The link ended" in shown() and "Send a new link" not in shown()


def test_the_links_token_is_not_written_to_the_log(sent, caplog):
    _transfer, _code, link = sent
    with caplog.at_level("INFO"):
        assert Client().post(_path(link), {"code": "1111 1111 1111"}).status_code == 400
    assert _token(link) not in caplog.text
    assert "answered 400" in caplog.text
