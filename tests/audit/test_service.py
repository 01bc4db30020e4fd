"""The audit chain detects an altered, removed, reordered or recomputed event."""

from __future__ import annotations

import hashlib
import json
from itertools import pairwise

import pytest
from sqlalchemy import select, update

from intake import crypto
from intake.audit.rules import GENESIS_HASH
from intake.audit.service import AnchorError, rechain, record_event, verify_chain
from intake.crypto import Keyring, generate_keyring_document
from intake.models import AuditEvent


def _chain(session, count: int = 5) -> None:
    for i in range(count):
        record_event(session, "tip.viewed", actor_kind="system", details={"n": i})
    session.commit()


def test_intact_chain_verifies(session) -> None:
    _chain(session)
    assert verify_chain(session) is None
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))


def test_an_altered_event_is_named(session) -> None:
    _chain(session)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="tip.closed"))
    session.commit()
    broken = verify_chain(session)
    assert broken is not None and broken.seq == 3 and broken.reason == "event was altered"


def test_a_removed_event_is_named(session) -> None:
    _chain(session)
    session.delete(session.get(AuditEvent, 2))
    session.commit()
    broken = verify_chain(session)
    assert broken is not None and broken.seq == 2 and broken.reason == "event missing"


def test_cli_verify_exits_non_zero_on_tampering(app, session) -> None:
    _chain(session)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["intake", "audit", "verify"]).exit_code == 0
    session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(details={"n": 99}))
    session.commit()
    result = runner.invoke(args=["intake", "audit", "verify"])
    assert result.exit_code == 1
    assert "event 4" in result.output


def _plain_link(prev_hash: str, event: AuditEvent) -> str:
    """The unkeyed SHA-256 link anyone can compute (what the chain used before it was keyed)."""
    canonical = json.dumps(
        {
            "seq": event.seq,
            "at": event.created_at.isoformat(timespec="microseconds"),
            "actor_kind": event.actor_kind,
            "actor": event.actor_user_id,
            "action": event.action,
            "tip": str(event.tip_id) if event.tip_id is not None else None,
            "details": event.details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def _delete_and_relink(session, seq: int, link) -> None:
    """What an attacker with database access does: delete an event, renumber, recompute."""
    session.delete(session.get(AuditEvent, seq))
    session.flush()
    later = session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))
    for event in list(later):
        session.execute(
            update(AuditEvent).where(AuditEvent.seq == event.seq).values(seq=event.seq - 1)
        )
    session.expire_all()
    prev_hash = "0" * 64
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        event.prev_hash = prev_hash
        event.hash = link(prev_hash, event)
        prev_hash = event.hash
    session.commit()


def test_a_deleted_event_with_the_chain_recomputed_is_caught(session) -> None:
    _chain(session)
    _delete_and_relink(session, 3, _plain_link)
    assert [e.seq for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))] == [
        1,
        2,
        3,
        4,
    ]
    broken = verify_chain(session)
    assert broken is not None and broken.seq == 1


def test_marking_recomputed_events_as_legacy_does_not_pass(session) -> None:
    _chain(session)
    _delete_and_relink(session, 3, _plain_link)
    session.execute(update(AuditEvent).values(key_id=None))
    session.commit()
    broken = verify_chain(session)
    assert broken is not None and broken.seq == 1 and "rechain" in broken.reason


def test_links_are_keyed_under_the_audit_key_they_name(session, keyring) -> None:
    _chain(session, 2)
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert {e.key_id for e in events} == {keyring.active("audit").key_id}
    assert events[0].hash != _plain_link(GENESIS_HASH, events[0])
    # Under a keyring without that audit key the chain cannot be checked, and says why.
    other = Keyring.from_json(json.dumps(generate_keyring_document()))
    broken = verify_chain(session, other)
    assert broken is not None and broken.seq == 1 and "not in the keyring" in broken.reason


def test_events_under_a_replaced_audit_key_still_verify(
    app, session, keyring, keyring_json, monkeypatch
) -> None:
    _chain(session, 2)
    rotated = Keyring.from_json(json.dumps(crypto.add_key(json.loads(keyring_json), "audit")))
    assert rotated.active("audit").key_id != keyring.active("audit").key_id
    monkeypatch.setattr(app.extensions["intake"], "keyring", rotated)
    _chain(session, 2)
    assert verify_chain(session) is None
    key_ids = [e.key_id for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert key_ids == [keyring.active("audit").key_id] * 2 + [rotated.active("audit").key_id] * 2
    # A keyring that dropped the old audit key can no longer vouch for the old events.
    document = crypto.add_key(json.loads(keyring_json), "audit")
    first_audit = next(k for k in document["keys"] if k["purpose"] == "audit")
    document["keys"].remove(first_audit)
    broken = verify_chain(session, Keyring.from_json(json.dumps(document)))
    assert broken is not None and broken.seq == 1 and "not in the keyring" in broken.reason


def test_legacy_links_fail_until_rechained(session) -> None:
    _chain(session)
    prev_hash = GENESIS_HASH
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        event.key_id, event.prev_hash = None, prev_hash
        event.hash = prev_hash = _plain_link(prev_hash, event)
    session.commit()
    record_event(session, "tip.viewed", details={"n": "after the upgrade"})
    session.commit()  # the first keyed event links from the legacy head
    broken = verify_chain(session)
    assert broken is not None and broken.seq == 1 and "rechain" in broken.reason
    assert rechain(session) == 6
    session.commit()
    assert verify_chain(session) is None
    assert None not in {e.key_id for e in session.scalars(select(AuditEvent))}


def test_rechain_refuses_a_broken_chain_and_unkeyed_events_after_keyed_ones(session) -> None:
    _chain(session)
    event = session.get(AuditEvent, 4)
    event.key_id, event.hash = None, _plain_link(event.prev_hash, event)
    session.commit()
    with pytest.raises(AnchorError, match="event 4: unkeyed event after keyed events"):
        rechain(session)
    session.rollback()
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="tip.closed"))
    session.commit()
    with pytest.raises(AnchorError, match="event 2"):
        rechain(session)


def test_a_tip_and_its_audit_event_are_written_in_one_flush(session, keyring) -> None:
    # The chain is appended at commit with its own INSERT, not a second flush of the session;
    # the events are then rows of the session like any other.
    from sqlalchemy import event as sa_event

    from tests.factories import make_tip

    flushes: list[int] = []
    real = session()

    def count(*_: object) -> None:
        flushes.append(1)

    sa_event.listen(real, "after_flush", count)
    try:
        created = make_tip(session, keyring)
        session.commit()
    finally:
        sa_event.remove(real, "after_flush", count)
    assert flushes == [1]
    event = session.scalars(select(AuditEvent).where(AuditEvent.tip_id == created.tip_id)).one()
    assert event.action == "tip.submitted"
    assert verify_chain(session) is None


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_a_savepoints_rollback_drops_only_the_events_recorded_inside_it(session) -> None:
    """A refused step (one tip of a bulk action, one message of a webhook batch) must not take
    the audit events of the steps before and after it along: the audit log would lose them."""
    from intake.audit.service import savepoint

    record_event(session, "before", actor_kind="system")
    for name, fails in (("first", False), ("refused", True), ("third", False)):
        try:
            with savepoint(session):
                record_event(session, name, actor_kind="system")
                if fails:
                    raise ValueError(name)
        except ValueError:
            pass
    with savepoint(session):  # nested savepoints: the inner one's rollback keeps the outer's
        record_event(session, "outer", actor_kind="system")
        try:
            with savepoint(session):
                record_event(session, "inner", actor_kind="system")
                raise ValueError
        except ValueError:
            pass
    record_event(session, "after", actor_kind="system")
    session.commit()
    assert _actions(session) == ["before", "first", "third", "outer", "after"]
    assert verify_chain(session) is None


def test_a_plain_begin_nested_in_a_channel_batch_keeps_the_others_events(session) -> None:
    record_event(session, "kept", actor_kind="system")
    try:
        with session.begin_nested():
            record_event(session, "dropped", actor_kind="system")
            raise ValueError
    except ValueError:
        pass
    session.commit()
    assert _actions(session) == ["kept"]
    record_event(session, "gone", actor_kind="system")
    session.rollback()  # the transaction's rollback drops all its events
    record_event(session, "next", actor_kind="system")
    session.commit()
    assert _actions(session) == ["kept", "next"]
