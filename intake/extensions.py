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

# Objects stay readable after commit: views answer from them without reloading.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
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
