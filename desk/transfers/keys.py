"""This Safeguard's identity for children's files sent to and from another Safeguard (issue 18).

One 32-byte seed, kept secret, from which two keys are derived with libsodium's BLAKE2b (keyed by
purpose, so neither key can be computed from the other):

- an Ed25519 signing key: this instance signs every bundle and receipt it sends;
- an X25519 key pair: other instances encrypt bundles to its public half (``SealedBox``).

The seed comes from ``SAFEGUARD_TRANSFER_KEY`` (base64) when set, else from the file
``settings.TRANSFER_KEY_FILE`` (under var/), made on first use with mode 0600. Losing it means
other Safeguards must be given this instance's new card; a copy of it lets someone read files sent
here, so it is kept off backups of the database (README, "Configuration").

The instance id is the first 16 hex digits of the SHA-256 of the verify key: stable while the key
is, and checkable by anyone holding the card.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import nacl.hash
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from desk.transfers.bundle import b64, instance_id_of, unb64
from safeguard.models import School

logger = logging.getLogger(__name__)

SEED_BYTES = 32
#: What the card says it is, so a pasted card from something else is refused plainly.
CARD_KIND = "safeguard-instance"
CARD_VERSION = 1


def _derive(seed: bytes, purpose: bytes) -> bytes:
    return nacl.hash.blake2b(seed, digest_size=32, person=purpose.ljust(16, b"\0")[:16], encoder=RawEncoder)


@dataclass(frozen=True)
class Identity:
    signing_key: SigningKey
    private_key: PrivateKey

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        if len(seed) != SEED_BYTES:
            raise ValueError("seed must be 32 bytes")
        return cls(
            signing_key=SigningKey(_derive(seed, b"sg-transfer-sig")),
            private_key=PrivateKey(_derive(seed, b"sg-transfer-enc")),
        )

    @property
    def verify_key(self) -> VerifyKey:
        return self.signing_key.verify_key

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key

    @property
    def verify_key_b64(self) -> str:
        return b64(bytes(self.verify_key))

    @property
    def public_key_b64(self) -> str:
        return b64(bytes(self.public_key))

    @property
    def instance_id(self) -> str:
        return instance_id_of(self.verify_key_b64)


def new_seed_text() -> str:
    return b64(secrets.token_bytes(SEED_BYTES))


def _seed_from_text(text: str, where: str) -> bytes:
    try:
        return unb64(text.strip(), size=SEED_BYTES)
    except ValueError:
        raise ImproperlyConfigured(
            f"{where} must hold 32 random bytes as base64 (44 characters). Make one with: "
            'python -c "import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())"'
        ) from None


def _seed_from_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written privately and linked into place: two processes starting at once get one key.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_seed_text() + "\n")
        try:
            os.link(temporary, path)
            logger.info("Made this Safeguard's transfer key (for children's files to and from other Safeguards) in %s.", path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return _seed_from_text(path.read_text(), f"The transfer key file {path}")


@functools.cache
def _identity(env_key: bytes | None, key_file: str) -> Identity:
    if env_key:
        seed = _seed_from_text(env_key.decode("ascii", "replace"), "Environment variable SAFEGUARD_TRANSFER_KEY")
    else:
        seed = _seed_from_file(Path(key_file))
    return Identity.from_seed(seed)


def this_identity() -> Identity:
    """This instance's keys (read once per process and setting)."""
    return _identity(getattr(settings, "TRANSFER_KEY", None), str(settings.TRANSFER_KEY_FILE))


def inbox_url() -> str:
    return settings.BASE_URL + reverse("transfer_inbox")


def instance_name() -> str:
    if settings.TRANSFER_INSTANCE_NAME:
        return settings.TRANSFER_INSTANCE_NAME
    trusts = sorted({name for name in School.objects.values_list("trust__name", flat=True) if name})
    return ", ".join(trusts) or "Safeguard"


def instance_card() -> dict:
    """This instance's public details for another Safeguard's DSL to add it as a peer: its name,
    id, inbox, verify and encryption keys, and its schools with their URN. Nothing secret."""
    me = this_identity()
    schools = [
        {"name": name, "urn": urn} for name, urn in School.objects.exclude(urn="").order_by("name").values_list("name", "urn")
    ]
    return {
        "kind": CARD_KIND,
        "version": CARD_VERSION,
        "name": instance_name(),
        "instance_id": me.instance_id,
        "inbox_url": inbox_url(),
        "verify_key": me.verify_key_b64,
        "encryption_key": me.public_key_b64,
        "schools": schools,
    }
