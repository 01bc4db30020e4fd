"""Meta adapter (Messenger, Instagram, WhatsApp) on recorded-style webhook bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import traceback
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webhooks import meta
from webhooks.base import PayloadError, SignatureError, StatusUpdate

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "0123456789abcdef0123456789abcdef"
VERIFY_TOKEN = "intake-verify-7f3a"


def recorded(name: str) -> bytes:
    """A recorded webhook body, byte for byte."""
    return (PAYLOADS / name).read_bytes()


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header Meta would send."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- verify_subscription ----------------------------------------------------------------------


def subscription(**overrides: str) -> dict[str, str]:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    params.update(overrides)
    return params


def test_subscription_with_our_token_echoes_the_challenge() -> None:
    assert meta.verify_subscription(subscription(), VERIFY_TOKEN) == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        subscription(**{"hub.verify_token": "guessed"}),
        subscription(**{"hub.verify_token": "ñandú-non-ascii"}),
        subscription(**{"hub.mode": "unsubscribe"}),
        {"hub.challenge": "1158201444"},
    ],
)
def test_subscription_without_our_token_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        meta.verify_subscription(params, VERIFY_TOKEN)


def test_subscription_is_refused_when_no_token_is_configured() -> None:
    with pytest.raises(SignatureError):
        meta.verify_subscription(subscription(**{"hub.verify_token": ""}), "")


def test_subscription_without_challenge_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        meta.verify_subscription(subscription(**{"hub.challenge": ""}), VERIFY_TOKEN)


# --- verify_signature -------------------------------------------------------------------------


def test_signature_over_the_raw_bytes_passes() -> None:
    body = recorded("messenger_image.json")  # escaped slashes: re-serialising would break it
    meta.verify_signature(APP_SECRET, body, meta_signature(body))


def test_signature_of_reserialised_json_does_not_match_the_raw_body() -> None:
    body = recorded("messenger_image.json")
    reserialised = json.dumps(json.loads(body)).encode()
    with pytest.raises(SignatureError):
        meta.verify_signature(APP_SECRET, body, meta_signature(reserialised))


def test_uppercase_hex_is_accepted() -> None:
    body = recorded("messenger_text.json")
    header = meta_signature(body)
    meta.verify_signature(APP_SECRET, body, "sha256=" + header.removeprefix("sha256=").upper())


def test_tampered_body_is_refused() -> None:
    body = recorded("whatsapp_text.json")
    header = meta_signature(body)
    tampered = body.replace(b"Franklin Park", b"Fenway Park")
    with pytest.raises(SignatureError, match="does not match"):
        meta.verify_signature(APP_SECRET, tampered, header)


def test_wrong_secret_is_refused() -> None:
    body = recorded("whatsapp_text.json")
    with pytest.raises(SignatureError, match="does not match"):
        meta.verify_signature(APP_SECRET, body, meta_signature(body, "another-app-secret"))


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureError, match="missing"):
        meta.verify_signature(APP_SECRET, recorded("whatsapp_text.json"), header)


@pytest.mark.parametrize(
    "header",
    [
        "sha1=" + "ab" * 20,
        "sha256=" + "zz" * 32,
        "sha256=" + "ab" * 20,
        "ab" * 32,
        "sha256=ñ",
        "sha256=",
    ],
)
def test_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(SignatureError, match="malformed"):
        meta.verify_signature(APP_SECRET, recorded("whatsapp_text.json"), header)


def test_empty_app_secret_refuses_everything() -> None:
    body = recorded("whatsapp_text.json")
    with pytest.raises(SignatureError):
        meta.verify_signature("", body, meta_signature(body, ""))


# --- Messenger --------------------------------------------------------------------------------


def test_messenger_text() -> None:
    batch = meta.parse_events(recorded("messenger_text.json"))
    assert (len(batch.messages), batch.statuses, batch.ignored, batch.malformed) == (1, [], 0, 0)
    message = batch.messages[0]
    assert message.provider == "meta"
    assert message.channel == "messenger"
    assert message.sender == "7012345678901234"
    assert message.sender_kind == "psid"
    assert message.recipient == "104512345678901"
    assert message.event_id.startswith("m_AbCdEf")
    assert message.text.endswith("todas las noches ¡ayuda!")
    assert message.sent_at == datetime(2024, 6, 12, 15, 19, 59, 876000, tzinfo=UTC)


def test_messenger_image_keeps_the_photo_and_drops_the_sticker() -> None:
    batch = meta.parse_events(recorded("messenger_image.json"))
    [message] = batch.messages
    assert message.text == ""
    photo_url = (
        "https://scontent.xx.fbcdn.net/v/t1.15752-9/448123456_1234567890_n.jpg"
        "?_nc_cat=1&ccb=1-7&oh=00_AYB&oe=66A1B2C3"
    )
    assert [m.url for m in message.media] == [photo_url]


def test_messenger_location_becomes_a_point() -> None:
    [message] = meta.parse_events(recorded("messenger_location.json")).messages
    assert message.location == (42.3163, -71.0836)
    assert message.text == "it happened here"
    assert message.media == ()


def test_not_messages_deliveries_are_statuses_and_get_started_is_a_greeting() -> None:
    batch = meta.parse_events(recorded("messenger_not_messages.json"))
    # "Get Started" opens a conversation: the person gets an answer (HELP) though it holds no tip.
    [greeting] = batch.messages
    assert (greeting.text, greeting.unreadable) == ("", ("greeting",))
    assert greeting.event_id == "m_PostbackMid0000000000000000000000000000000000000000000000004"
    # A delivery receipt names our messages; a Messenger read receipt only a time.
    assert batch.statuses == [
        StatusUpdate(
            provider="meta",
            provider_message_id="m_EchoMid000000000000000000000000000000000000000000000000000003",
            status="delivered",
        )
    ]
    assert batch.ignored == 3  # the echo, the read receipt, the reaction


def test_a_message_edit_names_the_edited_message_and_its_edit_number() -> None:
    document = json.loads(recorded("messenger_text.json"))
    event = document["entry"][0]["messaging"][0]
    event.pop("message")
    event["message_edit"] = {"mid": "m_Original0001", "text": "corrected words", "num_edit": 2}
    [edit] = meta.parse_events(json.dumps(document).encode()).messages
    assert (edit.text, edit.extra, edit.event_id) == (
        "corrected words",
        {"edit_of": "m_Original0001"},
        "edit:2:m_Original0001",
    )
    # The page's own edits are not the resident's; an edit without its number is unusable.
    event["sender"]["id"] = document["entry"][0]["id"]
    assert meta.parse_events(json.dumps(document).encode()).ignored == 1
    event["sender"]["id"] = "7012345678901234"
    del event["message_edit"]["num_edit"]
    batch = meta.parse_events(json.dumps(document).encode())
    assert (batch.messages, batch.malformed) == ([], 1)


def test_page_message_without_echo_flag_is_still_ignored() -> None:
    document = json.loads(recorded("messenger_text.json"))
    event = document["entry"][0]["messaging"][0]
    event["sender"]["id"] = document["entry"][0]["id"]
    batch = meta.parse_events(json.dumps(document).encode())
    assert (batch.messages, batch.ignored) == ([], 1)


def test_many_entries_and_messages_in_one_post() -> None:
    batch = meta.parse_events(recorded("meta_multi_entry.json"))
    assert [m.text for m in batch.messages] == ["first message", "second sender", "and a follow-up"]
    assert [m.sender for m in batch.messages] == [
        "7012345678901234",
        "7098765432109876",
        "7012345678901234",
    ]
    assert len({m.event_id for m in batch.messages}) == 3
    assert batch.ignored == 1  # the read receipt


def test_a_broken_item_does_not_lose_the_rest_of_the_batch() -> None:
    document = json.loads(recorded("meta_multi_entry.json"))
    del document["entry"][1]["messaging"][0]["message"]["mid"]
    document["entry"].append("not an entry")
    batch = meta.parse_events(json.dumps(document).encode())
    assert [m.text for m in batch.messages] == ["first message", "and a follow-up"]
    assert batch.malformed == 2


# --- Instagram --------------------------------------------------------------------------------


def test_instagram_dm() -> None:
    [message] = meta.parse_events(recorded("instagram_dm.json")).messages
    assert message.channel == "instagram"
    assert message.sender == "1234567890123456"
    assert message.sender_kind == "igsid"
    assert message.recipient == "17841400000000001"
    assert message.text == "someone keeps breaking into cars on my street at night"


def test_instagram_changes_shape_is_read_too() -> None:
    body = json.dumps(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": "0",
                    "time": 1718206000,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "sender": {"id": "12334"},
                                "recipient": {"id": "23245"},
                                "timestamp": "1527459824",
                                "message": {"mid": "random_mid", "text": "random_text"},
                            },
                        },
                        {"field": "comments", "value": {"id": "1", "text": "a comment"}},
                    ],
                }
            ],
        }
    ).encode()
    batch = meta.parse_events(body)
    assert [(m.event_id, m.text) for m in batch.messages] == [("random_mid", "random_text")]
    assert batch.ignored == 1


# --- WhatsApp ---------------------------------------------------------------------------------


def test_whatsapp_text_from_a_phone_number() -> None:
    [message] = meta.parse_events(recorded("whatsapp_text.json")).messages
    assert message.channel == "whatsapp"
    assert message.event_id.startswith("wamid.")
    assert message.sender == "16175550125"
    assert message.sender_kind == "wa_id"
    assert message.sender_handle == "Maria R"
    assert message.recipient == "106540352242922"
    assert message.text == "There was a shooting near Franklin Park, I saw the car"
    assert message.sent_at == datetime(2024, 6, 12, 15, 28, 20, tzinfo=UTC)


def test_whatsapp_image_is_a_media_id_with_its_caption() -> None:
    [message] = meta.parse_events(recorded("whatsapp_image.json")).messages
    [media] = message.media
    assert media.provider_media_id == "1003383421387256"
    assert media.content_type == "image/jpeg"
    assert media.url == ""
    assert message.text == "the plate of the car"


def test_whatsapp_location_becomes_a_point() -> None:
    [message] = meta.parse_events(recorded("whatsapp_location.json")).messages
    assert message.location == (42.3032, -71.0892)


def test_whatsapp_statuses() -> None:
    batch = meta.parse_events(recorded("whatsapp_statuses.json"))
    assert batch.messages == []
    assert [(s.status, s.error_code) for s in batch.statuses] == [
        ("delivered", None),
        ("failed", "131047"),
    ]
    assert all(s.provider_message_id.startswith("wamid.") for s in batch.statuses)


def test_whatsapp_business_scoped_user_id_is_never_taken_for_a_phone() -> None:
    [message] = meta.parse_events(recorded("whatsapp_bsuid_sender.json")).messages
    assert message.sender == "US.13491208655302741918"
    assert message.sender_kind == "bsuid"
    assert message.sender_handle == "J. Doe"
    assert message.text == "I know who stole the bikes on Centre St"


def test_whatsapp_from_that_is_not_digits_is_a_bsuid() -> None:
    document = json.loads(recorded("whatsapp_text.json"))
    document["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "BR.1502576394655843"
    [message] = meta.parse_events(json.dumps(document).encode()).messages
    assert message.sender_kind == "bsuid"


def test_whatsapp_reaction_and_unknown_field_are_ignored() -> None:
    document = json.loads(recorded("whatsapp_text.json"))
    value = document["entry"][0]["changes"][0]["value"]
    value["messages"][0] = {
        "from": "16175550125",
        "id": "wamid.reaction",
        "timestamp": "1718206100",
        "type": "reaction",
        "reaction": {"message_id": "wamid.x", "emoji": "👍"},
    }
    document["entry"][0]["changes"].append({"field": "account_update", "value": {}})
    batch = meta.parse_events(json.dumps(document).encode())
    assert (batch.messages, batch.ignored) == ([], 2)


# --- malformed payloads -----------------------------------------------------------------------


SECRET_WORDS = "Rodriguez at 12 Elm St has the gun"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json " + SECRET_WORDS.encode(),
        b'{"object":"page","entry":[{"id":"1"' + SECRET_WORDS.encode(),
        b'["' + SECRET_WORDS.encode() + b'"]',
        b'{"object":"page","entry":"' + SECRET_WORDS.encode() + b'"}',
        b"\xff\xfe" + SECRET_WORDS.encode(),
    ],
)
def test_malformed_body_is_a_payload_error_that_does_not_echo_it(body: bytes) -> None:
    with pytest.raises(PayloadError) as caught:
        meta.parse_events(body)
    logged = "".join(traceback.format_exception(caught.value))
    assert "Elm St" not in logged
    assert "Elm St" not in repr(caught.value)
    # The JSON decoder's exception holds the whole body (``.doc``): it must not ride along.
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None


def test_unknown_object_is_ignored_not_refused() -> None:
    batch = meta.parse_events(b'{"object":"permissions","entry":[{"id":"1"}]}')
    assert (batch.messages, batch.ignored) == ([], 1)


# --- outbound ---------------------------------------------------------------------------------


GRAPH = "https://graph.facebook.com"


def test_messenger_send_request() -> None:
    request = meta.send_request(
        "messenger",
        "7012345678901234",
        "Thank you. Your tip number is T-4821.",
        graph_base_url=GRAPH + "/",
        api_version="v21.0",
        page_id_or_phone_number_id="104512345678901",
        access_token="EAAG-page-token",
    )
    assert request.method == "POST"
    assert request.url == "https://graph.facebook.com/v21.0/104512345678901/messages"
    assert request.headers["Authorization"] == "Bearer EAAG-page-token"
    assert "EAAG" not in request.url
    assert request.json == {
        "recipient": {"id": "7012345678901234"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Thank you. Your tip number is T-4821."},
    }


def test_instagram_send_request_with_human_agent_tag() -> None:
    request = meta.send_request(
        "instagram",
        "1234567890123456",
        "A detective has a question.",
        graph_base_url=GRAPH,
        api_version="v21.0",
        page_id_or_phone_number_id="104512345678901",
        access_token="t",
        message_tag="HUMAN_AGENT",
    )
    assert request.json is not None
    assert request.json["messaging_type"] == "MESSAGE_TAG"
    assert request.json["tag"] == "HUMAN_AGENT"


def test_whatsapp_send_request_to_a_phone_and_to_a_bsuid() -> None:
    kwargs = {
        "graph_base_url": "http://127.0.0.1:8765",
        "api_version": "v21.0",
        "page_id_or_phone_number_id": "106540352242922",
        "access_token": "t",
    }
    to_phone = meta.send_request("whatsapp", "16175550125", "hello", **kwargs)
    to_bsuid = meta.send_request("whatsapp", "US.13491208655302741918", "hello", **kwargs)
    assert to_phone.url == "http://127.0.0.1:8765/v21.0/106540352242922/messages"
    assert to_phone.json is not None and to_bsuid.json is not None
    assert to_phone.json["to"] == "16175550125" and "recipient" not in to_phone.json
    assert to_bsuid.json["recipient"] == "US.13491208655302741918" and "to" not in to_bsuid.json
    assert to_phone.json["text"] == {"preview_url": False, "body": "hello"}
    assert to_phone.json["messaging_product"] == "whatsapp"


def test_path_segments_are_escaped() -> None:
    request = meta.send_request(
        "messenger",
        "1",
        "x",
        graph_base_url=GRAPH,
        api_version="v21.0",
        page_id_or_phone_number_id="../me",
        access_token="t",
    )
    assert request.url == "https://graph.facebook.com/v21.0/..%2Fme/messages"


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Meta channel"):
        meta.send_request(
            "sms",
            "1",
            "x",
            graph_base_url=GRAPH,
            api_version="v21.0",
            page_id_or_phone_number_id="1",
            access_token="t",
        )


def test_media_requests() -> None:
    lookup = meta.media_request(
        "1003383421387256", graph_base_url=GRAPH, api_version="v21.0", access_token="t"
    )
    assert (lookup.method, lookup.url) == (
        "GET",
        "https://graph.facebook.com/v21.0/1003383421387256",
    )
    assert lookup.headers == {"Authorization": "Bearer t"}
    assert lookup.json is None

    url = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256"
    download = meta.media_download_request(url, access_token="t")
    assert (download.method, download.url, download.headers) == (
        "GET",
        url,
        {"Authorization": "Bearer t"},
    )
    with pytest.raises(PayloadError):
        meta.media_download_request("http://lookaside.fbsbx.com/x", access_token="t")
