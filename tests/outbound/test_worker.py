"""The outbox worker: urgent rows first, one row leased at a time, leases renewed while the
worker lives and taken over when it dies, and no write from a claim that was taken over."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.extensions import db
from intake.models import OutboxMessage, utcnow
from intake.outbound.senders import SendError, SendResult, is_unsure
from intake.outbound.worker import (
    MAX_ATTEMPTS,
    Claim,
    LeaseKeeper,
    claim_due,
    deliver,
    drain_once,
)
from intake.state import current_state
from tests.factories import make_tip

CHANNEL = "test_echo"
EMERGENCY = "He has a gun and says he will shoot everyone at Alder Park tonight."


@pytest.fixture
def sent(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the rows the ``test_echo`` sender was handed, in order."""
    handed: list[int] = []

    def echo(_session: Session, _keyring: Keyring, row: OutboxMessage) -> SendResult:
        handed.append(row.id)
        return SendResult(provider_message_id=f"echo-{row.id}")

    monkeypatch.setitem(app.extensions["intake"].senders, CHANNEL, echo)
    return handed


def queue_row(session: Session, **fields: Any) -> int:
    """One committed outbox row of the test channel; returns its id."""
    row = OutboxMessage(kind="reply", channel=CHANNEL, **fields)
    session.add(row)
    session.commit()
    return row.id


def app_sender(_session: Session) -> Any:
    """The sender the current app has for the test channel."""
    return current_state().senders[CHANNEL]


def set_sender(monkeypatch: pytest.MonkeyPatch, sender: Any) -> None:
    """Deliver the test channel with ``sender`` in the current app, for this test only."""
    monkeypatch.setitem(current_state().senders, CHANNEL, sender)


def lapse_leases(session: Session) -> None:
    """Move every lease into the past, as time does to a dead worker's rows."""
    session.execute(update(OutboxMessage).values(locked_until=utcnow() - timedelta(seconds=1)))
    session.commit()


def row_values(session: Session, outbox_id: int) -> OutboxMessage:
    """The row as the database has it now, detached."""
    session.expire_all()
    row = session.get(OutboxMessage, outbox_id)
    assert row is not None
    session.expunge(row)
    session.rollback()
    return row


def test_an_emergency_alert_is_claimed_before_replies_queued_earlier(session, keyring):
    reply = queue_row(session, next_attempt_at=utcnow() - timedelta(minutes=10))
    make_tip(session, keyring, narrative=EMERGENCY)
    alerts = session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "notification"))
    assert list(alerts)
    (first,) = claim_due(session, 1)
    assert row_values(session, first.outbox_id).kind == "notification"
    later = [claim.outbox_id for claim in claim_due(session, 10)]
    assert later[-1] == reply


def test_a_dead_workers_row_is_sent_once_by_the_next_worker(session, keyring, sent, monkeypatch):
    outbox_id = queue_row(session)
    (dead_claim,) = claim_due(session, 1)
    assert claim_due(session, 1) == []  # leased: nobody else takes it
    lapse_leases(session)  # the worker died: nothing renews its lease
    (new_claim,) = claim_due(session, 1)
    assert new_claim == Claim(outbox_id, dead_claim.token + 1)
    # The dead worker's send may have reached the provider: the next sender is told to look.
    handed_unsure: list[bool] = []
    echo = app_sender(session)

    def checking(s: Session, k: Keyring, row: OutboxMessage) -> SendResult:
        handed_unsure.append(is_unsure(row))
        return echo(s, k, row)

    set_sender(monkeypatch, checking)
    assert deliver(session, keyring, new_claim) == "sent"
    assert handed_unsure == [True]
    # A worker that only seemed dead (paused, cut off) finds its claim gone: it sends nothing.
    assert deliver(session, keyring, dead_claim) == "skipped"
    assert sent == [outbox_id]
    row = row_values(session, outbox_id)
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 2, f"echo-{outbox_id}")
    assert not is_unsure(row)  # recorded: the mark is gone


def test_a_send_whose_outcome_is_unknown_marks_the_row_for_a_check(
    session, keyring, app, monkeypatch
):
    outbox_id = queue_row(session)

    def timed_out(_s: Session, _k: Keyring, _row: OutboxMessage) -> SendResult:
        raise SendError("Twilio unreachable (ReadTimeout)", unknown=True)

    set_sender(monkeypatch, timed_out)
    (claim,) = claim_due(session, 1)
    assert deliver(session, keyring, claim) == "failed"
    assert is_unsure(row_values(session, outbox_id))


def test_a_renewed_lease_keeps_the_row_and_a_taken_over_one_is_not_renewed(session, app):
    outbox_id = queue_row(session)
    (claim,) = claim_due(session, 1)
    lapse_leases(session)
    keeper = LeaseKeeper(db.engine, timedelta(seconds=15))
    with keeper.holding(claim):
        assert keeper.renew() == 1
        assert claim_due(session, 1) == []  # still this worker's
        lapse_leases(session)
        (taken,) = claim_due(session, 1)
        assert taken.token == claim.token + 1
        assert keeper.renew() == 0  # the old claim renews nothing of the new owner's
    assert keeper.renew() == 0  # released: nothing held
    assert row_values(session, outbox_id).attempts == 2


def test_a_sender_that_crashes_is_retried_later_like_any_failure(
    app, session, keyring, monkeypatch
):
    def crash(_session: Session, _keyring: Keyring, _row: OutboxMessage) -> SendResult:
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.extensions["intake"].senders, CHANNEL, crash)
    outbox_id = queue_row(session)
    assert drain_once(session, keyring) == 1
    row = row_values(session, outbox_id)
    assert (row.status, row.attempts, row.locked_until) == ("failed", 1, None)
    assert row.last_error == "unexpected error in the sender (RuntimeError)"
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)


def test_a_row_whose_send_kills_every_worker_ends_dead(session, keyring, sent):
    outbox_id = queue_row(
        session, status="sending", attempts=MAX_ATTEMPTS, locked_until=utcnow() - timedelta(1)
    )
    assert drain_once(session, keyring) == 1
    row = row_values(session, outbox_id)
    assert (row.status, row.last_error) == ("dead", "its worker stopped during every attempt")
    assert sent == []


def test_one_drain_sends_rows_queued_while_it_runs(app, session, keyring, monkeypatch):
    """Claims are one at a time: what a send queues (an alert split by route) goes next."""
    handed: list[int] = []

    def echo_and_queue(s: Session, _keyring: Keyring, row: OutboxMessage) -> SendResult:
        handed.append(row.id)
        if len(handed) == 1:
            s.add(OutboxMessage(kind="notification", channel=CHANNEL, priority=0))
        return SendResult()

    monkeypatch.setitem(app.extensions["intake"].senders, CHANNEL, echo_and_queue)
    first, second = queue_row(session), queue_row(session)
    assert drain_once(session, keyring) == 3
    alert = session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "notification"))
    assert handed == [first, alert, second]


class CountingKeeper(LeaseKeeper):
    """A LeaseKeeper that tells how many renewals it has made."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.renewals = 0
        self.renewed = threading.Condition()

    def renew(self) -> int:
        """Renew, then count it."""
        renewed = super().renew()
        with self.renewed:
            self.renewals += renewed
            self.renewed.notify_all()
        return renewed


def test_a_send_slower_than_the_lease_keeps_its_row(app, session, keyring, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("on SQLite a send holds the write lock: no worker can claim meanwhile")
    lease = timedelta(seconds=3)
    keeper = CountingKeeper(db.engine, lease)
    stolen: list[list[Claim]] = []

    def slow(_session: Session, _keyring: Keyring, row: OutboxMessage) -> SendResult:
        with keeper.renewed:  # four renewals, one a second: well past the first lease
            assert keeper.renewed.wait_for(lambda: keeper.renewals >= 4, timeout=30)
        assert utcnow() > row.created_at + lease
        with Session(db.engine) as other_worker:
            stolen.append(claim_due(other_worker, 1, lease=lease))
        return SendResult()

    monkeypatch.setitem(app.extensions["intake"].senders, CHANNEL, slow)
    outbox_id = queue_row(session)
    with keeper:
        assert drain_once(session, keyring, keeper=keeper) == 1
    assert stolen == [[]]
    row = row_values(session, outbox_id)
    assert (row.status, row.attempts) == ("sent", 1)
