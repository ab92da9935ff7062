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
