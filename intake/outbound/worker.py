"""Draining the outbox: claim due rows, send each through its channel's sender, record the result.

Several workers may run at once (`flask intake worker` on several hosts): on PostgreSQL rows are
claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``; on SQLite every transaction already holds the
write lock. A claimed row is leased for a while; a worker that dies leaves it to be claimed again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.models import Message, OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


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
_senders: dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    """Make ``sender`` deliver outbox rows of ``channel``."""
    _senders[channel] = sender


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def claim_due(session: Session, limit: int = 20) -> list[int]:
    """Lease up to ``limit`` due rows to this worker and commit the lease; returns their ids."""
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status.in_(("pending", "failed")),
                (OutboxMessage.status == "sending") & (OutboxMessage.locked_until < now),
            ),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.scalars(query).all()
    for row in rows:
        row.status = "sending"
        row.locked_until = now + LEASE
        row.attempts += 1
    ids = [row.id for row in rows]
    session.commit()
    return ids


def _record_failure(row: OutboxMessage, error: SendError) -> None:
    permanent = error.permanent or row.attempts >= MAX_ATTEMPTS
    row.status = "dead" if permanent else "failed"
    row.last_error = error.reason[:200]
    row.next_attempt_at = utcnow() + backoff(row.attempts)
    row.locked_until = None


def deliver(session: Session, keyring: Keyring, outbox_id: int) -> str:
    """Send one leased row and record the outcome in its own transaction; returns the status."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None or row.status != "sending":
        session.rollback()
        return "skipped"
    message = session.get(Message, row.message_id) if row.message_id else None
    sender = _senders.get(row.channel)
    try:
        if sender is None:
            raise SendError(f"no sender is configured for channel {row.channel}")
        result = sender(session, keyring, row)
    except SendError as error:
        _record_failure(row, error)
        if message is not None:
            message.delivery_status = "failed" if row.status == "dead" else "retrying"
            message.delivery_error = row.last_error
        log.warning("outbox %s %s attempt %s: %s", row.id, row.status, row.attempts, error.reason)
    else:
        row.status = "sent"
        row.sent_at = utcnow()
        row.locked_until = None
        row.last_error = None
        row.provider_message_id = result.provider_message_id
        if message is not None:
            message.delivery_status = result.status
            message.delivery_error = None
            if result.provider_message_id:
                message.provider_message_id = result.provider_message_id
        log.info("outbox %s sent channel=%s", row.id, row.channel)
    status = row.status
    session.commit()
    return status


def drain_once(session: Session, keyring: Keyring, limit: int = 20) -> int:
    """Claim and deliver one batch; returns how many rows were tried."""
    ids = claim_due(session, limit)
    for outbox_id in ids:
        try:
            deliver(session, keyring, outbox_id)
        except Exception:  # keep draining: one bad row must not stop the others
            session.rollback()
            log.exception("outbox %s failed unexpectedly", outbox_id)
    return len(ids)


CycleHook = Callable[[Session, Keyring], int]
_cycle_hooks: list[CycleHook] = []


def register_cycle_hook(hook: CycleHook) -> None:
    """Run ``hook`` once per worker cycle before the drain (the on-call escalation sweep)."""
    if hook not in _cycle_hooks:
        _cycle_hooks.append(hook)


def run_cycle_hooks(session: Session, keyring: Keyring) -> int:
    """Run every cycle hook once; returns the work they did. A failing hook spares the others."""
    done = 0
    for hook in _cycle_hooks:
        try:
            done += hook(session, keyring)
        except Exception:
            session.rollback()
            log.exception("worker hook %s failed", getattr(hook, "__name__", hook))
    return done


def run_worker(app: Flask, stop: threading.Event, *, interval: float = 2.0) -> None:
    """Drain until ``stop`` is set, sleeping ``interval`` seconds when nothing is due."""
    from intake.extensions import db, get_keyring

    while not stop.is_set():
        with app.app_context():
            try:
                tried = run_cycle_hooks(db.session(), get_keyring())
                tried += drain_once(db.session(), get_keyring())
            except Exception:
                db.session.rollback()
                log.exception("outbox drain failed; retrying")
                tried = 0
            finally:
                db.session.remove()
        if not tried:
            stop.wait(interval)


def start_background_worker(app: Flask) -> threading.Event:
    """Drain the outbox in a daemon thread of this process (the embedded default)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(app, stop), name="outbox", daemon=True)
    thread.start()
    return stop
