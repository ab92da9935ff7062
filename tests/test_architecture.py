"""The house's shape (STYLE.md, "Where things live"): four floors, imports only downwards.

import-linter's layers contract (pyproject.toml, ``make lint``) keeps the floors; this adds what it
cannot see: an import of another app placed inside a function, which hides an upward import or
a cycle until the function runs."""

from __future__ import annotations

import ast
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
                    if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in APPS:
                        if node.module.split(".")[0] != app:
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    return found


def test_no_app_imports_another_inside_a_function():
    assert _function_local_cross_app_imports() == []


def test_the_layers_contract_is_configured():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'layers = ["desk", "referrals", "cases", "safeguard"]' in text
