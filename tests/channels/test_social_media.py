"""Photos sent over Messenger and WhatsApp: fetched from the Graph stand-in, stripped, sealed."""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from intake.attachments.service import read_attachment
from intake.extensions import db, get_keyring
from intake.models import Attachment, Message, Tip
from tests.channels.conftest import Listener
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    META_WHATSAPP_ACCESS_TOKEN,
    X_BEARER_TOKEN,
    SocialStub,
    build_app,
    payload,
    post_meta,
    post_x,
    row_counts,
    social_app,
    stub,
)
from tests.factories import jpeg_with_gps

WHATSAPP_MEDIA_ID = "1003383421387256"  # as in the recorded whatsapp_image.json


PHOTO_NOT_KEPT = "\n[photo, could not be kept: ask the tipster to describe it]"


@pytest.fixture
def meta_app(social_app: Flask) -> Flask:
    """The app configured against the stand-in."""
    return social_app


@pytest.fixture
def client(meta_app: Flask) -> FlaskClient:
    """A test client of the Meta-enabled app."""
    return meta_app.test_client()


def messenger_image(url: str, text: str | None = None) -> dict[str, Any]:
    """The recorded Messenger image message (a photo and a sticker), its photo at ``url``."""
    document = payload("messenger_image.json")
    message = document["entry"][0]["messaging"][0]["message"]
    message["attachments"][0]["payload"]["url"] = url
    if text is not None:
        message["text"] = text
    return document


def stored(app: Flask) -> list[dict[str, Any]]:
    """Each tip's narrative, acknowledgement and decrypted attachments."""
    with app.app_context():
        keyring = get_keyring()
        listed = []
        for tip in db.session.scalars(select(Tip).order_by(Tip.created_at)):
            listed.append(
                {
                    "narrative": tip.narrative.read(keyring),
                    "thread": [(m.direction, m.body.read(keyring)) for m in tip.messages],
                    "attachments": [
                        (a.content_type, a.message_id, read_attachment(keyring, a))
                        for a in db.session.scalars(
                            select(Attachment).where(Attachment.tip_id == tip.id)
                        )
                    ],
                }
            )
        db.session.remove()
    return listed


def assert_no_metadata(data: bytes) -> None:
    """The image opens and carries no EXIF (so no GPS, no camera model)."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    assert b"PhoneModel X1000" not in data


def test_the_fixture_photo_really_carries_gps() -> None:
    # Otherwise the stripping tests below would prove nothing.
    with Image.open(io.BytesIO(jpeg_with_gps())) as image:
        assert image.getexif().get_ifd(0x8825)


def test_a_messenger_photo_is_fetched_stripped_and_sealed(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    url = stub.serve("/v/t1.15752-9/448123456_n.jpg", jpeg_with_gps())
    assert post_meta(client, messenger_image(url)).status_code == 200
    [tip] = stored(meta_app)
    [(content_type, _, data)] = tip["attachments"]
    assert content_type == "image/jpeg"
    assert_no_metadata(data)
    # The Messenger CDN URL is signed: no token travels with it.
    [fetch] = stub.seen("GET", "/v/t1.15752-9/")
    assert fetch.authorization == ""


def test_a_whatsapp_photo_is_resolved_downloaded_with_the_token_and_stripped(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    stub.whatsapp_media[WHATSAPP_MEDIA_ID] = (jpeg_with_gps(), "image/jpeg")
    assert post_meta(client, payload("whatsapp_image.json")).status_code == 200
    [tip] = stored(meta_app)
    assert tip["narrative"] == "the plate of the car"
    [(_, _, data)] = tip["attachments"]
    assert_no_metadata(data)
    lookups = stub.seen("GET", f"/v23.0/{WHATSAPP_MEDIA_ID}")
    downloads = stub.seen("GET", "/whatsapp-media/")
    assert len(lookups) == len(downloads) == 1
    assert downloads[0].authorization == f"Bearer {META_WHATSAPP_ACCESS_TOKEN}"


def test_a_photo_that_cannot_be_fetched_never_costs_the_caption(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    # The stand-in does not know the media id: the look-up answers 404.
    assert post_meta(client, payload("whatsapp_image.json")).status_code == 200
    [tip] = stored(meta_app)
    # The words are kept, and the detective sees that a photo came and was not kept.
    assert tip["narrative"] == "the plate of the car" + PHOTO_NOT_KEPT
    assert tip["attachments"] == []
    [(_, ack)] = tip["thread"]
    assert "could not keep your photo" in ack


def test_bytes_that_are_not_an_image_are_dropped_and_the_text_kept(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    url = stub.serve("/v/t1/fake.jpg", b"%PDF-1.4 not a photo at all", "image/jpeg")
    document = messenger_image(url, text="photo of the van attached")
    assert post_meta(client, document).status_code == 200
    [tip] = stored(meta_app)
    # The words are kept, and the detective sees that a photo came and was not kept.
    assert tip["narrative"] == "photo of the van attached" + PHOTO_NOT_KEPT
    assert tip["attachments"] == []


def test_a_plain_http_url_outside_the_graph_origin_is_never_fetched(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    document = messenger_image("http://198.51.100.7/internal.jpg", text="see the photo")
    assert post_meta(client, document).status_code == 200
    [tip] = stored(meta_app)
    # The words are kept, and the detective sees that a photo came and was not kept.
    assert tip["narrative"] == "see the photo" + PHOTO_NOT_KEPT
    assert tip["attachments"] == []


def test_a_photo_alone_that_cannot_be_kept_leaves_a_placeholder_and_an_answer(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    # Meta got its 200 and never sends the message again: an expired CDN link must not make
    # the message vanish without a word.
    missing = stub.base_url + "/v/t1/gone.jpg"
    assert post_meta(client, messenger_image(missing)).status_code == 200
    [tip] = stored(meta_app)
    assert tip["attachments"] == []
    assert tip["narrative"] == "[photo, could not be kept: ask the tipster to describe it]"
    with meta_app.app_context():
        [message] = db.session.scalars(select(Message).where(Message.direction == "outbound"))
        answer = message.body.read(get_keyring())
    # No words to tell the language by: the answer is in English and Spanish.
    assert "please describe it" in answer and "descríbala" in answer


def test_a_photo_sent_after_the_text_joins_the_same_tip(
    client: FlaskClient, meta_app: Flask, stub: SocialStub
) -> None:
    text = payload("messenger_text.json")
    assert post_meta(client, text).status_code == 200
    url = stub.serve("/v/t1/later.jpg", jpeg_with_gps())
    assert post_meta(client, messenger_image(url)).status_code == 200
    [tip] = stored(meta_app)
    [(_, message_id, data)] = tip["attachments"]
    assert message_id is not None  # attached to the follow-up message in the thread
    assert_no_metadata(data)


def x_dm_with_photo(url: str) -> dict[str, Any]:
    """The recorded Account Activity DM, carrying a photo at ``url``."""
    document = payload("x_aaa_dm.json")
    data = document["direct_message_events"][0]["message_create"]["message_data"]
    data["attachment"] = {
        "type": "media",
        "media": {
            "id": 1801234567000000001,
            "id_str": "1801234567000000001",
            "type": "photo",
            "media_url_https": url,
        },
    }
    return document


def test_an_x_dm_photo_is_fetched_with_the_accounts_token_and_stripped(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    url = stub.serve("/1/1801234567890123456/AbCd/photo.jpg", jpeg_with_gps())
    assert post_x(client, x_dm_with_photo(url)).status_code == 200
    [tip] = stored(social_app)
    assert "grey Civic" in tip["narrative"]
    [(_, _, data)] = tip["attachments"]
    assert_no_metadata(data)
    [fetch] = stub.seen("GET", "/photo.jpg")
    assert fetch.authorization == f"Bearer {X_BEARER_TOKEN}"


def test_the_x_token_is_never_sent_to_a_host_that_is_not_xs(
    client: FlaskClient, social_app: Flask, stub: SocialStub
) -> None:
    document = x_dm_with_photo("https://attacker.example/photo.jpg")
    assert post_x(client, document).status_code == 200
    [tip] = stored(social_app)
    assert tip["attachments"] == []
    assert "grey Civic" in tip["narrative"]


def test_a_messenger_attachment_off_metas_cdn_is_never_fetched(
    client: FlaskClient, meta_app: Flask, listener: Listener
) -> None:
    url = f"https://127.0.0.1:{listener.port}/v/t1/photo.jpg"
    assert post_meta(client, messenger_image(url, text="see the photo")).status_code == 200
    [tip] = stored(meta_app)
    assert tip["attachments"] == []
    assert listener.connections == 0


def test_an_x_photo_url_that_parsers_read_differently_gets_no_token(
    client: FlaskClient, social_app: Flask, listener: Listener
) -> None:
    # urlsplit reads ton.twitter.com; requests would connect to the listener with the token.
    url = f"https://127.0.0.1:{listener.port}\\@ton.twitter.com/1/photo.jpg"
    assert post_x(client, x_dm_with_photo(url)).status_code == 200
    [tip] = stored(social_app)
    assert tip["attachments"] == []
    assert listener.connections == 0


def test_a_whatsapp_look_up_naming_another_host_gets_no_token(
    client: FlaskClient, meta_app: Flask, stub: SocialStub, listener: Listener
) -> None:
    stub.errors[f"/v23.0/{WHATSAPP_MEDIA_ID}"] = (
        200,
        {"url": f"https://127.0.0.1:{listener.port}/whatsapp_business/attachments/?mid=1"},
    )
    assert post_meta(client, payload("whatsapp_image.json")).status_code == 200
    [tip] = stored(meta_app)
    assert tip["attachments"] == []
    assert listener.connections == 0


def test_a_photo_on_metas_cdn_passes_the_rules_and_is_resolved_by_the_fetcher(
    client: FlaskClient, meta_app: Flask, no_name_resolution: list[str]
) -> None:
    # Tests resolve no name: the fetcher asking for this one shows the rules let it through.
    url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/448123456_n.jpg"
    assert post_meta(client, messenger_image(url, text="see the photo")).status_code == 200
    assert no_name_resolution == ["scontent.xx.fbcdn.net"]
    no_name_resolution.clear()
    [tip] = stored(meta_app)
    assert tip["attachments"] == []
