"""MMS: media fetched with basic auth from the stand-in, stripped, sealed, then deleted there."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

from flask import Flask
from PIL import Image
from sqlalchemy import select

from intake.attachments.service import read_attachment
from intake.extensions import db
from intake.models import Attachment, Tip
from tests.channels.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SMS_PATH,
    post_signed,
    reply_of,
    sms_form,
)
from tests.factories import jpeg_with_gps, png_bomb

NARRATIVE = "This is the car they use to deliver the drugs, parked on Elm Street."


def stored_photos(app: Flask, keyring) -> list[bytes]:
    """Decrypted bytes of every attachment."""
    with app.app_context():
        return [read_attachment(keyring, a) for a in db.session.scalars(select(Attachment))]


def tip_count(app: Flask) -> int:
    """How many tips exist."""
    with app.app_context():
        return len(db.session.scalars(select(Tip)).all())


def test_a_photo_is_stored_stripped_and_deleted_from_twilio(
    sms_app, sms_client, keyring, twilio_stub
) -> None:
    url = twilio_stub.media_url("0001", jpeg_with_gps())
    form = sms_form(NARRATIVE, media=((url, "image/jpeg"),))

    reply = reply_of(post_signed(sms_client, SMS_PATH, form))

    [photo] = stored_photos(sms_app, keyring)
    image = Image.open(io.BytesIO(photo))
    assert image.format == "JPEG" and not image.getexif()
    assert b"PhoneModel" not in photo
    [download] = twilio_stub.seen("GET", "/Media/ME0001")
    assert download.auth == (ACCOUNT_SID, AUTH_TOKEN)
    [deleted] = twilio_stub.seen("DELETE", "/Media/ME0001")
    assert deleted.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert twilio_stub.media == {}
    assert reply is not None and "could not read your photo" not in reply


def test_a_photo_without_text_makes_a_tip(sms_app, sms_client, keyring, twilio_stub) -> None:
    url = twilio_stub.media_url("0002", jpeg_with_gps())
    reply = reply_of(post_signed(sms_client, SMS_PATH, sms_form("", media=((url, "image/jpeg"),))))

    assert tip_count(sms_app) == 1
    assert len(stored_photos(sms_app, keyring)) == 1
    assert reply is not None and "received" in reply


def test_a_photo_in_a_followup_joins_the_thread(sms_app, sms_client, keyring, twilio_stub) -> None:
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE)))
    url = twilio_stub.media_url("0003", jpeg_with_gps())
    reply = reply_of(
        post_signed(
            sms_client, SMS_PATH, sms_form("Here is the car.", media=((url, "image/jpeg"),))
        )
    )

    assert tip_count(sms_app) == 1
    assert reply is not None and reply.startswith("Added to tip")
    with sms_app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment is not None and attachment.message_id is not None
    assert twilio_stub.seen("DELETE", "/Media/ME0003")


def test_a_failed_download_keeps_the_text_and_the_media(
    sms_app, sms_client, keyring, twilio_stub, caplog
) -> None:
    caplog.set_level(logging.INFO)
    missing = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM9/Media/ME0404"
    not_image = twilio_stub.media_url("0005", b"BEGIN:VCARD\nEND:VCARD\n", "image/jpeg")
    form = sms_form(NARRATIVE, media=((missing, "image/jpeg"), (not_image, "image/jpeg")))

    reply = reply_of(post_signed(sms_client, SMS_PATH, form))

    assert tip_count(sms_app) == 1
    assert stored_photos(sms_app, keyring) == []
    assert reply is not None and "We could not read your photo" in reply
    # Unstored media stays on Twilio for an operator; the failures are logged by media id.
    assert twilio_stub.seen("DELETE") == []
    assert "twilio media ME0404 not stored: HTTP 404" in caplog.text
    assert "twilio media ME0005 not stored: not a readable image" in caplog.text


def test_media_elsewhere_than_twilio_is_never_fetched(sms_app, sms_client, twilio_stub) -> None:
    form = sms_form(NARRATIVE, media=(("https://attacker.example/x.jpg", "image/jpeg"),))

    reply = reply_of(post_signed(sms_client, SMS_PATH, form))

    assert tip_count(sms_app) == 1
    assert twilio_stub.requests == []
    assert reply is not None and "could not read your photo" in reply


def test_video_is_not_downloaded(sms_app, sms_client, twilio_stub) -> None:
    url = twilio_stub.media_url("0006", b"\x00" * 100, "video/mp4")
    reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, media=((url, "video/mp4"),))))

    assert tip_count(sms_app) == 1
    assert twilio_stub.requests == []


def test_media_over_the_size_cap_is_refused(sms_app, twilio_stub) -> None:
    from intake.channels.media import fetch_photos
    from webhooks import twilio_sms
    from webhooks.base import MediaRef

    url = twilio_stub.media_url("0007", jpeg_with_gps(size=(400, 400)))
    with sms_app.app_context():
        from intake.extensions import get_settings

        settings = get_settings()
    message = twilio_sms.parse_message(
        {"MessageSid": "SM0007", "From": "+16175550100", "NumMedia": "0"}
    )
    message = replace(message, media=(MediaRef(url, "image/jpeg", "ME0007"),))
    [result] = fetch_photos(message, settings, max_bytes=1000).results

    assert result.image is None and result.error == "larger than the size cap"


def test_a_redelivered_mms_is_not_fetched_again(sms_app, sms_client, keyring, twilio_stub) -> None:
    url = twilio_stub.media_url("0008", jpeg_with_gps())
    form = sms_form(NARRATIVE, media=((url, "image/jpeg"),))
    first = reply_of(post_signed(sms_client, SMS_PATH, form))
    again = reply_of(post_signed(sms_client, SMS_PATH, form))

    assert first == again
    assert tip_count(sms_app) == 1 and len(stored_photos(sms_app, keyring)) == 1
    assert len(twilio_stub.seen("GET", "/Media/ME0008")) == 1


def test_a_decompression_bomb_is_not_decoded_and_the_text_is_kept(
    sms_app, sms_client, twilio_stub, no_decoding
) -> None:
    url = twilio_stub.media_url("0007", png_bomb(), "image/png")

    reply = reply_of(
        post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, media=((url, "image/png"),)))
    )

    assert tip_count(sms_app) == 1
    assert reply is not None and "could not read your photo" in reply
    assert twilio_stub.seen("DELETE") == []


def test_the_photos_of_one_message_share_one_pixel_budget(
    sms_app, sms_client, keyring, twilio_stub, monkeypatch
) -> None:
    from intake.attachments import rules

    monkeypatch.setattr(rules, "MAX_UPLOAD_PIXELS", 2 * 64 * 48)  # two of the fixture photos
    media = tuple(
        (twilio_stub.media_url(f"001{i}", jpeg_with_gps()), "image/jpeg") for i in range(3)
    )

    reply = reply_of(post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, media=media)))

    assert len(stored_photos(sms_app, keyring)) == 2
    assert reply is not None and "could not read your photo" in reply


def test_a_media_url_that_parsers_read_differently_is_never_fetched(
    sms_app, sms_client, twilio_stub, listener
) -> None:
    # urlsplit reads api.twilio.com; requests would connect to 127.0.0.1:<listener> with our
    # account SID and token.
    url = f"https://127.0.0.1:{listener.port}\\@api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1"
    reply = reply_of(
        post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, media=((url, "image/jpeg"),)))
    )

    assert tip_count(sms_app) == 1
    assert listener.connections == 0
    assert twilio_stub.requests == []
    assert reply is not None and "could not read your photo" in reply


def test_a_redirect_away_from_twilio_is_not_followed(
    sms_app, sms_client, keyring, twilio_stub, listener
) -> None:
    url = twilio_stub.media_url("0009", jpeg_with_gps())
    path = url.removeprefix("https://api.twilio.com")
    twilio_stub.redirects[path] = f"http://127.0.0.1:{listener.port}/latest/meta-data/"

    reply = reply_of(
        post_signed(sms_client, SMS_PATH, sms_form(NARRATIVE, media=((url, "image/jpeg"),)))
    )

    assert listener.connections == 0
    assert stored_photos(sms_app, keyring) == []
    assert reply is not None and "could not read your photo" in reply
