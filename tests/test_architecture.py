"""The house's shape (STYLE.md, "Where things live"): four floors, imports only downwards.

import-linter's layers contract (pyproject.toml, ``make lint``) keeps the floors; this adds what it
cannot see: an import of another app placed inside a function, which hides an upward import or
a cycle until the function runs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("safeguard", "cases", "referrals", "desk")


def _function_local_cross_app_imports() -> list[str]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    imported = node.module.split(".")[0] if isinstance(node, ast.ImportFrom) and node.module else None
                    if imported in APPS and imported != app:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    return found


def test_no_app_imports_another_inside_a_function():
    assert _function_local_cross_app_imports() == []


def test_the_layers_contract_is_configured():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'layers = ["desk", "referrals", "cases", "safeguard"]' in text


def _action_codes_written() -> dict[str, str]:
    """Every audit action code the apps write, as a literal, by the file that writes it."""
    codes = {}
    pattern = re.compile(r'action="((?:safeguard|cases|referrals|desk)\.[a-z_]+\.?[a-z_]*)"')
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for code in pattern.findall(path.read_text()):
                codes[code] = str(path.relative_to(ROOT))
    return codes


def test_every_audit_action_is_worded_by_the_app_it_belongs_to():
    """Each app words its own audit actions (``<app>/audit_labels.py``), by the code's namespace."""
    import importlib

    from referrals.services.steps import STEP_MOVES

    written = _action_codes_written() | {f"referrals.step.{move}": "referrals/services/steps.py" for move in STEP_MOVES}
    missing = []
    for code, where in sorted(written.items()):
        labels = importlib.import_module(f"{code.split('.')[0]}.audit_labels").ACTION_WORDS
        if code not in labels and code != "safeguard.report.exported":
            missing.append(f"{code} (written in {where})")
    assert not missing, f"Word these in their app's audit_labels.py: {missing}"


def test_no_app_words_another_apps_actions():
    import importlib

    for app in ("safeguard", "cases", "referrals", "desk"):
        labels = importlib.import_module(f"{app}.audit_labels").ACTION_WORDS
        assert all(code.startswith(f"{app}.") for code in labels), app


def test_the_domain_notes_the_code_cites_are_in_the_repository():
    cited = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            assert "DOMAIN.md" not in text, f"{path.relative_to(ROOT)} cites DOMAIN.md, which is not in the repository"
            cited |= set(re.findall(r"docs/[a-z/_-]+\.(?:md|txt)", text))
    assert "docs/domain.md" in cited
    for path in cited:
        assert (ROOT / path).exists(), path
