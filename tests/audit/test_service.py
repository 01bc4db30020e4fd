"""The audit chain detects an altered, removed or reordered event."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import select, update

from intake.audit.service import record_event, verify_chain
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
