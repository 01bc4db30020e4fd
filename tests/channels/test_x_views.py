"""/webhooks/x: the CRC check, signatures, Account Activity and X Activity DMs to tips."""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db, get_keyring
from intake.identity.service import read_identity
from intake.models import Tip
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    X_CONSUMER_SECRET,
    X_USER_ID,
    build_app,
    payload,
    post_x,
    raw_payload,
    row_counts,
    social_app,
    stub,
    x_signature,
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
def x_app(social_app: Flask) -> Flask:
    """The app configured against the stand-in."""
    return social_app


@pytest.fixture
def client(x_app: Flask) -> FlaskClient:
    """A test client of the X-enabled app."""
    return x_app.test_client()


def tips(app: Flask) -> list[dict[str, Any]]:
    """Every tip with its channel, narrative and decrypted identity, oldest first."""
    with app.app_context():
        keyring = get_keyring()
        listed = [
            {
                "tip_number": tip.tip_number,
                "channel": tip.channel,
                "narrative": tip.narrative.read(keyring),
                "identity": read_identity(keyring, tip.reporter) if tip.reporter else {},
                "thread": [(m.direction, m.body.read(keyring)) for m in tip.messages],
            }
            for tip in db.session.scalars(select(Tip).order_by(Tip.created_at))
        ]
        db.session.remove()
    return listed


def activity_envelope(event: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    """An X Activity API ``dm.received`` delivery carrying ``event``."""
    return {
        "data": {
            "event_uuid": "-6850472171600526000",
            "filter": {"user_id": X_USER_ID},
            "event_type": "dm.received",
            "tag": "dm-inbound",
            "payload": {"direct_message_events": [event], "users": users},
        }
    }


# --- CRC ------------------------------------------------------------------------------------


def test_crc_answers_with_the_hmac_of_the_token(client: FlaskClient) -> None:
    response = client.get("/webhooks/x", query_string={"crc_token": "Y2hhbGxlbmdlLTEyMw"})
    assert response.status_code == 200
    digest = hmac.new(X_CONSUMER_SECRET.encode(), b"Y2hhbGxlbmdlLTEyMw", hashlib.sha256).digest()
    assert response.get_json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_crc_without_a_token_is_a_bad_request(client: FlaskClient) -> None:
    assert client.get("/webhooks/x").status_code == 400


def test_a_body_signed_through_the_crc_endpoint_is_refused(
    client: FlaskClient, x_app: Flask
) -> None:
    # The forgery: ask the CRC endpoint to "answer" a DM delivery, then post it with that answer.
    # Under the 1 KiB the CRC endpoint used to sign: a DM from an X user id of the forger's choice.
    dm = {
        "type": "message_create",
        "id": "1800000000000000099",
        "created_timestamp": "1764600000000",
        "message_create": {
            "target": {"recipient_id": X_USER_ID},
            "sender_id": "4400000000000000001",
            "message_data": {"text": "A gun is hidden at the school, it goes off tomorrow."},
        },
    }
    body = json.dumps({"for_user_id": X_USER_ID, "direct_message_events": [dm]})
    crc = client.get("/webhooks/x", query_string={"crc_token": body})
    assert crc.status_code == 400
    assert body not in crc.get_data(as_text=True)
    answer = (crc.get_json() or {}).get("response_token", "sha256=" + "A" * 43 + "=")
    response = client.post(
        "/webhooks/x",
        data=body.encode(),
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": answer},
    )
    assert response.status_code == 403
    assert row_counts(x_app) == NOTHING


def test_crc_is_refused_when_no_consumer_secret_is_configured(build_app: Any) -> None:
    app = build_app(providers={})
    response = app.test_client().get("/webhooks/x", query_string={"crc_token": "abc"})
    assert response.status_code == 403


# --- signatures -----------------------------------------------------------------------------


def test_a_wrong_signature_is_refused_and_nothing_is_stored(
    client: FlaskClient, x_app: Flask
) -> None:
    response = post_x(client, raw_payload("x_aaa_dm.json"), secret="another-secret")
    assert response.status_code == 403
    assert row_counts(x_app) == NOTHING


def test_a_missing_signature_is_refused_and_nothing_is_stored(
    client: FlaskClient, x_app: Flask
) -> None:
    response = client.post(
        "/webhooks/x", data=raw_payload("x_aaa_dm.json"), content_type="application/json"
    )
    assert response.status_code == 403
    assert row_counts(x_app) == NOTHING


def test_a_signature_over_other_bytes_is_refused(client: FlaskClient, x_app: Flask) -> None:
    raw = raw_payload("x_activity_dm_received.json")
    response = client.post(
        "/webhooks/x",
        data=raw + b" ",
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": x_signature(raw)},
    )
    assert response.status_code == 403
    assert row_counts(x_app) == NOTHING


# --- DMs become tips ------------------------------------------------------------------------


def test_an_account_activity_dm_becomes_an_x_tip(client: FlaskClient, x_app: Flask) -> None:
    assert post_x(client, raw_payload("x_aaa_dm.json")).status_code == 200
    [tip] = tips(x_app)
    assert tip["channel"] == "x"
    assert "grey Civic" in tip["narrative"]
    assert tip["identity"] == {
        "kind": "x_user_id",
        "address": "3001969357",
        "handle": "@quiet_jordan",
    }
    [(direction, ack)] = tip["thread"]
    assert direction == "outbound"
    assert tip["tip_number"] in ack


def test_an_x_activity_dm_received_event_becomes_an_x_tip(
    client: FlaskClient, x_app: Flask
) -> None:
    assert post_x(client, raw_payload("x_activity_dm_received.json")).status_code == 200
    [tip] = tips(x_app)
    assert tip["channel"] == "x"
    assert tip["identity"]["address"] == "2222222222222222222"
    assert tip["identity"]["handle"] == "@OtherUser"


def test_the_accounts_own_dms_are_ignored(client: FlaskClient, x_app: Flask) -> None:
    assert post_x(client, raw_payload("x_aaa_own_dm.json")).status_code == 200
    document = payload("x_activity_dm_received.json")
    event = document["data"]["payload"]["direct_message_events"][0]
    event["message_create"]["sender_id"] = X_USER_ID
    assert post_x(client, document).status_code == 200
    assert row_counts(x_app) == NOTHING


def test_other_account_activity_events_are_acknowledged_and_dropped(
    client: FlaskClient, x_app: Flask
) -> None:
    assert post_x(client, raw_payload("x_aaa_favorite.json")).status_code == 200
    document = payload("x_activity_dm_received.json")
    document["data"]["event_type"] = "dm.sent"
    assert post_x(client, document).status_code == 200
    assert row_counts(x_app) == NOTHING


def test_a_redelivered_dm_makes_no_duplicate_even_through_the_other_api(
    client: FlaskClient, x_app: Flask
) -> None:
    account_activity = payload("x_aaa_dm.json")
    assert post_x(client, account_activity).status_code == 200
    counts = row_counts(x_app)
    assert post_x(client, account_activity).status_code == 200
    assert row_counts(x_app) == counts
    # The same DM (same event id) announced by the X Activity API.
    event = account_activity["direct_message_events"][0]
    users = {key: {"data": value} for key, value in account_activity["users"].items()}
    assert post_x(client, activity_envelope(event, users)).status_code == 200
    assert row_counts(x_app) == counts
    assert counts["tip"] == 1


def test_a_second_dm_from_the_same_user_joins_their_open_tip(
    client: FlaskClient, x_app: Flask
) -> None:
    first = payload("x_aaa_dm.json")
    assert post_x(client, first).status_code == 200
    second = json.loads(json.dumps(first))
    event = second["direct_message_events"][0]
    event["id"] = "1801234567890123457"
    event["message_create"]["message_data"]["text"] = "The plate starts with 4KT"
    assert post_x(client, second).status_code == 200
    [tip] = tips(x_app)
    inbound = [body for direction, body in tip["thread"] if direction == "inbound"]
    assert inbound == ["The plate starts with 4KT"]
