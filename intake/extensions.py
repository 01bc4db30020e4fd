"""Extension objects, created unbound and initialised by ``create_app``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits import RateLimitItem

from intake.config import Settings
from intake.crypto import Keyring, keyed_digest
from intake.errors import RateLimitedError, UnavailableError
from intake.models.base import Base
from intake.state import current_state

log = logging.getLogger(__name__)

# Objects stay readable after commit: views answer from them without reloading.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()


def client_key(*scope: str) -> str:
    """Rate-limit key: a keyed hash of the client address, so no address is ever stored.

    The address is hashed with the server's blind-index key and the current day; counters in
    Redis or memory hold only the digest. ``scope`` (a tip number, say) makes a key for that
    client and that thing together.
    """
    from datetime import UTC, datetime

    address = request.remote_addr or "unknown"
    day = datetime.now(UTC).strftime("%Y%m%d")
    value = ":".join((day, address, *scope))
    return ("c:" if not scope else "cs:") + keyed_digest(get_keyring(), "ratelimit", value)[:32]


limiter = Limiter(key_func=client_key, headers_enabled=True)


@dataclass(frozen=True)
class Counter:
    """One strict rate-limit counter: a limit and the (hashed) key it counts for."""

    limit: RateLimitItem
    namespace: str
    key: str


def _strictly(operation: str, counters: Sequence[Counter]) -> bool:
    """Run ``operation`` ("test" or "hit") on every counter; False if any is spent.

    Unlike the decorators (which let requests through when the store is down, see
    RATELIMIT_SWALLOW_ERRORS), a failing store here refuses the request: an endpoint that
    limits guesses must not allow unlimited guesses while Redis is away.
    """
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    allowed = True
    try:
        for counter in counters:
            call = strategy.test if operation == "test" else strategy.hit
            allowed = call(counter.limit, counter.namespace, counter.key) and allowed
    except Exception as error:  # noqa: BLE001  (any failure of the counter store closes the door)
        log.error("rate-limit store unavailable (%s)", type(error).__name__)
        raise UnavailableError() from None
    return allowed


def require_strict(counters: Sequence[Counter]) -> None:
    """RateLimitedError if any counter is spent (nothing is counted); UnavailableError if the
    store cannot say."""
    if not _strictly("test", counters):
        raise RateLimitedError()


def count_strict(counters: Sequence[Counter]) -> bool:
    """Count one attempt on every counter; False if that went over a limit. UnavailableError if
    the store cannot count."""
    return _strictly("hit", counters)


def get_keyring() -> Keyring:
    """The application's keyring."""
    return current_state().keyring


def get_settings() -> Settings:
    """The application's frozen settings."""
    return current_state().settings
