"""X adapter on recorded-style Account Activity and X Activity API webhook bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import traceback
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webhooks import x
from webhooks.base import PayloadError, SignatureError

PAYLOADS = Path(__file__).parent / "payloads"
CONSUMER_SECRET = "xCs_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
OWN_USER_ID = "1480000000000000001"


def recorded(name: str) -> bytes:
    """A recorded webhook body, byte for byte."""
    return (PAYLOADS / name).read_bytes()


def x_signature(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    """The x-twitter-webhooks-signature header X would send."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


# --- CRC --------------------------------------------------------------------------------------


def test_crc_response_matches_the_documented_computation() -> None:
    token = "c5b7a0a8-7a8b-4e5d-9b1e-1234567890ab"
    expected = base64.b64encode(
        hmac.new(CONSUMER_SECRET.encode(), token.encode(), hashlib.sha256).digest()
    ).decode()
    assert x.crc_response(CONSUMER_SECRET, token) == {"response_token": "sha256=" + expected}


def test_crc_response_depends_on_the_secret() -> None:
    token = "abc"
    assert x.crc_response(CONSUMER_SECRET, token) != x.crc_response("other-secret", token)


@pytest.mark.parametrize(
    "token",
    [
        '{"for_user_id": "1", "direct_message_events": []}',
        ' {"data": {}}',
        "\ufeff{}",
        "a" * 256,
        "token with spaces",
        "tok\nen",
    ],
)
def test_crc_signs_only_token_shaped_values(token: str) -> None:
    # The CRC answer is the HMAC a POST signature is: it must never sign something a body could be.
    with pytest.raises(PayloadError):
        x.crc_response(CONSUMER_SECRET, token)


@pytest.mark.parametrize("token", ["Y2hhbGxlbmdlLTEyMw==", "9b4507b3-9040-4669-9ca3-6b94edb50553"])
def test_crc_answers_the_tokens_x_sends(token: str) -> None:
    assert x.crc_response(CONSUMER_SECRET, token)["response_token"].startswith("sha256=")


def test_crc_without_token_or_secret_is_refused() -> None:
    with pytest.raises(PayloadError):
        x.crc_response(CONSUMER_SECRET, "")
    with pytest.raises(SignatureError):
        x.crc_response("", "abc")


# --- verify_signature -------------------------------------------------------------------------


def test_signature_over_the_raw_bytes_passes() -> None:
    body = recorded("x_aaa_dm.json")
    x.verify_signature(CONSUMER_SECRET, body, x_signature(body))


def test_tampered_body_is_refused() -> None:
    body = recorded("x_aaa_dm.json")
    header = x_signature(body)
    with pytest.raises(SignatureError, match="does not match"):
        x.verify_signature(CONSUMER_SECRET, body.replace(b"grey Civic", b"red Civic"), header)


def test_wrong_secret_is_refused() -> None:
    body = recorded("x_aaa_dm.json")
    with pytest.raises(SignatureError, match="does not match"):
        x.verify_signature(CONSUMER_SECRET, body, x_signature(body, "another-secret"))


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureError, match="missing"):
        x.verify_signature(CONSUMER_SECRET, recorded("x_aaa_dm.json"), header)


@pytest.mark.parametrize(
    "header",
    [
        "sha256=not base64!",
        "sha256=" + base64.b64encode(b"short").decode(),
        "sha1=" + base64.b64encode(b"\0" * 32).decode(),
        base64.b64encode(b"\0" * 32).decode(),
        "sha256=" + "ab" * 32,  # hex where base64 is expected decodes to the wrong length
        "sha256=ñ",
    ],
)
def test_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(SignatureError, match="malformed"):
        x.verify_signature(CONSUMER_SECRET, recorded("x_aaa_dm.json"), header)


def test_empty_secret_refuses_everything() -> None:
    body = recorded("x_aaa_dm.json")
    with pytest.raises(SignatureError):
        x.verify_signature("", body, x_signature(body, ""))


# --- Account Activity API ---------------------------------------------------------------------


def test_account_activity_dm_from_a_resident() -> None:
    batch = x.parse_events(recorded("x_aaa_dm.json"), own_user_id=OWN_USER_ID)
    assert (batch.ignored, batch.malformed) == (0, 0)
    [message] = batch.messages
    assert message.provider == "x"
    assert message.channel == "x"
    assert message.event_id == "1801234567890123456"
    assert message.sender == "3001969357"
    assert message.sender_kind == "x_user_id"
    assert message.sender_handle == "@quiet_jordan"
    assert message.recipient == OWN_USER_ID
    assert message.text.startswith("The guy who robbed the corner store")
    assert message.sent_at == datetime(2024, 6, 12, 15, 38, 20, 123000, tzinfo=UTC)


def test_own_outgoing_dm_is_ignored() -> None:
    batch = x.parse_events(recorded("x_aaa_own_dm.json"), own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.ignored) == ([], 1)


def test_own_dm_is_recognised_by_for_user_id_alone() -> None:
    batch = x.parse_events(recorded("x_aaa_own_dm.json"), own_user_id="")
    assert (batch.messages, batch.ignored) == ([], 1)


def test_favorite_event_is_ignored() -> None:
    batch = x.parse_events(recorded("x_aaa_favorite.json"), own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.ignored) == ([], 1)


def test_typing_indicator_and_unknown_dm_type_are_ignored() -> None:
    document = json.loads(recorded("x_aaa_dm.json"))
    document["direct_message_events"].append({"type": "message_delete", "id": "1"})
    document["direct_message_indicate_typing_events"] = [{"sender_id": "3001969357"}]
    batch = x.parse_events(json.dumps(document).encode(), own_user_id=OWN_USER_ID)
    assert len(batch.messages) == 1
    assert batch.ignored == 2


def test_dm_without_id_is_counted_malformed() -> None:
    document = json.loads(recorded("x_aaa_dm.json"))
    del document["direct_message_events"][0]["id"]
    batch = x.parse_events(json.dumps(document).encode(), own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.malformed) == ([], 1)


def test_dm_photo_is_kept_as_media() -> None:
    document = json.loads(recorded("x_aaa_dm.json"))
    document["direct_message_events"][0]["message_create"]["message_data"]["attachment"] = {
        "type": "media",
        "media": {
            "id_str": "1801234567000000000",
            "type": "photo",
            "media_url_https": "https://ton.twitter.com/1.1/ton/data/dm/1/2/abc.jpg",
        },
    }
    [message] = x.parse_events(json.dumps(document).encode(), own_user_id=OWN_USER_ID).messages
    assert [(m.url, m.provider_media_id) for m in message.media] == [
        ("https://ton.twitter.com/1.1/ton/data/dm/1/2/abc.jpg", "1801234567000000000")
    ]


# --- X Activity API ---------------------------------------------------------------------------


def test_activity_api_dm_received() -> None:
    batch = x.parse_events(recorded("x_activity_dm_received.json"), own_user_id=OWN_USER_ID)
    [message] = batch.messages
    assert message.event_id == "1801234567890124000"
    assert message.sender == "2222222222222222222"
    assert message.sender_handle == "@OtherUser"
    assert message.text == "someone is dealing out of the laundromat on Washington St"
    assert message.recipient == OWN_USER_ID


def test_activity_api_same_dm_has_the_same_event_id_as_account_activity() -> None:
    activity = json.loads(recorded("x_activity_dm_received.json"))
    legacy = json.loads(recorded("x_aaa_dm.json"))
    activity["data"]["payload"]["direct_message_events"] = legacy["direct_message_events"]
    [from_activity] = x.parse_events(
        json.dumps(activity).encode(), own_user_id=OWN_USER_ID
    ).messages
    [from_legacy] = x.parse_events(recorded("x_aaa_dm.json"), own_user_id=OWN_USER_ID).messages
    assert from_activity.event_id == from_legacy.event_id


def test_activity_api_own_dm_is_ignored_by_filter_user() -> None:
    document = json.loads(recorded("x_activity_dm_received.json"))
    event = document["data"]["payload"]["direct_message_events"][0]
    event["message_create"]["sender_id"] = OWN_USER_ID
    batch = x.parse_events(json.dumps(document).encode(), own_user_id="")
    assert (batch.messages, batch.ignored) == ([], 1)


@pytest.mark.parametrize("event_type", ["dm.sent", "chat.received", "post.create", "dm.read"])
def test_activity_api_other_event_types_are_ignored(event_type: str) -> None:
    document = json.loads(recorded("x_activity_dm_received.json"))
    document["data"]["event_type"] = event_type
    batch = x.parse_events(json.dumps(document).encode(), own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.ignored) == ([], 1)


def test_activity_api_dm_received_without_events_is_malformed() -> None:
    document = json.loads(recorded("x_activity_dm_received.json"))
    del document["data"]["payload"]["direct_message_events"]
    batch = x.parse_events(json.dumps(document).encode(), own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.malformed) == ([], 1)


# --- malformed payloads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"", b"crc_token=Elm St", b'{"for_user_id": "1", Elm St', b'["Elm St"]', b"\xffElm St"],
)
def test_malformed_body_is_a_payload_error_that_does_not_echo_it(body: bytes) -> None:
    with pytest.raises(PayloadError) as caught:
        x.parse_events(body, own_user_id=OWN_USER_ID)
    assert "Elm St" not in "".join(traceback.format_exception(caught.value))
    assert caught.value.__context__ is None


# --- outbound ---------------------------------------------------------------------------------


def test_send_dm_request() -> None:
    request = x.send_dm_request(
        "3001969357",
        "A detective has a question about your tip T-4821.",
        api_base_url="https://api.x.com/",
        bearer_token="user-context-token",
    )
    assert request.method == "POST"
    assert request.url == "https://api.x.com/2/dm_conversations/with/3001969357/messages"
    assert request.headers["Authorization"] == "Bearer user-context-token"
    assert request.json == {"text": "A detective has a question about your tip T-4821."}


def test_send_dm_request_escapes_the_participant() -> None:
    request = x.send_dm_request("1/../2", "x", api_base_url="http://stub", bearer_token="t")
    assert request.url == "http://stub/2/dm_conversations/with/1%2F..%2F2/messages"


def test_account_activity_dm_events_that_are_not_a_list_are_malformed() -> None:
    body = b'{"for_user_id": "1480000000000000001", "direct_message_events": {"id": "1"}}'
    batch = x.parse_events(body, own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.malformed) == ([], 1)


# --- kinds beyond text and media ----------------------------------------------------------------


def _dm_with(data: dict[str, object]) -> bytes:
    document = json.loads(recorded("x_aaa_dm.json"))
    document["direct_message_events"][0]["message_create"]["message_data"] = data
    return json.dumps(document).encode()


def test_a_shared_coordinate_is_read_longitude_first() -> None:
    location = {
        "type": "shared_coordinate",
        "shared_coordinate": {"coordinates": {"type": "Point", "coordinates": [-71.06, 42.36]}},
    }
    body = _dm_with({"text": "", "attachment": {"type": "location", "location": location}})
    [message] = x.parse_events(body, own_user_id=OWN_USER_ID).messages
    assert message.location == (42.36, -71.06)


@pytest.mark.parametrize("coordinates", [[200, 10], [10], ["1", "2"], [True, 1], None])
def test_an_impossible_coordinate_is_no_location(coordinates: object) -> None:
    location = {"shared_coordinate": {"coordinates": {"coordinates": coordinates}}}
    body = _dm_with({"text": "", "attachment": {"type": "location", "location": location}})
    batch = x.parse_events(body, own_user_id=OWN_USER_ID)
    assert (batch.messages, batch.ignored) == ([], 1)


def test_links_behind_t_co_are_shared_once_and_at_most_five() -> None:
    urls = [{"expanded_url": f"https://example.org/{n}"} for n in range(8)]
    urls.append({"expanded_url": "javascript:alert(1)"})
    body = _dm_with({"text": "look https://example.org/0", "entities": {"urls": urls}})
    [message] = x.parse_events(body, own_user_id=OWN_USER_ID).messages
    # The first is already in the text; javascript: is not a link; five entities at most.
    assert message.shared == tuple(f"Shared link: https://example.org/{n}" for n in range(1, 5))


def test_ignored_events_are_counted_by_kind_with_log_safe_names() -> None:
    document = {
        "for_user_id": OWN_USER_ID,
        "favorite_events": [{}, {}],
        "follow_events": [{}],
        "made_up_key_with_a_secret_events": [{}],
        "user_event": {"revoke": {"source": {"user_id": OWN_USER_ID}}},
    }
    batch = x.parse_events(json.dumps(document).encode(), own_user_id=OWN_USER_ID)
    assert batch.ignored_kinds == {
        "favorite_events": 2,
        "follow_events": 1,
        "other": 1,
        "user_event": 1,
    }
    assert batch.revoked == 1


def test_an_encrypted_chat_with_its_sender_is_an_unreadable_message() -> None:
    document = {
        "data": {
            "event_uuid": "1146654567674912769",
            "event_type": "chat.received",
            "filter": {"user_id": OWN_USER_ID},
            "payload": {
                "id": "9001",
                "conversation_id": f"42:{OWN_USER_ID}",
                "sender_id": "42",
                "created_at_msec": "1718207000000",
                "encoded_event": "AAEC",
            },
        }
    }
    [message] = x.parse_events(json.dumps(document).encode(), own_user_id="").messages
    assert (message.sender, message.event_id, message.text) == ("42", "chat:9001", "")
    assert message.unreadable == ("encrypted",)
    assert message.recipient == OWN_USER_ID
