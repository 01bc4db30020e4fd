"""Draining the outbox: claim due rows, send each through its channel's sender, record the result.

Several workers may run at once (`flask intake worker` on several hosts). A worker claims one row
at a time (on PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``; on SQLite every transaction
already holds the write lock), urgent rows first, and leases it for ``OUTBOX_LEASE_SECONDS``
(15 s). A thread of the worker renews the lease every third of it while the send goes on, so a
slow send keeps its row; a worker that dies stops renewing and its one row is claimed again
within the lease. ``attempts`` is the claim's token: a worker records an outcome, or renews a
lease, only while the row still carries the token it claimed, so it never overwrites what the
row's next owner wrote. docs/outbox.md has the whole picture, with what exactly-once cannot cover.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.extensions import db, get_keyring, get_settings
from intake.lifecycle.service import run_daily_retention
from intake.models import Message, OutboxMessage, utcnow
from intake.outbound.senders import SendError, SendResult, mark_unsure
from intake.state import current_state
from intake.unit_of_work import discard, end_read, unit_of_work

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
DEFAULT_LEASE = timedelta(seconds=15)


@dataclass(frozen=True)
class Claim:
    """A row this worker leased: its id and the row's ``attempts`` after the claim (the token)."""

    outbox_id: int
    token: int


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def claim_due(session: Session, limit: int = 1, *, lease: timedelta = DEFAULT_LEASE) -> list[Claim]:
    """Lease up to ``limit`` due rows to this worker, urgent first, and commit the lease.

    Due: waiting ("pending", "failed" and past its next attempt), or "sending" with a lapsed
    lease (its worker died or lost the database). Claim few: a row leased here waits for this
    worker, however urgent the rows queued after it.
    """
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
        .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with unit_of_work(session):
        rows = session.scalars(query).all()
        for row in rows:
            if row.status == "sending":
                log.warning("outbox %s: its worker stopped during attempt %s", row.id, row.attempts)
                # That send may have reached the provider: look before sending again.
                mark_unsure(row, True)
            row.status = "sending"
            row.locked_until = now + lease
            row.attempts += 1
        claims = [Claim(row.id, row.attempts) for row in rows]
    return claims


def _held(session: Session, claim: Claim, *, lock: bool = False) -> OutboxMessage | None:
    """The claimed row while it still carries the claim's token (locked for the write if asked)."""
    query = select(OutboxMessage).where(
        OutboxMessage.id == claim.outbox_id,
        OutboxMessage.status == "sending",
        OutboxMessage.attempts == claim.token,
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


class LeaseKeeper:
    """Renews, from its own thread and connection, the lease of the rows this worker is sending.

    Every ``lease / 3``, one short transaction moves ``locked_until`` of each held row to now +
    ``lease``, only where the row still carries the claim's token. Two renewals may fail (the
    database restarting) before another worker can take the row.
    """

    def __init__(self, engine: Engine, lease: timedelta = DEFAULT_LEASE) -> None:
        self.engine = engine
        self.lease = lease
        self._held: set[Claim] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseKeeper:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start renewing in a daemon thread (it dies with the process, as the lease must)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing; the rows still held lapse after their lease."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease.total_seconds())
            self._thread = None

    @contextmanager
    def holding(self, claim: Claim) -> Iterator[None]:
        """Renew ``claim``'s lease for the duration of the block."""
        with self._lock:
            self._held.add(claim)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(claim)

    def renew(self) -> int:
        """Extend the lease of every held row now; returns how many rows were extended."""
        with self._lock:
            held = list(self._held)
        if not held:
            return 0
        renewed = 0
        with self.engine.begin() as connection:
            for claim in held:
                renewed += _extend(connection, claim, self.lease)
        return renewed

    def _run(self) -> None:
        interval = self.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                self.renew()
            except Exception:  # the next renewal may succeed; the lease allows two misses
                log.exception("outbox lease renewal failed")


def _extend(connection: Connection, claim: Claim, lease: timedelta) -> int:
    result = connection.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == claim.outbox_id,
            OutboxMessage.status == "sending",
            OutboxMessage.attempts == claim.token,
        )
        .values(locked_until=utcnow() + lease)
    )
    return int(result.rowcount or 0)


def _record_failure(row: OutboxMessage, error: SendError) -> None:
    if error.unknown:
        mark_unsure(row, True)  # the provider may have it: the next attempt looks first
    permanent = error.permanent or row.attempts >= MAX_ATTEMPTS
    row.status = "dead" if permanent else "failed"
    row.last_error = error.reason[:200]
    row.next_attempt_at = utcnow() + backoff(row.attempts)
    row.locked_until = None


def _send(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult | SendError:
    """Hand the row to its channel's sender; the outcome, never an exception."""
    if row.attempts > MAX_ATTEMPTS:
        # Only claims that never recorded an outcome get here: a row whose send kills its worker.
        return SendError("its worker stopped during every attempt", permanent=True)
    sender = current_state().senders.get(row.channel)
    if sender is None:
        return SendError(f"no sender is configured for channel {row.channel}")
    try:
        return sender(session, keyring, row)
    except SendError as error:
        return error


def deliver(session: Session, keyring: Keyring, claim: Claim) -> str:
    """Send one leased row and record the outcome in its own transaction; returns the status.

    "skipped": the row no longer carries the claim (cancelled, or its lease lapsed and another
    worker took it), so nothing is sent or written.
    """
    row = _held(session, claim)
    if row is None:
        end_read(session)
        return "skipped"
    try:
        outcome = _send(session, keyring, row)
    except Exception as error:
        # A sender's bug: retry with backoff like any failure, not at every lapse of the lease.
        discard(session)
        log.exception("outbox %s failed unexpectedly", claim.outbox_id)
        outcome = SendError(
            f"unexpected error in the sender ({type(error).__name__})", unknown=True
        )
    # The provider has answered: from here to the commit, a worker killed would send it again.
    row = _held(session, claim, lock=True)
    if row is None:
        discard(session)
        log.warning("outbox %s: lease lost during the send; not recorded", claim.outbox_id)
        return "skipped"
    with unit_of_work(session):
        status = _record(session, row, outcome)
    return status


def _record(session: Session, row: OutboxMessage, outcome: SendResult | SendError) -> str:
    """Write the send's outcome on the row and its message; returns the row's status."""
    message = session.get(Message, row.message_id) if row.message_id else None
    if isinstance(outcome, SendError):
        _record_failure(row, outcome)
        if message is not None:
            message.delivery_status = "failed" if row.status == "dead" else "retrying"
            message.delivery_error = row.last_error
        log.warning("outbox %s %s attempt %s: %s", row.id, row.status, row.attempts, outcome.reason)
    else:
        row.status = "sent"
        mark_unsure(row, False)
        row.sent_at = utcnow()
        row.locked_until = None
        row.last_error = None
        row.provider_message_id = outcome.provider_message_id
        if message is not None:
            message.delivery_status = outcome.status
            message.delivery_error = None
            if outcome.provider_message_id:
                message.provider_message_id = outcome.provider_message_id
        log.info("outbox %s sent channel=%s", row.id, row.channel)
    return row.status


def drain_once(
    session: Session,
    keyring: Keyring,
    limit: int = 20,
    *,
    lease: timedelta = DEFAULT_LEASE,
    keeper: LeaseKeeper | None = None,
) -> int:
    """Claim and deliver due rows one at a time, at most ``limit``; returns how many were tried.

    One at a time, so an emergency alert queued meanwhile goes next, and a worker that dies
    strands one row only. Without a ``keeper``, one renews leases for the duration of the call.
    """
    if keeper is None:
        with LeaseKeeper(session.get_bind(), lease) as own_keeper:  # type: ignore[arg-type]
            return drain_once(session, keyring, limit, lease=lease, keeper=own_keeper)
    tried = 0
    while tried < limit:
        claims = claim_due(session, 1, lease=keeper.lease)
        if not claims:
            break
        tried += 1
        claim = claims[0]
        with keeper.holding(claim):
            try:
                deliver(session, keyring, claim)
            except Exception:  # keep draining: one bad row must not stop the others
                discard(session)
                log.exception("outbox %s failed unexpectedly", claim.outbox_id)
    return tried


def lease_of(app: Flask) -> timedelta:
    """The outbox lease configured for ``app`` (OUTBOX_LEASE_SECONDS)."""
    seconds: int = app.extensions["intake"].settings.outbox_lease_seconds
    return timedelta(seconds=seconds)


def run_cycle_hooks(session: Session, keyring: Keyring) -> int:
    """Run every cycle hook of the current app once; returns the work they did. A failing hook
    spares the others."""
    done = 0
    for hook in current_state().cycle_hooks:
        try:
            done += hook(session, keyring)
        except Exception:
            discard(session)
            log.exception("worker hook %s failed", getattr(hook, "__name__", hook))
    return done


def run_worker(app: Flask, stop: threading.Event, *, interval: float = 2.0) -> None:
    """Drain until ``stop`` is set, sleeping ``interval`` seconds when nothing is due."""
    with app.app_context():
        keeper = LeaseKeeper(db.engine, lease_of(app))
    with keeper:
        while not stop.is_set():
            with app.app_context():
                try:
                    tried = run_cycle_hooks(db.session(), get_keyring())
                    tried += drain_once(db.session(), get_keyring(), keeper=keeper)
                    run_daily_retention(db.session(), get_settings())  # once a day, any worker
                except Exception:
                    discard(db.session())
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
