"""The provider's state outside its database, as files in its data directory (no Django imports).

Files, so every request thread sees a change at once, and a restart with the same directory keeps
them: `signing-key.pem` (the key ID tokens are signed with), `retired-key-<n>.pem` (keys rotated out,
still published in the JWKS), `fault` (the fault mode), `profiles.json` (per-user claims the user
model has no field for, keyed by user pk), `secret-key` (Django's SECRET_KEY).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FAULT_MODES = frozenset({"", "audience", "expired", "nonce", "issuer", "unpublished_key"})

SIGNING_KEY = "signing-key.pem"
_RETIRED = re.compile(r"^retired-key-(\d+)\.pem$")
_lock = threading.Lock()


def data_dir() -> Path:
    try:
        return Path(os.environ["OIDC_PROVIDER_DATA"])
    except KeyError:
        raise RuntimeError(
            "Set OIDC_PROVIDER_DATA to the provider's data directory (run it with tests.oidc_provider.run)."
        ) from None


def _write(path: Path, text: str) -> None:
    """Atomically, so a reader in another thread never sees half a file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def new_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def ensure_files(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / SIGNING_KEY).exists():
        _write(directory / SIGNING_KEY, new_rsa_pem())
    if not (directory / "secret-key").exists():
        _write(directory / "secret-key", secrets.token_urlsafe(50))


def secret_key(directory: Path) -> str:
    return (directory / "secret-key").read_text().strip()


def _retired(directory: Path) -> list[tuple[int, Path]]:
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _RETIRED.match(p.name))]
    return sorted(found, reverse=True)


def read_keys(directory: Path) -> tuple[str, list[str]]:
    """The signing key's PEM, and the retired keys' PEMs, newest first."""
    return (directory / SIGNING_KEY).read_text(), [p.read_text() for _, p in _retired(directory)]


def rotate_keys(directory: Path) -> tuple[str, list[str]]:
    """A new signing key; the old one becomes the newest retired key. Returns `read_keys()` after."""
    with _lock:
        retired = _retired(directory)
        number = retired[0][0] + 1 if retired else 1
        os.replace(directory / SIGNING_KEY, directory / f"retired-key-{number}.pem")
        _write(directory / SIGNING_KEY, new_rsa_pem())
        return read_keys(directory)


def fault(directory: Path) -> str:
    try:
        return (directory / "fault").read_text().strip()
    except FileNotFoundError:
        return ""


def set_fault(directory: Path, mode: str) -> None:
    if mode not in FAULT_MODES:
        raise ValueError(f"Unknown fault mode {mode!r}; one of {sorted(FAULT_MODES)}")
    _write(directory / "fault", mode)


def _profiles(directory: Path) -> dict[str, dict]:
    try:
        return json.loads((directory / "profiles.json").read_text())
    except FileNotFoundError:
        return {}


def profile(directory: Path, pk: int) -> dict:
    return _profiles(directory).get(str(pk), {})


def set_profile(directory: Path, pk: int, **fields) -> None:
    with _lock:
        profiles = _profiles(directory)
        profiles[str(pk)] = fields
        _write(directory / "profiles.json", json.dumps(profiles, indent=1, sort_keys=True))
