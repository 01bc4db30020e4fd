"""Extension objects, created unbound and initialised by ``create_app``."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from intake.crypto import Keyring, keyed_digest
from intake.models.base import Base

# Constraint names are fixed so migrations can drop and alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base.metadata.naming_convention = NAMING_CONVENTION  # type: ignore[assignment]

db = SQLAlchemy(model_class=Base, metadata=Base.metadata)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()


def client_key() -> str:
    """Rate-limit key: a keyed hash of the client address, so no address is ever stored.

    The address is hashed with the server's blind-index key and the current day; counters in
    Redis or memory hold only the digest.
    """
    from datetime import UTC, datetime

    address = request.remote_addr or "unknown"
    day = datetime.now(UTC).strftime("%Y%m%d")
    return "c:" + keyed_digest(get_keyring(), "ratelimit", f"{day}:{address}")[:32]


limiter = Limiter(key_func=client_key, headers_enabled=True)


def get_keyring() -> Keyring:
    """The application's keyring."""
    keyring: Keyring = current_app.extensions["intake.keyring"]
    return keyring


def get_settings() -> Any:
    """The application's frozen settings."""
    return current_app.extensions["intake.settings"]
