"""A child's file to a school on another Safeguard (issue 18, part 3): the bundle, the receipt,
the inbox, the answers, the pages, and two real instances on loopback end to end."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from cases.models import FileTransfer, PeerInstance, ReceivedFile, TransferInboxRefusal
from desk.transfers import bundle, keys, remote
from desk.transfers.bundle import BundleRefused, ReceiptRefused, b64, instance_id_of
from safeguard.models import AuditEvent
from tests.factories import PupilFactory, SchoolFactory, make_case, staff

PDF = b"%PDF-1.7\n% a test document\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[2]


class Side:
    """One instance's keys, as the pure functions see them."""

    def __init__(self):
        self.signing = SigningKey.generate()
        self.private = PrivateKey.generate()
        self.verify_b64 = b64(bytes(self.signing.verify_key))
        self.instance = instance_id_of(self.verify_b64)


def _seal(sender: Side, recipient: Side, **overrides) -> bytes:
    args = {
        "records": {"format": "x", "cases": []},
        "pdf": PDF,
        "attachments": [("letter.pdf", PDF)],
        "cover": {"pupil_name": "Ava Testchild", "pupil_upn": "A123"},
        "sender_signing_key": sender.signing,
        "recipient_public_key": recipient.private.public_key,
        "bundle_id": str(uuid.uuid4()),
        "to_instance": recipient.instance,
        "to_urn": "200002",
        "from_instance": sender.instance,
        "from_urn": "100001",
        "created_at": timezone.now(),
    }
    args.update(overrides)
    return bundle.seal_bundle(**args)


def _open(data: bytes, sender: Side, recipient: Side, **overrides):
    args = {
        "recipient_private_key": recipient.private,
        "known_senders": {sender.verify_b64: "peer"},
        "this_instance": recipient.instance,
        "this_urns": {"200002"},
    }
    args.update(overrides)
    return bundle.open_bundle(data, **args)


def _refusal(excinfo) -> str:
    return excinfo.value.reason


# --- The bundle (pure) -----------------------------------------------------------------------------


def test_bundle_round_trip_keeps_every_part_and_names_both_ends():
    a, b = Side(), Side()
    data = _seal(a, b)
    opened = _open(data, a, b)
    assert opened.pdf == PDF
    assert opened.records == {"format": "x", "cases": []}
    assert opened.attachments == [("letter.pdf", PDF)]
    assert opened.cover["pupil_name"] == "Ava Testchild"
    assert (opened.from_instance, opened.from_urn, opened.to_urn, opened.sender) == (a.instance, "100001", "200002", "peer")
    assert b"Ava" not in data and b"%PDF" not in data  # encrypted: nothing readable on the wire


def test_a_byte_altered_in_transit_is_refused():
    a, b = Side(), Side()
    data = bytearray(_seal(a, b))
    data[len(data) // 2] ^= 0x01
    with pytest.raises(BundleRefused) as excinfo:
        _open(bytes(data), a, b)
    assert _refusal(excinfo) == "not_decryptable"


def test_a_body_altered_and_re_encrypted_fails_the_signature():
    """Anyone can encrypt to us: the signature is what proves the contents are the sender's."""
    from nacl.public import SealedBox

    a, b = Side(), Side()
    signed = bytearray(SealedBox(b.private).decrypt(_seal(a, b)[len(bundle.MAGIC) :]))
    signed[-5] ^= 0x01  # a byte of the last part (the attachment)
    forged = bundle.MAGIC + SealedBox(b.private.public_key).encrypt(bytes(signed))
    with pytest.raises(BundleRefused) as excinfo:
        _open(forged, a, b)
    assert _refusal(excinfo) == "bad_signature"


def test_a_bundle_signed_by_an_unknown_key_is_refused():
    a, b, stranger = Side(), Side(), Side()
    with pytest.raises(BundleRefused) as excinfo:
        _open(_seal(stranger, b), a, b)
    assert _refusal(excinfo) == "unknown_sender"
    assert excinfo.value.sender_key == stranger.verify_b64


def test_a_bundle_claiming_a_known_senders_key_but_signed_by_another_is_refused():
    """A forger who names a known sender's verify key in the manifest but cannot sign with it."""
    from nacl.public import SealedBox

    a, b, forger = Side(), Side(), Side()
    data = _seal(forger, b)
    signed = SealedBox(b.private).decrypt(data[len(bundle.MAGIC) :])
    swapped = signed.replace(forger.verify_b64.encode(), a.verify_b64.encode()).replace(
        forger.instance.encode(), a.instance.encode()
    )
    forged = bundle.MAGIC + SealedBox(b.private.public_key).encrypt(swapped)
    with pytest.raises(BundleRefused) as excinfo:
        _open(forged, a, b)
    assert _refusal(excinfo) == "bad_signature"


def test_a_bundle_for_another_school_or_instance_is_misaddressed():
    a, b, c = Side(), Side(), Side()
    with pytest.raises(BundleRefused) as excinfo:
        _open(_seal(a, b, to_urn="999999"), a, b)
    assert _refusal(excinfo) == "misaddressed"
    # Decrypted by its rightful recipient c and re-encrypted to b: still names c inside the signature.
    from nacl.public import SealedBox

    for_c = _seal(a, c)
    signed = SealedBox(c.private).decrypt(for_c[len(bundle.MAGIC) :])
    redirected = bundle.MAGIC + SealedBox(b.private.public_key).encrypt(signed)
    with pytest.raises(BundleRefused) as excinfo:
        _open(redirected, a, b)
    assert _refusal(excinfo) == "misaddressed"


def test_a_bundle_encrypted_to_another_key_cannot_be_decrypted():
    a, b, c = Side(), Side(), Side()
    with pytest.raises(BundleRefused) as excinfo:
        _open(_seal(a, c), a, b)
    assert _refusal(excinfo) == "not_decryptable"


def test_an_oversized_or_foreign_file_is_refused_before_decrypting():
    a, b = Side(), Side()
    with pytest.raises(BundleRefused) as excinfo:
        _open(_seal(a, b), a, b, max_size=100)
    assert _refusal(excinfo) == "too_large"
    with pytest.raises(BundleRefused) as excinfo:
        _open(b"%PDF-1.7 not a bundle", a, b)
    assert _refusal(excinfo) == "malformed"


def test_an_acknowledgement_is_not_taken_as_a_bundle():
    a, b = Side(), Side()
    ack = bundle.seal_ack(
        ack={"status": "accepted"},
        sender_signing_key=a.signing,
        recipient_public_key=b.private.public_key,
        bundle_id=str(uuid.uuid4()),
        to_instance=b.instance,
        to_urn="200002",
        from_instance=a.instance,
        from_urn="100001",
        created_at=timezone.now(),
    )
    with pytest.raises(BundleRefused) as excinfo:
        _open(ack, a, b)
    assert _refusal(excinfo) == "malformed"
    opened = bundle.open_ack(ack, recipient_private_key=b.private, known_senders={a.verify_b64: 1}, this_instance=b.instance)
    assert opened.ack == {"status": "accepted"}


def test_the_signed_receipt_verifies_only_for_its_bundle_and_key():
    b = Side()
    bundle_id = str(uuid.uuid4())
    receipt = bundle.sign_receipt(
        signing_key=b.signing,
        bundle_id=bundle_id,
        received_at=timezone.now(),
        bundle_sha256="ab" * 32,
        to_urn="200002",
        to_instance=b.instance,
    )
    payload = bundle.verify_receipt(receipt, verify_key_b64=b.verify_b64, bundle_id=bundle_id, bundle_sha256="ab" * 32)
    assert payload["status"] == "received" and payload["to_urn"] == "200002"
    with pytest.raises(ReceiptRefused):
        bundle.verify_receipt(receipt, verify_key_b64=Side().verify_b64, bundle_id=bundle_id)
    with pytest.raises(ReceiptRefused):
        bundle.verify_receipt(receipt, verify_key_b64=b.verify_b64, bundle_id=str(uuid.uuid4()))
    with pytest.raises(ReceiptRefused):
        bundle.verify_receipt(receipt, verify_key_b64=b.verify_b64, bundle_id=bundle_id, bundle_sha256="cd" * 32)
    altered = {**receipt, "payload": receipt["payload"].replace("200002", "200003")}
    with pytest.raises(ReceiptRefused):
        bundle.verify_receipt(altered, verify_key_b64=b.verify_b64, bundle_id=bundle_id)


# --- Keys ------------------------------------------------------------------------------------------


def test_the_key_file_is_made_once_private_and_the_instance_id_is_stable(settings, tmp_path):
    settings.TRANSFER_KEY = None
    settings.TRANSFER_KEY_FILE = tmp_path / "transfer_key"
    first = keys.this_identity()
    assert (tmp_path / "transfer_key").stat().st_mode & 0o777 == 0o600
    keys._identity.cache_clear()
    again = keys.this_identity()
    assert again.instance_id == first.instance_id == instance_id_of(first.verify_key_b64)
    assert len(first.instance_id) == 16


def test_the_key_can_come_from_the_environment(settings, tmp_path):
    seed = keys.new_seed_text()
    settings.TRANSFER_KEY = seed.encode()
    settings.TRANSFER_KEY_FILE = tmp_path / "unused"
    one = keys.this_identity()
    assert not (tmp_path / "unused").exists()
    assert one.instance_id == keys.Identity.from_seed(bundle.unb64(seed)).instance_id
    assert bytes(one.signing_key) != bytes(one.private_key)  # two keys, derived apart


# --- The inbox and the answers (one instance, its own peers) --------------------------------------


@pytest.fixture
def here(db, settings):
    """This instance: a school with a URN and its DSL; ``far`` is another Safeguard it knows."""
    settings.BASE_URL = "http://127.0.0.1:8000"
    school = SchoolFactory(name="Near Academy", code="NEA", urn="200002")
    dsl = staff(school, "dsl", full_name="Nia Near", email="nia@near.example")
    far = Side()
    peer = PeerInstance.objects.create(
        name="Far Trust",
        instance_id=far.instance,
        inbox_url="http://127.0.0.1:9/transfers/inbox/",
        signing_key=far.verify_b64,
        encryption_key=b64(bytes(far.private.public_key)),
        added_by=dsl,
    )
    me = keys.this_identity()

    def seal_from_far(**overrides):
        args = {
            "sender_signing_key": far.signing,
            "recipient_public_key": me.public_key,
            "to_instance": me.instance_id,
            "from_instance": far.instance,
            "cover": {
                "pupil_name": "Ava Testchild",
                "pupil_upn": "A999000000001",
                "from_school_name": "Far School",
                "from_dsl_name": "Fay Far",
                "pupil_date_of_birth": "2011-05-01",
                "note": "Please call me.",
            },
        }
        args.update(overrides)
        return _seal(far, Side(), **args)

    return {"school": school, "dsl": dsl, "far": far, "peer": peer, "me": me, "seal": seal_from_far}


def _post(client, name: str, data: bytes, content_type="application/octet-stream"):
    return client.post(reverse(name), data=data, content_type=content_type)


def test_the_inbox_takes_a_bundle_alerts_the_dsls_and_answers_with_a_signed_receipt(here, client):
    pupil = PupilFactory(school=here["school"], upn="A999000000001")
    data = here["seal"]()
    response = _post(client, "transfer_inbox", data)
    assert response.status_code == 200
    received = ReceivedFile.objects.get()
    assert (received.source, received.status, received.school, received.pupil) == ("other", "pending", here["school"], pupil)
    assert (received.from_school_name, received.from_dsl_name, received.peer) == ("Far School", "Fay Far", here["peer"])
    assert received.document.read() == PDF
    payload = bundle.verify_receipt(response.json(), verify_key_b64=here["me"].verify_key_b64, bundle_id=str(received.bundle_id))
    assert payload["bundle_sha256"] == __import__("hashlib").sha256(data).hexdigest()
    assert AuditEvent.objects.filter(action="desk.received_file.arrived").exists()
    # The receiving school's DSL is alerted at once.
    assert here["dsl"].notifications.filter(kind="transfer_arrived").exists()


@pytest.mark.parametrize(
    ("make", "reason", "status"),
    [
        (lambda h: (lambda d: d[:-1] + bytes([d[-1] ^ 1]))(h["seal"]()), "not_decryptable", 400),
        (
            lambda h: _seal(Side(), Side(), recipient_public_key=h["me"].public_key, to_instance=h["me"].instance_id),
            "unknown_sender",
            403,
        ),
        (lambda h: h["seal"](to_urn="999999"), "misaddressed", 422),
        (lambda h: h["seal"](to_instance="0" * 16), "misaddressed", 422),
        (lambda h: b"hello", "malformed", 400),
    ],
    ids=["altered", "unknown_key", "wrong_school", "wrong_instance", "not_a_bundle"],
)
def test_the_inbox_refuses_and_records_a_bad_bundle(here, client, make, reason, status, caplog):
    response = _post(client, "transfer_inbox", make(here))
    assert (response.status_code, response.content.decode()) == (status, reason)
    row = TransferInboxRefusal.objects.get()
    assert row.reason == reason and row.remote_addr == "127.0.0.1"
    assert AuditEvent.objects.filter(action="desk.transfer_inbox.refused", extra__reason=reason).exists()
    assert not ReceivedFile.objects.exists()
    assert any(reason in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert not any("Ava" in r.getMessage() for r in caplog.records)


def test_the_inbox_refuses_a_replay(here, client):
    data = here["seal"]()
    assert _post(client, "transfer_inbox", data).status_code == 200
    response = _post(client, "transfer_inbox", data)
    assert (response.status_code, response.content) == (409, b"replayed")
    assert ReceivedFile.objects.count() == 1
    assert TransferInboxRefusal.objects.get().reason == "replayed"


def test_the_inbox_refuses_the_wrong_content_type_and_get(here, client):
    assert client.get(reverse("transfer_inbox")).status_code == 405
    response = client.post(reverse("transfer_inbox"), data={"a": "b"})
    assert response.status_code == 415
    assert TransferInboxRefusal.objects.get().reason == "unsupported"


def test_a_retired_peer_can_no_longer_send(here, client):
    remote.peer_retire(actor=here["dsl"], peer=here["peer"])
    response = _post(client, "transfer_inbox", here["seal"]())
    assert response.status_code == 403


# --- Sending side, with the delivery faked at the HTTP layer -------------------------------------


@pytest.fixture
def sender(db, settings, monkeypatch):
    """This instance sends: a school with a URN, its DSL, a pupil with a case, and a peer ``far``."""
    settings.BASE_URL = "http://127.0.0.1:8000"
    school = SchoolFactory(name="Hillside Test Academy", code="HTA", urn="100001")
    dsl = staff(school, "dsl", full_name="Dee Lead", email="dsl@hillside.example")
    pupil = PupilFactory(school=school, first_name="Ava", last_name="Testchild")
    make_case(actor=dsl, school=school, pupils=[pupil])
    far = Side()
    peer = PeerInstance.objects.create(
        name="Far Trust",
        instance_id=far.instance,
        inbox_url="https://far.example/transfers/inbox/",
        signing_key=far.verify_b64,
        encryption_key=b64(bytes(far.private.public_key)),
        added_by=dsl,
    )
    transfer = FileTransfer.objects.create(
        school=school,
        pupil=pupil,
        left_on=timezone.localdate(),
        due_on=timezone.localdate(),
        started_by=dsl,
        route="other",
        peer=peer,
        receiving_school_name="Far School",
        receiving_school_urn="200002",
    )
    return {"school": school, "dsl": dsl, "pupil": pupil, "far": far, "peer": peer, "transfer": transfer}


def _send(sender, monkeypatch, answer):
    """Seal and 'send' the transfer; ``answer(url, data)`` plays the far inbox."""
    from django.db import transaction

    from desk.transfers import core

    posted = []

    def fake_post(url, data):
        posted.append((url, data))
        return answer(url, data)

    monkeypatch.setattr(remote, "_post", fake_post)
    transfer = sender["transfer"]
    with core.files_removed_on_failure(), transaction.atomic():
        remote.prepare_bundle(transfer=transfer, actor=sender["dsl"], pdf=PDF, records={"format": "x"})
        core.mark_sent(transfer=transfer, actor=sender["dsl"], route="other")
    return posted


def _far_inbox(sender, *, status=200):
    far = sender["far"]
    me = keys.this_identity()

    def answer(url, data):
        opened = bundle.open_bundle(
            data, recipient_private_key=far.private, known_senders={me.verify_key_b64: 1}, this_instance=far.instance
        )
        receipt = bundle.sign_receipt(
            signing_key=far.signing,
            bundle_id=opened.bundle_id,
            received_at=timezone.now(),
            bundle_sha256=opened.sha256,
            to_urn=opened.to_urn,
            to_instance=far.instance,
        )
        return status, json.dumps(receipt).encode()

    return answer


def test_delivery_stores_the_verified_receipt_and_is_not_repeated(sender, monkeypatch):
    posted = _send(sender, monkeypatch, _far_inbox(sender))
    assert remote.bundle_deliver(sender["transfer"].pk) == "delivered"
    transfer = FileTransfer.objects.get(pk=sender["transfer"].pk)
    assert transfer.receipt is not None
    assert AuditEvent.objects.filter(action="desk.transfer.delivered").count() == 1
    assert remote.bundle_deliver(transfer.pk) == "already"
    assert len(posted) == 1 and posted[0][0] == "https://far.example/transfers/inbox/"


def test_an_unreachable_peer_is_retried_and_a_forged_receipt_refused(sender, monkeypatch):
    def down(url, data):
        raise OSError("connection refused")

    _send(sender, monkeypatch, down)
    assert remote.bundle_deliver(sender["transfer"].pk) == "retry"
    event = AuditEvent.objects.filter(action="desk.transfer.delivery_failed").get()
    assert event.extra["reason"] == "unreachable"

    forger = Side()

    def forged(url, data):
        receipt = bundle.sign_receipt(
            signing_key=forger.signing, bundle_id=str(sender["transfer"].bundle_id), received_at=timezone.now(),
            bundle_sha256="00", to_urn="200002", to_instance=forger.instance,
        )  # fmt: skip
        return 200, json.dumps(receipt).encode()

    monkeypatch.setattr(remote, "_post", forged)
    assert remote.bundle_deliver(sender["transfer"].pk) == "refused"
    assert FileTransfer.objects.get(pk=sender["transfer"].pk).receipt is None


def test_plain_http_goes_only_to_this_machine_and_only_when_allowed(settings):
    settings.TRANSFER_ALLOW_HTTP_LOOPBACK = True
    assert remote.inbox_url_error("https://far.example/transfers/inbox/") == ""
    assert remote.inbox_url_error("http://127.0.0.1:8001/transfers/inbox/") == ""
    assert remote.inbox_url_error("http://far.example/transfers/inbox/")
    settings.TRANSFER_ALLOW_HTTP_LOOPBACK = False
    assert remote.inbox_url_error("http://127.0.0.1:8001/transfers/inbox/")


def _ack(sender, *, status="accepted", signer=None, to_urn="100001", bundle_id=None, **extra):
    far = signer or sender["far"]
    me = keys.this_identity()
    return bundle.seal_ack(
        ack={"status": status, "by_name": "Fay Far", "by_role": "DSL, Far School", "reason": extra.get("reason", "")},
        sender_signing_key=far.signing,
        recipient_public_key=me.public_key,
        bundle_id=bundle_id or str(FileTransfer.objects.get(pk=sender["transfer"].pk).bundle_id),
        to_instance=me.instance_id,
        to_urn=to_urn,
        from_instance=far.instance,
        from_urn="200002",
        created_at=timezone.now(),
    )


def test_an_acceptance_from_the_far_side_confirms_receipt_by_name_once(sender, monkeypatch, client):
    _send(sender, monkeypatch, _far_inbox(sender))
    response = _post(client, "transfer_inbox_ack", _ack(sender))
    assert response.status_code == 200
    transfer = FileTransfer.objects.get(pk=sender["transfer"].pk)
    assert (transfer.status, transfer.accepted_by_name, transfer.accepted_by_role) == ("accepted", "Fay Far", "DSL, Far School")
    again = _post(client, "transfer_inbox_ack", _ack(sender))
    assert (again.status_code, again.content) == (409, b"replayed")


def test_a_decline_keeps_the_transfer_open_with_the_reason(sender, monkeypatch, client):
    _send(sender, monkeypatch, _far_inbox(sender))
    response = _post(client, "transfer_inbox_ack", _ack(sender, status="declined", reason="Not on our roll."))
    assert response.status_code == 200
    transfer = FileTransfer.objects.get(pk=sender["transfer"].pk)
    assert (transfer.status, transfer.declined_reason, transfer.is_open) == ("declined", "Not on our roll.", True)


def test_answers_from_the_wrong_key_or_for_another_bundle_are_refused(sender, monkeypatch, client):
    _send(sender, monkeypatch, _far_inbox(sender))
    assert _post(client, "transfer_inbox_ack", _ack(sender, signer=Side())).status_code == 403
    assert _post(client, "transfer_inbox_ack", _ack(sender, bundle_id=str(uuid.uuid4()))).status_code == 404
    assert _post(client, "transfer_inbox_ack", _ack(sender, to_urn="999999")).status_code == 422
    assert FileTransfer.objects.get(pk=sender["transfer"].pk).status == "sent"
    assert sorted(TransferInboxRefusal.objects.values_list("reason", flat=True)) == [
        "misaddressed",
        "unknown_bundle",
        "unknown_sender",
    ]


# --- Peers and the by-hand route, through the pages -----------------------------------------------


def test_a_dsl_adds_a_peer_from_its_card_and_bad_cards_are_refused_in_plain_words(here, login):
    other = Side()
    card = {
        "kind": "safeguard-instance",
        "version": 1,
        "name": "Shire Council",
        "instance_id": other.instance,
        "inbox_url": "https://shire.example/transfers/inbox/",
        "verify_key": other.verify_b64,
        "encryption_key": b64(bytes(other.private.public_key)),
        "schools": [],
    }
    client = login(here["dsl"])
    bad = client.post(reverse("transfer_peers"), {"card": json.dumps({**card, "instance_id": "0" * 16})})
    assert bad.status_code == 400 and "do not match" in bad.content.decode()
    plain = client.post(reverse("transfer_peers"), {"card": json.dumps({**card, "inbox_url": "http://shire.example/"})})
    assert plain.status_code == 400 and "https://" in plain.content.decode()
    assert "Shire Council" in plain.content.decode()  # nothing typed is lost
    mine = client.post(reverse("transfer_peers"), {"card": json.dumps(keys.instance_card())})
    assert mine.status_code == 400 and "own details" in mine.content.decode()
    ok = client.post(reverse("transfer_peers"), {"card": json.dumps(card), "name": ""})
    assert ok.status_code == 302
    peer = PeerInstance.objects.get(instance_id=other.instance)
    assert peer.name == "Shire Council"
    assert AuditEvent.objects.filter(action="desk.transfer_peer.added").exists()
    retire = client.post(reverse("transfer_peers"), {"retire": "1", "peer": peer.pk})
    assert retire.status_code == 302
    assert PeerInstance.objects.get(pk=peer.pk).retired_at is not None


def test_the_send_to_us_card_is_for_leads_and_holds_no_secret(here, login):
    page = login(here["dsl"]).get(reverse("transfer_send_to_us"))
    assert page.status_code == 200
    text = page.content.decode()
    assert here["me"].public_key_b64 in text and "200002" in text
    assert b64(bytes(here["me"].signing_key)) not in text
    pastoral = staff(here["school"], "pastoral", full_name="Pat", email="pat@near.example")
    assert login(pastoral).get(reverse("transfer_send_to_us")).status_code == 403
    assert login(pastoral).get(reverse("transfer_peers")).status_code == 403
    assert login(pastoral).get(reverse("transfer_inbox_upload")).status_code == 403


def test_a_bundle_brought_by_hand_is_uploaded_and_its_receipt_downloaded(here, login):
    client = login(here["dsl"])
    data = here["seal"]()
    response = client.post(reverse("transfer_inbox_upload"), {"bundle": SimpleUploadedFile("f.sgbundle", data)})
    assert response.status_code == 302
    received = ReceivedFile.objects.get()
    assert received.recorded_by == here["dsl"]
    receipt = client.get(reverse("transfer_inbox_receipt"))
    assert receipt.status_code == 200 and receipt["Content-Disposition"].startswith("attachment")
    bundle.verify_receipt(
        json.loads(receipt.content), verify_key_b64=here["me"].verify_key_b64, bundle_id=str(received.bundle_id)
    )
    again = client.post(reverse("transfer_inbox_upload"), {"bundle": SimpleUploadedFile("f.sgbundle", data)})
    assert again.status_code == 400 and "received already" in again.content.decode()


def test_a_dsl_cannot_upload_a_bundle_addressed_to_another_school_here(here, login):
    elsewhere = SchoolFactory(name="Elsewhere", code="ELS", urn="300003")
    other_dsl = staff(elsewhere, "dsl", full_name="Eli", email="eli@elsewhere.example")
    response = login(other_dsl).post(
        reverse("transfer_inbox_upload"), {"bundle": SimpleUploadedFile("f.sgbundle", here["seal"]())}
    )
    assert response.status_code == 400 and "addressed to another school" in response.content.decode()
    assert not ReceivedFile.objects.exists()


def test_the_sender_downloads_the_bundle_and_records_a_receipt_by_hand(sender, monkeypatch, login):
    def down(url, data):
        raise OSError("no route")

    _send(sender, monkeypatch, down)
    transfer = FileTransfer.objects.get(pk=sender["transfer"].pk)
    client = login(sender["dsl"])
    download = client.get(reverse("transfer_bundle", args=[transfer.pk]))
    assert download.status_code == 200 and download.content.startswith(bundle.MAGIC)
    assert AuditEvent.objects.filter(action="desk.transfer.bundle_downloaded").exists()
    far = sender["far"]
    opened = bundle.open_bundle(
        download.content,
        recipient_private_key=far.private,
        known_senders={keys.this_identity().verify_key_b64: 1},
        this_instance=far.instance,
    )
    receipt = bundle.sign_receipt(
        signing_key=far.signing, bundle_id=opened.bundle_id, received_at=timezone.now(),
        bundle_sha256=opened.sha256, to_urn="200002", to_instance=far.instance,
    )  # fmt: skip
    wrong = client.post(
        reverse("transfer_receipt", args=[transfer.pk]),
        {"receipt_text": json.dumps({**receipt, "signature": receipt["signature"][::-1]})},
    )
    assert wrong.status_code == 400 and "does not verify" in wrong.content.decode()
    ok = client.post(
        reverse("transfer_receipt", args=[transfer.pk]),
        {"receipt_file": SimpleUploadedFile("receipt.json", json.dumps(receipt).encode())},
    )
    assert ok.status_code == 302
    assert FileTransfer.objects.get(pk=transfer.pk).receipt == receipt
    page = client.get(reverse("transfer_detail", args=[transfer.pk]))
    assert page.status_code == 200


def test_another_schools_dsl_cannot_take_the_bundle(sender, monkeypatch, login):
    _send(sender, monkeypatch, _far_inbox(sender))
    other = SchoolFactory(name="Valley", code="VAL")
    other_dsl = staff(other, "dsl", full_name="Oli", email="oli@valley.example")
    assert login(other_dsl).get(reverse("transfer_bundle", args=[sender["transfer"].pk])).status_code == 404
    assert login(other_dsl).post(reverse("transfer_receipt", args=[sender["transfer"].pk]), {}).status_code == 404
    assert not AuditEvent.objects.filter(action="desk.transfer.bundle_downloaded").exists()


def test_prepare_bundle_refuses_a_retired_peer(sender):
    remote.peer_retire(actor=sender["dsl"], peer=sender["peer"])
    transfer = FileTransfer.objects.select_related("peer").get(pk=sender["transfer"].pk)
    with pytest.raises(ValidationError):
        remote.prepare_bundle(transfer=transfer, actor=sender["dsl"], pdf=PDF, records={})


# --- Two Safeguards on loopback, end to end ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SEED_SECOND = """
import json, os
from safeguard.models import School, StaffRole, Trust, User
from cases.models import Pupil
from desk.transfers import remote
from desk.transfers.keys import instance_card
import datetime
trust = Trust.objects.create(name="Far Learning Trust")
school = School.objects.create(trust=trust, name="Far Academy", code="FAR", urn="200002")
dsl = User.objects.create_user(email="fay@far.example", password="not-used-in-this-test-1", full_name="Fay Far")
StaffRole.objects.create(user=dsl, school=school, role="dsl")
Pupil.objects.create(school=school, upn=os.environ["E2E_UPN"], first_name="Ava", last_name="Testchild",
                     date_of_birth=datetime.date(2011, 5, 1), year_group=10)
remote.peer_add(actor=dsl, card_text=os.environ["E2E_PEER_CARD"], name="Hillside's Safeguard")
print("CARD=" + json.dumps(instance_card()))
"""

ACCEPT_SECOND = """
from cases.models import ReceivedFile
from desk.transfers import services
from safeguard.models import User
received = ReceivedFile.objects.get()
services.received_accept(actor=User.objects.get(email="fay@far.example"), received=received, pupil=None, confirmed=True)
print("ACCEPTED")
"""


class SecondInstance:
    """Another Safeguard in its own process: its own SQLite database, var dir, key and port."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARD_", "DATABASE_URL", "REDIS_URL", "PYTEST"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            SAFEGUARD_VAR_DIR=str(var_dir),
            DATABASE_URL=f"sqlite:///{var_dir / 'second.sqlite3'}",
            SAFEGUARD_BASE_URL=self.url,
            SAFEGUARD_INSTANCE_NAME="Far Learning Trust's Safeguard",
            SAFEGUARD_TRANSFER_ALLOW_HTTP_LOOPBACK="1",
        )
        self.env = env
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, extra_env: dict | None = None, timeout: int = 180) -> str:
        result = subprocess.run(  # noqa: S603 - this interpreter, this project's manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {args[0]} failed in the second instance:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.log = open(self.var_dir / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"The second instance stopped: {(self.var_dir / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"The second instance did not answer: {(self.var_dir / 'server.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "log", None):
            self.log.close()

    def query(self, sql: str) -> list:
        with sqlite3.connect(self.var_dir / "second.sqlite3") as db:
            return db.execute(sql).fetchall()

    def post(self, path: str, data: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path, data=data, method="POST", headers={"Content-Type": "application/octet-stream"}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
                return answer.status, answer.read()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read()


@pytest.fixture
def second_instance(tmp_path):
    instance = SecondInstance(tmp_path / "second")
    instance.var_dir.mkdir()
    yield instance
    instance.stop()


def test_two_safeguards_on_loopback_transfer_a_file_end_to_end(transactional_db, live_server, settings, second_instance):
    """The issue's end-to-end test: this test process with pytest-django's live server is the
    sending Safeguard; a second Django process (runserver on another port, its own SQLite database
    file, var dir and transfer key) is the receiving one. Each adds the other's card. A file goes
    from one to the other: sent, arrived there, signed receipt kept here; the receiving DSL accepts
    and the transfer here becomes accepted with their name. Then altered, unknown-key, replayed and
    misaddressed bundles posted to the second instance's real inbox are refused and recorded.

    On CI with PostgreSQL (DATABASE_URL), this side uses PostgreSQL and the second instance keeps
    SQLite: the second instance's environment sets its own DATABASE_URL. Nothing here is skipped.
    """
    from desk.transfers import services
    from referrals.catalogue import load_routes
    from referrals.models import Route

    load_routes(Route)  # data from a migration: emptied by an earlier transactional test's flush
    settings.BASE_URL = live_server.url
    settings.TRANSFER_ALLOW_HTTP_LOOPBACK = True
    school = SchoolFactory(name="Hillside Test Academy", code="HTA", urn="100001")
    dsl = staff(school, "dsl", full_name="Dee Lead", email="dsl@hillside.example")
    pupil = PupilFactory(school=school, first_name="Ava", last_name="Testchild")
    make_case(actor=dsl, school=school, pupils=[pupil])

    far = second_instance
    far.manage("migrate", "--noinput", timeout=300)
    out = far.manage(
        "shell", "-c", SEED_SECOND, extra_env={"E2E_PEER_CARD": json.dumps(keys.instance_card()), "E2E_UPN": pupil.upn}
    )
    far_card = json.loads(next(line for line in out.splitlines() if line.startswith("CARD="))[5:])
    assert far_card["instance_id"] != keys.this_identity().instance_id
    far.start()
    peer = remote.peer_add(actor=dsl, card_text=json.dumps(far_card), name="Far Learning Trust")

    transfer = services.pupil_mark_left(actor=dsl, pupil=pupil, left_on=timezone.localdate())
    assert transfer is not None
    services.transfer_destination_set(
        actor=dsl,
        transfer=transfer,
        where=services.Destination(route="other", peer=peer, receiving_school_urn="200002", receiving_school_name="Far Academy"),
    )
    services.transfer_send(
        actor=dsl, transfer=transfer, case_ids=services.pupil_case_ids(pupil, viewer=dsl), include_concerns=True
    )

    # Sent, and the far side's signed receipt is kept here.
    transfer.refresh_from_db()
    assert transfer.status == "sent"
    assert transfer.receipt is not None, (
        f"no receipt; events: {list(AuditEvent.objects.filter(action__startswith='desk.transfer.delivery').values_list('extra', flat=True))}"
    )
    payload = bundle.verify_receipt(transfer.receipt, verify_key_b64=far_card["verify_key"], bundle_id=str(transfer.bundle_id))
    assert payload["to_urn"] == "200002"
    # Arrived there: pending, matched to the pupil on their roll by UPN, from this school.
    rows = far.query("SELECT status, pupil_id IS NOT NULL, from_school_name, pupil_upn, bundle_id FROM cases_receivedfile")
    assert len(rows) == 1
    assert rows[0][:4] == ("pending", 1, "Hillside Test Academy", pupil.upn)
    assert uuid.UUID(rows[0][4]) == transfer.bundle_id

    # The receiving DSL accepts there; the answer comes back signed, and the transfer here is done.
    assert "ACCEPTED" in far.manage("shell", "-c", ACCEPT_SECOND)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.accepted_by_name) == ("accepted", "Fay Far")
    assert transfer.accepted_by_role == "Designated Safeguarding Lead, Far Academy"

    # Bad bundles at the real inbox: refused, and recorded there.
    sent = remote.bundle_bytes(transfer)
    altered = bytearray(sent)
    altered[-10] ^= 0x01
    me = keys.this_identity()
    stranger = Side()
    common = {
        "records": {}, "pdf": PDF, "cover": {}, "recipient_public_key": PrivateKey.generate().public_key,
        "to_instance": far_card["instance_id"], "to_urn": "200002", "from_urn": "100001", "created_at": timezone.now(),
    }  # fmt: skip
    far_key = far_card["encryption_key"]
    from nacl.public import PublicKey

    common["recipient_public_key"] = PublicKey(bundle.unb64(far_key))
    unknown = bundle.seal_bundle(
        **common, sender_signing_key=stranger.signing, from_instance=stranger.instance, bundle_id=str(uuid.uuid4())
    )
    misaddressed = bundle.seal_bundle(
        **{**common, "to_urn": "999999"},
        sender_signing_key=me.signing_key,
        from_instance=me.instance_id,
        bundle_id=str(uuid.uuid4()),
    )
    assert far.post("/transfers/inbox/", bytes(altered)) == (400, b"not_decryptable")
    assert far.post("/transfers/inbox/", unknown) == (403, b"unknown_sender")
    assert far.post("/transfers/inbox/", sent) == (409, b"replayed")
    assert far.post("/transfers/inbox/", misaddressed) == (422, b"misaddressed")
    reasons = [row[0] for row in far.query("SELECT reason FROM cases_transferinboxrefusal ORDER BY id")]
    assert reasons == ["not_decryptable", "unknown_sender", "replayed", "misaddressed"]
    assert far.query("SELECT count(*) FROM cases_receivedfile") == [(1,)]
    log = (far.var_dir / "server.log").read_text()
    assert "Transfer inbox refused a bundle: replayed" in log
    assert "Ava" not in log


def test_an_answer_that_never_reached_the_sender_is_sent_again_by_the_sweep(db, settings):
    """An accept whose answer failed every retry is queued again by the beat's sweep until the
    sending Safeguard has it (``ReceivedFile.answer_sent_at``)."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from cases.models import ReceivedFile
    from desk.transfers import remote
    from tests.factories import SchoolFactory, UserFactory

    school = SchoolFactory(urn="123456")
    peer = remote.PeerInstance.objects.create(
        name="Far",
        instance_id="f" * 16,
        inbox_url="http://127.0.0.1:9/transfers/inbox/",
        signing_key="a" * 43 + "=",
        encryption_key="b" * 43 + "=",
        added_by=UserFactory(),
    )
    answered = timezone.now() - timedelta(hours=2)
    waiting = ReceivedFile.objects.create(
        school=school,
        source="other",
        status="accepted",
        accepted_at=answered,
        from_school_name="Far",
        pupil_name="X",
        bundle_id="11111111-1111-1111-1111-111111111111",
        peer=peer,
    )
    ReceivedFile.objects.create(
        school=school,
        source="other",
        status="accepted",
        accepted_at=answered,
        from_school_name="Far",
        pupil_name="Y",
        bundle_id="22222222-2222-2222-2222-222222222222",
        peer=peer,
        answer_sent_at=answered,
    )
    with mock.patch.object(remote, "acknowledge_soon") as queued:
        remote.bundles_deliver_sweep()
    assert [call.args[0].pk for call in queued.call_args_list] == [waiting.pk]


def test_an_address_that_keeps_posting_junk_is_answered_429_and_nothing_more_is_recorded(client, db):
    """Twenty refusals from one address in ten minutes: the next post is 429 before anything is
    read or written, so a loop of junk cannot fill the refusal table or the audit log."""
    from django.urls import reverse

    from cases.models import TransferInboxRefusal
    from desk.transfers.remote import FLOOD_REFUSALS
    from safeguard.models import AuditEvent

    url = reverse("transfer_inbox")
    for _ in range(FLOOD_REFUSALS):
        assert client.post(url, b"junk", content_type="application/octet-stream").status_code == 400
    rows, events = TransferInboxRefusal.objects.count(), AuditEvent.objects.count()
    assert rows == FLOOD_REFUSALS
    answer = client.post(url, b"junk", content_type="application/octet-stream")
    assert answer.status_code == 429 and answer.content == b"too_many"
    assert TransferInboxRefusal.objects.count() == rows and AuditEvent.objects.count() == events
