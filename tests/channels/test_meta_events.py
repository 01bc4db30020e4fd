"""Every webhook event Messenger, Instagram and the WhatsApp Cloud API document, posted signed
(X-Hub-Signature-256 over the raw body) to /webhooks/meta: stored, answered, ignored or applied
as a delivery status, as docs/social.md's "Every kind of message" table says and why.

Each payload starts from a recorded delivery (tests/webhooks/payloads) with the event replaced
by one shaped as Meta's webhook reference documents that event.
"""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.extensions import db
from intake.models import Message
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    SocialStub,
    build_app,
    drain,
    meta_signature,
    payload,
    post_meta,
    row_counts,
    social_app,
    social_providers,
    stub,
)
from tests.channels.test_social_kinds import (
    HELP_EN,
    HELP_ES,
    UNREAD_EN,
    UNREAD_ES,
    answers,
    inbound_bodies,
    narratives,
    whatsapp,
)
from tests.privacy_scan import find_in_database, find_in_sqlite_files, find_in_text

PSID = "7012345678901234"  # the recorded Messenger sender
PAGE_ID = "104512345678901"
IGSID = "1234567890123456"  # the recorded Instagram sender
IG_ACCOUNT = "17841400000000001"
WA_PHONE = "16175550125"  # the recorded WhatsApp sender
NOTHING = {
    "tip": 0,
    "message": 0,
    "inbound_event": 0,
    "outbox_message": 0,
    "reporter": 0,
    "attachment": 0,
}


@pytest.fixture
def client(social_app: Flask) -> FlaskClient:
    """A test client of the app."""
    return social_app.test_client()


def logged_counts(caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    """The counts of the last ``meta delivery`` log line (how the view classified the batch)."""
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("meta delivery")]
    assert lines, "no meta delivery was logged"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", lines[-1])}


# --- builders, in the shapes of Meta's webhook reference ---------------------------------------


def messaging(event: dict[str, Any], *, instagram: bool = False) -> dict[str, Any]:
    """A Messenger (or Instagram) delivery whose one ``messaging`` event carries ``event``
    beside the recorded sender, recipient and timestamp."""
    if instagram:
        document = payload("instagram_dm.json")
        sender, own = IGSID, IG_ACCOUNT
    else:
        document = payload("messenger_text.json")
        sender, own = PSID, PAGE_ID
    document["entry"][0]["messaging"] = [
        {"sender": {"id": sender}, "recipient": {"id": own}, "timestamp": 1718205599876, **event}
    ]
    return document


def message(fields: dict[str, Any], *, instagram: bool = False) -> dict[str, Any]:
    """A ``messages`` event (a person's message) with a mid derived from its fields."""
    mid = "m_" + re.sub(r"\W", "", json.dumps(fields, sort_keys=True))[-40:]
    return messaging({"message": {"mid": mid, **fields}}, instagram=instagram)


def instagram_change(field: str, value: dict[str, Any]) -> dict[str, Any]:
    """An Instagram account ``changes`` notification (comments, mentions, story insights)."""
    return {
        "object": "instagram",
        "entry": [
            {"id": IG_ACCOUNT, "time": 1718206000, "changes": [{"field": field, "value": value}]}
        ],
    }


def whatsapp_value(field: str = "messages", **value: Any) -> dict[str, Any]:
    """The recorded WhatsApp delivery with its change's field and value replaced."""
    document = payload("whatsapp_text.json")
    change = document["entry"][0]["changes"][0]
    base = {k: v for k, v in change["value"].items() if k in ("messaging_product", "metadata")}
    change.update(field=field, value={**base, **value})
    return document


def whatsapp_status(wamid: str, status: str, **extra: Any) -> dict[str, Any]:
    """A WhatsApp ``statuses`` report of one of our messages."""
    report = {
        "id": wamid,
        "status": status,
        "timestamp": "1718206400",
        "recipient_id": WA_PHONE,
        **extra,
    }
    return whatsapp_value(statuses=[report])


# --- ignored: nothing from the person to keep or answer ----------------------------------------

STORY_URL = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001"

IGNORED: dict[str, Callable[[], dict[str, Any]]] = {
    # Messenger
    "messenger message_reads (a watermark, no message named)": lambda: messaging(
        {"read": {"watermark": 1718205599000}}
    ),
    "messenger message_deliveries without mids": lambda: messaging(
        {"delivery": {"watermark": 1718205599000}}
    ),
    "messenger message_reactions react": lambda: messaging(
        {"reaction": {"mid": "m_sent_1", "action": "react", "reaction": "love", "emoji": "❤"}}
    ),
    "messenger message_reactions unreact": lambda: messaging(
        {"reaction": {"mid": "m_sent_1", "action": "unreact"}}
    ),
    "messenger message_echoes": lambda: {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1718205600000,
                "messaging": [
                    {
                        "sender": {"id": PAGE_ID},
                        "recipient": {"id": PSID},
                        "timestamp": 1718205599876,
                        "message": {
                            "is_echo": True,
                            "app_id": 1517776481860111,
                            "metadata": "staff",
                            "mid": "m_echo_1",
                            "text": "We got your tip",
                        },
                    }
                ],
            }
        ],
    },
    "messenger messaging_optins notification_messages": lambda: messaging(
        {
            "optin": {
                "type": "notification_messages",
                "payload": "TIP_UPDATES",
                "notification_messages_token": "7aa5b1b2c3",
                "notification_messages_frequency": "DAILY",
                "notification_messages_timezone": "America/New_York",
                "token_expiry_timestamp": 1726000000000,
                "user_token_status": "NOT_REFRESHED",
                "title": "Tip line news",
            }
        }
    ),
    "messenger messaging_optins checkbox (user_ref, no PSID)": lambda: {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1718205600000,
                "messaging": [
                    {
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1718205599876,
                        "optin": {"ref": "tip-form", "user_ref": "UNIQUE_REF_123"},
                    }
                ],
            }
        ],
    },
    "messenger messaging_referrals (m.me link into an open thread)": lambda: messaging(
        {"referral": {"ref": "poster-dudley", "source": "SHORTLINK", "type": "OPEN_THREAD"}}
    ),
    "messenger messaging_referrals (ad)": lambda: messaging(
        {
            "referral": {
                "ref": "ad-ref",
                "ad_id": "6045246247433",
                "source": "ADS",
                "type": "OPEN_THREAD",
                "ads_context_data": {"ad_title": "Tell us", "post_id": "1"},
            }
        }
    ),
    "messenger messaging_handovers pass_thread_control": lambda: messaging(
        {"pass_thread_control": {"new_owner_app_id": "123456789", "metadata": "to the bot"}}
    ),
    "messenger messaging_handovers take_thread_control": lambda: messaging(
        {"take_thread_control": {"previous_owner_app_id": "123456789", "metadata": ""}}
    ),
    "messenger messaging_policy_enforcement": lambda: {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1718205600000,
                "messaging": [
                    {
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1718205599876,
                        "policy_enforcement": {"action": "block", "reason": "policy"},
                    }
                ],
            }
        ],
    },
    "messenger messaging_account_linking": lambda: messaging(
        {"account_linking": {"status": "unlinked"}}
    ),
    "messenger messaging_feedback": lambda: messaging(
        {
            "messaging_feedback": {
                "feedback_screens": [
                    {
                        "screen_id": 0,
                        "questions": {
                            "q1": {
                                "type": "csat",
                                "payload": "5",
                                "follow_up": {"type": "free_form"},
                            }
                        },
                    }
                ]
            }
        }
    ),
    "messenger messaging_game_plays": lambda: messaging(
        {"game_play": {"game_id": "1", "player_id": "2", "context_type": "SOLO", "score": 3}}
    ),
    "messenger standby (another app owns the thread)": lambda: {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1718205600000,
                "standby": [
                    {
                        "sender": {"id": PSID},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1718205599876,
                        "message": {"mid": "m_standby_1", "text": "hello?"},
                    }
                ],
            }
        ],
    },
    "messenger is_deleted (unsent by the person)": lambda: message({"is_deleted": True}),
    # Instagram
    "instagram message_reactions": lambda: messaging(
        {"reaction": {"mid": "aWdfZA", "action": "react", "reaction": "love", "emoji": "❤"}},
        instagram=True,
    ),
    "instagram messaging_referral": lambda: messaging(
        {"referral": {"ref": "bio-link", "source": "IGME", "type": "OPEN_THREAD"}},
        instagram=True,
    ),
    "instagram messaging_optins": lambda: messaging(
        {"optin": {"type": "notification_messages", "payload": "x", "title": "t"}},
        instagram=True,
    ),
    "instagram message is_deleted": lambda: message({"is_deleted": True}, instagram=True),
    "instagram message is_echo": lambda: {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ACCOUNT,
                "time": 1718206000111,
                "messaging": [
                    {
                        "sender": {"id": IG_ACCOUNT},
                        "recipient": {"id": IGSID},
                        "timestamp": 1718206000000,
                        "message": {"mid": "aWdfZAecho", "text": "Thanks", "is_echo": True},
                    }
                ],
            }
        ],
    },
    "instagram comments": lambda: instagram_change(
        "comments",
        {
            "from": {"id": "232323232", "username": "corner_witness"},
            "media": {"id": "123123123", "media_product_type": "FEED"},
            "id": "17865799348089039",
            "parent_id": "1231231234",
            "text": "I saw who did it",
        },
    ),
    "instagram live_comments": lambda: instagram_change(
        "live_comments",
        {
            "from": {"id": "232323232", "username": "corner_witness"},
            "media": {"id": "123123123", "media_product_type": "LIVE"},
            "id": "17865799348089040",
            "text": "that's the car",
        },
    ),
    "instagram mentions": lambda: instagram_change(
        "mentions", {"media_id": "17887498072083520", "comment_id": "17887498072083521"}
    ),
    "instagram story_insights": lambda: instagram_change(
        "story_insights",
        {
            "media_id": "17887498072083520",
            "impressions": 444,
            "reach": 44,
            "taps_forward": 4,
            "taps_back": 3,
            "exits": 3,
            "replies": 0,
        },
    ),
    # WhatsApp
    "whatsapp reaction": lambda: whatsapp(
        {"type": "reaction", "reaction": {"message_id": "wamid.sent1", "emoji": "🙏"}}
    ),
    "whatsapp reaction removed": lambda: whatsapp(
        {"type": "reaction", "reaction": {"message_id": "wamid.sent1"}}
    ),
    "whatsapp system customer_identity_changed": lambda: whatsapp(
        {
            "type": "system",
            "system": {
                "body": "User A's security code changed",
                "identity": "aGFzaC1vZi10aGUtbmV3LWtleQ==",
                "type": "customer_identity_changed",
                "customer": WA_PHONE,
            },
        }
    ),
    "whatsapp errors (a delivery Meta could not process)": lambda: whatsapp_value(
        errors=[
            {
                "code": 131000,
                "title": "Something went wrong",
                "message": "Something went wrong",
                "error_data": {"details": "Message failed to send"},
            }
        ]
    ),
    "whatsapp account_update": lambda: whatsapp_value(
        "account_update", phone_number="16175550100", event="VERIFIED_ACCOUNT"
    ),
    "whatsapp message_template_status_update": lambda: whatsapp_value(
        "message_template_status_update",
        event="APPROVED",
        message_template_id=1234567,
        message_template_name="tip_line_news",
        message_template_language="en_US",
        reason="NONE",
    ),
    "whatsapp phone_number_quality_update": lambda: whatsapp_value(
        "phone_number_quality_update",
        display_phone_number="16175550100",
        event="FLAGGED",
        current_limit="TIER_1K",
    ),
    "whatsapp status of a message we never sent": lambda: whatsapp_status(
        "wamid.HBgLMTYxNzU1NTAxMjUVAgARGBJBQkNERUYA", "delivered"
    ),
}


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_events_with_nothing_from_the_person_are_acknowledged_and_ignored(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    response = post_meta(client, IGNORED[name]())
    assert response.status_code == 200
    assert row_counts(social_app) == NOTHING
    counts = logged_counts(caplog)
    # Classified as ignored (documented, not for us), never as broken.
    assert counts["malformed"] == 0
    assert counts["ignored"] + counts["statuses"] >= 1 or name.endswith("never sent")


# --- stored: the person's words, with what the detective needs to read them -------------------


def test_a_messenger_quick_reply_and_a_reply_to_a_message_are_their_text(
    client: FlaskClient, social_app: Flask
) -> None:
    quick = message({"text": "Yes, tonight", "quick_reply": {"payload": "WHEN_TONIGHT"}})
    assert post_meta(client, quick).status_code == 200
    reply = message({"text": "The same grey van again", "reply_to": {"mid": "m_sent_1"}})
    assert post_meta(client, reply).status_code == 200
    assert narratives(social_app) == ["Yes, tonight"]
    assert inbound_bodies(social_app) == ["The same grey van again"]


def test_a_messenger_message_from_an_ad_is_stored_without_the_ad(
    client: FlaskClient, social_app: Flask
) -> None:
    document = message(
        {
            "text": "I know who broke the school windows",
            "referral": {
                "ref": "ad",
                "ad_id": "6045246247433",
                "source": "ADS",
                "type": "OPEN_THREAD",
            },
        }
    )
    assert post_meta(client, document).status_code == 200
    assert narratives(social_app) == ["I know who broke the school windows"]


def test_a_messenger_template_or_product_share_is_kept_as_a_shared_item(
    client: FlaskClient, social_app: Flask
) -> None:
    document = message(
        {
            "attachments": [
                {
                    "type": "template",
                    "payload": {"template_type": "generic", "url": "https://example.org/item/9"},
                }
            ]
        }
    )
    assert post_meta(client, document).status_code == 200
    assert narratives(social_app) == ["Shared item: https://example.org/item/9"]


def test_an_instagram_reply_to_the_departments_story_notes_the_story(
    client: FlaskClient, social_app: Flask
) -> None:
    document = message(
        {
            "text": "that man in your story lives on my street",
            "reply_to": {"story": {"url": STORY_URL, "id": "17900000000000001"}},
        },
        instagram=True,
    )
    assert post_meta(client, document).status_code == 200
    assert narratives(social_app) == [
        "that man in your story lives on my street\n"
        f"Replying to the department's story: {STORY_URL}"
    ]


def test_instagram_audio_and_video_are_placeholders_never_downloaded(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    for kind in ("audio", "video"):
        document = message(
            {"attachments": [{"type": kind, "payload": {"url": f"{STORY_URL}&{kind}"}}]},
            instagram=True,
        )
        assert post_meta(client, document).status_code == 200
    [narrative] = narratives(social_app)
    assert narrative == "[audio, not kept: ask the tipster to write it]"
    assert inbound_bodies(social_app) == ["[video, not kept: ask the tipster to describe it]"]
    assert not stub.requests


WHATSAPP_STORED = {
    "list reply with its description": (
        {
            "type": "interactive",
            "interactive": {
                "type": "list_reply",
                "list_reply": {
                    "id": "drugs",
                    "title": "Drug dealing",
                    "description": "Selling or using drugs",
                },
            },
        },
        "Drug dealing - Selling or using drugs",
    ),
    "template quick-reply button": (
        {
            "type": "button",
            "context": {"from": "16175550100", "id": "wamid.sent1"},
            "button": {"payload": "I_HAVE_MORE", "text": "I have more to tell"},
        },
        "I have more to tell",
    ),
    "flow (nfm_reply) form": (
        {
            "type": "interactive",
            "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {
                    "name": "flow",
                    "body": "Sent",
                    "response_json": json.dumps(
                        {
                            "flow_token": "token-we-set",
                            "what_happened": "Car break-ins on Centre St",
                            "when": "every night",
                        }
                    ),
                },
            },
        },
        "Form reply: what_happened: Car break-ins on Centre St; when: every night",
    ),
    "text from a click-to-WhatsApp ad": (
        {
            "type": "text",
            "text": {"body": "I saw your post about the stolen bikes"},
            "referral": {
                "source_url": "https://fb.me/abc",
                "source_id": "120201",
                "source_type": "ad",
                "headline": "Help us find the bikes",
                "body": "Send us a message",
                "media_type": "image",
                "image_url": "https://scontent.xx.fbcdn.net/ad.jpg",
                "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO",
            },
        },
        "I saw your post about the stolen bikes",
    ),
    "forwarded text": (
        {
            "type": "text",
            "text": {"body": "They are meeting behind the laundromat at 9"},
            "context": {"forwarded": True},
        },
        "They are meeting behind the laundromat at 9\n[forwarded message]",
    ),
    "frequently forwarded text": (
        {
            "type": "text",
            "text": {"body": "Warning: armed robbers in a white car"},
            "context": {"frequently_forwarded": True},
        },
        "Warning: armed robbers in a white car\n[forwarded message]",
    ),
    "place without coordinates": (
        {"type": "location", "location": {"name": "Franklin Park", "address": "Boston, MA"}},
        "Shared place: Franklin Park Boston, MA",
    ),
    "document with a caption": (
        {
            "type": "document",
            "document": {
                "caption": "the receipt he left",
                "filename": "receipt.pdf",
                "mime_type": "application/pdf",
                "sha256": "abc",
                "id": "2001",
            },
        },
        "the receipt he left\n[file, not kept: ask the tipster to describe it]",
    ),
}


@pytest.mark.parametrize("name", sorted(WHATSAPP_STORED))
def test_whatsapp_messages_are_stored_as_their_words_and_notes(
    client: FlaskClient, social_app: Flask, stub: SocialStub, name: str
) -> None:
    body, stored = WHATSAPP_STORED[name]
    assert post_meta(client, whatsapp(body)).status_code == 200
    assert narratives(social_app) == [stored]
    [text] = answers(social_app)
    assert "Your tip number is" in text or "Su número de denuncia es" in text
    assert not stub.requests  # nothing looked up, nothing downloaded


# --- answered: something from the person we cannot keep, or a chat opened ---------------------

WHATSAPP_ANSWERED = {
    "order from a catalogue": {
        "type": "order",
        "order": {
            "catalog_id": "1",
            "text": "",
            "product_items": [
                {
                    "product_retailer_id": "x",
                    "quantity": "1",
                    "item_price": "1",
                    "currency": "USD",
                }
            ],
        },
    },
    "ephemeral (disappearing) message": {"type": "ephemeral"},
    "unknown type": {
        "type": "unknown",
        "errors": [{"code": 131051, "details": "Message type is not currently supported"}],
    },
    "a type newer than this code": {"type": "poll_vote", "poll_vote": {"option": 2}},
    "interactive reply of a newer kind": {
        "type": "interactive",
        "interactive": {"type": "call_permission_reply", "call_permission_reply": {}},
    },
}


@pytest.mark.parametrize("name", sorted(WHATSAPP_ANSWERED))
def test_whatsapp_messages_we_cannot_read_are_a_placeholder_and_answered(
    client: FlaskClient, social_app: Flask, name: str
) -> None:
    assert post_meta(client, whatsapp(WHATSAPP_ANSWERED[name])).status_code == 200
    [narrative] = narratives(social_app)
    assert narrative == "[a message the platform could not show: ask the tipster to write it]"
    [text] = answers(social_app)
    assert UNREAD_EN in text and UNREAD_ES in text  # no words of theirs: both languages


def test_a_whatsapp_order_note_is_kept_and_the_order_asked_about(
    client: FlaskClient, social_app: Flask
) -> None:
    order = copy.deepcopy(WHATSAPP_ANSWERED["order from a catalogue"])
    order["order"]["text"] = "This is what they sell at the corner"
    assert post_meta(client, whatsapp(order)).status_code == 200
    assert narratives(social_app) == [
        "This is what they sell at the corner\n"
        "[a message the platform could not show: ask the tipster to write it]"
    ]
    [text] = answers(social_app)
    assert UNREAD_EN in text and UNREAD_ES not in text


def test_a_whatsapp_sticker_is_asked_for_words_once_however_often_it_arrives(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    sticker = whatsapp(
        {
            "type": "sticker",
            "sticker": {
                "mime_type": "image/webp",
                "sha256": "abc",
                "id": "3001",
                "animated": False,
            },
        }
    )
    assert post_meta(client, sticker).status_code == 200
    assert post_meta(client, sticker).status_code == 200  # redelivered
    assert row_counts(social_app)["tip"] == 0
    [text] = answers(social_app)
    assert "Write to us what you know" in text
    assert not stub.requests


@pytest.mark.parametrize("instagram", [False, True], ids=["messenger", "instagram"])
def test_a_postback_opening_a_chat_is_answered_like_help_once(
    client: FlaskClient, social_app: Flask, instagram: bool
) -> None:
    postback: dict[str, Any] = {"mid": "m_postback_1", "title": "Get Started", "payload": "START"}
    if not instagram:
        # An m.me link or a QR code opened the thread: the referral rides on the postback.
        postback["referral"] = {
            "ref": "poster-dudley",
            "source": "SHORTLINK",
            "type": "OPEN_THREAD",
        }
    document = messaging({"postback": postback}, instagram=instagram)
    assert post_meta(client, document).status_code == 200
    assert post_meta(client, document).status_code == 200  # redelivered
    [text] = answers(social_app)
    assert HELP_EN in text and HELP_ES in text
    assert row_counts(social_app)["tip"] == 0


# --- delivery statuses: outbound's one ladder ---------------------------------------------------


def sent_whatsapp_ack(client: FlaskClient, app: Flask) -> str:
    """A WhatsApp tip whose acknowledgement was sent (the stand-in named it wamid.sent1)."""
    first = whatsapp({"type": "text", "text": {"body": "I know who stole the bikes on Centre St"}})
    assert post_meta(client, first).status_code == 200
    assert drain(app) == 1
    return "wamid.sent1"


def ack_state(app: Flask) -> tuple[str, str | None]:
    """The acknowledgement's delivery status and error."""
    with app.app_context():
        [row] = db.session.scalars(select(Message).where(Message.direction == "outbound")).all()
        state = (row.delivery_status, row.delivery_error)
        db.session.remove()
    return state


def test_whatsapp_statuses_climb_the_ladder_and_never_move_back(
    client: FlaskClient, social_app: Flask
) -> None:
    wamid = sent_whatsapp_ack(client, social_app)
    assert ack_state(social_app) == ("sent", None)
    conversation = {"id": "9b1a0d2a", "origin": {"type": "service"}}
    delivered = whatsapp_status(wamid, "delivered", conversation=conversation)
    assert post_meta(client, delivered).status_code == 200
    assert ack_state(social_app) == ("delivered", None)
    assert post_meta(client, whatsapp_status(wamid, "read")).status_code == 200
    assert ack_state(social_app) == ("read", None)
    for late in ("delivered", "sent", "deleted", "warning"):
        # Out of order, or a status the ladder does not know: nothing changes.
        assert post_meta(client, whatsapp_status(wamid, late)).status_code == 200
        assert ack_state(social_app) == ("read", None)


@pytest.mark.parametrize("instagram", [False, True], ids=["messenger", "instagram"])
def test_receipts_naming_our_messages_climb_the_same_ladder(
    client: FlaskClient, social_app: Flask, instagram: bool
) -> None:
    text = {"text": "I know who stole the bikes on Centre St"}
    assert post_meta(client, message(text, instagram=instagram)).status_code == 200
    assert drain(social_app) == 1
    assert ack_state(social_app) == ("sent", None)
    if instagram:
        # messaging_seen names the message read (the stand-in named our reply m_sent_1).
        seen = messaging({"read": {"mid": "m_sent_1"}}, instagram=True)
        assert post_meta(client, seen).status_code == 200
        assert ack_state(social_app) == ("read", None)
        late = {"delivery": {"mids": ["m_sent_1"], "watermark": 1718205599000}}
        assert post_meta(client, messaging(late, instagram=True)).status_code == 200
        assert ack_state(social_app) == ("read", None)
    else:
        delivery = {"delivery": {"mids": ["m_sent_1"], "watermark": 1718205599000}}
        assert post_meta(client, messaging(delivery)).status_code == 200
        assert ack_state(social_app) == ("delivered", None)
        # Messenger's read receipt names only a time: the state stays.
        read = messaging({"read": {"watermark": 1718205599999}})
        assert post_meta(client, read).status_code == 200
        assert ack_state(social_app) == ("delivered", None)


def test_a_whatsapp_failure_report_names_its_code_only(
    client: FlaskClient, social_app: Flask
) -> None:
    wamid = sent_whatsapp_ack(client, social_app)
    error = {
        "code": 131026,
        "title": "Message undeliverable",
        "message": "Message undeliverable",
        "error_data": {"details": f"Unable to deliver to {WA_PHONE}"},
    }
    assert post_meta(client, whatsapp_status(wamid, "failed", errors=[error])).status_code == 200
    assert ack_state(social_app) == ("failed", "provider error 131026")


def test_a_reply_refused_in_a_report_as_outside_the_window_invites_the_tipster(
    build_app: Callable[..., Flask], stub: SocialStub
) -> None:
    app = build_app(
        providers=social_providers(stub, META_WHATSAPP_TEMPLATE_EN="tip_line_news"),
        ratelimit_enabled=False,
    )
    client = app.test_client()
    wamid = sent_whatsapp_ack(client, app)
    error = {"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message"}
    refused = whatsapp_status(wamid, "failed", errors=[error])
    assert post_meta(client, refused).status_code == 200
    assert drain(app) == 1
    [template] = [r for r in stub.seen("POST") if r.body.get("type") == "template"]
    assert template.body["template"] == {"name": "tip_line_news", "language": {"code": "en"}}
    assert ack_state(app) == ("awaiting_tipster", None)
    # The invitation's own reports (the stand-in named it wamid.sent2) leave the reply held.
    for state in ("sent", "delivered", "read"):
        assert post_meta(client, whatsapp_status("wamid.sent2", state)).status_code == 200
        assert ack_state(app) == ("awaiting_tipster", None)
    # Meta delivers the refusal again: the reply is already held, nothing more is queued.
    assert post_meta(client, refused).status_code == 200
    assert drain(app) == 0
    # The tipster writes back: the held reply goes out as text.
    back = whatsapp({"type": "text", "text": {"body": "I am here"}})
    assert post_meta(client, back).status_code == 200
    drain(app)
    texts = [r.body for r in stub.seen("POST") if r.body.get("type") == "text"]
    assert sum("Your tip number is" in body["text"]["body"] for body in texts) == 2
    assert ack_state_of_first(app) == "sent"


def test_an_invitation_template_that_fails_shows_the_held_reply_failed(
    build_app: Callable[..., Flask], stub: SocialStub
) -> None:
    app = build_app(
        providers=social_providers(stub, META_WHATSAPP_TEMPLATE_EN="tip_line_news"),
        ratelimit_enabled=False,
    )
    client = app.test_client()
    wamid = sent_whatsapp_ack(client, app)
    closed = {"code": 131047, "title": "Re-engagement message"}
    assert post_meta(client, whatsapp_status(wamid, "failed", errors=[closed])).status_code == 200
    drain(app)
    assert ack_state(app) == ("awaiting_tipster", None)
    paused = {"code": 132015, "title": "Template is paused"}
    report = whatsapp_status("wamid.sent2", "failed", errors=[paused])
    assert post_meta(client, report).status_code == 200
    assert ack_state(app) == ("failed", "invitation template: provider error 132015")


def ack_state_of_first(app: Flask) -> str:
    """The delivery status of the first outbound message of the thread."""
    with app.app_context():
        first = db.session.scalars(
            select(Message).where(Message.direction == "outbound").order_by(Message.created_at)
        ).first()
        assert first is not None
        state = first.delivery_status
        db.session.remove()
    return state


# --- duplicates, broken entries, size and signatures --------------------------------------------


def test_the_same_mid_twice_in_one_batch_and_again_later_is_stored_once(
    client: FlaskClient, social_app: Flask
) -> None:
    document = payload("messenger_text.json")
    events = document["entry"][0]["messaging"]
    events.append(copy.deepcopy(events[0]))
    assert post_meta(client, document).status_code == 200
    counts = row_counts(social_app)
    assert (counts["tip"], counts["inbound_event"], counts["outbox_message"]) == (1, 1, 1)
    assert post_meta(client, document).status_code == 200
    assert row_counts(social_app) == counts


BROKEN: dict[str, Callable[[], dict[str, Any]]] = {
    "entry that is not an object": lambda: {"object": "page", "entry": ["not an entry"]},
    "messenger message without a mid": lambda: messaging({"message": {"text": "no id"}}),
    "messenger message without a sender": lambda: {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "messaging": [
                    {"recipient": {"id": PAGE_ID}, "message": {"mid": "m_1", "text": "x"}}
                ],
            }
        ],
    },
    "messaging event that is not an object": lambda: {
        "object": "instagram",
        "entry": [{"id": IG_ACCOUNT, "messaging": [42]}],
    },
    "whatsapp message without an id": lambda: whatsapp_value(
        messages=[{"from": WA_PHONE, "type": "text", "text": {"body": "no id"}}]
    ),
    "whatsapp message without a sender": lambda: whatsapp_value(
        messages=[{"id": "wamid.nosender", "type": "text", "text": {"body": "who?"}}]
    ),
    "whatsapp location without coordinates or a name": lambda: whatsapp(
        {"type": "location", "location": {}}
    ),
    "whatsapp status without a status": lambda: whatsapp_value(statuses=[{"id": "wamid.sent1"}]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_item_is_a_200_with_nothing_half_written(
    client: FlaskClient, social_app: Flask, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    caplog.set_level(logging.INFO)
    assert post_meta(client, BROKEN[name]()).status_code == 200
    assert row_counts(social_app) == NOTHING
    assert logged_counts(caplog)["malformed"] == 1


def test_a_broken_item_does_not_cost_the_good_one_beside_it(
    client: FlaskClient, social_app: Flask
) -> None:
    document = payload("whatsapp_text.json")
    messages = document["entry"][0]["changes"][0]["value"]["messages"]
    messages.insert(0, {"from": WA_PHONE, "type": "text", "text": {"body": "no id"}})
    assert post_meta(client, document).status_code == 200
    assert narratives(social_app) == ["There was a shooting near Franklin Park, I saw the car"]


def test_an_oversized_body_is_refused_before_it_is_read(
    build_app: Callable[..., Flask], stub: SocialStub
) -> None:
    app = build_app(
        providers=social_providers(stub), ratelimit_enabled=False, max_webhook_bytes=4096
    )
    document = payload("messenger_text.json")
    document["entry"] = document["entry"] * 40  # a busy page's batch
    body = json.dumps(document).encode()
    assert len(body) > 4096
    response = app.test_client().post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body)},
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (413, "payload_too_large")
    assert "Dudley" not in response.get_data(as_text=True)
    assert row_counts(app) == NOTHING


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,  # well formed, wrong
        "sha1=" + "0" * 40,  # the old X-Hub-Signature scheme
        "",
    ],
)
def test_a_forged_signature_is_refused_without_echo_and_nothing_written(
    client: FlaskClient, social_app: Flask, signature: str
) -> None:
    body = json.dumps(whatsapp({"type": "text", "text": {"body": "Forged words here"}})).encode()
    response = client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature} if signature else {},
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "Forged" not in response.get_data(as_text=True)
    assert row_counts(social_app) == NOTHING


def test_a_signature_for_another_body_does_not_pass(client: FlaskClient, social_app: Flask) -> None:
    signed = json.dumps(payload("whatsapp_text.json")).encode()
    forged = json.dumps(whatsapp({"type": "text", "text": {"body": "Forged words"}})).encode()
    response = client.post(
        "/webhooks/meta",
        data=forged,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(signed)},
    )
    assert response.status_code == 403
    assert row_counts(social_app) == NOTHING


# --- privacy ------------------------------------------------------------------------------------

SECRETS = (
    PSID,
    IGSID,
    WA_PHONE,
    "Maria R",  # the WhatsApp profile name
    "corner_witness",  # an Instagram commenter
    "Car break-ins on Centre St",
    "I have more to tell",
    "that man in your story lives on my street",
    "Tony Ramos",
    "16175550199",
    "ARAkLkA8rmlFeiCktEJQ",  # an ad click id
    "wamid.sent",  # provider ids of our replies: stored as digests
    "m_sent_",
)


def test_no_sender_handle_phone_or_words_of_the_new_kinds_in_clear(
    client: FlaskClient,
    social_app: Flask,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("flow (nfm_reply) form", "template quick-reply button"):
        assert post_meta(client, whatsapp(WHATSAPP_STORED[name][0])).status_code == 200
    ad = WHATSAPP_STORED["text from a click-to-WhatsApp ad"][0]
    assert post_meta(client, whatsapp(ad)).status_code == 200
    card = {
        "type": "contacts",
        "contacts": [
            {"name": {"formatted_name": "Tony Ramos"}, "phones": [{"phone": "16175550199"}]}
        ],
    }
    assert post_meta(client, whatsapp(card)).status_code == 200
    story = {
        "text": "that man in your story lives on my street",
        "reply_to": {"story": {"url": STORY_URL, "id": "1"}},
    }
    assert post_meta(client, message(story, instagram=True)).status_code == 200
    assert post_meta(client, IGNORED["instagram comments"]()).status_code == 200
    assert post_meta(client, IGNORED["messenger message_reactions react"]()).status_code == 200
    drain(social_app)
    assert row_counts(social_app)["tip"] == 2  # the scan covers real rows
    with social_app.app_context():
        hits = find_in_database(db.session, SECRETS)
        db.session.remove()
    assert hits == []
    assert find_in_sqlite_files(database_url, SECRETS) == []
    assert find_in_text(caplog.text, SECRETS) == []


def test_a_postback_in_the_dashboards_changes_shape_is_answered_too(
    client: FlaskClient, social_app: Flask
) -> None:
    value = {
        "sender": {"id": IGSID},
        "recipient": {"id": IG_ACCOUNT},
        "timestamp": "1527459824",
        "postback": {"mid": "m_dashboard_1", "title": "Get Started", "payload": "START"},
    }
    assert post_meta(client, instagram_change("messaging_postbacks", value)).status_code == 200
    [text] = answers(social_app)
    assert HELP_EN in text
    # The dashboard's own sample names no user id, only a user_ref: nobody to answer.
    value["sender"] = {"user_ref": "USER-REF-ID"}
    value["postback"]["mid"] = "m_dashboard_2"
    assert post_meta(client, instagram_change("messaging_postbacks", value)).status_code == 200
    assert len(answers(social_app)) == 1


def test_the_older_customer_changed_number_notice_moves_the_reporter_too(
    client: FlaskClient, social_app: Flask
) -> None:
    first = {"type": "text", "text": {"body": "The stolen bikes are in the garage on Centre St"}}
    assert post_meta(client, whatsapp(first)).status_code == 200
    notice = {
        "type": "system",
        "system": {
            "body": "User A changed from 16175550125 to 16175550127",
            "wa_id": "16175550127",
            "type": "customer_changed_number",
        },
    }
    assert post_meta(client, whatsapp(notice)).status_code == 200
    later = {"type": "text", "text": {"body": "They moved them tonight"}}
    assert post_meta(client, whatsapp(later, **{"from": "16175550127"})).status_code == 200
    counts = row_counts(social_app)
    assert (counts["reporter"], counts["tip"]) == (1, 1)
    assert inbound_bodies(social_app) == ["They moved them tonight"]
