"""Replies to Messenger, Instagram, WhatsApp and X tipsters: outbox -> Graph / X API stand-in."""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.channels.conversation import provider_key
from intake.extensions import db, get_keyring
from intake.models import Message, OutboxMessage, Reporter, Tip, utcnow
from intake.outbound.service import enqueue_reply
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    META_PAGE_ACCESS_TOKEN,
    META_WHATSAPP_ACCESS_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID,
    X_BEARER_TOKEN,
    SocialStub,
    build_app,
    drain,
    payload,
    post_meta,
    post_x,
    raw_payload,
    social_app,
    social_providers,
    stub,
)

PSID = "7012345678901234"  # the Messenger sender in the recorded payloads
MESSENGER_SEND = "/v23.0/me/messages"
WHATSAPP_SEND = f"/v23.0/{WHATSAPP_PHONE_NUMBER_ID}/messages"


@pytest.fixture
def client(social_app: Flask) -> FlaskClient:
    """A test client of the app."""
    return social_app.test_client()


def outbox_states(app: Flask) -> list[tuple[str, str, str | None]]:
    """(channel, status, last_error) of every outbox row, oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        states = [(row.channel, row.status, row.last_error) for row in rows]
        db.session.remove()
    return states


def outbound_messages(app: Flask) -> list[tuple[str, str | None, str | None]]:
    """(delivery_status, provider, provider_message_id) of the outbound thread messages."""
    with app.app_context():
        rows = db.session.scalars(
            select(Message).where(Message.direction == "outbound").order_by(Message.created_at)
        ).all()
        states = [(m.delivery_status, m.provider, m.provider_message_id) for m in rows]
        db.session.remove()
    return states


def only_tip_number(app: Flask) -> str:
    """The tip number of the one tip."""
    with app.app_context():
        number = db.session.scalars(select(Tip.tip_number)).one()
        db.session.remove()
    return number


def detective_reply(app: Flask, text: str) -> None:
    """A detective's question to the tipster of the one tip, queued as the workspace does."""
    with app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        message = Message(tip=tip, direction="outbound", channel=tip.channel)
        message.body.seal(get_keyring(), text)
        db.session.add(message)
        db.session.flush()
        enqueue_reply(db.session, tip, message)
        db.session.commit()
        db.session.remove()


def test_the_messenger_acknowledgement_reaches_the_sender_by_psid(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("messenger_text.json")).status_code == 200
    assert drain(social_app) == 1
    [sent] = stub.seen("POST", MESSENGER_SEND)
    assert sent.authorization == f"Bearer {META_PAGE_ACCESS_TOKEN}"
    assert sent.body["recipient"] == {"id": PSID}
    assert sent.body["messaging_type"] == "RESPONSE"
    assert only_tip_number(social_app) in sent.body["message"]["text"]
    assert outbox_states(social_app) == [("messenger", "sent", None)]
    with social_app.app_context():
        expected_id = provider_key(get_keyring(), "meta", "m_sent_1")
    assert outbound_messages(social_app) == [("sent", "meta", expected_id)]


def test_an_instagram_reply_goes_through_the_send_api(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("instagram_dm.json")).status_code == 200
    drain(social_app)
    [sent] = stub.seen("POST", MESSENGER_SEND)
    assert sent.body["recipient"] == {"id": "1234567890123456"}


def test_a_whatsapp_reply_goes_to_the_phone_number_and_its_status_comes_back(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    drain(social_app)
    [sent] = stub.seen("POST", WHATSAPP_SEND)
    assert sent.authorization == f"Bearer {META_WHATSAPP_ACCESS_TOKEN}"
    assert sent.body["to"] == "16175550125"
    assert sent.body["messaging_product"] == "whatsapp"
    assert only_tip_number(social_app) in sent.body["text"]["body"]
    # WhatsApp then reports the delivery of the wamid it answered.
    statuses = payload("whatsapp_statuses.json")
    report = statuses["entry"][0]["changes"][0]["value"]["statuses"][0]
    report["id"] = "wamid.sent1"
    assert post_meta(client, statuses).status_code == 200
    [(status, provider, _)] = outbound_messages(social_app)
    assert (status, provider) == ("delivered", "meta")


def test_a_whatsapp_reply_to_a_business_scoped_id_names_the_recipient_not_a_phone(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("whatsapp_bsuid_sender.json")).status_code == 200
    drain(social_app)
    [sent] = stub.seen("POST", WHATSAPP_SEND)
    assert sent.body["recipient"] == "US.13491208655302741918"
    assert "to" not in sent.body


def test_an_x_reply_is_a_dm_to_the_sender(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_x(client, raw_payload("x_aaa_dm.json")).status_code == 200
    drain(social_app)
    [sent] = stub.seen("POST", "/2/dm_conversations/with/")
    assert sent.path == "/2/dm_conversations/with/3001969357/messages"
    assert sent.authorization == f"Bearer {X_BEARER_TOKEN}"
    assert only_tip_number(social_app) in sent.body["text"]
    assert outbox_states(social_app) == [("x", "sent", None)]


def test_a_detectives_question_reaches_the_tipster(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("messenger_text.json")).status_code == 200
    detective_reply(social_app, "¿A qué hora suele estar allí?")
    drain(social_app)
    texts = [r.body["message"]["text"] for r in stub.seen("POST", MESSENGER_SEND)]
    assert texts[-1] == "¿A qué hora suele estar allí?"
    assert [state for _, state, _ in outbox_states(social_app)] == ["sent", "sent"]


def test_an_unknown_recipient_is_a_permanent_failure_without_the_id_in_the_error(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    stub.errors[MESSENGER_SEND] = (
        400,
        {
            "error": {
                "message": f"No matching user found {PSID}",
                "code": 100,
                "error_subcode": 2018001,
                "type": "OAuthException",
            }
        },
    )
    assert post_meta(client, raw_payload("messenger_text.json")).status_code == 200
    drain(social_app)
    [(channel, status, error)] = outbox_states(social_app)
    assert (channel, status) == ("messenger", "dead")
    assert error is not None and "2018001" in error and PSID not in error
    [(delivery, _, _)] = outbound_messages(social_app)
    assert delivery == "failed"


def test_a_graph_outage_is_retried_later(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    stub.errors[WHATSAPP_SEND] = (503, {"error": {"code": 2, "message": "Service unavailable"}})
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    drain(social_app)
    [(_, status, _)] = outbox_states(social_app)
    assert status == "failed"
    [(delivery, _, _)] = outbound_messages(social_app)
    assert delivery == "retrying"


def test_x_refusing_dms_from_us_is_permanent(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    stub.errors["/2/dm_conversations/with/3001969357/messages"] = (
        403,
        {"detail": "You cannot send messages to this user.", "status": 403},
    )
    assert post_x(client, raw_payload("x_aaa_dm.json")).status_code == 200
    drain(social_app)
    assert outbox_states(social_app) == [("x", "dead", "X answered 403")]


def test_a_missing_page_token_waits_for_configuration_instead_of_giving_up(
    build_app: Any, stub: SocialStub
) -> None:
    providers = social_providers(stub)
    del providers["META_PAGE_ACCESS_TOKEN"]
    app = build_app(providers=providers, ratelimit_enabled=False)
    assert post_meta(app.test_client(), raw_payload("messenger_text.json")).status_code == 200
    drain(app)
    [(_, status, error)] = outbox_states(app)
    assert status == "failed"
    assert error == "META_PAGE_ACCESS_TOKEN not configured"
    assert stub.seen("POST") == []


def test_stop_is_confirmed_once_and_then_nothing_more_is_sent(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("messenger_text.json")).status_code == 200
    drain(social_app)  # the acknowledgement
    stop = payload("messenger_text.json")
    message = stop["entry"][0]["messaging"][0]["message"]
    message["mid"], message["text"] = "m_StopMid0001", "STOP"
    assert post_meta(client, stop).status_code == 200
    with social_app.app_context():
        assert db.session.scalars(select(Reporter.is_opted_out)).one() is True
        db.session.remove()
    drain(social_app)
    texts = [r.body["message"]["text"] for r in stub.seen("POST", MESSENGER_SEND)]
    assert len(texts) == 2
    assert texts[-1].startswith("No recibirá más mensajes")  # the tip was in Spanish
    detective_reply(social_app, "Are you still there?")
    drain(social_app)
    assert len(stub.seen("POST", MESSENGER_SEND)) == 2
    assert outbox_states(social_app)[-1] == ("messenger", "dead", "the tipster opted out")


def test_a_reply_after_the_24_hour_window_carries_the_human_agent_tag(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("instagram_dm.json")).status_code == 200
    drain(social_app)
    with social_app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        tip.last_tipster_activity_at = utcnow() - timedelta(hours=30)
        db.session.commit()
        db.session.remove()
    detective_reply(social_app, "Which street was it?")
    drain(social_app)
    first, later = (r.body for r in stub.seen("POST", MESSENGER_SEND))
    assert first["messaging_type"] == "RESPONSE" and "tag" not in first
    assert (later["messaging_type"], later["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_help_is_answered_in_dm_words_not_sms_words(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_x(client, raw_payload("x_aaa_dm.json")).status_code == 200
    help_dm = payload("x_aaa_dm.json")
    event = help_dm["direct_message_events"][0]
    event["id"] = "1801234567890129999"
    event["message_create"]["message_data"]["text"] = "help"
    assert post_x(client, help_dm).status_code == 200
    drain(social_app)
    texts = [r.body["text"] for r in stub.seen("POST", "/2/dm_conversations/with/")]
    assert len(texts) == 2
    assert "Send NEW for a new tip" in texts[-1]
    assert "text" not in texts[-1].lower()  # SMS wording ("Text what you know", "end texts")


# --- WhatsApp after 24 hours: invitation template, reply held ----------------------------------


def _age_whatsapp_tip(app: Flask, hours: float = 30) -> None:
    with app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        tip.last_tipster_activity_at = utcnow() - timedelta(hours=hours)
        tip.reporter.last_seen_at = tip.last_tipster_activity_at
        db.session.commit()
        db.session.remove()


def test_a_whatsapp_reply_after_24_hours_sends_the_template_and_waits_for_the_tipster(
    build_app: Any, stub: SocialStub
) -> None:
    app = build_app(
        providers=social_providers(
            stub, META_WHATSAPP_TEMPLATE_EN="tip_line_news", META_WHATSAPP_TEMPLATE_ES="novedades"
        ),
        ratelimit_enabled=False,
    )
    client = app.test_client()
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    drain(app)  # the acknowledgement
    _age_whatsapp_tip(app)
    detective_reply(app, "Which car was it, and which way did it go?")
    drain(app)

    _ack, invitation = (r.body for r in stub.seen("POST", WHATSAPP_SEND))
    # Content-free: only the approved template's name, nothing of the detective's question.
    assert invitation["type"] == "template"
    assert invitation["template"] == {"name": "tip_line_news", "language": {"code": "en"}}
    assert "Which car" not in json.dumps(invitation)
    # The detective sees that the reply waits for the tipster.
    assert outbound_messages(app)[-1][0] == "awaiting_tipster"

    # The tipster writes back: the held reply goes out.
    later = payload("whatsapp_text.json")
    message = later["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"], message["text"]["body"] = "wamid.later", "It was a grey Civic"
    assert post_meta(client, later).status_code == 200
    drain(app)
    texts = [r.body.get("text", {}).get("body", "") for r in stub.seen("POST", WHATSAPP_SEND)]
    assert "Which car was it, and which way did it go?" in texts
    assert outbound_messages(app)[1][0] == "sent"


def test_a_whatsapp_reply_refused_as_outside_the_window_is_held_too(
    build_app: Any, stub: SocialStub
) -> None:
    app = build_app(
        providers=social_providers(stub, META_WHATSAPP_TEMPLATE_EN="tip_line_news"),
        ratelimit_enabled=False,
    )
    client = app.test_client()
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    drain(app)
    _age_whatsapp_tip(app, hours=23)  # our clock says open; WhatsApp's says closed
    detective_reply(app, "Which car was it?")
    refusal = {
        "error": {"code": 131047, "message": "Re-engagement message", "type": "OAuthException"}
    }
    stub.refused_types["text"] = (400, refusal)
    drain(app)
    bodies = [r.body for r in stub.seen("POST", WHATSAPP_SEND)]
    assert [body["type"] for body in bodies[1:]] == ["text", "template"]
    assert outbound_messages(app)[-1][0] == "awaiting_tipster"


def test_without_a_template_a_late_whatsapp_reply_fails_with_the_reason(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    drain(social_app)
    _age_whatsapp_tip(social_app)
    detective_reply(social_app, "Which car was it?")
    drain(social_app)
    assert len(stub.seen("POST", WHATSAPP_SEND)) == 1  # nothing sent that WhatsApp would refuse
    [*_, (_channel, status, error)] = outbox_states(social_app)
    assert status == "dead" and "META_WHATSAPP_TEMPLATE_EN" in str(error)
