"""Configuration from the environment, failing loudly on a bad value.

Every helper records the variable it read in ``READ_VARIABLES`` so that a test can check
that docker-compose.yml and the README only mention variables the settings really read.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

READ_VARIABLES: set[str] = set()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    READ_VARIABLES.add(name)
    return os.environ.get(name)


def _bad(name: str, value: str, expected: str) -> ImproperlyConfigured:
    # The value itself is echoed only when it is not a secret.
    shown = "(hidden)" if "SECRET" in name or "PASSWORD" in name else repr(value)
    return ImproperlyConfigured(f"Environment variable {name} must be {expected}; got {shown}.")


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required but is not set.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _bad(name, value, "one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise _bad(name, value, "a whole number") from None
    if minimum is not None and number < minimum:
        raise _bad(name, value, f"at least {minimum}")
    if maximum is not None and number > maximum:
        raise _bad(name, value, f"at most {maximum}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str) -> tuple:
    """Comma-separated IP addresses or networks (``10.0.0.1``, ``172.30.0.0/24``)."""
    import ipaddress

    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise _bad(
                name, item, "a comma-separated list of IP addresses or networks such as 172.30.0.1 or 10.0.0.0/8"
            ) from None
    return tuple(networks)


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    if value.strip() not in choices:
        raise _bad(name, value, "one of " + ", ".join(choices))
    return value.strip()


def env_url(name: str, schemes: tuple[str, ...]) -> str | None:
    value = _raw(name)
    if value is None or value.strip() == "":
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be a URL starting with one of "
            f"{', '.join(s + '://' for s in schemes)}; got a URL with scheme {parts.scheme or '(none)'!r}."
        )
    return value.strip()


def development_secret(var_dir: Path) -> str:
    """A per-checkout secret kept under var/, created once, never committed."""
    from django.core.management.utils import get_random_secret_key

    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


_KEY_ADVICE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def env_key(name: str, *, min_length: int = 43) -> bytes | None:
    """A secret key from the environment (at least 32 random bytes, written as base64 or hex text
    of ``min_length`` characters or more), as bytes; ``None`` when unset. Never echoed."""
    value = _raw(name)
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    # A random key of this length has far more than a dozen different characters; a short, repeated
    # or made-up one has not. The value itself is never shown.
    if len(value) < min_length or len(set(value)) < 12:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be at least {min_length} random characters (32 random bytes or more, "
            f"as base64 or hex); the value given is too short or not random. Generate one with: {_KEY_ADVICE}"
        )
    return value.encode()


def development_key(path: Path, *, min_length: int = 43) -> bytes:
    """A per-checkout key kept in a file under var/, created once with mode 0600, never committed.

    Written to a private temporary file and linked into place, so two processes starting at the
    same time (test workers) end up with the same, complete key.
    """
    import secrets

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    value = path.read_text().strip()
    if len(value) < min_length:
        raise ImproperlyConfigured(
            f"The key in {path} is too short. Delete it, and the development database whose audit log it sealed, to start afresh."
        )
    return value.encode()


#: The largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def bounded_ids(values) -> list[int]:
    """Ids from user input that a database can look up: whole numbers from 1 to MAX_ID.

    Django guards exact lookups against overflow, but not ``__in`` lists (SQLite raises).
    """
    ids = []
    for value in values:
        text = str(value).strip()
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
            ids.append(int(text))
    return ids
