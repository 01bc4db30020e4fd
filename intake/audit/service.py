"""Recording and verifying audit events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

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


def record_event(
    session: Session,
    action: str,
    *,
    actor_kind: str = "system",
    actor_user_id: int | None = None,
    tip_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain. Call it last in a transaction: it holds the chain lock.

    Everything the transaction wrote before is flushed first, so its row locks are taken before
    the chain lock: a request holding the chain lock then never waits for a row that another
    request, itself waiting for the chain lock, holds (a deadlock on PostgreSQL).
    """
    session.flush()
    _lock_chain(session)
    # No autoflush: the one flush below writes this event with the rest of the transaction.
    with session.no_autoflush:
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    created_at = utcnow()
    details = dict(details or {})
    event = AuditEvent(
        seq=seq,
        created_at=created_at,
        actor_kind=actor_kind,
        actor_user_id=actor_user_id,
        action=action,
        tip_id=tip_id,
        details=details,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash=prev_hash,
            seq=seq,
            created_at=created_at,
            actor_kind=actor_kind,
            actor_user_id=actor_user_id,
            action=action,
            tip_id=tip_id,
            details=details,
        ),
    )
    session.add(event)
    session.flush()
    return event


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
