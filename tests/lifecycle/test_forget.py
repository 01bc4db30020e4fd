"""A tipster's "forget my contact details": on /check (asking first, no JavaScript) and by
texting FORGET or OLVIDAR. The tip stays; the identity goes for good; both are audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.identity.service import Contact
from intake.models import AuditEvent, Reporter, Tip
from tests.channels.conftest import post_signed, reply_of, sms_form
from tests.lifecycle.helpers import NAME, NARRATIVE, PHONE, tip_by_number
from tests.privacy_scan import find_in_database
from tests.staff.factories import bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if match is None:
        match = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _status(client, number: str, receipt: str):
    token = _token(client.get("/check").get_data(as_text=True))
    return client.post(
        "/check", data={"csrf_token": token, "tip_number": number, "receipt": receipt}
    )


def test_forget_on_the_status_page_asks_then_deletes_the_contact(client, session, keyring):
    created = make_tip(
        session,
        keyring,
        channel="web",
        narrative=NARRATIVE,
        contact=Contact(phone=PHONE, name=NAME),
    )
    reporter_id = tip_by_number(session, created.tip_number).reporter_id
    session.commit()
    page = _status(client, created.tip_number, created.receipt)
    html = page.get_data(as_text=True)
    assert 'id="forget"' in html
    form = {
        "csrf_token": _token(html),
        "tip_number": created.tip_number,
        "receipt": created.receipt,
    }

    asked = client.post("/check/forget", data=form)
    assert asked.status_code == 200 and 'id="confirm-forget"' in asked.get_data(as_text=True)
    assert asked.headers["Cache-Control"] == "no-store"
    assert session.get(Reporter, reporter_id).wrapped_key is not None  # nothing yet
    session.commit()

    done = client.post("/check/forget", data={**form, "confirm": "yes"})
    assert done.status_code == 200 and 'id="forget-outcome"' in done.get_data(as_text=True)
    session.expire_all()
    reporter = session.get(Reporter, reporter_id)
    assert reporter.wrapped_key is None and reporter.address_ct is None
    tip = tip_by_number(session, created.tip_number)
    assert tip.reporter_id is None and tip.narrative.read(keyring) == NARRATIVE
    actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip.id)))
    assert "lifecycle.forget_requested" in actions and "lifecycle.identity_shredded" in actions
    assert find_in_database(session, [PHONE, NAME]) == []
    session.commit()
    # The status page still opens, without the button: nothing left to forget.
    again = _status(client, created.tip_number, created.receipt).get_data(as_text=True)
    assert 'id="forget"' not in again


def test_forget_needs_the_receipt(client, session, keyring):
    created = make_tip(session, keyring, channel="web", contact=Contact(phone=PHONE))
    token = _token(client.get("/check").get_data(as_text=True))
    wrong = client.post(
        "/check/forget",
        data={
            "csrf_token": token,
            "tip_number": created.tip_number,
            "receipt": "AAAA-BBBB-CCCC-DDDD",
            "confirm": "yes",
        },
    )
    assert wrong.status_code == 404
    assert tip_by_number(session, created.tip_number).reporter_id is not None


def test_a_held_tip_defers_the_request_until_released(client, session, keyring):
    from intake.lifecycle import service
    from intake.lifecycle.rules import Policy
    from intake.models import utcnow

    sup = make_user(session, keyring, "sup", "supervisor")
    created = make_tip(session, keyring, channel="web", contact=Contact(phone=PHONE))
    held = client.patch(
        f"/api/v1/staff/tips/{created.tip_number}",
        json={"legal_hold": True, "reason": "Grand jury subpoena"},
        headers=bearer(sup),
    )
    assert held.status_code == 200
    tip = tip_by_number(session, created.tip_number)
    assert service.forget_contact(session, tip, via="web") == service.FORGET_LATER
    session.commit()
    assert tip_by_number(session, created.tip_number).reporter_id is not None
    client.patch(
        f"/api/v1/staff/tips/{created.tip_number}",
        json={"legal_hold": False, "reason": "Subpoena withdrawn"},
        headers=bearer(sup),
    )
    service.run_retention(session, Policy(), utcnow())
    assert tip_by_number(session, created.tip_number).reporter_id is None


@pytest.mark.parametrize(
    ("word", "expected"), [("FORGET", "deleted from the tip line"), ("Olvidar.", "se borró")]
)
def test_texting_forget_deletes_the_number(sms_app, sms_client, word, expected) -> None:
    first = reply_of(
        post_signed(
            sms_client,
            "/webhooks/twilio/sms",
            sms_form("Someone deals from the blue house on Pine Street.", sender=PHONE),
        )
    )
    assert first and "received" in first
    answer = reply_of(post_signed(sms_client, "/webhooks/twilio/sms", sms_form(word, sender=PHONE)))
    assert answer is not None and expected in answer
    with sms_app.app_context():
        tip = db.session.scalar(select(Tip))
        assert tip.reporter_id is None and tip.narrative.read(sms_app.extensions["intake"].keyring)
        reporter = db.session.scalar(select(Reporter))
        assert reporter.wrapped_key is None and reporter.address_index is None
        events = db.session.execute(select(AuditEvent.action, AuditEvent.details)).all()
        assert ("lifecycle.forget_requested", {"via": "sms"}) in [tuple(e) for e in events]
        assert find_in_database(db.session, [PHONE, PHONE[2:]]) == []
        db.session.remove()
    # A later text is a new conversation: nothing threads it to the forgotten tips.
    again = reply_of(
        post_signed(
            sms_client,
            "/webhooks/twilio/sms",
            sms_form("Another thing: cars broken into on Oak Street.", sender=PHONE),
        )
    )
    assert again and "received" in again


def test_the_privacy_page_states_the_retention_policy(make_app):
    web = make_app(retention_identity_days=14, retention_unclosed_days=90)
    client = web.test_client()
    english = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "deleted for good 14 days after your tip is closed" in english
    assert "365 days" in english and "90 days" in english and "FORGET" in english
    spanish = client.get("/privacy?lang=es").get_data(as_text=True)
    assert "14 días después de que se cierra su denuncia" in spanish and "OLVIDAR" in spanish


def test_a_held_request_does_not_block_the_next_ones(client, session, keyring):
    from intake.lifecycle import service
    from intake.lifecycle.rules import Policy
    from intake.models import ForgetRequest, LegalHold, utcnow

    held = make_tip(session, keyring, channel="web", contact=Contact(phone=PHONE))
    free = make_tip(session, keyring, channel="web", contact=Contact(phone="+16175550199"))
    held_tip, free_tip = (tip_by_number(session, t.tip_number) for t in (held, free))
    session.add(LegalHold(tip_id=held_tip.id))
    for tip in (held_tip, free_tip):  # the held one is the older request
        session.add(ForgetRequest(reporter_id=tip.reporter_id, requested_at=tip.created_at))
    session.commit()
    service.run_retention(session, Policy(), utcnow(), batch_size=1)
    assert tip_by_number(session, free.tip_number).reporter_id is None
    assert tip_by_number(session, held.tip_number).reporter_id is not None
