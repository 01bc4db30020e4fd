"""A reveal needs a fresh TOTP code (never one already used), is limited per user per hour,
tells the other supervisors who revealed which tip, and shows in the audit log's reveals view."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from sqlalchemy import select, update

from intake.identity.service import Contact
from intake.models import AuditEvent, LoginFailure, OutboxMessage, User
from intake.staff import service as staff_service
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHONE = "+16175550123"
REASON = "Court order 2024-17"


def _tip(session, keyring) -> str:
    return make_tip(
        session, keyring, N1_POINT, channel="web", contact=Contact(phone=PHONE, name="Ana Witness")
    ).tip_number


def _reveal(client, created, number: str, code: str | None):
    body = {"reason": REASON} if code is None else {"reason": REASON, "totp": code}
    return client.post(f"/api/v1/staff/tips/{number}/reveal", json=body, headers=bearer(created))


def wrong_code(created) -> str:
    """Six digits that no accepted time step of this user's authenticator gives now."""
    totp = pyotp.TOTP(created.totp_secret)
    now = time.time()
    accepted = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(
        c
        for c in ("000000", "111111", "222222", "333333", "444444", "555555", "666666")
        if c not in accepted
    )


def _next_step(session, created) -> None:
    """Time moves on to a new TOTP step (the test cannot wait 30 s)."""
    session.execute(update(User).where(User.id == created.user.id).values(last_totp_step=None))
    session.commit()


def _actions(session) -> list[str]:
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    session.commit()
    return actions


def test_a_bearer_token_alone_reveals_nothing(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _tip(session, keyring)
    missing = _reveal(client, sup, number, None)
    assert missing.status_code == 400 and "totp" in missing.json["error"]["fields"]
    empty = _reveal(client, sup, number, "")
    assert empty.status_code == 400 and "totp" in empty.json["error"]["fields"]
    wrong = _reveal(client, sup, number, wrong_code(sup))
    assert wrong.status_code == 403
    assert wrong.json["error"]["code"] == "second_factor_required"
    assert PHONE not in wrong.get_data(as_text=True)
    # The refusal is audited and the failed code counts towards the lock-out (not rolled back).
    assert _actions(session)[-1] == "identity.reveal_refused"
    failures = session.scalars(select(LoginFailure).where(LoginFailure.user_id == sup.user.id))
    assert [row.failure_count for row in failures] == [1]
    session.commit()
    assert _reveal(client, sup, number, totp_now(sup)).status_code == 200


def test_a_code_already_used_cannot_reveal(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _tip(session, keyring)
    code = totp_now(sup)
    # The code that finished the login (or a first reveal) is spent: replaying it fails.
    staff_service.check_totp(session, keyring, session.get(User, sup.user.id), code)
    session.commit()
    assert _reveal(client, sup, number, code).status_code == 403
    _next_step(session, sup)
    assert _reveal(client, sup, number, totp_now(sup)).status_code == 200
    assert _reveal(client, sup, number, totp_now(sup)).status_code == 403


def test_a_locked_account_cannot_reveal(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _tip(session, keyring)
    for _ in range(staff_service.MAX_FAILED_LOGINS):
        assert _reveal(client, sup, number, wrong_code(sup)).status_code == 403
    assert staff_service.locked_clients(session, session.get(User, sup.user.id)) == 1
    session.commit()
    assert _reveal(client, sup, number, totp_now(sup)).status_code == 403


def test_reveals_are_limited_per_user_per_hour(own_app, session, keyring):
    app = own_app(reveal_limit=2)
    client = app.test_client()
    sup = make_user(session, keyring, "sup", "supervisor")
    other = make_user(session, keyring, "sup2", "supervisor")
    numbers = [_tip(session, keyring) for _ in range(3)]
    for number in numbers[:2]:
        _next_step(session, sup)
        assert _reveal(client, sup, number, totp_now(sup)).status_code == 200
    _next_step(session, sup)
    limited = _reveal(client, sup, numbers[2], totp_now(sup))
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"
    assert PHONE not in limited.get_data(as_text=True)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "identity.reveal_refused")
    ).all()
    assert [e.details for e in events] == [{"why": "limit"}]
    session.commit()
    # The limit is the user's: a colleague may still reveal.
    assert _reveal(client, other, numbers[2], totp_now(other)).status_code == 200


def test_a_reveal_notifies_the_other_supervisors_without_the_identity(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _tip(session, keyring)
    assert _reveal(client, sup, number, totp_now(sup)).status_code == 200
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notification")).all()
    notices = [r.payload for r in rows if r.payload.get("event") == "identity.revealed"]
    assert notices and all(
        p["tip_number"] == number
        and p["by"] == "sup"
        and p["exclude_user_id"] == sup.user.id
        and p["audience"] == "supervisor"
        for p in notices
    )
    stored = json.dumps(notices)
    assert PHONE not in stored and "Ana" not in stored and REASON not in stored


def test_the_reveals_view_of_the_audit_log(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _tip(session, keyring)
    _reveal(client, sup, number, wrong_code(sup))
    assert _reveal(client, sup, number, totp_now(sup)).status_code == 200
    client.get(f"/api/v1/staff/tips/{number}", headers=bearer(sup))
    items = client.get("/api/v1/staff/audit?view=reveals", headers=bearer(sup)).json["items"]
    assert [(i["action"], i["actor"], i["tip_number"]) for i in items] == [
        ("identity.revealed", "sup", number),
        ("identity.reveal_refused", "sup", number),
    ]
    assert items[0]["details"]["reason"] == REASON
    bad = client.get("/api/v1/staff/audit?view=everything", headers=bearer(sup))
    assert bad.status_code == 400


def test_the_reveal_form_asks_for_a_fresh_code(own_app, session, keyring):
    web = own_app()
    web.config["WTF_CSRF_ENABLED"] = False  # CSRF is tested on the forms themselves
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _tip(session, keyring)
    client = _signed_in(web, session, sup)
    page = client.get(f"/staff/tips/{number}").get_data(as_text=True)
    assert 'name="totp"' in page and 'autocomplete="one-time-code"' in page
    refused = client.post(
        f"/staff/tips/{number}/reveal", data={"reason": REASON}, follow_redirects=True
    ).get_data(as_text=True)
    assert "6-digit code" in refused and PHONE not in refused
    wrong = client.post(
        f"/staff/tips/{number}/reveal",
        data={"reason": REASON, "totp": wrong_code(sup)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "a code works once" in wrong and PHONE not in wrong
    shown = client.post(
        f"/staff/tips/{number}/reveal", data={"reason": REASON, "totp": totp_now(sup)}
    ).get_data(as_text=True)
    assert PHONE in shown
    audit = client.get("/staff/audit/?view=reveals&views=1").get_data(as_text=True)
    rows = audit.split("<tbody>")[1]
    assert "Tipster&#39;s contact revealed" in rows and "Reveal refused" in rows
    assert "Tip opened" not in rows
