"""/webhooks/meta: verification, signatures, Messenger/Instagram/WhatsApp deliveries to tips."""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.channels.conversation import provider_key
from intake.extensions import db, get_keyring
from intake.identity.service import read_identity
from intake.models import Message, OutboxMessage, Tip
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    META_VERIFY_TOKEN,
    build_app,
    meta_signature,
    payload,
    post_meta,
    raw_payload,
    row_counts,
    social_app,
    stub,
)

NOTHING = {
    "tip": 0,
    "message": 0,
    "inbound_event": 0,
    "outbox_message": 0,
    "reporter": 0,
    "attachment": 0,
}


@pytest.fixture
def meta_app(social_app: Flask) -> Flask:
    """The app configured against the stand-in."""
    return social_app


@pytest.fixture
def client(meta_app: Flask) -> FlaskClient:
    """A test client of the Meta-enabled app."""
    return meta_app.test_client()


def tips(app: Flask) -> list[dict[str, Any]]:
    """Every tip as staff would list it, oldest first, with its thread decrypted."""
    with app.app_context():
        keyring = get_keyring()
        rows = db.session.scalars(select(Tip).order_by(Tip.created_at)).all()
        listed = [
            {
                "tip_number": tip.tip_number,
                "channel": tip.channel,
                "language": tip.language,
                "urgency": tip.urgency,
                "narrative": tip.narrative.read(keyring),
                "queue": tip.queue.code,
                "point": tip.point.read(keyring),
                "location_source": tip.location_source,
                "identity": read_identity(keyring, tip.reporter) if tip.reporter else {},
                "thread": [(m.direction, m.body.read(keyring)) for m in tip.messages],
            }
            for tip in rows
        ]
        db.session.remove()
    return listed


def outbox(app: Flask) -> list[OutboxMessage]:
    """Every outbox row (detached)."""
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())
        db.session.expunge_all()
        db.session.remove()
    return rows


# --- verification ---------------------------------------------------------------------------


def test_verification_echoes_the_challenge_as_plain_text(client: FlaskClient) -> None:
    response = client.get(
        "/webhooks/meta",
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": META_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": META_VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
)
def test_verification_without_our_token_is_forbidden(
    client: FlaskClient, params: dict[str, str]
) -> None:
    response = client.get("/webhooks/meta", query_string=params)
    assert response.status_code == 403
    assert "1" not in response.get_data(as_text=True).replace("403", "")


def test_verification_is_forbidden_when_no_token_is_configured(build_app: Any) -> None:
    app = build_app(providers={})
    response = app.test_client().get(
        "/webhooks/meta",
        query_string={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "5"},
    )
    assert response.status_code == 403


# --- signatures -----------------------------------------------------------------------------


def test_a_wrong_signature_is_refused_and_nothing_is_stored(
    client: FlaskClient, meta_app: Flask
) -> None:
    response = post_meta(client, raw_payload("messenger_text.json"), secret="not-the-secret")
    assert response.status_code == 403
    assert row_counts(meta_app) == NOTHING


def test_a_missing_signature_is_refused_and_nothing_is_stored(
    client: FlaskClient, meta_app: Flask
) -> None:
    response = client.post(
        "/webhooks/meta", data=raw_payload("whatsapp_text.json"), content_type="application/json"
    )
    assert response.status_code == 403
    assert row_counts(meta_app) == NOTHING


def test_the_signature_covers_the_raw_bytes_not_the_parsed_json(
    client: FlaskClient, meta_app: Flask
) -> None:
    raw = raw_payload("messenger_text.json")
    # Same JSON, other bytes: a signature over a re-serialisation must not pass.
    reserialised = json.dumps(json.loads(raw), indent=1).encode()
    response = client.post(
        "/webhooks/meta",
        data=reserialised,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(raw)},
    )
    assert response.status_code == 403
    assert row_counts(meta_app) == NOTHING


def test_no_app_secret_configured_refuses_every_delivery(build_app: Any) -> None:
    app = build_app(providers={"META_VERIFY_TOKEN": META_VERIFY_TOKEN})
    response = post_meta(app.test_client(), raw_payload("messenger_text.json"), secret="")
    assert response.status_code == 403
    assert row_counts(app) == NOTHING


# --- messages become tips -------------------------------------------------------------------


def test_a_messenger_text_becomes_a_tip_and_an_acknowledgement_is_queued(
    client: FlaskClient, meta_app: Flask
) -> None:
    response = post_meta(client, raw_payload("messenger_text.json"))
    assert response.status_code == 200
    [tip] = tips(meta_app)
    assert tip["channel"] == "messenger"
    assert tip["language"] == "es"
    assert tip["narrative"].startswith("Hay un hombre vendiendo drogas")
    assert tip["identity"]["kind"] == "psid"
    assert tip["identity"]["address"] == "7012345678901234"
    [(direction, ack)] = tip["thread"]
    assert direction == "outbound"
    assert tip["tip_number"] in ack
    assert ack.startswith("Gracias.")
    [row] = outbox(meta_app)
    assert (row.kind, row.channel, row.status) == ("reply", "messenger", "pending")


def test_an_instagram_dm_becomes_a_tip_on_the_instagram_channel(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, raw_payload("instagram_dm.json")).status_code == 200
    [tip] = tips(meta_app)
    assert tip["channel"] == "instagram"
    assert tip["identity"]["kind"] == "igsid"
    assert "breaking into cars" in tip["narrative"]


def test_a_whatsapp_text_becomes_a_tip_with_the_sender_kept_as_a_whatsapp_id(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    [tip] = tips(meta_app)
    assert tip["channel"] == "whatsapp"
    assert tip["identity"] == {"kind": "wa_id", "address": "16175550125", "handle": "Maria R"}


def test_a_whatsapp_business_scoped_sender_is_never_taken_for_a_phone_number(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, raw_payload("whatsapp_bsuid_sender.json")).status_code == 200
    [tip] = tips(meta_app)
    assert tip["channel"] == "whatsapp"
    assert tip["identity"]["kind"] == "bsuid"
    assert tip["identity"]["address"] == "US.13491208655302741918"
    assert "phone" not in tip["identity"]


def test_an_emergency_is_told_to_call_911_first_in_their_language(
    client: FlaskClient, meta_app: Flask
) -> None:
    document = payload("whatsapp_text.json")
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = (
        "Hay un hombre con una pistola en la escuela ahora mismo, va a disparar"
    )
    assert post_meta(client, document).status_code == 200
    [tip] = tips(meta_app)
    assert tip["urgency"] == "emergency"
    [(_, ack)] = tip["thread"]
    assert ack.startswith("Si alguien está en peligro ahora mismo, llame al 911")
    assert tip["tip_number"] in ack
    channels = sorted(row.channel for row in outbox(meta_app))
    assert channels == ["supervisors", "whatsapp"]


def test_a_redelivered_batch_makes_no_duplicates(client: FlaskClient, meta_app: Flask) -> None:
    raw = raw_payload("meta_multi_entry.json")
    assert post_meta(client, raw).status_code == 200
    first = row_counts(meta_app)
    assert post_meta(client, raw).status_code == 200
    assert row_counts(meta_app) == first


def test_a_multi_entry_batch_threads_each_sender_separately(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, raw_payload("meta_multi_entry.json")).status_code == 200
    listed = tips(meta_app)
    assert len(listed) == 2
    by_sender = {tip["identity"]["address"]: tip for tip in listed}
    first = by_sender["7012345678901234"]
    assert first["narrative"] == "first message"
    inbound = [body for direction, body in first["thread"] if direction == "inbound"]
    assert inbound == ["and a follow-up"]
    assert by_sender["7098765432109876"]["narrative"] == "second sender"
    # One acknowledgement per message: a new-tip one for each tip, an "added" one for the reply.
    assert len(outbox(meta_app)) == 3


def test_reads_deliveries_reactions_and_echoes_are_dropped_and_get_started_is_answered(
    client: FlaskClient, meta_app: Flask
) -> None:
    response = post_meta(client, raw_payload("messenger_not_messages.json"))
    assert response.status_code == 200
    # Only the "Get Started" postback is a person opening a chat: it gets the HELP answer
    # (in English and Spanish: nothing tells their language) and nothing else is kept.
    assert row_counts(meta_app) == {
        **NOTHING,
        "reporter": 1,
        "outbox_message": 1,
        "inbound_event": 1,
    }
    [row] = outbox(meta_app)
    assert "Anonymous tip line" in row.payload["text"]
    assert "Línea de denuncias anónimas" in row.payload["text"]


def test_a_signed_body_that_is_not_a_batch_is_a_bad_request(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, b"[1, 2]").status_code == 400
    assert row_counts(meta_app) == NOTHING


# --- locations ------------------------------------------------------------------------------


def test_a_shared_location_becomes_the_tips_point_and_routes_it(
    client: FlaskClient, meta_app: Flask
) -> None:
    document = payload("messenger_location.json")
    attachment = document["entry"][0]["messaging"][0]["message"]["attachments"][0]
    attachment["payload"]["coordinates"] = {"lat": 44.08, "long": -70.15}  # Northside (N1)
    assert post_meta(client, document).status_code == 200
    [tip] = tips(meta_app)
    assert tip["point"] == (44.08, -70.15)
    assert tip["location_source"] == "shared"
    assert tip["queue"] == "N1"


def test_a_whatsapp_location_after_a_text_places_and_routes_the_open_tip(
    client: FlaskClient, meta_app: Flask
) -> None:
    text = payload("whatsapp_text.json")
    text["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = (
        "Someone is selling drugs out of a van every night"
    )
    assert post_meta(client, text).status_code == 200
    [before] = tips(meta_app)
    assert before["point"] is None
    location = payload("whatsapp_location.json")
    place = location["entry"][0]["changes"][0]["value"]["messages"][0]["location"]
    place.update(latitude=44.07, longitude=-70.18)  # Northside (N1)
    assert post_meta(client, location).status_code == 200
    [after] = tips(meta_app)
    assert after["tip_number"] == before["tip_number"]
    assert (after["point"], after["queue"]) == ((44.07, -70.18), "N1")
    assert after["location_source"] == "shared"
    inbound = [body for direction, body in after["thread"] if direction == "inbound"]
    assert inbound == [
        "[Shared location: 44.07000, -70.18000]\n"
        "Shared place: Franklin Park 1 Franklin Park Rd, Boston, MA"
    ]


def test_a_whatsapp_location_alone_starts_a_tip_at_that_point(
    client: FlaskClient, meta_app: Flask
) -> None:
    location = payload("whatsapp_location.json")
    place = location["entry"][0]["changes"][0]["value"]["messages"][0]["location"]
    place.update(latitude=44.09, longitude=-70.11)
    assert post_meta(client, location).status_code == 200
    [tip] = tips(meta_app)
    assert tip["queue"] == "N1"
    assert tip["location_source"] == "shared"


# --- delivery statuses ----------------------------------------------------------------------


def test_whatsapp_statuses_update_the_messages_we_sent(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, raw_payload("whatsapp_text.json")).status_code == 200
    document = payload("whatsapp_statuses.json")
    delivered, failed = document["entry"][0]["changes"][0]["value"]["statuses"]
    # Not a WhatsApp user (131047, the closed window, invites the tipster instead: see
    # test_meta_events).
    failed["errors"][0].update(code=131026, title="Message undeliverable")
    with meta_app.app_context():
        keyring = get_keyring()
        tip = db.session.scalars(select(Tip)).one()
        for status in (delivered, failed):
            message = Message(tip=tip, direction="outbound", channel="whatsapp")
            message.body.seal(keyring, "A detective's question")
            message.provider = "meta"
            message.provider_message_id = provider_key(keyring, "meta", status["id"])
            message.delivery_status = "sent"
            db.session.add(message)
        db.session.commit()
        db.session.remove()
    assert post_meta(client, document).status_code == 200
    with meta_app.app_context():
        keyring = get_keyring()
        states = {
            m.provider_message_id: (m.delivery_status, m.delivery_error)
            for m in db.session.scalars(select(Message).where(Message.provider == "meta"))
        }
        db.session.remove()
    assert states[provider_key(keyring, "meta", delivered["id"])] == ("delivered", None)
    assert states[provider_key(keyring, "meta", failed["id"])] == (
        "failed",
        "provider error 131026",
    )


def test_a_status_for_an_unknown_message_is_acknowledged_and_ignored(
    client: FlaskClient, meta_app: Flask
) -> None:
    assert post_meta(client, raw_payload("whatsapp_statuses.json")).status_code == 200
    assert row_counts(meta_app) == NOTHING


def test_a_large_batch_under_the_webhook_limit_is_accepted(client: FlaskClient) -> None:
    """Meta batches many events in one post: 200 KB is well past the JSON API's 64 KiB limit."""
    body = json.dumps({"object": "page", "entry": [], "padding": "x" * 200_000}).encode()
    response = client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body)},
    )
    assert response.status_code == 200
