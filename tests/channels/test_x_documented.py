"""Every kind of event X documents for the Account Activity API and the X Activity API, shaped as
X posts it and signed with the real HMAC (``x-twitter-webhooks-signature``), with its tip-line
outcome (docs/social.md, "Every kind of message", X rows): stored, answered, or ignored.

Account Activity bodies carry ``for_user_id`` and one key per event kind
(``direct_message_events``, ``direct_message_indicate_typing_events``,
``direct_message_mark_read_events``, ``tweet_create_events``, ``favorite_events``,
``follow_events``, ``block_events``, ``mute_events``, ``tweet_delete_events``, ``user_event``);
X Activity bodies carry one ``data`` envelope (``event_type``, ``filter.user_id``, ``payload``).
"""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db, get_keyring
from intake.models import OutboxMessage, Tip
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    X_USER_ID,
    build_app,
    payload,
    post_x,
    row_counts,
    social_app,
    stub,
)
from tests.channels.test_social_kinds import answers, narratives
from tests.channels.test_x_views import NOTHING
from tests.privacy_scan import find_in_database, find_in_text

RESIDENT = "3001969357"  # the resident in the recorded Account Activity DM
HANDLE = "quiet_jordan"
OUR_ACCOUNT = {"id": X_USER_ID, "screen_name": "CityPDTips", "name": "City Police Tips"}
RESIDENT_USER = {"id": RESIDENT, "id_str": RESIDENT, "screen_name": HANDLE, "name": "Jordan B"}
PUBLIC_TIP = "@CityPDTips two men are breaking into cars on Hyde Park Ave right now"


@pytest.fixture
def client(social_app: Flask) -> FlaskClient:
    """A test client of the X-enabled app."""
    return social_app.test_client()


def account_activity(**events: Any) -> dict[str, Any]:
    """An Account Activity delivery for the department's account carrying ``events``."""
    return {"for_user_id": X_USER_ID, **events}


def tweet(text: str, **fields: Any) -> dict[str, Any]:
    """A v1.1 Tweet object by the resident, as tweet_create_events carries it."""
    return {
        "created_at": "Wed Jun 12 15:40:00 +0000 2024",
        "id": 1801210000000000000,
        "id_str": "1801210000000000000",
        "text": text,
        "user": {**RESIDENT_USER, "id": int(RESIDENT)},
        "entities": {"user_mentions": [{"id_str": X_USER_ID, "screen_name": "CityPDTips"}]},
        **fields,
    }


def dm(message_data: dict[str, Any], *, event_id: str = "1801234567890123999") -> dict[str, Any]:
    """The recorded Account Activity DM with its id and ``message_data`` replaced."""
    document = payload("x_aaa_dm.json")
    event = document["direct_message_events"][0]
    event["id"] = event_id
    event["message_create"]["message_data"] = message_data
    return document


def activity(event_type: str, event_payload: dict[str, Any]) -> dict[str, Any]:
    """An X Activity API delivery of one event."""
    return {
        "data": {
            "event_uuid": "-6850472171600529999",
            "filter": {"user_id": X_USER_ID},
            "event_type": event_type,
            "tag": "tip-line",
            "payload": event_payload,
        }
    }


def only_tip_point(app: Flask) -> tuple[float, float] | None:
    """The point of the only tip."""
    with app.app_context():
        [tip] = db.session.scalars(select(Tip)).all()
        point = tip.point.read(get_keyring())
        db.session.remove()
    return point


# --- Account Activity: what is not a message to the tip line is ignored --------------------

IGNORED_ACCOUNT_ACTIVITY = {
    "mention": {"user_has_blocked": False, "tweet_create_events": [tweet(PUBLIC_TIP)]},
    "reply": {
        "tweet_create_events": [
            tweet(
                PUBLIC_TIP,
                in_reply_to_status_id_str="1801200000000000000",
                in_reply_to_user_id_str=X_USER_ID,
                in_reply_to_screen_name="CityPDTips",
            )
        ]
    },
    "quote": {
        "tweet_create_events": [
            tweet(
                PUBLIC_TIP,
                is_quote_status=True,
                quoted_status_id_str="1801200000000000000",
                quoted_status={"id_str": "1801200000000000000", "text": "Meeting at 7pm"},
            )
        ]
    },
    "retweet": {
        "tweet_create_events": [
            tweet(
                "RT @CityPDTips: Community meeting tonight at 7pm",
                retweeted_status={"id_str": "1801200000000000000", "user": OUR_ACCOUNT},
            )
        ]
    },
    "favorite": payload("x_aaa_favorite.json"),
    "follow": {
        "follow_events": [
            {
                "type": "follow",
                "created_timestamp": "1718206600000",
                "target": OUR_ACCOUNT,
                "source": RESIDENT_USER,
            }
        ]
    },
    "unfollow": {
        "follow_events": [
            {
                "type": "unfollow",
                "created_timestamp": "1718206600000",
                "target": OUR_ACCOUNT,
                "source": RESIDENT_USER,
            }
        ]
    },
    "block": {
        "block_events": [
            {
                "type": "block",
                "created_timestamp": "1718206600000",
                "source": RESIDENT_USER,
                "target": OUR_ACCOUNT,
            }
        ]
    },
    "mute": {
        "mute_events": [
            {
                "type": "mute",
                "created_timestamp": "1718206600000",
                "source": RESIDENT_USER,
                "target": OUR_ACCOUNT,
            }
        ]
    },
    "tweet_delete": {
        "tweet_delete_events": [
            {
                "status": {"id": "1801210000000000000", "user_id": RESIDENT},
                "timestamp_ms": "1718206700000",
            }
        ]
    },
    "typing": {
        "direct_message_indicate_typing_events": [
            {
                "created_timestamp": "1718206700000",
                "sender_id": RESIDENT,
                "target": {"recipient_id": X_USER_ID},
            }
        ],
        "users": {RESIDENT: RESIDENT_USER},
    },
    "read": {
        "direct_message_mark_read_events": [
            {
                "created_timestamp": "1718206700000",
                "sender_id": RESIDENT,
                "target": {"recipient_id": X_USER_ID},
                "last_read_event_id": "1801234567890123456",
            }
        ],
        "users": {RESIDENT: RESIDENT_USER},
    },
}


@pytest.mark.parametrize("kind", sorted(IGNORED_ACCOUNT_ACTIVITY))
def test_account_activity_events_that_are_not_dms_are_acknowledged_and_ignored(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.INFO)
    events = copy.deepcopy(IGNORED_ACCOUNT_ACTIVITY[kind])
    document = events if "for_user_id" in events else account_activity(**events)
    response = post_x(client, document)
    assert response.status_code == 200
    # A public post is not a private tip: answering it from the tip line would tie the person
    # to a tip in public. Likes, follows, blocks, mutes, deletions, typing and reads carry no
    # message.
    assert row_counts(social_app) == NOTHING
    event_key = next(key for key in document if key.endswith("_events"))
    assert f"{event_key}:1" in caplog.text
    assert find_in_text(caplog.text, [PUBLIC_TIP, HANDLE, RESIDENT]) == []


def test_a_revoked_authorisation_is_ignored_and_told_to_the_operator(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    document = {
        "user_event": {
            "revoke": {
                "date_time": "2024-06-12T15:50:00+00:00",
                "target": {"app_id": "13090192"},
                "source": {"user_id": X_USER_ID},
            }
        }
    }
    assert post_x(client, document).status_code == 200
    assert row_counts(social_app) == NOTHING
    assert "revoked the app's access" in caplog.text


# --- Account Activity: every DM a resident sends is stored or answered ---------------------


def test_a_dm_sharing_a_location_places_the_tip(client: FlaskClient, social_app: Flask) -> None:
    data = {
        "text": "",
        "attachment": {
            "type": "location",
            "location": {
                "type": "shared_coordinate",
                # GeoJSON: longitude first.
                "shared_coordinate": {
                    "coordinates": {"type": "Point", "coordinates": [-71.0589, 42.3601]}
                },
            },
        },
    }
    assert post_x(client, dm(data)).status_code == 200
    assert only_tip_point(social_app) == (42.3601, -71.0589)
    [narrative] = narratives(social_app)
    assert narrative == "[Shared location: 42.36010, -71.05890]"
    [answer] = answers(social_app)
    assert "Your tip number is" in answer


def test_a_dm_sharing_a_place_keeps_its_name(client: FlaskClient, social_app: Flask) -> None:
    data = {
        "text": "they meet here",
        "attachment": {
            "type": "location",
            "location": {
                "type": "shared_place",
                "shared_place": {"place": {"id": "67b98f17fdcf20be", "full_name": "Boston, MA"}},
            },
        },
    }
    assert post_x(client, dm(data)).status_code == 200
    assert narratives(social_app) == ["they meet here\nShared place: Boston, MA"]


def test_a_dm_with_a_link_keeps_the_address_behind_t_co(
    client: FlaskClient, social_app: Flask, stub: Any
) -> None:
    data = {
        "text": "this account sells stolen bikes https://t.co/AbCdEf1234",
        "entities": {
            "hashtags": [],
            "symbols": [],
            "user_mentions": [],
            "urls": [
                {
                    "url": "https://t.co/AbCdEf1234",
                    "expanded_url": "https://x.com/bikes4less/status/1801000000000000000",
                    "display_url": "x.com/bikes4less/sta…",
                    "indices": [32, 55],
                }
            ],
        },
    }
    assert post_x(client, dm(data)).status_code == 200
    [narrative] = narratives(social_app)
    assert narrative.endswith("Shared link: https://x.com/bikes4less/status/1801000000000000000")
    assert not stub.requests  # a shared link is never fetched


def test_a_quick_reply_answer_is_stored_as_its_text(client: FlaskClient, social_app: Flask) -> None:
    data = {
        "text": "Yes, it is happening now",
        "quick_reply_response": {"type": "options", "metadata": "happening_now"},
    }
    assert post_x(client, dm(data)).status_code == 200
    assert narratives(social_app) == ["Yes, it is happening now"]


def test_an_animated_gif_is_a_placeholder_and_answered(
    client: FlaskClient, social_app: Flask, stub: Any
) -> None:
    data = {
        "text": "",
        "attachment": {
            "type": "media",
            "media": {
                "id_str": "1801234000000000001",
                "type": "animated_gif",
                "media_url_https": "https://pbs.twimg.com/dm_gif_preview/1801/a.jpg",
            },
        },
    }
    assert post_x(client, dm(data)).status_code == 200
    [narrative] = narratives(social_app)
    assert narrative.startswith("[video, not kept")
    [answer] = answers(social_app)
    assert "We could not keep your photo, video or file" in answer
    assert "No pudimos guardar su foto" in answer  # no words of theirs: both languages
    assert not stub.requests


def test_a_spanish_dm_is_answered_in_spanish(client: FlaskClient, social_app: Flask) -> None:
    data = {"text": "Están vendiendo drogas detrás de la lavandería de la calle Washington"}
    assert post_x(client, dm(data)).status_code == 200
    [answer] = answers(social_app)
    assert "Su número de denuncia es" in answer


def test_a_dm_with_nothing_in_it_is_ignored(client: FlaskClient, social_app: Flask) -> None:
    assert post_x(client, dm({"text": "", "entities": {"urls": []}})).status_code == 200
    assert row_counts(social_app) == NOTHING


def test_dms_from_two_residents_in_one_delivery_are_two_tips(
    client: FlaskClient, social_app: Flask
) -> None:
    document = dm({"text": "The grey Civic is back on Hyde Park Ave"})
    second = copy.deepcopy(document["direct_message_events"][0])
    second["id"] = "1801234567890124111"
    second["message_create"]["sender_id"] = "4004004004"
    second["message_create"]["message_data"] = {"text": "Someone sells guns at the Elm St bar"}
    document["direct_message_events"].append(second)
    assert post_x(client, document).status_code == 200
    assert sorted(narratives(social_app)) == [
        "Someone sells guns at the Elm St bar",
        "The grey Civic is back on Hyde Park Ave",
    ]


# --- X Activity API -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_type",
    [
        "dm.sent",
        "dm.read",
        "dm.indicate_typing",
        "chat.sent",
        "chat.conversation_join",
        "follow.follow",
        "follow.unfollow",
        "profile.update.bio",
    ],
)
def test_x_activity_events_that_are_not_a_resident_writing_are_ignored(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture, event_type: str
) -> None:
    caplog.set_level(logging.INFO)
    event_payload = {
        "direct_message_events": payload("x_aaa_dm.json")["direct_message_events"],
        "users": {},
    }
    assert post_x(client, activity(event_type, event_payload)).status_code == 200
    assert row_counts(social_app) == NOTHING
    assert f"{event_type}:1" in caplog.text


CIPHERTEXT = base64.b64encode(b"\x17\x03\x03 sealed X Chat ciphertext \x00\x01").decode()


def encrypted_chat(**fields: Any) -> dict[str, Any]:
    """A ``chat.received`` delivery as X documents it (docs.x.com "Real-time X Chat events";
    the ``ChatMessageEvent`` schema of X's OpenAPI): the message event's envelope in clear, its
    id the message id, beside ``encoded_event``, the ciphertext."""
    return activity(
        "chat.received",
        {
            "id": "1801999999999999001",
            "conversation_id": f"{RESIDENT}:{X_USER_ID}",
            "sender_id": RESIDENT,
            "created_at_msec": "1718207000000",
            "sequence_id": "1801999999999999001",
            "encoded_event": CIPHERTEXT,
            "conversation_key_version": "1718206000000",
            "conversation_token": "c2VhbGVkIHRva2Vu",
            "is_trusted": True,
            **fields,
        },
    )


def test_an_encrypted_chat_is_kept_as_a_placeholder_and_answered(
    client: FlaskClient, social_app: Flask, stub: Any
) -> None:
    assert post_x(client, encrypted_chat()).status_code == 200
    [narrative] = narratives(social_app)
    assert narrative.startswith("[an encrypted X Chat message, unreadable without its key")
    [answer] = answers(social_app)
    # No words to go by: English and Spanish, asking for a regular DM.
    assert "We cannot read encrypted X Chat messages" in answer
    assert "No podemos leer los mensajes cifrados de X Chat" in answer
    with social_app.app_context():
        session = db.session()
        assert find_in_database(session, [CIPHERTEXT, RESIDENT]) == []
        session.rollback()
        [row] = session.scalars(select(OutboxMessage)).all()
        assert row.channel == "x"
        db.session.remove()
    # Redelivered: nothing more.
    counts = row_counts(social_app)
    assert post_x(client, encrypted_chat()).status_code == 200
    assert row_counts(social_app) == counts


def test_an_encrypted_chat_delivered_again_under_a_new_event_uuid_is_the_same_message(
    client: FlaskClient, social_app: Flask
) -> None:
    assert post_x(client, encrypted_chat()).status_code == 200
    counts = row_counts(social_app)
    again = encrypted_chat()
    again["data"]["event_uuid"] = "1146654567674912769"  # the delivery's id, not the message's
    assert post_x(client, again).status_code == 200
    assert row_counts(social_app) == counts


def test_an_encrypted_chat_without_a_sender_in_clear_is_ignored_and_counted(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    document = encrypted_chat()
    del document["data"]["payload"]["sender_id"]
    assert post_x(client, document).status_code == 200
    assert row_counts(social_app) == NOTHING
    assert "chat.received:1" in caplog.text


def test_our_own_encrypted_chat_is_ignored(client: FlaskClient, social_app: Flask) -> None:
    assert post_x(client, encrypted_chat(sender_id=X_USER_ID)).status_code == 200
    assert row_counts(social_app) == NOTHING


# --- duplicated, replayed, malformed, oversized, forged ------------------------------------


def sign(body: bytes, secret: str) -> str:
    """``x-twitter-webhooks-signature`` for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def test_a_replayed_delivery_stores_nothing_more(client: FlaskClient, social_app: Flask) -> None:
    body = json.dumps(dm({"text": "The grey Civic is back on Hyde Park Ave"})).encode()
    headers = {"x-twitter-webhooks-signature": sign(body, "x-consumer-secret-a1b2c3")}
    for _ in range(3):
        response = client.post(
            "/webhooks/x", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 200
    counts = row_counts(social_app)
    assert (counts["tip"], counts["inbound_event"], counts["outbox_message"]) == (1, 1, 1)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'"text"', b'{"for_user_id": '])
def test_a_signed_body_that_is_not_an_event_is_a_400(
    client: FlaskClient, social_app: Flask, body: bytes
) -> None:
    response = post_x(client, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"
    assert row_counts(social_app) == NOTHING


@pytest.mark.parametrize(
    "document",
    [
        account_activity(direct_message_events={"id": "1"}),
        account_activity(direct_message_events=[{"type": "message_create", "id": "2"}]),
        activity("dm.received", {"direct_message_events": "none"}),
    ],
)
def test_a_signed_event_of_the_wrong_shape_is_acknowledged_and_dropped(
    client: FlaskClient,
    social_app: Flask,
    caplog: pytest.LogCaptureFixture,
    document: dict[str, Any],
) -> None:
    caplog.set_level(logging.INFO)
    assert post_x(client, document).status_code == 200  # X would resend it forever
    assert row_counts(social_app) == NOTHING
    assert "malformed=1" in caplog.text


def test_an_oversized_delivery_is_refused_before_it_is_read(
    client: FlaskClient, social_app: Flask
) -> None:
    document = dm({"text": "x" * (1100 * 1024)})
    assert post_x(client, document).status_code == 413
    assert row_counts(social_app) == NOTHING


@pytest.mark.parametrize(
    "header",
    [
        sign(json.dumps(dm({"text": "forged tip"})).encode(), "another-app-secret"),
        "sha1=" + base64.b64encode(b"\x00" * 20).decode(),
        "sha256=not-base64!",
        "",
    ],
)
def test_a_forged_delivery_is_refused_and_leaves_no_trace(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture, header: str
) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps(dm({"text": "forged tip"})).encode()
    response = client.post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": header} if header else {},
    )
    assert response.status_code == 403
    assert row_counts(social_app) == NOTHING
    assert find_in_text(caplog.text, ["forged tip", RESIDENT, HANDLE]) == []


def test_nothing_of_the_residents_is_stored_or_logged_in_clear(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    text = "Darnell keeps the rifles in the shed behind 14 Hollis Court"
    data = {
        "text": text + " https://t.co/Zz9",
        "entities": {"urls": [{"url": "https://t.co/Zz9", "expanded_url": "https://x.com/d/1"}]},
    }
    assert post_x(client, dm(data)).status_code == 200
    assert post_x(client, encrypted_chat()).status_code == 200
    needles = [text, RESIDENT, HANDLE, "Jordan B", CIPHERTEXT]
    with social_app.app_context():
        session = db.session()
        assert find_in_database(session, needles) == []
        db.session.remove()
    assert find_in_text(caplog.text, needles) == []
