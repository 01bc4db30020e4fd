"""Every kind of inbound message and status callback Twilio documents, shaped as Twilio posts it
and signed with the real RequestValidator, with its tip-line outcome (docs/sms.md, "What each
kind of message becomes"): stored, answered, or ignored.

The forms carry the parameters Twilio's messaging webhook and status callback documentation
lists (``MessageSid``, ``SmsSid``, ``AccountSid``, ``From``, ``To``, ``Body``, ``NumMedia``,
``NumSegments``, ``MediaUrlN``/``MediaContentTypeN``; for WhatsApp ``ProfileName``, ``WaId``,
``MessageType``, ``Forwarded``/``FrequentlyForwarded``, ``ButtonText``/``ButtonPayload``,
the list-picker reply's ``ListId``/``ListTitle``/``ListDescription``, the
click-to-WhatsApp ``Referral*`` fields and ``OriginalRepliedMessageSid``/``...Sender``; for
status callbacks ``MessageStatus``/``SmsStatus``, ``ErrorCode`` and the ``Channel*`` fields).
"""

from __future__ import annotations

import logging
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.crypto import Keyring
from intake.extensions import db
from intake.models import Attachment, InboundEvent, Message, Reporter, Tip
from tests.channels.conftest import (
    ACCOUNT_SID,
    SMS_PATH,
    STATUS_PATH,
    TwilioStub,
    post_signed,
    reply_of,
    signature,
    sms_form,
)
from tests.channels.test_twilio_kinds import TIPSTER, WHATSAPP_SENDER, _age, whatsapp_form
from tests.channels.test_twilio_outbound import (
    detective_asks,
    drain,
    outbound_message,
    start_conversation,
)
from tests.factories import jpeg_with_gps
from tests.privacy_scan import find_in_database, find_in_text


def counts(app: Flask) -> dict[str, int]:
    """Rows the SMS webhook writes: tips, thread messages, dedupe events, reporters, photos."""
    with app.app_context():
        found = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Tip, Message, InboundEvent, Reporter, Attachment)
        }
        db.session.remove()
    return found


def narratives(app: Flask, keyring: Keyring) -> list[str]:
    """Every tip's narrative, oldest first."""
    with app.app_context():
        found = [
            t.narrative.read(keyring) for t in db.session.scalars(select(Tip).order_by(Tip.id))
        ]
        db.session.remove()
    return found


def thread(app: Flask, keyring: Keyring) -> list[tuple[str, str]]:
    """The only tip's thread as (direction, text), oldest first."""
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        assert tip is not None
        found = [(m.direction, m.body.read(keyring)) for m in tip.messages]
        db.session.remove()
    return found


# --- SMS ------------------------------------------------------------------------------------


def test_an_sms_in_ucs2_with_emoji_and_accents_is_stored_exactly(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    # Characters outside GSM-7 make the carrier send UCS-2 (70 characters a segment); Twilio
    # posts the decoded UTF-8 text.
    body = "Vi al señor de la gorra 🧢 vendiendo 💊 detrás del café «El Rincón», ¡cada noche!"
    form = sms_form(body, TIPSTER)
    form["NumSegments"] = "2"
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "denuncia" in reply  # answered in the sender's language
    assert narratives(sms_app, keyring) == [body]


def test_a_concatenated_long_sms_arrives_once_and_is_one_tip(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    # Twilio joins a concatenated SMS before posting: one webhook, NumSegments > 1, up to 1600
    # characters of Body.
    sentence = "The grey van with the ladder rack parks behind 22 Elm St after midnight. "
    body = (sentence * 22)[:1600]
    form = sms_form(body, TIPSTER)
    form["NumSegments"] = "11"
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    assert narratives(sms_app, keyring) == [body]
    assert counts(sms_app)["tip"] == 1


def test_an_mms_pdf_is_a_file_placeholder_never_downloaded(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    url = twilio_stub.media_url("pdf1", b"%PDF-1.4 fake", "application/pdf")
    form = sms_form("", TIPSTER, media=((url, "application/pdf"),))
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "describe it" in reply
    assert narratives(sms_app, keyring) == ["[file, not kept: ask the tipster to describe it]"]
    assert not twilio_stub.seen("GET", "/Media/MEpdf1")


# --- Advanced Opt-Out: the keyword Twilio matched (OptOutType) ---------------------------------
#
# With Advanced Opt-Out on the Messaging Service (its custom and other-language keywords), Twilio
# adds ``OptOutType`` (STOP, START or HELP) to the incoming-message webhook when the whole body
# matches one of them (Twilio's help article "How to Track Opt-Out, Opt-In and Help Messages
# Using the OptOutType Parameter"); such a number posts ``MessagingServiceSid`` as well.

MESSAGING_SERVICE = "MG" + "c" * 32


def keyword_form(body: str, opt_out_type: str, *, whatsapp: bool = False) -> dict[str, str]:
    """A message Twilio's Advanced Opt-Out matched as ``opt_out_type``."""
    form = whatsapp_form(body) if whatsapp else sms_form(body, TIPSTER)
    form.update(OptOutType=opt_out_type, MessagingServiceSid=MESSAGING_SERVICE)
    return form


def opted_out(app: Flask) -> list[bool]:
    """Every reporter's opt-out."""
    with app.app_context():
        found = list(db.session.scalars(select(Reporter.is_opted_out)))
        db.session.remove()
    return found


def test_a_custom_opt_out_word_twilio_matched_opts_the_tipster_out(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    tip = "The grey van with the ladder rack parks behind 22 Elm St after midnight."
    assert reply_of(post_signed(sms_client, SMS_PATH, sms_form(tip, TIPSTER))) is not None
    before = counts(sms_app)
    # "BAJA" is no keyword of ours, but the Messaging Service lists it: Twilio blocks the
    # number from now on, so the line records the opt-out too (the carrier side confirms).
    assert reply_of(post_signed(sms_client, SMS_PATH, keyword_form("BAJA", "STOP"))) is None
    assert opted_out(sms_app) == [True]
    assert counts(sms_app)["message"] == before["message"]  # not a follow-up
    # Its opt-in word lifts it.
    reply = reply_of(post_signed(sms_client, SMS_PATH, keyword_form("ALTA", "START")))
    assert reply is not None and "from the tip line again" in reply
    assert opted_out(sms_app) == [False]
    assert narratives(sms_app, keyring) == [tip]


def test_a_custom_help_word_twilio_matched_is_answered_and_stores_nothing(
    sms_app: Flask, sms_client: FlaskClient
) -> None:
    reply = reply_of(post_signed(sms_client, SMS_PATH, keyword_form("SOCORRO", "HELP")))
    assert reply is not None and "Anonymous tip line" in reply
    assert counts(sms_app)["tip"] == 0


def test_an_opt_in_word_from_a_tipster_not_opted_out_is_their_answer(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    tip = "The grey van with the ladder rack parks behind 22 Elm St after midnight."
    assert reply_of(post_signed(sms_client, SMS_PATH, sms_form(tip, TIPSTER))) is not None
    # "SÍ" is the Messaging Service's opt-in word, and an answer to a detective's question:
    # START means something only to an opted-out sender, otherwise the words are kept.
    reply = reply_of(post_signed(sms_client, SMS_PATH, keyword_form("SÍ", "START")))
    assert reply is not None and reply.startswith("Added to tip")
    assert thread(sms_app, keyring)[-2:] == [("inbound", "SÍ"), ("outbound", reply)]


def test_a_custom_opt_out_word_on_whatsapp_through_twilio_is_confirmed(
    sms_app: Flask, sms_client: FlaskClient
) -> None:
    tip = "Someone is dealing from the blue house on Elm Street every night."
    assert reply_of(post_signed(sms_client, SMS_PATH, whatsapp_form(tip))) is not None
    form = keyword_form("BAJA", "STOP", whatsapp=True)
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "no more messages" in reply
    assert opted_out(sms_app) == [True]


# --- WhatsApp through Twilio ----------------------------------------------------------------


def test_a_whatsapp_image_is_kept_stripped_like_an_mms_photo(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    url = twilio_stub.media_url("wa1", jpeg_with_gps())
    form = whatsapp_form(
        "the car", message_type="image", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg"
    )
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    assert counts(sms_app)["attachment"] == 1
    assert narratives(sms_app, keyring) == ["the car"]
    assert twilio_stub.seen("DELETE", "/Media/MEwa1")  # nothing left at Twilio


@pytest.mark.parametrize(
    ("message_type", "content_type", "placeholder"),
    [
        ("document", "application/pdf", "[file, not kept"),
        ("video", "video/mp4", "[video, not kept"),
        ("audio", "audio/ogg", "[audio, not kept"),
    ],
)
def test_whatsapp_documents_videos_and_voice_notes_are_placeholders_and_answered(
    sms_app: Flask,
    sms_client: FlaskClient,
    keyring: Keyring,
    twilio_stub: TwilioStub,
    message_type: str,
    content_type: str,
    placeholder: str,
) -> None:
    url = twilio_stub.media_url("m" + message_type, b"\x00\x01", content_type)
    form = whatsapp_form(
        message_type=message_type, NumMedia="1", MediaUrl0=url, MediaContentType0=content_type
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and ("write" in reply or "describe" in reply)
    [narrative] = narratives(sms_app, keyring)
    assert narrative.startswith(placeholder)
    assert not twilio_stub.seen("GET", "/Media/")


def test_a_whatsapp_sticker_is_not_kept_and_the_tipster_is_asked_for_words(
    sms_app: Flask, sms_client: FlaskClient, twilio_stub: TwilioStub
) -> None:
    url = twilio_stub.media_url("stk1", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")
    form = whatsapp_form(
        message_type="sticker", NumMedia="1", MediaUrl0=url, MediaContentType0="image/webp"
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "know" in reply  # "write to us what you know"
    assert counts(sms_app)["tip"] == 0
    assert not twilio_stub.seen("GET", "/Media/MEstk1")


@pytest.mark.parametrize("body", ["Yes, I saw it", ""])
def test_a_whatsapp_quick_reply_button_is_stored_as_its_text(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, body: str
) -> None:
    form = whatsapp_form(
        body, message_type="button", ButtonText="Yes, I saw it", ButtonPayload="saw_it_yes"
    )
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    # The button's label is what the tipster chose; its payload is our own id, not theirs.
    assert narratives(sms_app, keyring) == ["Yes, I saw it"]


@pytest.mark.parametrize("body", ["Blue sedan", ""])
def test_a_whatsapp_list_picker_reply_is_stored_as_the_chosen_item(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, body: str
) -> None:
    # A reply to a twilio/list-picker message: the item's title and our own id for it.
    form = whatsapp_form(
        body,
        message_type="interactive",
        ListId="vehicle_sedan",
        ListTitle="Blue sedan",
        ListDescription="Four doors",
    )
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    # The title is what the tipster chose; the id and the description are the line's own words.
    assert narratives(sms_app, keyring) == ["Blue sedan"]


@pytest.mark.parametrize("word", ["HELP", "AYUDA"])
def test_a_quick_reply_button_saying_a_keyword_is_that_keyword(
    sms_app: Flask, sms_client: FlaskClient, word: str
) -> None:
    # The tipster's words: a button labelled HELP works like typing HELP.
    form = whatsapp_form("", message_type="button", ButtonText=word, ButtonPayload="help")
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None
    assert ("Línea de denuncias" if word == "AYUDA" else "Anonymous tip line") in reply
    assert counts(sms_app)["tip"] == 0


def test_a_whatsapp_message_from_an_ad_keeps_only_the_tipsters_words(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    form = whatsapp_form(
        "I want to report the break-ins on Maple Ave",
        ReferralBody="Seen something? Tell us anonymously.",
        ReferralHeadline="City tip line",
        ReferralSourceId="120200000000000001",
        ReferralSourceType="ad",
        ReferralSourceUrl="https://fb.me/2abcdEFgh",
        ReferralNumMedia="0",
        ReferralCtwaClid="ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4X",
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    assert reply is not None and "received" in reply
    # The ad's words are the department's, and the click id tracks the person: neither kept.
    assert narratives(sms_app, keyring) == ["I want to report the break-ins on Maple Ave"]
    with sms_app.app_context():
        session = db.session()
        assert find_in_database(session, ["ARAkLkA8rmlFeiCktEJQ", "Tell us anonymously"]) == []


def test_a_whatsapp_reply_quoting_our_message_joins_the_tip(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    first = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(sms_client, SMS_PATH, first)) is not None
    quoted = whatsapp_form(
        "It is the house with the red door",
        OriginalRepliedMessageSid="SM" + secrets.token_hex(16),
        OriginalRepliedMessageSender=WHATSAPP_SENDER,
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, quoted))
    assert reply is not None and "Added to tip" in reply
    assert counts(sms_app)["tip"] == 1
    assert ("inbound", "It is the house with the red door") in thread(sms_app, keyring)


def test_a_whatsapp_reply_quoting_the_detective_joins_the_tip_after_the_window(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    first = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(sms_client, SMS_PATH, first)) is not None
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    question_sid = twilio_stub.created[-1]
    _age(sms_app, 30)  # past the conversation window: a plain text would start a new tip
    quoted = whatsapp_form(
        "Around 11pm, two men in a black Jeep",
        OriginalRepliedMessageSid=question_sid,
        OriginalRepliedMessageSender=WHATSAPP_SENDER,
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, quoted))
    assert reply is not None and "Added to tip" in reply
    assert counts(sms_app)["tip"] == 1
    assert ("inbound", "Around 11pm, two men in a black Jeep") in thread(sms_app, keyring)


def test_a_whatsapp_reply_quoting_their_own_first_message_joins_its_tip(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    first = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(sms_client, SMS_PATH, first)) is not None
    _age(sms_app, 30)
    quoted = whatsapp_form("Still happening tonight", OriginalRepliedMessageSid=first["MessageSid"])
    assert "Added to tip" in str(reply_of(post_signed(sms_client, SMS_PATH, quoted)))
    assert counts(sms_app)["tip"] == 1


def test_quoting_a_message_of_another_tipster_joins_nothing(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    other = sms_form("The red truck on Oak St carries stolen catalytic converters.", "+16175550199")
    assert reply_of(post_signed(sms_client, SMS_PATH, other)) is not None
    quoted = whatsapp_form(
        "Guns are sold behind the Elm St laundromat", OriginalRepliedMessageSid=other["MessageSid"]
    )
    reply = reply_of(post_signed(sms_client, SMS_PATH, quoted))
    assert reply is not None and "received" in reply
    assert counts(sms_app)["tip"] == 2


@pytest.mark.parametrize(
    ("flag", "note"),
    [
        ("Forwarded", "[forwarded: not necessarily the tipster's own words]"),
        ("FrequentlyForwarded", "[forwarded many times: not the tipster's own words]"),
    ],
)
def test_a_forwarded_whatsapp_message_is_stored_marked_forwarded(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, flag: str, note: str
) -> None:
    form = whatsapp_form("Warning: the man in the white truck on Oak St is armed", **{flag: "true"})
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    [narrative] = narratives(sms_app, keyring)
    assert narrative.startswith("Warning: the man in the white truck")
    assert narrative.endswith(note)


def test_a_whatsapp_location_with_impossible_coordinates_is_not_a_point(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    form = whatsapp_form(message_type="location", Latitude="91.5", Longitude="-71.05")
    reply = reply_of(post_signed(sms_client, SMS_PATH, form))
    # Nothing usable came: answered as a message Twilio could not show, no point invented.
    assert reply is not None and "could not read your message" in reply
    with sms_app.app_context():
        tip = db.session.scalar(select(Tip))
        assert tip is not None and tip.point.read(keyring) is None


# --- duplicated, replayed, malformed, oversized, forged ------------------------------------


def test_a_whatsapp_message_delivered_twice_is_stored_once(
    sms_app: Flask, sms_client: FlaskClient, twilio_stub: TwilioStub
) -> None:
    url = twilio_stub.media_url("dup1", jpeg_with_gps())
    form = whatsapp_form(
        "the van", message_type="image", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg"
    )
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    after_first = counts(sms_app)
    # Twilio retries on a timeout with the same MessageSid (and the same signature).
    assert post_signed(sms_client, SMS_PATH, form).status_code == 200
    assert counts(sms_app) == after_first
    assert len(twilio_stub.seen("GET", "/Media/MEdup1")) == 1


def test_a_signed_message_replayed_to_the_status_endpoint_is_refused(
    sms_app: Flask, sms_client: FlaskClient
) -> None:
    form = whatsapp_form("The blue house on Elm Street")
    # The signature covers the URL: a captured post cannot be replayed at another endpoint.
    headers = {"X-Twilio-Signature": signature(SMS_PATH, form)}
    assert sms_client.post(STATUS_PATH, data=form, headers=headers).status_code == 403
    assert counts(sms_app)["tip"] == 0


@pytest.mark.parametrize(
    "broken",
    [
        {"MessageSid": ""},
        {"From": "whatsapp:"},
        {"NumMedia": "1"},  # announced media without its MediaUrl0
        {"NumMedia": "-1"},
        {"MessageSid": "SM" + "0" * 300},
    ],
)
def test_a_malformed_whatsapp_post_is_a_400_that_echoes_nothing(
    sms_app: Flask, sms_client: FlaskClient, broken: dict[str, str]
) -> None:
    form = whatsapp_form("Someone is dealing from the blue house", **broken)
    response = post_signed(sms_client, SMS_PATH, form)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"
    assert "blue house" not in response.get_data(as_text=True)
    assert TIPSTER not in response.get_data(as_text=True)
    assert counts(sms_app)["tip"] == 0


def test_an_oversized_whatsapp_post_is_refused_before_it_is_read(
    sms_app: Flask, sms_client: FlaskClient
) -> None:
    form = whatsapp_form("x" * 2_000_000)
    assert post_signed(sms_client, SMS_PATH, form).status_code == 413
    assert counts(sms_app)["tip"] == 0


def test_a_forged_whatsapp_post_is_refused_and_leaves_no_trace(
    sms_app: Flask, sms_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = whatsapp_form("Forged: the mayor hides the money in the park")
    response = post_signed(sms_client, SMS_PATH, form, token="0" * 32)
    assert response.status_code == 403
    assert counts(sms_app)["tip"] == 0
    assert find_in_text(caplog.text, [TIPSTER, TIPSTER.lstrip("+"), "mayor hides"]) == []


# --- status callbacks: one ladder -----------------------------------------------------------


def status_form(sid: str, status: str, **fields: str) -> dict[str, str]:
    """A status callback as Twilio posts it for a message we sent."""
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": "+16175550000",
        "To": "+16175550123",
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
    }
    form.update(fields)
    return form


@pytest.mark.parametrize(
    ("reports", "expected", "error"),
    [
        (["queued", "sending", "sent", "delivered", "read"], "read", None),  # WhatsApp reads
        (["sent", "delivered", "sent", "queued"], "delivered", None),  # late reports
        (["sent", "delivered", "delivered"], "delivered", None),  # duplicated
        (["sent", ("failed", "30008")], "failed", "Twilio error 30008"),
        (["sent", ("undelivered", "30005")], "undelivered", "Twilio error 30005"),
        (["read", ("undelivered", "63024")], "read", None),  # a late failure undoes no read
        (["scheduled", "canceled"], "canceled", "Twilio error unknown"),
        (["sent", "receiving", "received"], "sent", None),  # inbound states: not on the ladder
    ],
)
def test_status_callbacks_climb_the_one_ladder(
    sms_app: Flask,
    sms_client: FlaskClient,
    keyring: Keyring,
    twilio_stub: TwilioStub,
    reports: list[str | tuple[str, str]],
    expected: str,
    error: str | None,
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    sid = twilio_stub.created[-1]
    for report in reports:
        status, code = report if isinstance(report, tuple) else (report, "")
        extra = {"ErrorCode": code} if code else {}
        response = post_signed(sms_client, STATUS_PATH, status_form(sid, status, **extra))
        assert response.status_code == 204
    message = outbound_message(sms_app)
    assert message.delivery_status == expected
    assert message.delivery_error == error


def test_a_legacy_status_callback_with_sms_status_only_is_applied(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    form = status_form(twilio_stub.created[-1], "delivered")
    del form["MessageSid"], form["MessageStatus"]
    assert post_signed(sms_client, STATUS_PATH, form).status_code == 204
    assert outbound_message(sms_app).delivery_status == "delivered"


def test_a_whatsapp_status_callback_reaches_the_whatsapp_reply(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    form = whatsapp_form("Someone is dealing from the blue house on Elm Street every night.")
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    sid = twilio_stub.created[-1]
    for status in ("sent", "delivered", "read"):
        callback = status_form(
            sid,
            status,
            From=WHATSAPP_SENDER,
            To=f"whatsapp:{TIPSTER}",
            ChannelPrefix="whatsapp",
            ChannelToAddress=TIPSTER,
            ChannelInstallSid="XE" + "0" * 32,
        )
        assert post_signed(sms_client, STATUS_PATH, callback).status_code == 204
    assert outbound_message(sms_app).delivery_status == "read"


def test_a_status_callback_naming_an_inbound_message_changes_nothing(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring
) -> None:
    form = sms_form("People sell drugs at the corner of Elm and 5th.", TIPSTER)
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    before = thread(sms_app, keyring)
    callback = status_form(form["MessageSid"], "delivered")
    assert post_signed(sms_client, STATUS_PATH, callback).status_code == 204
    with sms_app.app_context():
        statuses = db.session.scalars(
            select(Message.delivery_status).where(Message.direction == "inbound")
        ).all()
        db.session.remove()
    assert "delivered" not in statuses
    assert thread(sms_app, keyring) == before


@pytest.mark.parametrize("broken", [{"MessageStatus": "", "SmsStatus": ""}, {"MessageSid": ""}])
def test_a_malformed_status_callback_is_a_400(
    sms_client: FlaskClient, broken: dict[str, str]
) -> None:
    form = status_form("SM" + "1" * 32, "delivered", **broken)
    if "MessageSid" in broken:
        form["SmsSid"] = ""
    assert post_signed(sms_client, STATUS_PATH, form).status_code == 400


def test_a_forged_status_callback_changes_nothing(
    sms_app: Flask, sms_client: FlaskClient, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    start_conversation(sms_client)
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    form = status_form(twilio_stub.created[-1], "failed", ErrorCode="30007")
    assert post_signed(sms_client, STATUS_PATH, form, token="1" * 32).status_code == 403
    assert outbound_message(sms_app).delivery_status == "queued"


# --- privacy --------------------------------------------------------------------------------


def test_no_whatsapp_identity_or_text_is_stored_or_logged_in_clear(
    sms_app: Flask,
    sms_client: FlaskClient,
    keyring: Keyring,
    twilio_stub: TwilioStub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    words = "Rosalba keeps her brother's pistol in the freezer at 9 Hollis Court"
    identity = {"ProfileName": "Rosalba Quintero", "WaId": TIPSTER.lstrip("+")}
    sent = [
        whatsapp_form(words, **identity),
        whatsapp_form(
            message_type="location",
            Latitude="42.3601",
            Longitude="-71.0589",
            Label="Hollis Court",
            **identity,
        ),
        whatsapp_form("Yes", message_type="button", ButtonText="Yes", **identity),
        whatsapp_form("pass it on", Forwarded="true", **identity),
    ]
    for form in sent:
        assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None
    detective_asks(sms_app, keyring)
    drain(sms_app, keyring)
    callback = status_form(twilio_stub.created[-1], "read", To=f"whatsapp:{TIPSTER}")
    assert post_signed(sms_client, STATUS_PATH, callback).status_code == 204

    digits = TIPSTER.removeprefix("+1")
    needles = [TIPSTER, TIPSTER.lstrip("+"), digits, "Rosalba Quintero", words]
    needles += [form["MessageSid"] for form in sent] + twilio_stub.created
    with sms_app.app_context():
        session = db.session()
        assert find_in_database(session, needles) == []
        db.session.remove()
    assert find_in_text(caplog.text, needles) == []
