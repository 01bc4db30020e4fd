"""Replies to SMS tipsters through the outbox and the Twilio stand-in; delivery status callbacks."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.channels import twilio_sender
from intake.channels.conversation import provider_key
from intake.crypto import Keyring
from intake.extensions import db
from intake.models import Message, OutboxMessage, Reporter, Tip, utcnow
from intake.outbound.senders import UNSURE, mark_unsure
from intake.outbound.service import enqueue_reply
from intake.outbound.worker import drain_once
from tests.channels.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SMS_PATH,
    STATUS_PATH,
    TWILIO_NUMBER,
    post_signed,
    reply_of,
    sms_form,
    twilio_providers,
)

TIPSTER = "+16175550123"
QUESTION = "Which corner exactly, and what time do they usually start?"


def start_conversation(client: FlaskClient, sender: str = TIPSTER) -> None:
    """The tipster texts a first tip."""
    form = sms_form("People sell drugs at the corner by the laundromat every night.", sender)
    assert reply_of(post_signed(client, SMS_PATH, form)) is not None


def detective_asks(app: Flask, keyring: Keyring, body: str = QUESTION) -> str:
    """A detective's reply queued on the only tip, as the workspace does it; returns its id."""
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        assert tip is not None
        message = Message(tip=tip, direction="outbound", channel=tip.channel)
        message.body.seal(keyring, body)
        db.session.add(message)
        db.session.flush()
        enqueue_reply(db.session, tip, message)
        db.session.commit()
        return str(message.id)


def drain(app: Flask, keyring: Keyring) -> int:
    """Run the outbox once, as `flask intake worker --once` does."""
    with app.app_context():
        return drain_once(db.session, keyring)


def outbound_message(app: Flask) -> Message:
    """The detective's message (the latest outbound one, after the acknowledgement), detached."""
    with app.app_context():
        message = db.session.scalar(
            select(Message)
            .where(Message.direction == "outbound")
            .order_by(Message.created_at.desc())
            .limit(1)
        )
        assert message is not None
        db.session.expunge(message)
        return message


def outbox_row(app: Flask) -> OutboxMessage:
    """The only reply row of the outbox, detached."""
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reply"))
        assert row is not None
        db.session.expunge(row)
        return row


def is_opted_out(app: Flask) -> bool:
    """Whether the tipster is marked opted out."""
    with app.app_context():
        return bool(db.session.scalar(select(Reporter.is_opted_out)))


def test_a_detective_reply_reaches_the_tipster_number(sms_app, sms_client, keyring, twilio_stub):
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)

    assert drain(sms_app, keyring) == 1
    [sent] = twilio_stub.seen("POST", "/Messages.json")
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert sent.form["To"] == TIPSTER
    assert sent.form["Body"] == QUESTION
    assert sent.form["From"] == TWILIO_NUMBER
    assert sent.form["StatusCallback"] == "https://tips.example.test/webhooks/twilio/status"
    message = outbound_message(sms_app)
    assert message.delivery_status == "queued"
    # Stored only as a keyed digest: the SID finds the message (number, body) at Twilio.
    [sid] = twilio_stub.created
    assert message.provider == "twilio"
    assert message.provider_message_id == provider_key(keyring, "twilio", sid)
    assert outbox_row(sms_app).provider_message_id == message.provider_message_id
    assert outbox_row(sms_app).status == "sent"


def test_a_messaging_service_sends_instead_of_a_number(build_app, keyring, twilio_stub) -> None:
    providers = twilio_providers(twilio_stub, TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32)
    del providers["TWILIO_FROM"]
    app = build_app(providers)
    start_conversation(app.test_client())
    detective_asks(app, keyring)
    drain(app, keyring)

    [form] = twilio_stub.sent_messages
    assert form["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in form


def test_status_callbacks_update_delivery_and_never_move_back(
    sms_app, sms_client, keyring, twilio_stub
):
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    sid = twilio_stub.created[-1]

    for status in ("sent", "delivered", "sent"):
        response = post_signed(
            sms_client, STATUS_PATH, {"MessageSid": sid, "MessageStatus": status}
        )
        assert response.status_code == 204
    assert outbound_message(sms_app).delivery_status == "delivered"


def test_a_failed_delivery_is_visible_on_the_message(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    sid = twilio_stub.created[-1]

    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert post_signed(sms_client, STATUS_PATH, form).status_code == 204

    message = outbound_message(sms_app)
    assert message.delivery_status == "undelivered"
    assert message.delivery_error == "Twilio error 30003"


def test_an_unsigned_status_callback_changes_nothing(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    sid = twilio_stub.created[-1]

    response = sms_client.post(STATUS_PATH, data={"MessageSid": sid, "MessageStatus": "failed"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert outbound_message(sms_app).delivery_status == "queued"


def test_a_status_callback_for_an_unknown_message_is_accepted(sms_client) -> None:
    form = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    assert post_signed(sms_client, STATUS_PATH, form).status_code == 204
    assert post_signed(sms_client, STATUS_PATH, {"MessageSid": "SM1"}).status_code == 400


def test_nothing_is_sent_after_stop_even_a_reply_queued_before(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    assert reply_of(post_signed(sms_client, SMS_PATH, sms_form("STOP", TIPSTER))) is None

    drain(sms_app, keyring)

    assert twilio_stub.sent_messages == []
    assert outbox_row(sms_app).status == "dead"
    message = outbound_message(sms_app)
    assert message.delivery_status == "failed"
    assert message.delivery_error == "the tipster opted out (STOP)"


def test_error_21610_marks_the_tipster_opted_out(sms_app, sms_client, keyring, twilio_stub):
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    twilio_stub.send_errors[TIPSTER] = (400, 21610)

    drain(sms_app, keyring)

    assert is_opted_out(sms_app)
    row = outbox_row(sms_app)
    assert row.status == "dead" and row.last_error == "Twilio error 21610 (HTTP 400)"
    assert TIPSTER not in (outbound_message(sms_app).delivery_error or "")

    # A later reply is never attempted.
    detective_asks(sms_app, keyring, "Are you still there?")
    drain(sms_app, keyring)
    assert len(twilio_stub.sent_messages) == 1


def test_a_server_error_is_retried_later(sms_app, sms_client, keyring, twilio_stub) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    twilio_stub.send_errors[TIPSTER] = (503, 20500)

    drain(sms_app, keyring)

    row = outbox_row(sms_app)
    assert row.status == "failed" and row.attempts == 1
    assert outbound_message(sms_app).delivery_status == "retrying"
    assert not is_opted_out(sms_app)


def make_due(app: Flask) -> None:
    """Bring the reply row's next attempt forward to now (its backoff is over)."""
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reply"))
        assert row is not None
        row.next_attempt_at = utcnow()
        db.session.commit()


def test_a_reply_twilio_accepted_without_answering_in_time_is_not_sent_again(
    sms_app, sms_client, keyring, twilio_stub, monkeypatch
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    monkeypatch.setattr(twilio_sender, "SEND_TIMEOUT_SECONDS", 0.3)
    twilio_stub.answer_delay = 1.0  # accepted, then the read times out

    drain(sms_app, keyring)

    row = outbox_row(sms_app)
    assert row.status == "failed" and row.payload.get(UNSURE) is True
    assert len(twilio_stub.seen("POST", "/Messages.json")) == 1
    twilio_stub.answer_delay = 0.0
    make_due(sms_app)

    drain(sms_app, keyring)

    # Looked up at Twilio, found, recorded: the tipster gets the question once.
    assert len(twilio_stub.seen("POST", "/Messages.json")) == 1
    assert twilio_stub.seen("GET", "/Messages.json")
    [sid] = twilio_stub.created
    row = outbox_row(sms_app)
    assert row.status == "sent" and UNSURE not in row.payload
    assert row.provider_message_id == provider_key(keyring, "twilio", sid)
    assert outbound_message(sms_app).provider_message_id == row.provider_message_id


def test_a_reply_twilio_never_received_is_sent_after_the_check(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    with sms_app.app_context():
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reply"))
        assert row is not None
        mark_unsure(row, True)  # as after a worker died during its send
        db.session.commit()

    drain(sms_app, keyring)

    assert twilio_stub.seen("GET", "/Messages.json")
    [sent] = twilio_stub.seen("POST", "/Messages.json")
    assert sent.form["Body"] == QUESTION
    assert outbox_row(sms_app).status == "sent"


def test_a_refused_connection_is_retried_without_a_check(sms_app, sms_client, keyring) -> None:
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import ConnectTimeout, ReadTimeout

    assert not twilio_sender.may_have_arrived(ConnectTimeout("connect timed out"))
    assert not twilio_sender.may_have_arrived(
        RequestsConnectionError("NewConnectionError: [Errno 111] Connection refused")
    )
    assert twilio_sender.may_have_arrived(ReadTimeout("read timed out"))
    assert twilio_sender.may_have_arrived(RequestsConnectionError("RemoteDisconnected"))


def test_an_unconfigured_account_keeps_the_reply_for_later(build_app, keyring, twilio_stub):
    configured = build_app()
    start_conversation(configured.test_client())
    detective_asks(configured, keyring)
    providers = twilio_providers(twilio_stub)
    del providers["TWILIO_FROM"]
    unconfigured = build_app(providers)

    drain(unconfigured, keyring)

    assert outbox_row(unconfigured).status == "failed"
    assert twilio_stub.sent_messages == []


def test_an_opt_out_reported_by_a_status_callback_is_recorded(
    sms_app, sms_client, keyring, twilio_stub
):
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    sid = twilio_stub.created[-1]

    form = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "21610"}
    assert post_signed(sms_client, STATUS_PATH, form).status_code == 204
    assert is_opted_out(sms_app)
