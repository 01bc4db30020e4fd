"""Every kind of message Messenger, Instagram, WhatsApp and X deliver: stored, answered or
ignored (and why: docs/social.md), and the first message of each kind gets an answer in the
sender's language.

Payloads are the recorded ones (tests/webhooks/payloads) with the message replaced by one
shaped as each platform documents that kind.
"""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.extensions import db, get_keyring
from intake.identity.service import read_identity
from intake.models import Message, OutboxMessage, Reporter, Tip
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    SocialStub,
    build_app,
    payload,
    post_meta,
    post_x,
    row_counts,
    social_app,
    stub,
)

VOICE_EN = "We cannot keep voice messages"
VOICE_ES = "No podemos guardar mensajes de voz"
MEDIA_EN = "We could not keep your photo, video or file"
MEDIA_ES = "No pudimos guardar su foto, video o archivo"
UNREAD_EN = "We could not read your message"
UNREAD_ES = "No pudimos leer su mensaje"
HELP_EN = "Anonymous tip line"
HELP_ES = "Línea de denuncias anónimas"
THANKS_EN = "Your tip number is"
THANKS_ES = "Su número de denuncia es"


@pytest.fixture
def client(social_app: Flask) -> FlaskClient:
    """A test client of the app."""
    return social_app.test_client()


def answers(app: Flask) -> list[str]:
    """Every text queued to a tipster: acknowledgements in a thread and answers outside one."""
    with app.app_context():
        keyring = get_keyring()
        texts = []
        for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            if row.message_id is not None:
                texts.append(db.session.get(Message, row.message_id).body.read(keyring))
            elif row.payload and row.payload.get("text"):
                texts.append(row.payload["text"])
        db.session.remove()
    return texts


def narratives(app: Flask) -> list[str]:
    """Every tip's narrative, oldest first."""
    with app.app_context():
        keyring = get_keyring()
        found = [
            t.narrative.read(keyring) for t in db.session.scalars(select(Tip).order_by(Tip.id))
        ]
        db.session.remove()
    return found


# --- Messenger / Instagram ------------------------------------------------------------------


def messenger(message: dict[str, Any], *, instagram: bool = False) -> dict[str, Any]:
    """The recorded Messenger delivery carrying ``message`` (an Instagram one if asked)."""
    document = payload("messenger_text.json")
    event = document["entry"][0]["messaging"][0]
    event["message"] = {"mid": "m_" + json.dumps(message, sort_keys=True)[-40:], **message}
    if instagram:
        document["object"] = "instagram"
    return document


def attachment(kind: str, **fields: Any) -> dict[str, Any]:
    """A message with one attachment of ``kind``."""
    return {"attachments": [{"type": kind, **fields}]}


CDN = "https://scontent.xx.fbcdn.net/v/t1/"

MESSENGER_FIRST_MESSAGES = {
    "audio": (attachment("audio", payload={"url": CDN + "a.mp4"}), "[audio, not kept", VOICE_EN),
    "video": (attachment("video", payload={"url": CDN + "v.mp4"}), "[video, not kept", MEDIA_EN),
    "file": (attachment("file", payload={"url": CDN + "f.pdf"}), "[file, not kept", MEDIA_EN),
    "shared link": (
        # Messenger's "fallback": a link shared from outside, with a null payload.
        attachment(
            "fallback", title="Video of the fight", url="https://example.org/v/1", payload=None
        ),
        "Shared link: Video of the fight https://example.org/v/1",
        THANKS_EN,
    ),
    "unsupported": ({"is_unsupported": True}, "[a message the platform could not show", UNREAD_EN),
}


@pytest.mark.parametrize("instagram", [False, True], ids=["messenger", "instagram"])
@pytest.mark.parametrize("name", sorted(MESSENGER_FIRST_MESSAGES))
def test_a_first_messenger_message_of_any_kind_is_stored_and_answered_in_both_languages(
    client: FlaskClient, social_app: Flask, stub: SocialStub, name: str, instagram: bool
) -> None:
    message, stored, answer = MESSENGER_FIRST_MESSAGES[name]
    assert post_meta(client, messenger(message, instagram=instagram)).status_code == 200
    [narrative] = narratives(social_app)
    assert stored in narrative
    [text] = answers(social_app)
    # No words of theirs to tell the language by: English and Spanish.
    assert answer in text and THANKS_ES in text
    # Audio, video and files are never downloaded: only photos are kept.
    assert not [r for r in stub.requests if r.path.startswith("/v/t1/")]


INSTAGRAM_SHARES = {
    "share": "Shared post: https://www.instagram.com/p/CxYz/",
    "ig_reel": "Shared reel: Caught on camera https://lookaside.fbsbx.com/ig_messaging_cdn/1",
    "story_mention": "Mentioned the department in a story: https://lookaside.fbsbx.com/story/2",
}


@pytest.mark.parametrize("kind", sorted(INSTAGRAM_SHARES))
def test_instagram_shares_and_story_mentions_are_the_tip(
    client: FlaskClient, social_app: Flask, kind: str
) -> None:
    url = INSTAGRAM_SHARES[kind].rsplit(" ", 1)[-1]
    body: dict[str, Any] = {"url": url}
    if kind == "ig_reel":
        body["title"] = "Caught on camera"
    document = messenger(attachment(kind, payload=body), instagram=True)
    assert post_meta(client, document).status_code == 200
    assert narratives(social_app) == [INSTAGRAM_SHARES[kind]]
    [text] = answers(social_app)
    assert THANKS_EN in text


def test_a_spanish_text_with_a_voice_note_is_answered_in_spanish(
    client: FlaskClient, social_app: Flask
) -> None:
    message = {
        "text": "Le mando un audio sobre lo que vi anoche en la esquina de la escuela",
        **attachment("audio", payload={"url": CDN + "a.mp4"}),
    }
    assert post_meta(client, messenger(message)).status_code == 200
    [text] = answers(social_app)
    assert VOICE_ES in text and THANKS_ES in text and VOICE_EN not in text


@pytest.mark.parametrize(
    ("word", "answer", "other"), [("HELP", HELP_EN, HELP_ES), ("ayuda", HELP_ES, HELP_EN)]
)
def test_a_first_help_on_messenger_is_answered_in_its_language(
    client: FlaskClient, social_app: Flask, word: str, answer: str, other: str
) -> None:
    assert post_meta(client, messenger({"text": word})).status_code == 200
    [text] = answers(social_app)
    assert answer in text and other not in text
    assert row_counts(social_app)["tip"] == 0


def test_a_first_stop_is_confirmed_and_remembered(client: FlaskClient, social_app: Flask) -> None:
    assert post_meta(client, messenger({"text": "STOP"})).status_code == 200
    [text] = answers(social_app)
    assert "no more messages" in text
    with social_app.app_context():
        assert db.session.scalar(select(Reporter.is_opted_out)) is True
        db.session.remove()


def test_a_sticker_alone_is_asked_for_words(client: FlaskClient, social_app: Flask) -> None:
    sticker = attachment("image", payload={"url": CDN + "s.png", "sticker_id": 369239263222822})
    assert post_meta(client, messenger(sticker)).status_code == 200
    assert row_counts(social_app)["tip"] == 0
    [text] = answers(social_app)
    # A sticker has no words to tell the newcomer's language by: both.
    assert "Write to us what you know" in text and "Escríbanos lo que sabe" in text


def inbound_bodies(app: Flask) -> list[str]:
    """Every message from a tipster in a thread, sorted by text (ids are random)."""
    with app.app_context():
        keyring = get_keyring()
        rows = db.session.scalars(select(Message).where(Message.direction == "inbound"))
        found = sorted(row.body.read(keyring) for row in rows)
        db.session.remove()
    return found


def message_edit(mid: str, text: str, num_edit: int = 1) -> dict[str, Any]:
    """A ``message_edits`` delivery, in Meta's documented shape, by the recorded sender."""
    document = payload("messenger_text.json")
    event = document["entry"][0]["messaging"][0]
    del event["message"]
    event["message_edit"] = {"mid": mid, "text": text, "num_edit": num_edit}
    return document


def test_an_edit_of_a_stored_message_is_kept_as_a_follow_up_marked_edited(
    client: FlaskClient, social_app: Flask
) -> None:
    original = payload("messenger_text.json")
    mid = original["entry"][0]["messaging"][0]["message"]["mid"]
    assert post_meta(client, original).status_code == 200
    edit = message_edit(mid, "Es en la esquina de Dudley y Warren, un hombre de gorra roja")
    assert post_meta(client, edit).status_code == 200
    [narrative] = narratives(social_app)
    assert "todas las noches" in narrative  # the tip keeps what was first sent
    first_edit = "[edited] Es en la esquina de Dudley y Warren, un hombre de gorra roja"
    assert [b for b in inbound_bodies(social_app) if b.startswith("[edited]")] == [first_edit]
    counts = row_counts(social_app)
    # Meta delivers again until it gets a 200: the same edit is stored once.
    assert post_meta(client, edit).status_code == 200
    assert row_counts(social_app) == counts
    # A second edit of the same message is a new event.
    assert post_meta(client, message_edit(mid, "Gorra azul, no roja", 2)).status_code == 200
    edits = [b for b in inbound_bodies(social_app) if b.startswith("[edited]")]
    assert edits == sorted([first_edit, "[edited] Gorra azul, no roja"])
    with social_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tip)) == 1
        db.session.remove()


def test_an_edit_of_a_message_we_never_stored_is_ignored(
    client: FlaskClient, social_app: Flask
) -> None:
    before = row_counts(social_app)
    response = post_meta(client, message_edit("m_never_seen_here", "A new tip?"))
    assert response.status_code == 200
    assert row_counts(social_app) == before
    assert narratives(social_app) == []


def test_an_unsigned_or_broken_edit_is_refused_without_echoing_it(
    client: FlaskClient, social_app: Flask
) -> None:
    original = payload("messenger_text.json")
    mid = original["entry"][0]["messaging"][0]["message"]["mid"]
    assert post_meta(client, original).status_code == 200
    before = row_counts(social_app)
    forged = post_meta(client, message_edit(mid, "Forged words"), secret="not-the-secret")
    assert forged.status_code == 403
    assert "Forged words" not in forged.get_data(as_text=True)
    broken = message_edit(mid, "No edit number")
    del broken["entry"][0]["messaging"][0]["message_edit"]["num_edit"]
    assert post_meta(client, broken).status_code == 200  # counted malformed, nothing stored
    assert row_counts(social_app) == before


# --- WhatsApp Cloud API -----------------------------------------------------------------------


def whatsapp(message: dict[str, Any], **sender: str) -> dict[str, Any]:
    """The recorded WhatsApp delivery with ``message`` (from the recorded phone unless told)."""
    document = payload("whatsapp_text.json")
    value = document["entry"][0]["changes"][0]["value"]
    original = value["messages"][0]
    value["messages"][0] = {
        "from": original["from"],
        "id": "wamid." + json.dumps(message, sort_keys=True)[-30:],
        "timestamp": original["timestamp"],
        **sender,
        **message,
    }
    return document


WHATSAPP_FIRST_MESSAGES = {
    "voice note": (
        {
            "type": "audio",
            "audio": {"id": "1001", "mime_type": "audio/ogg; codecs=opus", "voice": True},
        },
        "[voice message, not kept: ask the tipster to write it]",
        VOICE_EN,
    ),
    "video": (
        {"type": "video", "video": {"id": "1002", "mime_type": "video/mp4"}},
        "[video, not kept",
        MEDIA_EN,
    ),
    "document": (
        {
            "type": "document",
            "document": {"id": "1003", "mime_type": "application/pdf", "filename": "x.pdf"},
        },
        "[file, not kept",
        MEDIA_EN,
    ),
    "contact card": (
        {
            "type": "contacts",
            "contacts": [
                {
                    "name": {"formatted_name": "Tony Ramos", "first_name": "Tony"},
                    "phones": [
                        {"phone": "+1 617 555 0199", "type": "CELL", "wa_id": "16175550199"}
                    ],
                }
            ],
        },
        "Shared contact card: Tony Ramos, +1 617 555 0199",
        THANKS_EN,
    ),
    "unsupported": (
        {
            "type": "unsupported",
            "errors": [
                {"code": 131051, "title": "Message type unknown", "message": "Message type unknown"}
            ],
        },
        "[a message the platform could not show",
        UNREAD_EN,
    ),
}


@pytest.mark.parametrize("name", sorted(WHATSAPP_FIRST_MESSAGES))
def test_a_first_whatsapp_message_of_any_kind_is_stored_and_answered_in_both_languages(
    client: FlaskClient, social_app: Flask, stub: SocialStub, name: str
) -> None:
    message, stored, answer = WHATSAPP_FIRST_MESSAGES[name]
    assert post_meta(client, whatsapp(message)).status_code == 200
    [narrative] = narratives(social_app)
    assert stored in narrative
    [text] = answers(social_app)
    assert answer in text and THANKS_ES in text
    # Nothing but photos is ever looked up or downloaded.
    assert not [r for r in stub.requests if r.method == "GET"]


def test_whatsapp_request_welcome_and_help_are_answered(
    client: FlaskClient, social_app: Flask
) -> None:
    assert post_meta(client, whatsapp({"type": "request_welcome"})).status_code == 200
    assert (
        post_meta(client, whatsapp({"type": "text", "text": {"body": "Ayuda"}})).status_code == 200
    )
    first, second = answers(social_app)
    assert HELP_EN in first and HELP_ES in first  # nothing tells their language
    assert HELP_ES in second and HELP_EN not in second
    assert row_counts(social_app)["tip"] == 0


def test_whatsapp_button_and_list_replies_are_text(client: FlaskClient, social_app: Flask) -> None:
    reply = {
        "type": "interactive",
        "interactive": {
            "type": "button_reply",
            "button_reply": {"id": "b1", "title": "Hay un arma en la casa"},
        },
    }
    assert post_meta(client, whatsapp(reply)).status_code == 200
    assert narratives(social_app) == ["Hay un arma en la casa"]


BSUID = "US.13491208655302741918"


def test_a_whatsapp_tipster_who_adopts_a_username_stays_one_reporter(
    client: FlaskClient, social_app: Flask
) -> None:
    text = {"type": "text", "text": {"body": "The stolen bikes are in the garage on Centre St"}}
    # Before the username: both the phone and the BSUID are sent.
    assert post_meta(client, whatsapp(text, from_user_id=BSUID)).status_code == 200
    # After: only the BSUID.
    later = whatsapp(
        {"type": "text", "text": {"body": "They moved them tonight"}}, from_user_id=BSUID
    )
    del later["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    assert post_meta(client, later).status_code == 200
    with social_app.app_context():
        [reporter] = db.session.scalars(select(Reporter)).all()
        [tip] = db.session.scalars(select(Tip)).all()
        assert len([m for m in tip.messages if m.direction == "inbound"]) == 1  # the follow-up
        assert read_identity(get_keyring(), reporter)["address"] == BSUID
        db.session.remove()


def test_a_reporter_known_by_phone_moves_to_the_bsuid_when_it_first_appears(
    client: FlaskClient, social_app: Flask
) -> None:
    first = {"type": "text", "text": {"body": "The stolen bikes are in the garage on Centre St"}}
    assert post_meta(client, whatsapp(first)).status_code == 200  # an old API version: no BSUID
    follow = {"type": "text", "text": {"body": "They moved them tonight"}}
    assert post_meta(client, whatsapp(follow, from_user_id=BSUID)).status_code == 200
    only_bsuid = whatsapp({"type": "text", "text": {"body": "Blue van"}}, from_user_id=BSUID)
    del only_bsuid["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    assert post_meta(client, only_bsuid).status_code == 200
    assert row_counts(social_app)["reporter"] == 1
    assert row_counts(social_app)["tip"] == 1


def test_a_changed_number_moves_the_reporter(client: FlaskClient, social_app: Flask) -> None:
    first = {"type": "text", "text": {"body": "The stolen bikes are in the garage on Centre St"}}
    assert post_meta(client, whatsapp(first)).status_code == 200
    change = whatsapp(
        {
            "type": "system",
            "system": {
                "body": "User A changed from 16175550125 to 16175550126",
                "new_wa_id": "16175550126",
                "type": "user_changed_number",
            },
        }
    )
    assert post_meta(client, change).status_code == 200
    follow = whatsapp(
        {"type": "text", "text": {"body": "They moved them tonight"}}, **{"from": "16175550126"}
    )
    assert post_meta(client, follow).status_code == 200
    assert row_counts(social_app)["reporter"] == 1
    assert row_counts(social_app)["tip"] == 1


def test_whatsapp_reactions_are_ignored(client: FlaskClient, social_app: Flask) -> None:
    reaction = {"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}}
    assert post_meta(client, whatsapp(reaction)).status_code == 200
    assert row_counts(social_app)["tip"] == 0 and answers(social_app) == []


# --- X ----------------------------------------------------------------------------------------


def x_dm(data: dict[str, Any]) -> dict[str, Any]:
    """The recorded Account Activity DM with ``message_data`` replaced."""
    document = payload("x_aaa_dm.json")
    document["direct_message_events"][0]["message_create"]["message_data"] = data
    return document


# A DM with a video: X puts the video's t.co link in the text.
X_VIDEO = {
    "text": "https://t.co/abc123",
    "attachment": {
        "type": "media",
        "media": {
            "id_str": "1801",
            "type": "video",
            "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/1801/pu/img/a.jpg",
        },
    },
}


def test_an_x_video_alone_is_a_placeholder_and_answered(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    assert post_x(client, x_dm(X_VIDEO)).status_code == 200
    [narrative] = narratives(social_app)
    assert "[video, not kept" in narrative
    [text] = answers(social_app)
    assert MEDIA_EN in text
    assert not stub.requests


def test_an_x_activity_help_is_answered(client: FlaskClient, social_app: Flask) -> None:
    document = copy.deepcopy(payload("x_activity_dm_received.json"))
    events = document["data"]["payload"]["direct_message_events"]
    events[0]["message_create"]["message_data"] = {"text": "help"}
    assert post_x(client, document).status_code == 200
    [text] = answers(social_app)
    assert HELP_EN in text


# --- no database transaction across the network ------------------------------------------------


def test_photos_are_fetched_with_no_transaction_open(
    client: FlaskClient, social_app: Flask, stub: SocialStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intake.channels import inbound
    from tests.factories import jpeg_with_gps

    real_fetch = inbound.fetch_photos
    open_during_fetch: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        # On SQLite an open transaction holds the database lock through the download.
        open_during_fetch.append(db.session().in_transaction())
        return real_fetch(*args, **kwargs)

    monkeypatch.setattr(inbound, "fetch_photos", watched)
    url = stub.serve("/v/t1/p.jpg", jpeg_with_gps())
    document = messenger({"text": "the van", **attachment("image", payload={"url": url})})
    assert post_meta(client, document).status_code == 200
    assert open_during_fetch == [False]
    with social_app.app_context():
        [tip] = db.session.scalars(select(Tip)).all()
        assert len(tip.attachments) == 1
        db.session.remove()


# --- the first message of every kind, on every platform, answered in the sender's language ----


def test_a_first_instagram_share_is_answered_in_both_languages(
    client: FlaskClient, social_app: Flask
) -> None:
    url = "https://www.instagram.com/p/CxYz/"
    document = messenger(attachment("share", payload={"url": url}), instagram=True)
    assert post_meta(client, document).status_code == 200
    [text] = answers(social_app)
    # A shared post carries no words of the tipster's to tell the language by.
    assert THANKS_EN in text and THANKS_ES in text


def help_documents(word: str) -> dict[str, dict[str, Any]]:
    """A first ``word`` as each platform delivers a text."""
    x_activity = copy.deepcopy(payload("x_activity_dm_received.json"))
    events = x_activity["data"]["payload"]["direct_message_events"]
    events[0]["message_create"]["message_data"] = {"text": word}
    return {
        "messenger": messenger({"text": word}),
        "instagram": messenger({"text": word}, instagram=True),
        "whatsapp": whatsapp({"type": "text", "text": {"body": word}}),
        "x account activity": x_dm({"text": word}),
        "x activity": x_activity,
    }


@pytest.mark.parametrize(
    "platform", ["messenger", "instagram", "whatsapp", "x account activity", "x activity"]
)
@pytest.mark.parametrize(
    ("word", "answer", "other"), [("HELP", HELP_EN, HELP_ES), ("AYUDA", HELP_ES, HELP_EN)]
)
def test_a_first_help_is_answered_in_its_language_on_every_platform(
    client: FlaskClient, social_app: Flask, platform: str, word: str, answer: str, other: str
) -> None:
    document = help_documents(word)[platform]
    post = post_x if platform.startswith("x") else post_meta
    assert post(client, document).status_code == 200
    [text] = answers(social_app)
    assert answer in text and other not in text
    assert row_counts(social_app)["tip"] == 0


def test_a_first_x_video_is_answered_in_both_languages(
    client: FlaskClient, social_app: Flask
) -> None:
    assert post_x(client, x_dm(X_VIDEO)).status_code == 200
    [text] = answers(social_app)
    assert MEDIA_EN in text and MEDIA_ES in text


def test_a_first_x_shared_post_is_kept_and_answered_in_both_languages(
    client: FlaskClient, social_app: Flask
) -> None:
    # A post shared into a DM: its t.co link, and the post behind it for the detective.
    post_url = "https://x.com/someone/status/1801999999999999002"
    data = {
        "text": "https://t.co/Pq7",
        "entities": {
            "urls": [
                {
                    "url": "https://t.co/Pq7",
                    "expanded_url": post_url,
                    "display_url": "x.com/someone/status/1…",
                    "indices": [0, 16],
                }
            ]
        },
    }
    assert post_x(client, x_dm(data)).status_code == 200
    [narrative] = narratives(social_app)
    assert post_url in narrative
    [text] = answers(social_app)
    assert THANKS_EN in text and THANKS_ES in text


# --- STOP and START on every platform ----------------------------------------------------------

STOP_EN = "You will get no more messages from the tip line"
STOP_ES = "No recibirá más mensajes de la línea de denuncias"
START_EN = "You will get messages from the tip line again"
START_ES = "Volverá a recibir mensajes de la línea de denuncias"
PLATFORMS = ["messenger", "instagram", "whatsapp", "x account activity", "x activity"]


def text_document(platform: str, words: str, serial: int) -> dict[str, Any]:
    """``words`` as a text on ``platform`` (the recorded deliveries, shaped as each platform
    documents a text message), with a message id of its own."""
    document = help_documents(words)[platform]
    if platform in ("messenger", "instagram"):
        document["entry"][0]["messaging"][0]["message"]["mid"] = f"m_text_{serial}"
    elif platform == "whatsapp":
        document["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = f"wamid.T{serial}"
    elif platform == "x account activity":
        document["direct_message_events"][0]["id"] = str(1801234567890200000 + serial)
    else:
        events = document["data"]["payload"]["direct_message_events"]
        events[0]["id"] = str(1801234567890300000 + serial)
    return document


def opted_out(app: Flask) -> list[bool]:
    """Every reporter's opt-out."""
    with app.app_context():
        found = list(db.session.scalars(select(Reporter.is_opted_out)))
        db.session.remove()
    return found


@pytest.mark.parametrize("platform", PLATFORMS)
def test_stop_and_start_work_on_every_platform(
    client: FlaskClient, social_app: Flask, platform: str
) -> None:
    post = post_x if platform.startswith("x") else post_meta
    tip = "The grey van with the ladder rack parks behind 22 Elm St every night"
    assert post(client, text_document(platform, tip, 1)).status_code == 200
    assert post(client, text_document(platform, "STOP", 2)).status_code == 200
    assert opted_out(social_app) == [True]
    # Still kept, never answered.
    assert post(client, text_document(platform, "It was blue", 3)).status_code == 200
    assert post(client, text_document(platform, "START", 4)).status_code == 200
    assert opted_out(social_app) == [False]
    acknowledgement, stopped, started = answers(social_app)
    assert THANKS_EN in acknowledgement
    assert STOP_EN in stopped and START_EN in started
    assert inbound_bodies(social_app) == ["It was blue"]
    assert row_counts(social_app)["tip"] == 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_first_alto_is_confirmed_in_spanish_and_remembered(
    client: FlaskClient, social_app: Flask, platform: str
) -> None:
    post = post_x if platform.startswith("x") else post_meta
    assert post(client, text_document(platform, "ALTO", 1)).status_code == 200
    [text] = answers(social_app)
    assert STOP_ES in text and STOP_EN not in text
    assert opted_out(social_app) == [True]
    assert row_counts(social_app)["tip"] == 0
    # START lifts it, answered in the language the reporter was first heard in.
    assert post(client, text_document(platform, "START", 2)).status_code == 200
    assert opted_out(social_app) == [False]
    assert START_ES in answers(social_app)[-1]
