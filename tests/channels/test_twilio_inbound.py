"""Inbound SMS through the Twilio webhook: tips, replies, threading, keywords, refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import InboundEvent, Message, Reporter, Tip
from tests.channels.conftest import (
    AUTH_TOKEN,
    SMS_PATH,
    TwilioStub,
    post_signed,
    reply_of,
    signature,
    sms_form,
    twilio_providers,
)

DRUGS_EN = "People sell drugs at the corner of Elm and 5th every night after ten."
DRUGS_ES = "Venden drogas en la esquina cerca del parque todas las noches."
EMERGENCY_EN = "A man with a gun is at the school right now threatening to shoot."
EMERGENCY_ES = "Hay un hombre con una pistola en la escuela ahora mismo, va a disparar."


def counts(app: Flask) -> dict[str, int]:
    """Rows per table the webhook may write ("message": the tipster's follow-ups; the answers
    in the thread are counted as "answer")."""
    with app.app_context():
        found = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Tip, Reporter, InboundEvent)
        }
        for key, direction in (("message", "inbound"), ("answer", "outbound")):
            found[key] = (
                db.session.scalar(
                    select(func.count()).select_from(Message).where(Message.direction == direction)
                )
                or 0
            )
        return found


def tips_of(app: Flask) -> list[Tip]:
    """Every tip, oldest first (detached, attributes loaded)."""
    with app.app_context():
        tips = db.session.scalars(select(Tip).order_by(Tip.created_at)).all()
        for tip in tips:
            _ = tip.tip_number, tip.language, tip.urgency, tip.channel, tip.reporter_id
        db.session.expunge_all()
        return list(tips)


def age_conversation(app: Flask, hours: float) -> None:
    """Move every tip's last tipster activity (and the reporters' marker) into the past."""
    with app.app_context():
        for tip in db.session.scalars(select(Tip)):
            tip.last_tipster_activity_at -= timedelta(hours=hours)
        for reporter in db.session.scalars(select(Reporter)):
            reporter.last_seen_at -= timedelta(hours=hours)
        db.session.commit()


def text(client: FlaskClient, body: str, sender: str = "+16175550123", **kw: Any) -> str | None:
    """Send one signed text and return the reply."""
    return reply_of(post_signed(client, SMS_PATH, sms_form(body, sender, **kw)))


# --- first text -----------------------------------------------------------------------------


def test_first_text_creates_a_tip_and_the_reply_gives_its_number(sms_app, sms_client) -> None:
    reply = text(sms_client, DRUGS_EN)

    [tip] = tips_of(sms_app)
    assert tip.channel == "sms" and tip.language == "en"
    assert reply is not None
    assert f"Tip {tip.tip_number} received" in reply
    assert "protected" in reply and "no officer ever sees it" in reply
    assert "a detective may text you" in reply
    # A calm tip is not told to call 911 (the tip number itself may hold those digits).
    assert "911" not in reply.replace(tip.tip_number, "")
    assert counts(sms_app) == {
        "tip": 1,
        "reporter": 1,
        "message": 0,
        "inbound_event": 1,
        "answer": 1,
    }


def test_a_spanish_text_is_answered_in_spanish(sms_app, sms_client) -> None:
    reply = text(sms_client, DRUGS_ES)

    [tip] = tips_of(sms_app)
    assert tip.language == "es"
    assert reply is not None
    assert f"Recibimos su denuncia {tip.tip_number}" in reply
    assert "protegido" in reply and "un detective puede escribirle" in reply


@pytest.mark.parametrize(
    ("body", "advice"),
    [
        (EMERGENCY_EN, "If anyone is in danger right now, call 911 at once."),
        (EMERGENCY_ES, "Si alguien está en peligro ahora mismo, llame al 911 de inmediato."),
    ],
)
def test_an_emergency_is_told_to_call_911_first(sms_app, sms_client, body, advice) -> None:
    reply = text(sms_client, body)

    [tip] = tips_of(sms_app)
    assert tip.urgency == "emergency"
    assert reply is not None and reply.startswith(advice)
    assert tip.tip_number in reply


def test_a_possible_emergency_is_told_to_call_911_first(sms_app, sms_client, monkeypatch) -> None:
    from intake.classify import rules

    # The learnt model unsure about everything it does not deny: every tip is a possible one.
    monkeypatch.setattr(rules, "EMERGENCY_PROBABILITY", 2.0)
    monkeypatch.setattr(rules, "POSSIBLE_PROBABILITY", 0.0)
    reply = text(sms_client, DRUGS_EN)

    [tip] = tips_of(sms_app)
    assert tip.urgency == "possible_emergency"
    assert reply is not None
    assert reply.startswith("If anyone is in danger right now, call 911 at once.")


# --- redelivery -----------------------------------------------------------------------------


def test_a_redelivered_message_sid_makes_no_second_tip(sms_app, sms_client) -> None:
    form = sms_form(DRUGS_EN)
    first = reply_of(post_signed(sms_client, SMS_PATH, form))
    again = reply_of(post_signed(sms_client, SMS_PATH, form))

    [tip] = tips_of(sms_app)
    assert first == again and again is not None and tip.tip_number in again
    assert counts(sms_app) == {
        "tip": 1,
        "reporter": 1,
        "message": 0,
        "inbound_event": 1,
        "answer": 1,
    }


def test_a_redelivered_followup_adds_no_second_message(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    form = sms_form("They use a blue van.")
    first = reply_of(post_signed(sms_client, SMS_PATH, form))
    again = reply_of(post_signed(sms_client, SMS_PATH, form))

    [tip] = tips_of(sms_app)
    assert first == again == f"Added to tip {tip.tip_number}. Thank you."
    assert counts(sms_app) == {
        "tip": 1,
        "reporter": 1,
        "message": 1,
        "inbound_event": 2,
        "answer": 2,
    }


# --- threading ------------------------------------------------------------------------------


def test_a_followup_within_the_window_joins_the_tip(sms_app, sms_client, keyring) -> None:
    text(sms_client, DRUGS_EN)
    age_conversation(sms_app, 23)
    reply = text(sms_client, "The seller wears a red cap.")

    [tip] = tips_of(sms_app)
    assert reply == f"Added to tip {tip.tip_number}. Thank you."
    with sms_app.app_context():
        [message] = db.session.scalars(select(Message).where(Message.direction == "inbound")).all()
        assert message.tip_id == tip.id
        assert message.body.read(keyring) == "The seller wears a red cap."


def test_a_text_after_the_window_starts_a_new_tip(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    age_conversation(sms_app, 25)
    reply = text(sms_client, "Someone broke into cars on Oak Street last night.")

    first, second = tips_of(sms_app)
    assert first.reporter_id == second.reporter_id
    assert reply is not None and f"Tip {second.tip_number} received" in reply
    assert counts(sms_app)["message"] == 0


def test_the_window_is_configurable(build_app, twilio_stub) -> None:
    app = build_app(
        providers=twilio_providers(twilio_stub),
        ratelimit_enabled=False,
        conversation_window_hours=1,
    )
    client = app.test_client()
    text(client, DRUGS_EN)
    age_conversation(app, 2)
    text(client, "Another thing entirely: graffiti on the library.")

    assert len(tips_of(app)) == 2


def test_naming_the_tip_number_joins_it_after_the_window(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    [tip] = tips_of(sms_app)
    age_conversation(sms_app, 24 * 30)
    reply = text(sms_client, f"About {tip.tip_number.lower()}: they moved to the laundromat.")

    assert reply == f"Added to tip {tip.tip_number}. Thank you."
    assert len(tips_of(sms_app)) == 1


def test_naming_another_senders_tip_number_does_not_join_it(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN, sender="+16175550123")
    [theirs] = tips_of(sms_app)
    reply = text(sms_client, f"Re {theirs.tip_number}: I saw it too.", sender="+16175550188")

    tips = tips_of(sms_app)
    assert len(tips) == 2 and tips[1].tip_number != theirs.tip_number
    assert reply is not None and f"Tip {tips[1].tip_number} received" in reply
    assert theirs.tip_number not in reply


def test_new_makes_the_next_text_a_new_tip(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    reply = text(sms_client, "new")
    assert reply == "OK: your next text starts a new tip with its own number."
    assert len(tips_of(sms_app)) == 1

    created = text(sms_client, "Different matter: a car is parked on the sidewalk daily.")
    joined = text(sms_client, "It is a white sedan.")

    _, second = tips_of(sms_app)
    assert created is not None and f"Tip {second.tip_number} received" in created
    assert joined == f"Added to tip {second.tip_number}. Thank you."


def test_nuevo_is_answered_in_spanish(sms_client) -> None:
    assert text(sms_client, "Nuevo") == (
        "De acuerdo: su próximo mensaje será una denuncia nueva con su propio número."
    )


def test_a_followup_reporting_danger_escalates_and_says_call_911(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    reply = text(sms_client, "He has a gun and says he will shoot someone tonight.")

    [tip] = tips_of(sms_app)
    assert tip.urgency == "emergency"
    assert reply is not None and reply.startswith("If anyone is in danger right now, call 911")


# --- STOP / START / HELP --------------------------------------------------------------------


def test_help_explains_the_line_and_stores_nothing(sms_app, sms_client) -> None:
    reply = text(sms_client, "HELP")

    assert reply is not None and "Anonymous tip line" in reply and "911" in reply
    assert counts(sms_app)["tip"] == 0
    assert text(sms_client, "ayuda", sender="+16175550177").startswith("Línea de denuncias")


def test_stop_opts_out_and_later_texts_are_kept_but_not_answered(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    assert text(sms_client, "Stop.") is None
    with sms_app.app_context():
        assert db.session.scalar(select(Reporter.is_opted_out)) is True

    # A tipster who opted out may still send information; they just get no texts back.
    assert text(sms_client, "One more thing: the van is blue.") is None
    assert counts(sms_app)["message"] == 1


def test_start_lifts_the_opt_out(sms_app, sms_client) -> None:
    text(sms_client, DRUGS_EN)
    text(sms_client, "STOP")
    reply = text(sms_client, "start")

    assert reply == "You will get texts from the tip line again. Reply STOP to end them."
    with sms_app.app_context():
        assert db.session.scalar(select(Reporter.is_opted_out)) is False


def test_yes_from_a_tipster_not_opted_out_is_an_answer(sms_app, sms_client, keyring) -> None:
    text(sms_client, DRUGS_EN)
    reply = text(sms_client, "Yes")

    [tip] = tips_of(sms_app)
    assert reply == f"Added to tip {tip.tip_number}. Thank you."
    with sms_app.app_context():
        inbound = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert inbound.body.read(keyring) == "Yes"


def test_stop_from_an_unknown_number_stores_nothing(sms_app, sms_client) -> None:
    assert text(sms_client, "STOP") is None
    assert counts(sms_app) == {
        "tip": 0,
        "reporter": 0,
        "message": 0,
        "inbound_event": 1,
        "answer": 0,
    }


def test_an_empty_text_asks_for_words(sms_app, sms_client) -> None:
    # No word tells a newcomer's language: English and Spanish.
    assert text(sms_client, "   ") == (
        "Text us what you know. If anyone is in danger now, call 911.\n\n"
        "Escríbanos lo que sabe. Si alguien está en peligro ahora, llame al 911."
    )
    assert counts(sms_app)["tip"] == 0
    # Once the line knows the sender (and their language), one language.
    text(sms_client, DRUGS_ES)
    assert text(sms_client, "   ") == (
        "Escríbanos lo que sabe. Si alguien está en peligro ahora, llame al 911."
    )


# --- refusals -------------------------------------------------------------------------------

NOTHING = {"tip": 0, "reporter": 0, "message": 0, "inbound_event": 0, "answer": 0}


def assert_forbidden(response: Any) -> None:
    assert response.status_code == 403
    message = "The request is not signed by Twilio."
    assert response.get_json() == {
        "error": {"status": 403, "code": "forbidden", "message": message}
    }


def test_a_missing_signature_is_refused_and_nothing_stored(sms_app, sms_client) -> None:
    assert_forbidden(sms_client.post(SMS_PATH, data=sms_form(DRUGS_EN)))
    assert counts(sms_app) == NOTHING


def test_a_signature_made_with_another_token_is_refused(sms_app, sms_client) -> None:
    form = sms_form(DRUGS_EN)
    forged = post_signed(sms_client, SMS_PATH, form, token="0" * 32)
    assert_forbidden(forged)
    assert counts(sms_app) == NOTHING


def test_a_tampered_form_is_refused(sms_app, sms_client) -> None:
    form = sms_form(DRUGS_EN)
    header = {"X-Twilio-Signature": signature(SMS_PATH, form)}
    tampered = {**form, "From": "+16175550999"}
    assert_forbidden(sms_client.post(SMS_PATH, data=tampered, headers=header))
    extra = {**form, "Body": DRUGS_EN + " and guns"}
    assert_forbidden(sms_client.post(SMS_PATH, data=extra, headers=header))
    assert counts(sms_app) == NOTHING


def test_the_signature_covers_the_raw_query_string(sms_app, sms_client) -> None:
    form = sms_form(DRUGS_EN)
    signed_path = SMS_PATH + "?ref=a%2Bb&x=%20y"
    header = {"X-Twilio-Signature": signature(signed_path, form)}

    assert_forbidden(sms_client.post(SMS_PATH + "?ref=other", data=form, headers=header))
    assert counts(sms_app) == NOTHING
    assert reply_of(sms_client.post(signed_path, data=form, headers=header)) is not None
    assert counts(sms_app)["tip"] == 1


def test_without_an_auth_token_every_post_is_refused(build_app, twilio_stub) -> None:
    providers = twilio_providers(twilio_stub)
    del providers["TWILIO_AUTH_TOKEN"]
    app = build_app(providers)
    client = app.test_client()
    assert_forbidden(post_signed(client, SMS_PATH, sms_form(DRUGS_EN), token=AUTH_TOKEN))
    assert counts(app) == NOTHING


@pytest.mark.parametrize(
    "broken",
    [
        {"From": ""},
        {"MessageSid": ""},
        {"NumMedia": "many"},
        {"NumMedia": "1"},  # no MediaUrl0
        {"From": "not-a-number"},
    ],
)
def test_a_malformed_form_gets_400(sms_app, sms_client, broken) -> None:
    form = {**sms_form(DRUGS_EN), **broken}
    response = post_signed(sms_client, SMS_PATH, form)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"
    assert "not-a-number" not in response.get_data(as_text=True)
    assert counts(sms_app) == NOTHING


def test_an_oversized_post_gets_413(sms_app, sms_client) -> None:
    form = sms_form("x" * (1100 * 1024))  # over MAX_WEBHOOK_BYTES (1 MiB)
    response = post_signed(sms_client, SMS_PATH, form)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert counts(sms_app) == NOTHING


def test_the_webhooks_are_declared_as_webhooks(sms_app) -> None:
    from intake.access import WEBHOOK, rule_for_endpoint

    assert rule_for_endpoint(sms_app, "twilio.inbound_sms") is WEBHOOK
    assert rule_for_endpoint(sms_app, "twilio.delivery_status") is WEBHOOK


# --- per-sender rate limit ------------------------------------------------------------------


def test_a_flooding_sender_is_dropped_quietly(build_app, twilio_stub: TwilioStub, caplog) -> None:
    app = build_app(ratelimit_enabled=True)
    client = app.test_client()
    flooder = "+16175550142"
    replies = [text(client, f"Message {n} about the drug corner", flooder) for n in range(30)]
    assert all(reply is not None for reply in replies)

    caplog.set_level("INFO")
    assert text(client, "one too many", flooder) is None
    assert counts(app)["message"] == 29  # the first text made the tip, 29 joined it

    # Other senders are not affected.
    assert text(client, DRUGS_EN, "+16175550143") is not None
    assert "dropped over the per-sender limit" in caplog.text
    assert "6175550142" not in caplog.text


def test_a_text_is_kept_when_the_rate_limit_store_is_down(build_app, caplog) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens once the socket is closed
    app = build_app(
        ratelimit_enabled=True, ratelimit_storage_uri=f"redis://127.0.0.1:{closed_port}/0"
    )
    caplog.set_level("INFO")

    reply = text(app.test_client(), DRUGS_EN, "+16175550144")

    assert reply is not None and "received" in reply
    assert counts(app)["tip"] == 1
    assert "rate-limit store unavailable" in caplog.text
    assert "6175550144" not in caplog.text


def test_the_sms_acknowledgements_are_in_the_thread_like_dm_ones(sms_app, sms_client, keyring):
    first = text(sms_client, DRUGS_EN)
    second = text(sms_client, "The seller wears a red cap.")

    with sms_app.app_context():
        thread = [
            (m.direction, m.body.read(keyring), m.delivery_status)
            for m in db.session.scalars(select(Message).order_by(Message.created_at, Message.id))
        ]
    # The detective reads what the tipster was told, as on Messenger, Instagram and WhatsApp.
    assert ("outbound", first, "sent") in thread and ("outbound", second, "sent") in thread
