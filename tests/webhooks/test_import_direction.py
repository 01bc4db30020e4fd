"""``webhooks/`` stays a pure adapter layer: it never imports Flask, the database or ``intake``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEBHOOKS_DIR = Path(__file__).resolve().parents[2] / "webhooks"
FORBIDDEN = frozenset({"flask", "sqlalchemy", "flask_sqlalchemy", "intake"})


def forbidden_imports(source: str) -> list[str]:
    """Top-level modules from FORBIDDEN that ``source`` imports, anywhere in the file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


def adapter_modules() -> list[Path]:
    return sorted(WEBHOOKS_DIR.rglob("*.py"))


def test_the_adapter_modules_are_found() -> None:
    names = {path.name for path in adapter_modules()}
    assert {"__init__.py", "base.py", "twilio_sms.py", "meta.py", "x.py"} <= names


@pytest.mark.parametrize("path", adapter_modules(), ids=lambda path: path.name)
def test_adapter_module_imports_no_app_or_database(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from flask import request",
        "import sqlalchemy.orm as orm",
        "from flask_sqlalchemy import SQLAlchemy",
        "from intake.submissions import service",
        "def late():\n    import intake\n",
    ],
)
def test_the_check_catches_forbidden_imports(source: str) -> None:
    assert forbidden_imports(source) != []


@pytest.mark.parametrize(
    "source", ["import flaskish", "from . import base", "from webhooks.base import PayloadError"]
)
def test_the_check_allows_everything_else(source: str) -> None:
    assert forbidden_imports(source) == []
