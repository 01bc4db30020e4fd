"""What a sender is and how one is registered: the outbox's side of each channel's sender.

Channels and services that deliver outbox rows import this module only, never the worker (which
depends on services itself: the daily retention run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.models import OutboxMessage
from intake.state import current_state, state_of


class SendError(Exception):
    """A send failed. ``permanent`` means retrying cannot help (opted out, unknown recipient)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it accepted a message."""

    provider_message_id: str | None = None
    status: str = "sent"


Sender = Callable[[Session, Keyring, OutboxMessage], SendResult]


def register_sender(channel: str, sender: Sender, app: Flask | None = None) -> None:
    """Make ``sender`` deliver outbox rows of ``channel`` in ``app`` (by default, the app of the
    current context: create_app registers its senders inside one)."""
    state = current_state() if app is None else state_of(app)
    state.senders[channel] = sender


CycleHook = Callable[[Session, Keyring], int]


def register_cycle_hook(hook: CycleHook, app: Flask | None = None) -> None:
    """Run ``hook`` once per worker cycle of ``app`` (by default, the current one) before the
    drain (the on-call escalation sweep)."""
    hooks = (current_state() if app is None else state_of(app)).cycle_hooks
    if hook not in hooks:
        hooks.append(hook)
