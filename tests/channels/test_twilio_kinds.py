"""Every kind of message Twilio posts (SMS, MMS, WhatsApp) is stored or answered, in the
tipster's language; WhatsApp tipsters are answered on WhatsApp.

Form fields are shaped as Twilio documents its messaging webhook (``MessageSid``, ``From``,
``To``, ``Body``, ``NumMedia``, ``MediaUrlN``/``MediaContentTypeN``; for WhatsApp also
``ProfileName``, ``WaId``, ``MessageType`` and, for a shared location, ``Latitude``,
``Longitude``, ``Address``, ``Label``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.crypto import Keyring
from intake.extensions import db
from intake.identity.service import read_identity
from intake.models import Message, Reporter, Tip
from tests.channels.conftest import (
    ACCOUNT_SID,
    SMS_PATH,
    TwilioStub,
    post_signed,
    reply_of,
    sms_form,
    twilio_providers,
)
from tests.channels.test_twilio_outbound import detective_asks, drain

WHATSAPP_SENDER = "whatsapp:+14155238886"  # the tip line's WhatsApp sender at Twilio
TIPSTER = "+16175550177"


def whatsapp_form(body: str = "", *, message_type: str = "text", **fields: str) -> dict[str, str]:
    """An inbound WhatsApp message as Twilio posts it."""
    form = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "SmsMessageSid": "",
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{TIPSTER}",
        "To": WHATSAPP_SENDER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ProfileName": "Neighbour",
        "WaId": TIPSTER.lstrip("+"),
        "MessageType": message_type,
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    form.pop("SmsMessageSid")
    form.update(fields)
    return form


def only_tip(app: Flask, keyring: Keyring) -> dict[str, object]:
    """The only tip: its narrative, language, point and the reporter's identity."""
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        assert tip is not None
        return {
            "narrative": tip.narrative.read(keyring),
            "language": tip.language,
            "point": tip.point.read(keyring),
            "identity": read_identity(keyring, tip.reporter),
        }


def test_a_detective_reply_reaches_a_whatsapp_tipster_on_whatsapp(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    form = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    detective_asks(sms_app, keyring)

    assert drain(sms_app, keyring) == 1

    [sent] = twilio_stub.sent_messages
    # Back on the channel the tipster used, from the sender they wrote to: never by SMS.
    assert sent["To"] == f"whatsapp:{TIPSTER}"
    assert sent["From"] == WHATSAPP_SENDER
    assert only_tip(sms_app, keyring)["identity"]["kind"] == "whatsapp"


def test_an_sms_tipster_and_the_same_number_on_whatsapp_are_answered_each_on_their_own(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    sms = sms_form("People sell drugs at the corner of Elm and 5th every night.", TIPSTER)
    assert reply_of(post_signed(sms_client, SMS_PATH, sms)) is not None
    detective_asks(sms_app, keyring)
    assert drain(sms_app, keyring) == 1
    [sent] = twilio_stub.sent_messages
    assert sent["To"] == TIPSTER and not sent["From"].startswith("whatsapp:")


def test_a_whatsapp_shared_location_is_the_tips_point(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    form = whatsapp_form(
        message_type="location",
        Latitude="42.3601",
        Longitude="-71.0589",
        Address="1 City Hall Sq, Boston",
        Label="City Hall",
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "received" in reply
    tip = only_tip(sms_app, keyring)
    assert tip["point"] == (42.3601, -71.0589)
    assert "City Hall" in str(tip["narrative"])


def test_a_whatsapp_voice_note_first_is_kept_as_a_placeholder_and_answered(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    url = twilio_stub.media_url("voice1", b"OggS\x00fake-voice", "audio/ogg")
    form = whatsapp_form(
        message_type="audio", NumMedia="1", MediaUrl0=url, MediaContentType0="audio/ogg"
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))

    assert reply is not None
    # No words to tell the language by: the answer is in English and in Spanish.
    assert "cannot keep voice messages" in reply
    assert "No podemos guardar mensajes de voz" in reply
    tip = only_tip(sms_app, keyring)
    assert tip["narrative"] == "[audio, not kept: ask the tipster to write it]"
    # The voice note was never downloaded.
    assert not twilio_stub.seen("GET", "/Media/MEvoice1")


def test_an_mms_video_and_a_vcard_are_placeholders_and_the_tipster_is_asked_to_write(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    video = twilio_stub.media_url("video1", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    card = twilio_stub.media_url("card1", b"BEGIN:VCARD\nFN:Someone\nEND:VCARD", "text/vcard")
    form = sms_form("Here is the guy", TIPSTER, media=((video, "video/mp4"), (card, "text/vcard")))
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))

    assert reply is not None and "please describe it in a text" in reply
    narrative = str(only_tip(sms_app, keyring)["narrative"])
    assert narrative.startswith("Here is the guy")
    assert "[video, not kept" in narrative and "[contact card, not kept" in narrative


def test_a_first_help_is_answered_on_sms_and_whatsapp(sms_client: FlaskClient) -> None:
    assert "Anonymous tip line" in str(
        reply_of(post_signed(sms_client, SMS_PATH, sms_form("HELP", TIPSTER)))
    )
    assert "Línea de denuncias anónimas" in str(
        reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form("ayuda")))
    )


def test_a_whatsapp_message_twilio_cannot_show_is_answered(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    reply = reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form(message_type="unknown")))
    assert reply is not None
    assert "could not read your message" in reply and "No pudimos leer su mensaje" in reply
    assert "platform could not show" in str(only_tip(sms_app, keyring)["narrative"])


def _age(app: Flask, hours: float) -> None:
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        tip.last_tipster_activity_at -= timedelta(hours=hours)
        tip.reporter.last_seen_at -= timedelta(hours=hours)
        db.session.commit()
        db.session.remove()


def test_a_late_whatsapp_reply_through_twilio_sends_the_template_and_waits(
    build_app: Any, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    app = build_app(
        providers=twilio_providers(twilio_stub, TWILIO_WHATSAPP_TEMPLATE_EN="HX" + "a" * 32)
    )
    client = app.test_client()
    form = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(client, SMS_PATH, form)) is not None
    _age(app, 30)
    detective_asks(app, keyring)
    drain(app, keyring)

    [invitation] = twilio_stub.sent_messages
    assert invitation["ContentSid"] == "HX" + "a" * 32 and "Body" not in invitation
    assert invitation["To"] == f"whatsapp:{TIPSTER}" and invitation["From"] == WHATSAPP_SENDER

    # The tipster writes back: the held reply goes out on WhatsApp.
    assert reply_of(post_signed(client, SMS_PATH, whatsapp_form("ok, what do you need?")))
    drain(app, keyring)
    _, reply = twilio_stub.sent_messages
    assert reply["To"] == f"whatsapp:{TIPSTER}" and reply["Body"].startswith("Which corner")


def test_a_whatsapp_reply_refused_for_the_window_is_held_too(
    build_app: Any, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    app = build_app(
        providers=twilio_providers(twilio_stub, TWILIO_WHATSAPP_TEMPLATE_EN="HX" + "b" * 32)
    )
    client = app.test_client()
    form = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(client, SMS_PATH, form)) is not None
    twilio_stub.body_errors[f"whatsapp:{TIPSTER}"] = (400, 63016)
    detective_asks(app, keyring)
    drain(app, keyring)
    refused, invitation = twilio_stub.sent_messages
    assert "Body" in refused and invitation["ContentSid"] == "HX" + "b" * 32


# --- the first message of every kind, on SMS and on WhatsApp, answered in both languages -------

VOICE = ("cannot keep voice messages", "No podemos guardar mensajes de voz")
MEDIA = ("could not keep your photo, video or file", "No pudimos guardar su foto, video o archivo")
# What each kind of first message is, as Twilio posts it: (content type, medium, WhatsApp's
# MessageType, answer).
FIRST_MEDIA = {
    "voice memo": ("audio/amr", b"#!AMR\n\x00", "audio", VOICE),
    "video": ("video/mp4", b"\x00\x00\x00\x18ftypmp42", "video", MEDIA),
    "file": ("application/pdf", b"%PDF-1.4\n%fake", "document", MEDIA),
    "contact card": ("text/vcard", b"BEGIN:VCARD\nFN:Someone\nEND:VCARD", "contacts", MEDIA),
}


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("kind", sorted(FIRST_MEDIA))
def test_a_first_message_without_words_is_answered_in_english_and_spanish(
    sms_app: Flask, sms_client: FlaskClient, twilio_stub: TwilioStub, channel: str, kind: str
) -> None:
    content_type, body, message_type, (english, spanish) = FIRST_MEDIA[kind]
    url = twilio_stub.media_url("first1", body, content_type)
    medium = {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": content_type}
    if channel == "sms":
        form = sms_form("", TIPSTER, media=((url, content_type),))
    else:
        form = whatsapp_form(message_type=message_type, **medium)
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    # Nothing tells the tipster's language: both.
    assert reply is not None and english in reply and spanish in reply
    assert not twilio_stub.seen("GET", "/Media/MEfirst1")


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize(
    ("word", "answer", "other"),
    [("HELP", "Anonymous tip line", "Línea de denuncias"), ("AYUDA", "Línea de", "Anonymous")],
)
def test_a_first_help_is_answered_in_its_language_on_sms_and_whatsapp(
    sms_app: Flask, sms_client: FlaskClient, channel: str, word: str, answer: str, other: str
) -> None:
    form = sms_form(word, TIPSTER) if channel == "sms" else whatsapp_form(word)
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and answer in reply and other not in reply


def test_a_forwarded_whatsapp_post_first_is_kept_and_answered(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    # WhatsApp's "shared post": a message forwarded from elsewhere.
    form = whatsapp_form("Guys with bats at the park tonight", Forwarded="true")
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "received" in reply
    assert "[forwarded" in str(only_tip(sms_app, keyring)["narrative"])


# --- STOP and START on WhatsApp through Twilio --------------------------------------------------

STOP_EN = "You will get no more messages from the tip line. Send START to get them again."
STOP_ES = "No recibirá más mensajes de la línea de denuncias."


def opted_out(app: Flask) -> list[bool]:
    """Every reporter's opt-out."""
    with app.app_context():
        found = list(db.session.scalars(select(Reporter.is_opted_out)))
        db.session.remove()
    return found


def test_stop_and_start_work_on_whatsapp_through_twilio(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    tip = "Someone is dealing from the blue house on Elm Street every night."
    assert reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form(tip))) is not None
    stop = whatsapp_form("STOP")
    # No carrier confirms a STOP on WhatsApp: the line does (an SMS STOP is the carrier's).
    assert reply_of(post_signed(sms_client, SMS_PATH, stop)) == STOP_EN
    assert opted_out(sms_app) == [True]
    # Twilio posts again when it got no answer in time: confirmed again, nothing written.
    assert reply_of(post_signed(sms_client, SMS_PATH, stop)) == STOP_EN
    assert reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form("It was blue"))) is None
    start = reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form("START")))
    assert start is not None and "from the tip line again" in start
    assert opted_out(sms_app) == [False]
    with sms_app.app_context():
        inbound = db.session.scalars(select(Message).where(Message.direction == "inbound"))
        assert [m.body.read(keyring) for m in inbound] == ["It was blue"]
        db.session.remove()


def test_a_first_alto_on_whatsapp_through_twilio_is_confirmed_in_spanish(
    sms_app: Flask, sms_client: FlaskClient
) -> None:
    reply = reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form("ALTO")))
    assert reply is not None and reply.startswith(STOP_ES)
    assert "no more messages" not in reply
    with sms_app.app_context():
        assert db.session.scalar(select(Tip)) is None
        db.session.remove()
