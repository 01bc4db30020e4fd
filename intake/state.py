"""What one application holds for itself: ``app.extensions["intake"]``.

Nothing ``create_app`` decides lives in a module: a process may build several apps (the tests
build many, with other settings or another city), and each keeps its settings, keyring, caches,
outbox senders and access rules here, where no other app sees them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from intake.config import Settings
from intake.crypto import Keyring

if TYPE_CHECKING:
    from intake.access import AccessRule
    from intake.api import Api
    from intake.outbound.senders import CycleHook, Sender

EXTENSION_KEY = "intake"


@dataclass
class _Entry:
    value: Any
    read_at: float
    generation: int


class Caches:
    """Values read from the database and trusted for ``ttl`` seconds (REFERENCE_CACHE_SECONDS).

    One rule for every cache of the app (categories and queues, the district index and
    gazetteer): an entry is fresh while it is younger than ``ttl`` and no :meth:`invalidate`
    came after it. A change made by the CLI in another process is seen within ``ttl``; one made
    in this process invalidates at once.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.generation = 0
        # Held while an expensive entry (the district index) is rebuilt: one build at a time.
        self.lock = threading.Lock()
        self._entries: dict[Hashable, _Entry] = {}

    def fresh(self, key: Hashable) -> Any | None:
        """The value stored under ``key`` if it is still fresh, else None."""
        entry = self._entries.get(key)
        if entry is None or entry.generation != self.generation:
            return None
        return entry.value if time.monotonic() - entry.read_at < self.ttl else None

    def stale(self, key: Hashable) -> Any | None:
        """The value stored under ``key`` whatever its age (to check whether it still holds)."""
        entry = self._entries.get(key)
        return None if entry is None else entry.value

    def store(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, fresh from now."""
        self._entries[key] = _Entry(value, time.monotonic(), self.generation)

    def invalidate(self) -> None:
        """Make every entry stale (after this process changed what they were read from)."""
        with self.lock:
            self.generation += 1


@dataclass(eq=False)
class IntakeState:
    """One app's own state."""

    settings: Settings
    keyring: Keyring
    caches: Caches
    # Outbox channel -> the function delivering its rows (see intake.outbound.worker).
    senders: dict[str, Sender] = field(default_factory=dict)
    # Run once per worker cycle before the drain (the on-call escalation sweep).
    cycle_hooks: list[CycleHook] = field(default_factory=list)
    # Blueprint name -> who may use it (intake.access).
    access: dict[str, AccessRule] = field(default_factory=dict)
    # Path prefix -> the HTML error page of that part of the site (intake.errors).
    error_pages: dict[str, Callable[[int, str], str]] = field(default_factory=dict)
    # The app's flask-smorest Api and OpenAPI document (intake.api).
    api: Api | None = None
    # When this app's worker next looks whether the daily retention run is due (monotonic).
    next_retention_check: float = 0.0


def install(app: Flask, state: IntakeState) -> IntakeState:
    """Give ``app`` its state (create_app, once)."""
    app.extensions[EXTENSION_KEY] = state
    return state


def state_of(app: Flask) -> IntakeState:
    """The state of ``app``."""
    state: IntakeState = app.extensions[EXTENSION_KEY]
    return state


def current_state() -> IntakeState:
    """The state of the app of the current application context."""
    state: IntakeState = current_app.extensions[EXTENSION_KEY]
    return state
