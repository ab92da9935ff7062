"""Configuration from the environment fails loudly, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARD_", "DATABASE_URL", "REDIS_URL"))}
    env["SAFEGUARD_VAR_DIR"] = os.environ.get("SAFEGUARD_VAR_DIR", "/tmp/safeguard-test-var")
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "safeguard.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SAFEGUARD_DEBUG": "maybe"}, "SAFEGUARD_DEBUG"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
        ({"SAFEGUARD_ENV": "staging"}, "SAFEGUARD_ENV"),
        ({"SAFEGUARD_EMAIL_HOST": "smtp.example", "SAFEGUARD_EMAIL_PORT": "twenty-five"}, "SAFEGUARD_EMAIL_PORT"),
        ({"SAFEGUARD_ENV": "production"}, "SAFEGUARD_SECRET_KEY"),
        ({"SAFEGUARD_ENV": "production", "SAFEGUARD_SECRET_KEY": "short"}, "SAFEGUARD_SECRET_KEY"),
        (
            {"SAFEGUARD_ENV": "production", "SAFEGUARD_SECRET_KEY": "x" * 30 + "abcdefghijklmnopqrstuvwxyz"},
            "SAFEGUARD_ALLOWED_HOSTS",
        ),
        ({"SAFEGUARD_ENV": "production", "SAFEGUARD_DEBUG": "1"}, "SAFEGUARD_DEBUG"),
    ],
)
def test_bad_environment_value_stops_start_up_naming_the_variable(overrides, named):
    result = _start(overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_secret_values_are_not_echoed():
    result = _start({"SAFEGUARD_ENV": "production", "SAFEGUARD_SECRET_KEY": "short-secret-value"})
    assert "short-secret-value" not in result.stderr


def test_development_starts_with_nothing_set():
    result = _start({})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_time_zone_and_debug_defaults(settings):
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ is True
    from safeguard import settings as real

    assert real.DEBUG is False or os.environ.get("SAFEGUARD_DEBUG")


# --- The audit log key ------------------------------------------------------------------------------

PRODUCTION = {
    "SAFEGUARD_ENV": "production",
    "SAFEGUARD_SECRET_KEY": "x" * 40 + "abcdefghijklmnopqrstuvwxyz",
    "SAFEGUARD_ALLOWED_HOSTS": "safeguard.school.example",
    "SAFEGUARD_EMAIL_HOST": "smtp.school.example",
}


def test_production_refuses_to_start_without_an_audit_key():
    result = _start(PRODUCTION)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SAFEGUARD_AUDIT_KEY is required when SAFEGUARD_ENV=production" in result.stderr
    assert "secrets.token_urlsafe(48)" in result.stderr  # it says how to make one


@pytest.mark.parametrize("value", ["too-short-a-key", "a" * 64, "abababababababababababababababababababababab"])
def test_production_refuses_a_short_or_made_up_audit_key_without_echoing_it(value):
    result = _start(PRODUCTION | {"SAFEGUARD_AUDIT_KEY": value})
    assert result.returncode != 0
    assert "SAFEGUARD_AUDIT_KEY must be at least 43 random characters" in result.stderr
    assert value not in result.stderr


@pytest.mark.parametrize("make", ["token_urlsafe", "token_hex"])
def test_production_starts_with_a_good_audit_key(make, tmp_path):
    import secrets

    key = secrets.token_urlsafe(32) if make == "token_urlsafe" else secrets.token_hex(32)
    result = _start(PRODUCTION | {"SAFEGUARD_AUDIT_KEY": key, "SAFEGUARD_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "audit_key").exists()  # production never makes a key of its own


def test_development_creates_its_audit_key_once_readable_only_by_its_owner(tmp_path):
    assert _start({"SAFEGUARD_VAR_DIR": str(tmp_path)}).returncode == 0
    path = tmp_path / "audit_key"
    key = path.read_text()
    assert len(key.strip()) >= 43
    assert path.stat().st_mode & 0o777 == 0o600
    assert _start({"SAFEGUARD_VAR_DIR": str(tmp_path)}).returncode == 0
    assert path.read_text() == key
    assert [p.name for p in tmp_path.iterdir() if "audit_key" in p.name] == ["audit_key"]  # no temporary files left


def test_the_audit_key_is_hidden_from_error_reports(settings):
    from django.views.debug import SafeExceptionReporterFilter

    shown = SafeExceptionReporterFilter().get_safe_settings()
    assert settings.AUDIT_KEY and shown["AUDIT_KEY"] == SafeExceptionReporterFilter.cleansed_substitute


def test_the_owner_connection_is_defined_only_when_its_url_is_set():
    code = "from django.conf import settings as s; print(sorted(s.DATABASES), s.DATABASE_APP_ROLE)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARD_", "DATABASE_URL", "REDIS_URL"))} | {
        "DJANGO_SETTINGS_MODULE": "safeguard.settings",
        "SAFEGUARD_VAR_DIR": os.environ.get("SAFEGUARD_VAR_DIR", "/tmp/safeguard-test-var"),
        "DATABASE_URL": "postgres://safeguard_app:pw@db:5432/safeguard",
    }

    def run(extra: dict) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", "import django; django.setup(); " + code],
            cwd=ROOT,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert run({}).stdout.split() == ["['default']", "safeguard_app"]
    owner = run({"SAFEGUARD_DATABASE_OWNER_URL": "postgres://safeguard:secret@db:5432/safeguard"})
    assert owner.stdout.split() == ["['default',", "'owner']", "safeguard_app"]
    named = run({"SAFEGUARD_DATABASE_APP_ROLE": "web_role"})
    assert named.stdout.split()[-1] == "web_role"
    sqlite = run({"DATABASE_URL": "sqlite:////tmp/x.sqlite3", "SAFEGUARD_DATABASE_OWNER_URL": "postgres://o@db/safeguard"})
    assert (
        sqlite.returncode != 0
        and "SAFEGUARD_DATABASE_OWNER_URL is set, so DATABASE_URL must be a PostgreSQL URL" in sqlite.stderr
    )
