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


#: The largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def bounded_ids(values) -> list[int]:
    """Ids from user input that a database can look up: whole numbers from 1 to MAX_ID.

    Django guards exact lookups against overflow, but not ``__in`` lists (SQLite raises).
    """
    ids = []
    for value in values:
        text = str(value).strip()
        if text.isdigit() and 0 < int(text) <= MAX_ID:
            ids.append(int(text))
    return ids
