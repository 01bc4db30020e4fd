"""A web tipster who asked to hear when a detective writes gets a content-free notice, by SMS
or email, through the outbox (Twilio and SMTP stand-ins on loopback)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from intake.crypto import Keyring
from intake.extensions import db
from intake.models import Message, OutboxMessage, Tip
from intake.outbound.service import enqueue_reply
from intake.outbound.worker import drain_once
from tests.channels.conftest import TwilioStub, twilio_providers
from tests.notify.test_service import smtp_server  # noqa: F401 - fixture
from tests.submissions.test_pages import open_form, post_tip

QUESTION = "Was the man you saw at Alder Park wearing a red jacket?"


def detective_writes(app: Flask, keyring: Keyring, number: str) -> None:
    """A detective's message on the tip, queued as the workspace does."""
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.tip_number == number))
        assert tip is not None
        message = Message(tip=tip, direction="outbound", channel=tip.channel)
        message.body.seal(keyring, QUESTION)
        db.session.add(message)
        db.session.flush()
        enqueue_reply(db.session, tip, message)
        db.session.commit()
        db.session.remove()


def submit(app: Flask, language: str | None = None, **fields: str) -> str:
    """Send the web form (opened in ``language``); returns the tip number."""
    client = app.test_client()
    response = post_tip(client, open_form(client, language), **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.search(r'id="tip-number">([^<]+)<', response.get_data(as_text=True)).group(1)


def drain(app: Flask, keyring: Keyring) -> int:
    """Run the outbox once."""
    with app.app_context():
        tried = drain_once(db.session, keyring)
        db.session.remove()
    return tried


def test_the_sms_notice_says_there_is_news_and_nothing_else(
    build_app: Any, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    app = build_app()
    number = submit(app, contact_phone="+16175550188", notify_by="sms")
    detective_writes(app, keyring, number)
    drain(app, keyring)

    [sent] = twilio_stub.sent_messages
    assert sent["To"] == "+16175550188"
    assert sent["Body"] == "There is news on your tip. Check it with your tip number and receipt."
    assert number not in sent["Body"] and "jacket" not in sent["Body"]


def test_the_email_notice_goes_to_the_address_in_spanish(
    build_app: Any,
    keyring: Keyring,
    twilio_stub: TwilioStub,
    smtp_server: Any,  # noqa: F811
) -> None:
    host, port = smtp_server.server_address
    providers = twilio_providers(
        twilio_stub, NOTIFY_SMTP_URL=f"smtp://{host}:{port}", NOTIFY_EMAIL_FROM="tips@city.test"
    )
    app = build_app(providers=providers)
    number = submit(
        app,
        "es",
        narrative="Un hombre guarda una pistola en el buzón del parque Alder",
        contact_email="vecina@example.org",
        lang="es",
        notify_by="email",
    )
    with app.app_context():
        # The tip's language decides the notice's (set here: this app's form locale is fixed).
        tip = db.session.scalar(select(Tip).where(Tip.tip_number == number))
        tip.language = "es"
        db.session.commit()
        db.session.remove()
    detective_writes(app, keyring, number)
    drain(app, keyring)

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["vecina@example.org"]
    assert "Hay novedades sobre su denuncia" in message
    assert number not in message and "jacket" not in message
    assert not twilio_stub.sent_messages


def test_no_notice_unless_asked(build_app: Any, keyring: Keyring, twilio_stub: TwilioStub) -> None:
    app = build_app()
    number = submit(app, contact_phone="+16175550188")
    detective_writes(app, keyring, number)
    drain(app, keyring)
    assert twilio_stub.sent_messages == []
    with app.app_context():
        assert (
            db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "web-notice"))
            is None
        )
        db.session.remove()


def test_asking_for_a_text_without_a_phone_is_a_form_error(build_app: Any) -> None:
    app = build_app()
    client = app.test_client()
    response = post_tip(client, open_form(client), notify_by="sms")
    assert response.status_code == 400
    assert "Give a phone number above" in response.get_data(as_text=True)


def test_an_api_tipster_may_ask_for_the_notice_too(
    build_app: Any, keyring: Keyring, twilio_stub: TwilioStub
) -> None:
    app = build_app()
    client = app.test_client()
    created = client.post(
        "/api/v1/tips",
        json={
            "narrative": "A man keeps a pistol in the mailbox at Alder Park",
            "contact": {"phone": "+16175550189", "notify_by": "sms"},
        },
    )
    assert created.status_code == 201, created.get_json()
    detective_writes(app, keyring, created.get_json()["tip_number"])
    drain(app, keyring)
    [sent] = twilio_stub.sent_messages
    assert sent["To"] == "+16175550189" and "news on your tip" in sent["Body"]

    # Without the contact it needs, the choice is refused in the one error shape.
    refused = client.post(
        "/api/v1/tips", json={"narrative": "Another tip", "contact": {"notify_by": "email"}}
    )
    assert refused.status_code == 400
    assert set(refused.get_json()["error"]) == {"status", "code", "message", "fields"}
