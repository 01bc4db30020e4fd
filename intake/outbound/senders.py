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

# The key of an outbox row's payload that marks an earlier attempt whose outcome is unknown: the
# provider may have accepted it (a read timeout, a connection dropped after the request went, a
# worker that died during the send). A sender that can look its sends up reconciles before it
# sends again (intake.channels.twilio_sender); the worker removes the mark once a send is
# recorded.
UNSURE = "unsure"


class SendError(Exception):
    """A send failed. ``permanent`` means retrying cannot help (opted out, unknown recipient);
    ``unknown`` that the provider may have accepted it all the same (no answer came back)."""

    def __init__(self, reason: str, *, permanent: bool = False, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.unknown = unknown


def is_unsure(row: OutboxMessage) -> bool:
    """True when an earlier attempt at ``row`` may have reached the provider."""
    return bool((row.payload or {}).get(UNSURE))


def mark_unsure(row: OutboxMessage, unsure: bool) -> None:
    """Set or clear the mark of an attempt whose outcome is unknown (a new dict: JSON columns
    track assignment, not mutation)."""
    payload = dict(row.payload or {})
    if unsure:
        payload[UNSURE] = True
    else:
        payload.pop(UNSURE, None)
    if payload != (row.payload or {}):
        row.payload = payload


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
