"""An anchor kept outside the database catches truncation and rewriting by a key holder."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from intake.audit.rules import event_hash
from intake.audit.service import (
    AnchorError,
    check_anchor,
    event_canonical,
    make_anchor,
    record_event,
    verify_chain,
)
from intake.models import AuditEvent


def _chain(session, count: int = 5) -> None:
    for i in range(count):
        record_event(session, "tip.viewed", actor_kind="system", details={"n": i})
    session.commit()


def test_an_anchor_names_the_head_and_is_signed(session, keyring) -> None:
    _chain(session)
    anchor = make_anchor(session)
    head = session.get(AuditEvent, 5)
    assert (anchor["seq"], anchor["count"], anchor["hash"]) == (5, 5, head.hash)
    assert anchor["key_id"] == keyring.active("audit").key_id
    assert check_anchor(session, anchor) is None


def test_events_after_the_anchor_are_fine(session) -> None:
    _chain(session)
    anchor = make_anchor(session)
    _chain(session, 3)
    assert check_anchor(session, anchor) is None


def test_truncation_after_the_anchor_is_caught(session) -> None:
    _chain(session)
    anchor = make_anchor(session)
    _chain(session, 2)
    # Deleting the newest events leaves a chain that verifies on its own.
    session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    session.commit()
    assert verify_chain(session) is None
    broken = check_anchor(session, anchor)
    assert broken is not None and broken.seq == 5 and "deleted" in broken.reason


def test_rewriting_before_the_anchor_with_the_key_is_caught(session, keyring) -> None:
    _chain(session)
    anchor = make_anchor(session)
    # An insider holding the audit key edits event 2 and recomputes every later link.
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(details={"n": 99}))
    session.commit()
    session.expire_all()
    key = keyring.active("audit")
    prev_hash = session.get(AuditEvent, 1).hash
    for event in session.scalars(select(AuditEvent).where(AuditEvent.seq >= 2).order_by("seq")):
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(
            key, prev_hash=prev_hash, canonical=event_canonical(event)
        )
    session.commit()
    assert verify_chain(session) is None
    broken = check_anchor(session, anchor)
    assert broken is not None and broken.seq == 5 and "rewritten" in broken.reason


@pytest.mark.parametrize(
    "change",
    [{"seq": 4}, {"hash": "0" * 64}, {"count": 1}, {"signature": "0" * 64}, {"key_id": "nope"}],
)
def test_an_edited_anchor_is_refused(session, change) -> None:
    _chain(session)
    anchor = {**make_anchor(session), **change}
    with pytest.raises(AnchorError):
        check_anchor(session, anchor)


@pytest.mark.parametrize("document", [[], {"seq": 1}, {"version": 2}, "anchor"])
def test_something_else_is_not_an_anchor(session, document) -> None:
    with pytest.raises(AnchorError, match="not an audit anchor"):
        check_anchor(session, document)


def test_no_anchor_of_a_broken_chain(session) -> None:
    _chain(session)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="tip.closed"))
    session.commit()
    with pytest.raises(AnchorError, match="event 3"):
        make_anchor(session)


def test_cli_anchor_then_verify_against_it(app, session, tmp_path) -> None:
    _chain(session)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["intake", "audit", "anchor"])
    assert printed.exit_code == 0, printed.output
    anchor_file = tmp_path / "anchor.json"
    anchor_file.write_text(printed.output)
    assert json.loads(printed.output)["seq"] == 5
    verified = runner.invoke(args=["intake", "audit", "verify", "--anchor", str(anchor_file)])
    assert verified.exit_code == 0 and "reaches the anchor" in verified.output

    session.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    session.commit()
    assert runner.invoke(args=["intake", "audit", "verify"]).exit_code == 0
    truncated = runner.invoke(args=["intake", "audit", "verify", "--anchor", str(anchor_file)])
    assert truncated.exit_code == 1 and "event 5" in truncated.output

    anchor_file.write_text("not json")
    refused = runner.invoke(args=["intake", "audit", "verify", "--anchor", str(anchor_file)])
    assert refused.exit_code == 1 and "Anchor refused" in refused.output


def test_cli_rechain_relinks_an_intact_chain_and_refuses_an_unverifiable_one(app, session) -> None:
    _chain(session, 3)
    runner = app.test_cli_runner()
    relinked = runner.invoke(args=["intake", "audit", "rechain"])
    assert relinked.exit_code == 0 and "Re-linked 3" in relinked.output
    assert verify_chain(session) is None
    session.execute(update(AuditEvent).values(key_id="stale"))
    session.commit()
    refused = runner.invoke(args=["intake", "audit", "rechain"])
    assert refused.exit_code == 1 and "Not re-linked" in refused.output
    assert set(session.scalars(select(AuditEvent.key_id))) == {"stale"}
