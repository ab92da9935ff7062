"""A child's file as one sealed bundle between two Safeguards, and the signed receipt (issue 18).

Pure functions over bytes and plain data: no models, no requests. Only libsodium primitives,
through PyNaCl: Ed25519 signatures (``nacl.signing``), anonymous public-key encryption to the
recipient's X25519 key (``nacl.public.SealedBox``: X25519 + XSalsa20-Poly1305), SHA-256 for the
parts. The format is documented in docs/transfer-bundle.md.

Sign, then encrypt. The signed body names its sender (instance, URN, verify key) and its recipient
(instance, URN, encryption key), so:

- a byte changed in transit fails the encryption's authentication (``not_decryptable``);
- a body re-signed or altered by someone who can encrypt to us (anyone) fails the signature
  (``bad_signature``), and a key we do not know is ``unknown_sender``;
- a bundle the intended recipient decrypts and re-encrypts to another school still names the
  first recipient inside the signature (``misaddressed``).

Replays (the same bundle twice) are the inbox's to refuse: it keeps every bundle id it took.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str, *, size: int | None = None) -> bytes:
    """Base64 text as bytes; ValueError if it is not base64 (of ``size`` bytes)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as error:
        raise ValueError("not base64") from error
    if size is not None and len(raw) != size:
        raise ValueError(f"not {size} bytes")
    return raw


def instance_id_of(verify_key_b64: str) -> str:
    """The instance id a verify key stands for (first 16 hex of its SHA-256)."""
    return hashlib.sha256(unb64(verify_key_b64, size=32)).hexdigest()[:16]


#: The first bytes of a bundle file (outside the encryption), so a wrong file is named as such.
MAGIC = b"SGBUNDLE1\n"
#: The first bytes of the signed body (inside the encryption).
BODY_MAGIC = b"SGBODY1\n"
FORMAT = "safeguard-transfer-bundle"
VERSION = 1
KINDS = ("bundle", "ack")
SIGNATURE_BYTES = 64
#: The manifest is small: its parts are the large things.
MANIFEST_MAX = 256 * 1024
DEFAULT_MAX_SIZE = 50 * 1024 * 1024

REFUSAL_REASONS = ("not_decryptable", "bad_signature", "unknown_sender", "misaddressed", "malformed", "too_large")
RECEIPT_FORMAT = "safeguard-transfer-receipt"


class BundleRefused(Exception):
    """A bundle (or acknowledgement) this instance will not take. ``reason`` is one of
    ``REFUSAL_REASONS``; ``detail`` says why in a few words and never holds content."""

    def __init__(self, reason: str, detail: str = "", *, sender_key: str = "", bundle_id: str = ""):
        if reason not in REFUSAL_REASONS:
            raise ValueError(f"unknown refusal reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.sender_key = sender_key
        self.bundle_id = bundle_id


class ReceiptRefused(Exception):
    """A receipt that does not verify, or is not for the bundle sent."""


@dataclass(frozen=True)
class OpenedBundle:
    kind: str
    bundle_id: str
    created_at: str
    from_instance: str
    from_urn: str
    to_instance: str
    to_urn: str
    sender_key: str
    #: Whatever ``known_senders`` held for the sender's key (a PeerInstance, in the inbox).
    sender: Any
    #: The SHA-256 of the bundle as received (the receipt names it).
    sha256: str
    manifest: dict
    cover: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)
    pdf: bytes = b""
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    #: An acknowledgement's body (kind "ack").
    ack: dict = field(default_factory=dict)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_part(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def _seal(
    *, manifest: dict, parts: list[tuple[str, str, bytes]], sender_signing_key: SigningKey, recipient_public_key: PublicKey
) -> bytes:
    manifest = {
        **manifest,
        "parts": [{"name": name, "type": kind, "size": len(data), "sha256": _sha256(data)} for name, kind, data in parts],
    }
    head = _canonical(manifest)
    body = BODY_MAGIC + len(head).to_bytes(4, "big") + head + b"".join(data for _n, _k, data in parts)
    signed = sender_signing_key.sign(body)  # signature (64 bytes) || body
    return MAGIC + SealedBox(recipient_public_key).encrypt(bytes(signed))


def _header(
    *,
    kind: str,
    bundle_id: str,
    created_at: datetime | str,
    sender_signing_key: SigningKey,
    from_instance: str,
    from_urn: str,
    recipient_public_key: PublicKey,
    to_instance: str,
    to_urn: str,
) -> dict:
    verify_key = b64(bytes(sender_signing_key.verify_key))
    if instance_id_of(verify_key) != from_instance:
        raise ValueError("from_instance is not the instance id of the signing key")
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "bundle_id": str(bundle_id),
        "created_at": created_at.isoformat() if isinstance(created_at, datetime) else str(created_at),
        "from": {"instance": from_instance, "urn": from_urn, "verify_key": verify_key},
        "to": {"instance": to_instance, "urn": to_urn, "encryption_key": b64(bytes(recipient_public_key))},
    }


def seal_bundle(
    *,
    records: dict,
    pdf: bytes,
    attachments: list[tuple[str, bytes]] | None = None,
    cover: dict | None = None,
    sender_signing_key: SigningKey,
    recipient_public_key: PublicKey,
    bundle_id: str,
    to_instance: str,
    to_urn: str,
    from_instance: str,
    from_urn: str,
    created_at: datetime | str,
) -> bytes:
    """The child's file as one bundle: the cover (who it is about, from whom, the note), the
    records as documented JSON, the PDF and any attachments, signed by the sender and encrypted
    to the recipient."""
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("the document is not a PDF")
    header = _header(
        kind="bundle",
        bundle_id=bundle_id,
        created_at=created_at,
        sender_signing_key=sender_signing_key,
        from_instance=from_instance,
        from_urn=from_urn,
        recipient_public_key=recipient_public_key,
        to_instance=to_instance,
        to_urn=to_urn,
    )
    parts = [
        ("cover.json", "application/json", _json_part(cover or {})),
        ("records.json", "application/json", _json_part(records)),
        ("child-file.pdf", "application/pdf", pdf),
    ]
    for name, data in attachments or []:
        parts.append((f"attachments/{name}", "application/octet-stream", data))
    return _seal(manifest=header, parts=parts, sender_signing_key=sender_signing_key, recipient_public_key=recipient_public_key)


def seal_ack(
    *,
    ack: dict,
    sender_signing_key: SigningKey,
    recipient_public_key: PublicKey,
    bundle_id: str,
    to_instance: str,
    to_urn: str,
    from_instance: str,
    from_urn: str,
    created_at: datetime | str,
) -> bytes:
    """The receiving DSL's answer to a bundle (accepted or declined, by whom), signed and
    encrypted to the sending instance like a bundle (a reason for declining may name the child)."""
    header = _header(
        kind="ack",
        bundle_id=bundle_id,
        created_at=created_at,
        sender_signing_key=sender_signing_key,
        from_instance=from_instance,
        from_urn=from_urn,
        recipient_public_key=recipient_public_key,
        to_instance=to_instance,
        to_urn=to_urn,
    )
    return _seal(
        manifest={**header, "ack": ack},
        parts=[],
        sender_signing_key=sender_signing_key,
        recipient_public_key=recipient_public_key,
    )


def _open(
    data: bytes,
    *,
    recipient_private_key: PrivateKey,
    known_senders: Mapping[str, Any],
    this_instance: str,
    this_urns: Collection[str] | None,
    max_size: int,
    kind: str,
) -> OpenedBundle:
    if len(data) > max_size:
        raise BundleRefused("too_large", f"{len(data)} bytes; at most {max_size}")
    if not data.startswith(MAGIC):
        raise BundleRefused("malformed", "not a Safeguard bundle")
    try:
        signed = SealedBox(recipient_private_key).decrypt(data[len(MAGIC) :])
    except CryptoError:
        raise BundleRefused("not_decryptable", "not encrypted to this Safeguard's key, or altered in transit") from None
    signature, body = signed[:SIGNATURE_BYTES], signed[SIGNATURE_BYTES:]
    if len(signature) < SIGNATURE_BYTES or not body.startswith(BODY_MAGIC) or len(body) < len(BODY_MAGIC) + 4:
        raise BundleRefused("malformed", "no signed body")
    at = len(BODY_MAGIC)
    head_len = int.from_bytes(body[at : at + 4], "big")
    if head_len > MANIFEST_MAX or at + 4 + head_len > len(body):
        raise BundleRefused("malformed", "manifest length")
    # Read before the signature is checked only to learn which key to check it with.
    try:
        manifest = json.loads(body[at + 4 : at + 4 + head_len].decode("utf-8"))
        sender_key = str(manifest["from"]["verify_key"])
        bundle_id = str(manifest["bundle_id"])[:64]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BundleRefused("malformed", "manifest unreadable") from None
    if not isinstance(manifest, dict):
        raise BundleRefused("malformed", "manifest unreadable")
    ids = {"sender_key": sender_key[:64], "bundle_id": bundle_id}
    sender = known_senders.get(sender_key)
    if sender is None:
        raise BundleRefused("unknown_sender", "signed by a key that is not a known Safeguard", **ids)
    try:
        VerifyKey(unb64(sender_key, size=32)).verify(body, signature)
    except (BadSignatureError, ValueError):
        raise BundleRefused("bad_signature", "the signature does not match the contents", **ids) from None
    # From here the manifest is the sender's, as signed.
    try:
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise BundleRefused("malformed", "unknown format or version", **ids)
        if manifest.get("kind") != kind:
            raise BundleRefused("malformed", f"expected a {kind}", **ids)
        sender_side, to = manifest["from"], manifest["to"]
        if sender_side["instance"] != instance_id_of(sender_key):
            raise BundleRefused("bad_signature", "the sender's instance id does not match its key", **ids)
        if to["instance"] != this_instance or to["encryption_key"] != b64(bytes(recipient_private_key.public_key)):
            raise BundleRefused("misaddressed", "addressed to another Safeguard", **ids)
        if this_urns is not None and str(to["urn"]) not in this_urns:
            raise BundleRefused("misaddressed", "addressed to a school that is not on this Safeguard", **ids)
        parts: dict[str, bytes] = {}
        order: list[str] = []
        position = at + 4 + head_len
        for part in manifest["parts"]:
            size = int(part["size"])
            chunk = body[position : position + size]
            if size < 0 or len(chunk) != size or _sha256(chunk) != part["sha256"]:
                raise BundleRefused("malformed", "a part does not match the manifest", **ids)
            parts[str(part["name"])] = chunk
            order.append(str(part["name"]))
            position += size
        if position != len(body):
            raise BundleRefused("malformed", "bytes beyond the manifest's parts", **ids)
        opened = {
            "kind": kind,
            "bundle_id": bundle_id,
            "created_at": str(manifest["created_at"]),
            "from_instance": str(sender_side["instance"]),
            "from_urn": str(sender_side.get("urn", "")),
            "to_instance": str(to["instance"]),
            "to_urn": str(to["urn"]),
            "sender_key": sender_key,
            "sender": sender,
            "sha256": _sha256(data),
            "manifest": manifest,
        }
        if kind == "ack":
            if not isinstance(manifest.get("ack"), dict):
                raise BundleRefused("malformed", "no acknowledgement", **ids)
            return OpenedBundle(**opened, ack=manifest["ack"])
        pdf = parts.get("child-file.pdf", b"")
        if not pdf.startswith(b"%PDF-"):
            raise BundleRefused("malformed", "no PDF", **ids)
        cover = json.loads(parts.get("cover.json", b"{}").decode("utf-8"))
        records = json.loads(parts.get("records.json", b"{}").decode("utf-8"))
        if not isinstance(cover, dict) or not isinstance(records, dict):
            raise BundleRefused("malformed", "cover or records are not JSON objects", **ids)
        attachments = [(name.removeprefix("attachments/"), parts[name]) for name in order if name.startswith("attachments/")]
        return OpenedBundle(**opened, cover=cover, records=records, pdf=pdf, attachments=attachments)
    except (KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError):
        raise BundleRefused("malformed", "manifest incomplete", **ids) from None


def open_bundle(
    data: bytes,
    *,
    recipient_private_key: PrivateKey,
    known_senders: Mapping[str, Any],
    this_instance: str,
    this_urns: Collection[str] | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> OpenedBundle:
    """Decrypt, verify and unpack a bundle sent to this instance, or raise ``BundleRefused``.
    ``known_senders`` maps a verify key (base64) to the peer it belongs to; ``this_urns`` are the
    URNs of the schools here (None: not checked)."""
    return _open(
        data,
        recipient_private_key=recipient_private_key,
        known_senders=known_senders,
        this_instance=this_instance,
        this_urns=this_urns,
        max_size=max_size,
        kind="bundle",
    )


def open_ack(
    data: bytes,
    *,
    recipient_private_key: PrivateKey,
    known_senders: Mapping[str, Any],
    this_instance: str,
    max_size: int = MANIFEST_MAX * 2,
) -> OpenedBundle:
    """Decrypt and verify an acknowledgement, or raise ``BundleRefused``."""
    return _open(
        data,
        recipient_private_key=recipient_private_key,
        known_senders=known_senders,
        this_instance=this_instance,
        this_urns=None,
        max_size=max_size,
        kind="ack",
    )


# --- Receipts ------------------------------------------------------------------------------------


def sign_receipt(
    *,
    signing_key: SigningKey,
    bundle_id: str,
    received_at: datetime | str,
    bundle_sha256: str,
    to_urn: str,
    to_instance: str,
    status: str = "received",
) -> dict:
    """The receiving instance's signed word that it holds the bundle: the payload exactly as
    signed (a JSON string, so nothing is lost re-serialising it) and its Ed25519 signature."""
    payload = {
        "format": RECEIPT_FORMAT,
        "version": VERSION,
        "bundle_id": str(bundle_id),
        "received_at": received_at.isoformat() if isinstance(received_at, datetime) else str(received_at),
        "bundle_sha256": bundle_sha256,
        "to_urn": to_urn,
        "to_instance": to_instance,
        "status": status,
    }
    text = _canonical(payload).decode("utf-8")
    signature = signing_key.sign(text.encode("utf-8")).signature
    return {"payload": text, "signature": b64(signature), "signed_by": b64(bytes(signing_key.verify_key))}


def verify_receipt(receipt: Any, *, verify_key_b64: str, bundle_id: str, bundle_sha256: str | None = None) -> dict:
    """The receipt's payload, if it is signed by ``verify_key_b64`` for this bundle (and, given
    ``bundle_sha256``, for exactly the bytes sent); else ``ReceiptRefused``."""
    try:
        text = receipt["payload"]
        signature = unb64(receipt["signature"], size=SIGNATURE_BYTES)
        VerifyKey(unb64(verify_key_b64, size=32)).verify(text.encode("utf-8"), signature)
        payload = json.loads(text)
    except (KeyError, TypeError, ValueError, AttributeError, BadSignatureError) as error:
        raise ReceiptRefused(f"the receipt does not verify ({type(error).__name__})") from None
    if payload.get("format") != RECEIPT_FORMAT or payload.get("bundle_id") != str(bundle_id):
        raise ReceiptRefused("the receipt is for another bundle")
    if bundle_sha256 is not None and payload.get("bundle_sha256") != bundle_sha256:
        raise ReceiptRefused("the receipt is for other bytes than those sent")
    return payload
