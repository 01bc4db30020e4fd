"""No Meta or X sender id, handle, provider message id or narrative in clear: not in any table,
not in the SQLite files, not in the logs, not in what staff are shown."""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.models import Tip
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    SocialStub,
    build_app,
    drain,
    payload,
    post_meta,
    post_x,
    raw_payload,
    social_app,
    stub,
)
from tests.factories import jpeg_with_gps
from tests.privacy_scan import find_in_database, find_in_sqlite_files, find_in_text
from tests.staff.factories import bearer, fast_passwords, make_user  # noqa: F401 - fixture

IDENTITIES = (
    "7012345678901234",  # Messenger PSID
    "7098765432109876",  # second Messenger PSID
    "1234567890123456",  # Instagram IGSID
    "16175550125",  # WhatsApp phone number (wa_id)
    "US.13491208655302741918",  # WhatsApp business-scoped user id
    "Maria R",  # WhatsApp profile names
    "J. Doe",
    "3001969357",  # X user ids and handles
    "quiet_jordan",
    "2222222222222222222",
    "OtherUser",
)
NARRATIVES = (
    "Hay un hombre vendiendo drogas en la esquina de Dudley y Warren",
    "someone keeps breaking into cars on my street at night",
    "There was a shooting near Franklin Park, I saw the car",
    "I know who stole the bikes on Centre St",
    "The guy who robbed the corner store on Hyde Park Ave drives a grey Civic",
    "someone is dealing out of the laundromat on Washington St",
    "and a follow-up",
)
# Provider message ids: a wamid is the sender's phone number in base64, a mid names the page.
PROVIDER_IDS = (
    "wamid.HBgLMTYxNzU1NTAxMjUVAgASGBQzQUI1QjU1RjQ4QjI3QzdGN0Y5QQA=",
    "HBgLMTYxNzU1NTAxMjUV",
    "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrstuv",
    "1801234567890123456",
    "wamid.sent",
    "m_sent_",
)
NEEDLES = IDENTITIES + NARRATIVES + PROVIDER_IDS


def send_everything(app: Flask, stub: SocialStub) -> None:
    """Every kind of delivery the channels take, then the replies they queue."""
    client = app.test_client()
    for name in (
        "messenger_text.json",
        "meta_multi_entry.json",
        "instagram_dm.json",
        "whatsapp_text.json",
        "whatsapp_bsuid_sender.json",
        "whatsapp_location.json",
    ):
        assert post_meta(client, raw_payload(name)).status_code == 200
    stub.whatsapp_media["1003383421387256"] = (jpeg_with_gps(), "image/jpeg")
    assert post_meta(client, payload("whatsapp_image.json")).status_code == 200
    for name in ("x_aaa_dm.json", "x_activity_dm_received.json", "x_aaa_own_dm.json"):
        assert post_x(client, raw_payload(name)).status_code == 200
    drain(app)
    statuses = payload("whatsapp_statuses.json")
    for number, report in enumerate(statuses["entry"][0]["changes"][0]["value"]["statuses"]):
        report["id"] = f"wamid.sent{number + 6}"  # the WhatsApp replies went out 6th and 7th
    assert post_meta(client, statuses).status_code == 200


def test_no_identity_or_narrative_is_stored_or_logged_in_clear(
    social_app: Flask, stub: SocialStub, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    send_everything(social_app, stub)
    with social_app.app_context():
        assert len(db.session.scalars(select(Tip)).all()) >= 7  # the scan covers real rows
        hits = find_in_database(db.session, NEEDLES)
        db.session.remove()
    assert hits == []
    assert find_in_sqlite_files(database_url, NEEDLES) == []
    assert find_in_text(caplog.text, NEEDLES) == []


def test_staff_never_see_a_sender_id_or_handle(
    social_app: Flask,
    stub: SocialStub,
    fast_passwords: None,
) -> None:
    send_everything(social_app, stub)
    with social_app.app_context():
        keyring = social_app.extensions["intake"].keyring
        supervisor = make_user(db.session, keyring, "sup", "supervisor")
        numbers = list(db.session.scalars(select(Tip.tip_number)))
        db.session.remove()
    client = social_app.test_client()
    headers = bearer(supervisor)
    listing = client.get("/api/v1/staff/tips", headers=headers)
    assert listing.status_code == 200
    shown = [listing.get_data(as_text=True)]
    for number in numbers:
        detail = client.get(f"/api/v1/staff/tips/{number}", headers=headers)
        assert detail.status_code == 200
        shown.append(detail.get_data(as_text=True))
    channels = {item["channel"] for item in listing.get_json()["items"]}
    assert channels == {"messenger", "instagram", "whatsapp", "x"}
    assert find_in_text("\n".join(shown), IDENTITIES + PROVIDER_IDS) == []
