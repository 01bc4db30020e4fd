"""After a whole SMS conversation, the tipster's number and words are nowhere in clear."""

from __future__ import annotations

import logging

from sqlalchemy import select

from intake.extensions import db
from intake.models import Message, Tip
from intake.outbound.service import enqueue_reply
from intake.outbound.worker import drain_once
from tests.channels.conftest import SMS_PATH, STATUS_PATH, post_signed, reply_of, sms_form
from tests.factories import jpeg_with_gps
from tests.privacy_scan import find_in_database, find_in_sqlite_files, find_in_text

PHONES = ["+16175550123", "+13055550177"]
NARRATIVES = [
    "Darnell Quintero keeps the stolen rifles in the shed behind 14 Hollis Court",
    "Mi vecina Rosalba esconde la pistola de su hermano en el congelador",
]
FOLLOWUP = "He drives a maroon Buick Enclave with a dented tailgate"
QUESTION = "Does Quintero live there or only visit on weekends?"


def needles() -> list[str]:
    """Every identity and text submitted, in the forms they could leak in."""
    forms = []
    for phone in PHONES:
        digits = phone.removeprefix("+1")
        forms += [phone, digits, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", phone.lstrip("+")]
    return [*forms, *NARRATIVES, FOLLOWUP, QUESTION, "PhoneModel"]


def test_no_phone_number_or_text_is_stored_or_logged_in_clear(
    sms_app, sms_client, keyring, twilio_stub, caplog, database_url
) -> None:
    caplog.set_level(logging.DEBUG)
    photo = twilio_stub.media_url("0101", jpeg_with_gps())
    for phone, narrative in zip(PHONES, NARRATIVES, strict=True):
        assert reply_of(post_signed(sms_client, SMS_PATH, sms_form(narrative, phone))) is not None
    form = sms_form(FOLLOWUP, PHONES[0], media=((photo, "image/jpeg"),))
    assert reply_of(post_signed(sms_client, SMS_PATH, form)) is not None

    with sms_app.app_context():
        tip = db.session.scalars(select(Tip).order_by(Tip.created_at)).first()
        assert tip is not None
        tip_number = tip.tip_number
        message = Message(tip=tip, direction="outbound", channel="sms")
        message.body.seal(keyring, QUESTION)
        db.session.add(message)
        db.session.flush()
        enqueue_reply(db.session, tip, message)
        db.session.commit()
        drain_once(db.session, keyring)
        sid = twilio_stub.created[-1]
    assert [form["To"] for form in twilio_stub.sent_messages] == [PHONES[0]]
    status = {"MessageSid": sid, "MessageStatus": "delivered", "To": PHONES[0]}
    assert post_signed(sms_client, STATUS_PATH, status).status_code == 204
    assert reply_of(post_signed(sms_client, SMS_PATH, sms_form("STOP", PHONES[1]))) is None
    # A forged post carrying a number is refused and leaves no trace either.
    assert sms_client.post(SMS_PATH, data=sms_form("forged", "+12125550100")).status_code == 403

    with sms_app.app_context():
        session = db.session()
        # The scan does see stored plaintext: the tip number is kept in clear and is found.
        assert find_in_database(session, [tip_number])
        session.rollback()  # the scan reflects on a second connection: release the first
        assert find_in_database(session, [*needles(), "+12125550100"]) == []
    assert find_in_sqlite_files(database_url, needles()) == []
    assert find_in_text(caplog.text, [*needles(), "+12125550100", "2125550100"]) == []
    assert "sms tip" in caplog.text  # the channel did log, by tip number only
