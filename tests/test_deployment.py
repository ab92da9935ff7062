"""docker-compose.yml and the README describe the real application: real modules, real variables."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = {name: svc for name, svc in COMPOSE["services"].items() if svc.get("image") == "safeguard:latest"}


def _variables_read_in_production() -> set[str]:
    """The variables the settings read when started as docker-compose starts them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEGUARD_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="safeguard.settings",
        SAFEGUARD_ENV="production",
        SAFEGUARD_SECRET_KEY="x" * 40 + "abcdefghijklmnopqrstuvwxyz",
        SAFEGUARD_AUDIT_KEY="audit-key-for-this-test-only-0123456789-abcdefghijklmnop",
        SAFEGUARD_ALLOWED_HOSTS="safeguard.school.example",
        SAFEGUARD_EMAIL_HOST="smtp.school.example",
        DATABASE_URL="postgres://safeguard:pw@db:5432/safeguard",
        REDIS_URL="redis://redis:6379/0",
        SAFEGUARD_VAR_DIR="/tmp/safeguard-test-var",
    )
    code = (
        "import django, json; django.setup(); "
        "from safeguard.conf import READ_VARIABLES; print(json.dumps(sorted(READ_VARIABLES)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def variables_read():
    return _variables_read_in_production()


def test_compose_has_the_services_a_school_needs():
    assert {"db", "redis", "migrate", "web", "worker", "beat"} <= set(COMPOSE["services"])
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in COMPOSE["services"][name], f"{name} has no health check"
    assert {"postgres-data", "redis-data", "safeguard-files"} <= set(COMPOSE["volumes"])


def test_exactly_one_beat():
    beats = [name for name, svc in APP_SERVICES.items() if "beat" in svc.get("command", [])]
    assert beats == ["beat"]
    assert COMPOSE["services"]["beat"]["deploy"]["replicas"] == 1


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_each_service_command_names_real_modules(name):
    command = APP_SERVICES[name]["command"]
    if command[0] == "gunicorn":
        module, attribute = command[1].split(":")
        assert callable(getattr(importlib.import_module(module), attribute))
    elif command[0] == "celery":
        assert command[1] == "-A"
        app = importlib.import_module(command[2]).celery_app
        assert app.main == "safeguard"
        assert command[3] in {"worker", "beat"}
    elif command[:2] == ["python", "manage.py"]:
        assert command[2] in get_commands()
    else:
        pytest.fail(f"{name}: unrecognised command {command}")


def test_compose_variables_are_ones_the_settings_read(variables_read):
    for name, svc in APP_SERVICES.items():
        unknown = set(svc["environment"]) - variables_read
        assert not unknown, f"{name} sets variables the settings never read: {sorted(unknown)}"


def test_readme_documents_every_variable_the_settings_read(variables_read):
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert variables_read - documented == set(), "undocumented variables"
    assert documented - variables_read == set(), "README documents variables the settings do not read"


def test_only_the_migrate_step_connects_as_the_owner():
    """The web server, worker and beat hold only the application role's password; the migrate
    step alone gets the owner's, and the db service creates the application role on first start."""
    for name, svc in APP_SERVICES.items():
        holds_owner = "SAFEGUARD_DATABASE_OWNER_URL" in svc["environment"]
        assert holds_owner == (name == "migrate"), name
        assert svc["environment"]["DATABASE_URL"].startswith("postgres://safeguard_app:"), name
        assert "POSTGRES_PASSWORD" not in svc["environment"]["DATABASE_URL"], name
    assert COMPOSE["services"]["migrate"]["command"][:3] == ["python", "manage.py", "migrate"]
    db = COMPOSE["services"]["db"]
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    assert "SAFEGUARD_DB_APP_PASSWORD" in db["environment"]
    assert (ROOT / "docker" / "postgres-init" / "10-safeguard-app-role.sh").exists()
    readme = (ROOT / "README.md").read_text()
    assert "SAFEGUARD_DB_APP_PASSWORD=" in readme and "SAFEGUARD_AUDIT_KEY=" in readme
