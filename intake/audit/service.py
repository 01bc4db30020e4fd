"""Recording and verifying audit events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from intake.audit.rules import GENESIS_HASH, event_hash
from intake.models import AuditEvent, utcnow

# Any constant works; it names the one advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x1A7A4E


def _lock_chain(session: Session) -> None:
    """Serialise appends so each event sees the true previous hash.

    SQLite already holds the write lock (every transaction begins IMMEDIATE); PostgreSQL takes a
    transaction-scoped advisory lock, released at commit or rollback.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})


_PENDING = "intake.audit_pending"


def record_event(
    session: Session,
    action: str,
    *,
    actor_kind: str = "system",
    actor_user_id: int | None = None,
    tip_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to the chain when the transaction commits.

    The event gets its place in the chain (``seq``, ``prev_hash``, ``hash``) in the session's
    ``before_commit``, after every other row of the transaction is written: the chain lock is then
    held only for the final flush and the commit, and a request holding it never waits for a row
    that another request, itself waiting for the chain lock, holds (a deadlock on PostgreSQL).
    A transaction that rolls back appends nothing.
    """
    event = AuditEvent(
        created_at=utcnow(),
        actor_kind=actor_kind,
        actor_user_id=actor_user_id,
        action=action,
        tip_id=tip_id,
        details=dict(details or {}),
    )
    session.info.setdefault(_PENDING, []).append(event)
    return event


def _append_pending(session: Session) -> None:
    """Chain the transaction's pending events, in the order they were recorded, then add them."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    session.flush()  # every other row first: their locks are taken before the chain's
    _lock_chain(session)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    for event in pending:
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = event_hash(
            prev_hash=prev_hash,
            seq=seq,
            created_at=event.created_at,
            actor_kind=event.actor_kind,
            actor_user_id=event.actor_user_id,
            action=event.action,
            tip_id=event.tip_id,
            details=event.details,
        )
        prev_hash = event.hash
        session.add(event)


def _forget_pending(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING, None)


def install_chain_hooks() -> None:
    """Make every session chain its recorded events at commit and forget them on rollback.

    Every session, whoever creates it (requests, CLI commands, workers, tests), needs them, so
    they go on the Session class; create_app calls this, and calling it again changes nothing.
    """
    if not sa_event.contains(Session, "before_commit", _append_pending):
        sa_event.listen(Session, "before_commit", _append_pending)
        sa_event.listen(Session, "after_rollback", _forget_pending)


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first fails to verify."""

    seq: int
    reason: str


def verify_chain(session: Session, *, batch_size: int = 5000) -> BrokenLink | None:
    """Walk the chain from the start; the first altered, removed or reordered event, or None."""
    expected_seq, prev_hash = 1, GENESIS_HASH
    last_seq = 0
    while True:
        rows = session.execute(
            select(
                AuditEvent.seq,
                AuditEvent.created_at,
                AuditEvent.actor_kind,
                AuditEvent.actor_user_id,
                AuditEvent.action,
                AuditEvent.tip_id,
                AuditEvent.details,
                AuditEvent.prev_hash,
                AuditEvent.hash,
            )
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch_size)
        ).all()
        if not rows:
            return None
        for event in rows:
            if event.seq != expected_seq:
                return BrokenLink(expected_seq, "event missing")
            if event.prev_hash != prev_hash:
                return BrokenLink(event.seq, "previous hash does not match")
            recomputed = event_hash(
                prev_hash=event.prev_hash,
                seq=event.seq,
                created_at=event.created_at,
                actor_kind=event.actor_kind,
                actor_user_id=event.actor_user_id,
                action=event.action,
                tip_id=event.tip_id,
                details=event.details or {},
            )
            if recomputed != event.hash:
                return BrokenLink(event.seq, "event was altered")
            prev_hash, expected_seq, last_seq = event.hash, event.seq + 1, event.seq
