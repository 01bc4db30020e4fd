"""Fixtures: a real database (SQLite by default, PostgreSQL when DATABASE_URL names one), migrated
once per session with Alembic, cleaned between tests; the app built from the factory."""

from __future__ import annotations

import json
import os
import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageFile
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from intake import create_app
from intake.crypto import Keyring, generate_keyring_document
from intake.extensions import db, limiter

REPO_ROOT = Path(__file__).resolve().parent.parent
# Real city files copied into the repository (tests/data/README.md names their source).
TEST_DATA = REPO_ROOT / "tests" / "data"

# Rows tests create; reference tables (districts, queues, categories, places) are kept.
DYNAMIC_TABLES = (
    "canned_reply",
    "search_token",
    "tip_link",
    "tip_awaiting",
    "lifecycle_run",
    "key_epoch",
    "legal_hold",
    "forget_request",
    "reward",
    "priority_choice",
    "priority_response",
    "audit_event",
    "alert_step",
    "urgent_alert",
    "tip_correction",
    "notify_route",
    "oncall_member",
    "outbox_message",
    "inbound_event",
    "attachment",
    "note",
    "message",
    "tip",
    "reporter",
    "staff_session",
    "api_token",
    "login_failure",
    "enrolment",
    "queue_membership",
    "user",
)


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql")) else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this test session: a new PostgreSQL database, or a SQLite file."""
    server_url = _postgres_url()
    if server_url is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'intake.db'}"
        return
    url = make_url(server_url.replace("postgres://", "postgresql://", 1))
    url = url.set(drivername="postgresql+psycopg")
    name = f"intake_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def keyring_json() -> str:
    """One keyring for the session (tests that rotate keys build their own)."""
    return json.dumps(generate_keyring_document())


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance folder outside the repository."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app_config(database_url: str, keyring_json: str, instance_path: Path) -> dict[str, Any]:
    """Settings overrides every test app starts from."""
    return {
        "env": "testing",
        "reference_cache_seconds": 0,
        "database_url": database_url,
        "keyring_json": keyring_json,
        "instance_path": str(instance_path),
        "secret_key": "test-secret-key-" + "x" * 32,
        "public_base_url": "https://tips.example.test",
    }


@pytest.fixture(scope="session")
def session_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app, with the database migrated to head and the demo city loaded."""
    from flask_migrate import upgrade

    from intake.bootstrap.service import load_demo_city

    app = create_app(app_config)
    with app.app_context():
        upgrade()
        load_demo_city(db.session)
        db.session.commit()
    yield app
    _dispose(app)


def _dispose(app: Flask) -> None:
    """Close an app's pooled connections (PostgreSQL warns about ones left to the collector)."""
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _clean(app: Flask) -> None:
    with app.app_context():
        db.session.rollback()
        for table in DYNAMIC_TABLES:
            db.session.execute(delete(db.metadata.tables[table]))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app(session_app: Flask) -> Iterator[Flask]:
    """The app for one test; rows the test wrote are removed afterwards."""
    limiter.reset()
    yield session_app
    _clean(session_app)
    limiter.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The database session inside an app context."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def keyring(app: Flask) -> Keyring:
    """The app's keyring."""
    keyring: Keyring = app.extensions["intake"].keyring
    return keyring


@pytest.fixture
def make_app(app_config: dict[str, Any], session_app: Flask) -> Iterator[Any]:
    """Build another app on the same database with extra settings."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        new_app = create_app({**app_config, **overrides})
        built.append(new_app)
        return new_app

    yield factory
    for built_app in built:
        _dispose(built_app)
    _clean(session_app)
    # The limiter is one object shared by every app; give it back to the session app.
    limiter.init_app(session_app)
    limiter.reset()


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pillow's bomb warning only printed, as in production, and any decode of pixels fails."""

    def refuse_to_decode(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield
