"""Recording and verifying audit events."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached, scoped_session

from intake.audit.rules import (
    ANCHOR_FIELDS,
    ANCHOR_VERSION,
    GENESIS_HASH,
    anchor_signature_ok,
    canonical_event,
    event_hash,
    legacy_event_hash,
    sign_anchor,
)
from intake.crypto import Keyring, KeyringError
from intake.extensions import get_keyring
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
# Savepoints open in the transaction, and how many events were pending when each began.
_MARKS = "intake.audit_savepoints"
# Built once, in Core: the chain's head is read and the events inserted at every commit, on the
# session's connection (the ORM's execution layer would cost more than the statements).
_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_HEAD = select(_TABLE.c.seq, _TABLE.c.hash).order_by(_TABLE.c.seq.desc()).limit(1)
_INSERT = insert(_TABLE)


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


def event_canonical(event: Any) -> str:
    """The canonical JSON of an event row (what its link covers)."""
    return canonical_event(
        seq=event.seq,
        created_at=event.created_at,
        actor_kind=event.actor_kind,
        actor_user_id=event.actor_user_id,
        action=event.action,
        tip_id=event.tip_id,
        details=event.details or {},
    )


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A savepoint (re-raising whatever the block raised): its rollback drops the events recorded
    inside it and keeps the others (see :func:`install_chain_hooks`)."""
    with session.begin_nested():
        yield


def _append_pending(session: Session) -> None:
    """Chain the transaction's pending events, in the order they were recorded, then add them."""
    pending: list[AuditEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    key = get_keyring().active("audit")
    session.flush()  # every other row first: their locks are taken before the chain's
    _lock_chain(session)
    connection = session.connection()
    last = connection.execute(_HEAD).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    rows = []
    for event in pending:
        seq += 1
        event.seq, event.prev_hash, event.key_id = seq, prev_hash, key.key_id
        event.hash = event_hash(key, prev_hash=prev_hash, canonical=event_canonical(event))
        prev_hash = event.hash
        rows.append({column.key: getattr(event, column.key) for column in _TABLE.columns})
    # One INSERT of every event rather than a second flush of the session (the unit of work
    # costs more than the statement); then the events are persistent rows of the session, as
    # if the session had flushed them.
    connection.execute(_INSERT, rows)
    for event in pending:
        make_transient_to_detached(event)
        session.add(event)


def _forget_pending(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_MARKS, None)


def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    """At a savepoint's start, remember how many events were recorded before it."""
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, []))


def _end_transaction(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint's mark stays until its rollback reads it (this event comes first) or the
    # transaction ends.
    if not transaction.nested and transaction.parent is None:
        session.info.pop(_MARKS, None)


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    """A savepoint's rollback drops the events recorded inside it; the transaction's, all."""
    mark = session.info.get(_MARKS, {}).pop(previous, None) if previous.nested else None
    if mark is None:
        _forget_pending(session)
    else:
        del session.info.get(_PENDING, [])[mark:]


def has_pending_events(session: Session) -> bool:
    """Whether ``session`` holds recorded events that its next commit will append."""
    return bool(session.info.get(_PENDING))


def discard_pending_events(session: Session) -> None:
    """Forget recorded events of a transaction that ends without a commit."""
    _forget_pending(session)


def install_chain_hooks(sessions: scoped_session[Any]) -> None:
    """Make the sessions of ``sessions`` chain their recorded events at commit (under the
    current app's audit key) and forget them on rollback.

    ``sessions`` is the apps' session (Flask-SQLAlchemy's ``db.session``: the one requests, CLI
    commands, workers and tests use), not SQLAlchemy's Session class: a session of some other
    engine or library gets no hooks. init_database calls this; calling it again changes nothing.
    """
    if not sa_event.contains(sessions, "before_commit", _append_pending):
        sa_event.listen(sessions, "before_commit", _append_pending)
        # Every rollback, a savepoint's included ("after_rollback" would not say which one).
        sa_event.listen(sessions, "after_soft_rollback", _after_rollback)
        sa_event.listen(sessions, "after_transaction_create", _mark_savepoint)
        sa_event.listen(sessions, "after_transaction_end", _end_transaction)


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first fails to verify."""

    seq: int
    reason: str


@dataclass(frozen=True)
class ChainHead:
    """The last event of a chain that verified, and how many events it holds."""

    seq: int
    hash: str


class AnchorError(Exception):
    """An anchor file is malformed or its signature does not verify."""


def _chain_rows(session: Session, batch_size: int) -> Iterator[Any]:
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
                AuditEvent.key_id,
            )
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq


def walk_chain(
    session: Session,
    keyring: Keyring | None = None,
    *,
    allow_legacy: bool = False,
    batch_size: int = 5000,
) -> BrokenLink | ChainHead:
    """Walk the chain from the start: the first altered, removed or reordered event, or the head.

    Each keyed link is checked under the audit key its event names (older audit keys stay in the
    keyring). An unkeyed legacy link can be recomputed by anyone who can write to the database,
    so it fails verification unless ``allow_legacy`` (``rechain`` reads them), and even then is
    accepted only before the first keyed link: nobody may append unkeyed events.
    """
    keyring = keyring or get_keyring()
    expected_seq, prev_hash = 1, GENESIS_HASH
    keyed_seen = False
    for event in _chain_rows(session, batch_size):
        if event.seq != expected_seq:
            return BrokenLink(expected_seq, "event missing")
        if event.prev_hash != prev_hash:
            return BrokenLink(event.seq, "previous hash does not match")
        canonical = event_canonical(event)
        if event.key_id is None:
            if keyed_seen:
                return BrokenLink(event.seq, "unkeyed event after keyed events")
            if not allow_legacy:
                return BrokenLink(
                    event.seq, "event has an unkeyed link: run `flask intake audit rechain`"
                )
            recomputed = legacy_event_hash(prev_hash=prev_hash, canonical=canonical)
        else:
            keyed_seen = True
            try:
                key = keyring.hmac_key("audit", event.key_id)
            except KeyringError:
                return BrokenLink(event.seq, f"audit key {event.key_id!r} is not in the keyring")
            recomputed = event_hash(key, prev_hash=prev_hash, canonical=canonical)
        if not hmac.compare_digest(recomputed, event.hash):
            return BrokenLink(event.seq, "event was altered")
        prev_hash, expected_seq = event.hash, event.seq + 1
    return ChainHead(expected_seq - 1, prev_hash)


def verify_chain(
    session: Session, keyring: Keyring | None = None, *, batch_size: int = 5000
) -> BrokenLink | None:
    """The first altered, removed, reordered or unkeyed event, or None when the chain holds."""
    result = walk_chain(session, keyring, batch_size=batch_size)
    return result if isinstance(result, BrokenLink) else None


def make_anchor(session: Session, keyring: Keyring | None = None) -> dict[str, Any]:
    """A signed statement of the verified chain's head; AnchorError if the chain is broken."""
    keyring = keyring or get_keyring()
    head = walk_chain(session, keyring)
    if isinstance(head, BrokenLink):
        raise AnchorError(f"the chain is broken at event {head.seq}: {head.reason}")
    return sign_anchor(
        keyring.active("audit"), seq=head.seq, head_hash=head.hash, count=head.seq, at=utcnow()
    )


def check_anchor(
    session: Session, anchor: Any, keyring: Keyring | None = None
) -> BrokenLink | None:
    """Verify the chain and that it still reaches the anchored head; AnchorError for a bad file.

    Catches what a keyed chain alone cannot: an insider holding the audit key who rewrites events
    before the anchor, or anyone who deletes the newest events (truncation leaves a valid chain).
    """
    keyring = keyring or get_keyring()
    if not isinstance(anchor, dict) or not all(name in anchor for name in ANCHOR_FIELDS):
        raise AnchorError("the anchor file is not an audit anchor")
    if anchor["version"] != ANCHOR_VERSION or not isinstance(anchor["seq"], int):
        raise AnchorError("the anchor file is not an audit anchor")
    try:
        key = keyring.hmac_key("audit", str(anchor["key_id"]))
    except KeyringError:
        raise AnchorError("the anchor names an audit key that is not in the keyring") from None
    if not anchor_signature_ok(key, anchor):
        raise AnchorError("the anchor's signature does not verify")
    broken = verify_chain(session, keyring)
    if broken is not None:
        return broken
    seq = anchor["seq"]
    if seq == 0:
        return None
    row = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq)).first()
    if row is None:
        return BrokenLink(seq, "the anchored head is missing: events were deleted")
    if not hmac.compare_digest(row.hash, str(anchor["hash"])):
        return BrokenLink(seq, "the anchored head was rewritten")
    return None


def rechain(session: Session, keyring: Keyring | None = None, *, batch_size: int = 5000) -> int:
    """Re-link every event under the active audit key, after checking the chain as it stands.

    For chains begun before keyed links (legacy SHA-256 links are checked, then replaced) and to
    move a chain onto a new audit key. Refuses a broken chain: re-linking would launder the
    tampering. Holds the chain lock until the caller commits. Returns how many events it linked.
    """
    keyring = keyring or get_keyring()
    _lock_chain(session)
    head = walk_chain(session, keyring, allow_legacy=True, batch_size=batch_size)
    if isinstance(head, BrokenLink):
        raise AnchorError(f"the chain is broken at event {head.seq}: {head.reason}")
    key = keyring.active("audit")
    prev_hash, count = GENESIS_HASH, 0
    last_seq = 0
    while True:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch_size)
        ).all()
        if not events:
            break
        for event in events:
            event.prev_hash, event.key_id = prev_hash, key.key_id
            event.hash = event_hash(key, prev_hash=prev_hash, canonical=event_canonical(event))
            prev_hash = event.hash
        count += len(events)
        last_seq = events[-1].seq
        session.flush()
    return count
