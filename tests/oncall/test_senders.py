"""Each person's route delivers a content-free notice: SMS through Twilio (the stand-in), email
through the relay (a loopback SMTP stub), a webhook; an acknowledged alert sends nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import OutboxMessage
from intake.oncall import service
from intake.outbound.worker import drain_once
from tests.channels.conftest import TwilioStub, twilio_providers
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

EMERGENCY = "He has a gun and says he will shoot everyone at Alder Park tonight."
WORK_PHONE = "+16175550177"


def test_sms_and_email_routes_deliver_a_notice_without_content(
    own_app, keyring, twilio_stub: TwilioStub, smtp_server
):
    host, port = smtp_server.server_address
    providers = {**twilio_providers(twilio_stub), "NOTIFY_SMTP_URL": f"smtp://{host}:{port}"}
    app = own_app(providers=providers)
    with app.app_context():
        session = db.session
        det = make_user(session, keyring, "det", "detective", ("N1",))
        det2 = make_user(session, keyring, "det2", "detective", ("N1",))
        service.set_notify_route(session, keyring, det.user, "sms", WORK_PHONE)
        service.set_notify_route(session, keyring, det2.user, "email", "det2@pd.example.org")
        service.set_tier(session, "N1", 1, ["det", "det2"], actor=None)
        session.commit()
        created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
        drain_once(session, keyring)
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "oncall")).all()
        assert sorted((r.channel, r.status) for r in rows) == [
            ("oncall_email", "sent"),
            ("oncall_sms", "sent"),
        ]
        [texted] = [r for r in rows if r.channel == "oncall_sms"]
        # The SID finds the message and the officer's number at Twilio: a keyed digest only.
        assert texted.provider_message_id and not texted.provider_message_id.startswith("SM")
        db.session.remove()

    [sms] = [m for m in twilio_stub.sent_messages if m.get("To") == WORK_PHONE]
    assert created.tip_number in sms["Body"] and "gun" not in sms["Body"]
    assert "/staff/tips/" in sms["Body"] and "Do not reply" in sms["Body"]
    [(to, message)] = smtp_server.messages
    assert to == ["det2@pd.example.org"]
    assert created.tip_number in message and "gun" not in message and "Alder" not in message


def test_a_notice_queued_before_the_acknowledgement_is_not_sent(own_app, keyring, twilio_stub):
    app = own_app(providers=twilio_providers(twilio_stub))
    with app.app_context():
        session = db.session
        det = make_user(session, keyring, "det", "detective", ("N1",))
        service.set_notify_route(session, keyring, det.user, "sms", WORK_PHONE)
        service.set_tier(session, "N1", 1, ["det"], actor=None)
        session.commit()
        created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
        service.acknowledge(session, det.user, created.tip_number)
        session.commit()
        drain_once(session, keyring)
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "oncall"))
        assert row.status == "sent" and row.provider_message_id is None
        db.session.remove()
    assert [m for m in twilio_stub.sent_messages if m.get("To") == WORK_PHONE] == []
