"""SMS tips leave nothing linkable at Twilio: SIDs kept as digests, every message deleted there."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from intake.channels.conversation import provider_key
from intake.channels.twilio_sender import DELETE_CHANNEL
from intake.extensions import db
from intake.models import InboundEvent, Message, OutboxMessage, Tip, utcnow
from intake.outbound.service import enqueue_reply
from intake.outbound.worker import drain_once
from tests.channels.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SMS_PATH,
    TwilioStub,
    post_signed,
    reply_of,
    sms_form,
)
from tests.privacy_scan import find_in_database

NARRATIVE = "The blue house on Elm Street sells drugs to kids after school."


def deletions(app: Flask) -> list[OutboxMessage]:
    """Every Twilio deletion row of the outbox, detached."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == DELETE_CHANNEL)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def run_due_deletions(app: Flask, keyring) -> int:
    """Make every pending deletion due (Twilio wants a minute first) and run the outbox once."""
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == DELETE_CHANNEL)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        tried = total = drain_once(db.session, keyring)
        while tried:  # the worker claims 20 rows at a time
            tried = drain_once(db.session, keyring)
            total += tried
        return total


def scan(app: Flask, needles: list[str]) -> list[str]:
    """Where the needles appear in clear in the database."""
    with app.app_context():
        hits = find_in_database(db.session(), needles)
        db.session.rollback()
        return hits


def deleted_sids(stub: TwilioStub) -> list[str]:
    """The message SIDs a DELETE was sent for, with our credentials."""
    prefix = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/"
    return [
        r.path.removeprefix(prefix).removesuffix(".json")
        for r in stub.seen("DELETE", prefix)
        if r.path.endswith(".json") and r.auth == (ACCOUNT_SID, AUTH_TOKEN)
    ]


def test_an_inbound_sid_is_stored_only_as_a_keyed_digest(sms_app, sms_client, keyring) -> None:
    sid, followup = "SM" + "a1" * 16, "SM" + "f6" * 16
    assert reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, sid=sid)))
    assert reply_of(post_signed(sms_client, SMS_PATH, sms_form("It is number 12.", sid=followup)))

    assert scan(sms_app, [sid, sid[2:], followup, followup[2:]]) == []
    with sms_app.app_context():
        assert set(db.session.scalars(select(InboundEvent.event_key))) == {
            provider_key(keyring, "twilio", sid),
            provider_key(keyring, "twilio", followup),
        }
        assert db.session.scalar(
            select(Message.provider_message_id).where(Message.direction == "inbound")
        ) == provider_key(keyring, "twilio", followup)
    # The digest still deduplicates a redelivery.
    again = reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, sid=sid)))
    assert again is not None
    with sms_app.app_context():
        assert len(db.session.scalars(select(Tip)).all()) == 1


def test_each_inbound_message_is_deleted_from_twilio_once_processed(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    first, keyword = twilio_stub.hold("SM" + "b2" * 16), twilio_stub.hold("SM" + "c3" * 16)
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, sid=first)))
    reply_of(post_signed(sms_client, SMS_PATH, sms_form("HELP", "+16175550999", sid=keyword)))
    # A redelivery queues nothing more.
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, sid=first)))

    rows = deletions(sms_app)
    assert len(rows) == 2 and all(row.next_attempt_at > utcnow() for row in rows)
    assert scan(sms_app, [first, keyword]) == []  # waiting sealed, never in clear
    assert run_due_deletions(sms_app, keyring) == 2

    assert sorted(deleted_sids(twilio_stub)) == sorted([first, keyword])
    assert twilio_stub.messages == set()
    rows = deletions(sms_app)
    assert [row.status for row in rows] == ["sent", "sent"]
    assert [row.payload for row in rows] == [{}, {}]  # the sealed SID is dropped once deleted


def test_a_message_twilio_has_not_finished_is_deleted_on_a_later_try(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    sid = twilio_stub.hold("SM" + "d4" * 16)
    twilio_stub.delete_errors[sid] = (409, 20009)
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, sid=sid)))

    run_due_deletions(sms_app, keyring)
    [row] = deletions(sms_app)
    assert row.status == "failed" and row.payload.get("sid")
    assert row.last_error == "Twilio error 20009 (HTTP 409)"
    assert sid in twilio_stub.messages

    del twilio_stub.delete_errors[sid]
    run_due_deletions(sms_app, keyring)
    [row] = deletions(sms_app)
    assert row.status == "sent" and row.payload == {}
    assert sid not in twilio_stub.messages


def test_a_message_already_gone_counts_as_deleted(sms_app, sms_client, keyring, twilio_stub):
    # Not held by the stand-in: its DELETE answers 404.
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, sid="SM" + "e5" * 16)))
    run_due_deletions(sms_app, keyring)
    [row] = deletions(sms_app)
    assert row.status == "sent" and row.payload == {}


def test_a_reply_is_stored_as_a_digest_and_deleted_from_twilio(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE)))
    with sms_app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        message = Message(tip=tip, direction="outbound", channel="sms")
        message.body.seal(keyring, "Which house on Elm Street?")
        db.session.add(message)
        db.session.flush()
        enqueue_reply(db.session, tip, message)
        db.session.commit()
        drain_once(db.session, keyring)
    [sent] = twilio_stub.created

    assert scan(sms_app, [sent]) == []
    run_due_deletions(sms_app, keyring)
    assert sent in deleted_sids(twilio_stub)
    assert twilio_stub.messages == set()


def test_a_text_dropped_over_the_sender_limit_is_deleted_from_twilio_too(
    build_app, keyring, twilio_stub
) -> None:
    app = build_app(ratelimit_enabled=True)
    client = app.test_client()
    for n in range(30):
        reply_of(post_signed(client, SMS_PATH, sms_form(f"Message {n}", "+16175550142")))
    dropped = twilio_stub.hold("SM" + "7a" * 16)
    assert (
        reply_of(post_signed(client, SMS_PATH, sms_form("one more", "+16175550142", sid=dropped)))
        is None
    )

    assert len(deletions(app)) == 31
    run_due_deletions(app, keyring)
    assert dropped in deleted_sids(twilio_stub)
