"""Enrolment links and the account page: the user, and only the user, sets both factors."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from intake.models import Enrolment, LoginFailure, StaffSession, User, utcnow
from intake.staff import service as staff_service
from intake.staff.access import SESSION_COOKIE
from tests.staff.factories import make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

PASSWORD = "correct horse battery staple"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _new_account(session, keyring, username: str = "dana") -> tuple[User, str]:
    user = staff_service.create_account(session, keyring, username, "detective", queues=("N1",))
    token = staff_service.issue_enrolment(session, keyring, user)
    session.commit()
    return user, f"/staff/enrol/{token}"


def _submit(client, path: str, password: str, confirm: str | None = None, code: str = ""):
    html = client.get(path).get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    return secret, client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "code": code or pyotp.TOTP(secret).now(),
            "csrf_token": _csrf(html),
        },
    )


def _log_in(client, username: str, password: str, secret: str, *, next_step: bool = False):
    html = client.get("/staff/login").get_data(as_text=True)
    first = client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": _csrf(html)},
    )
    if first.status_code != 302:
        return first
    html = client.get("/staff/login/code").get_data(as_text=True)
    totp = pyotp.TOTP(secret)
    # A code is good once: right after enrolling with this step's code, the next step's.
    code = totp.generate_otp(totp.timecode(utcnow()) + 1) if next_step else totp.now()
    return client.post("/staff/login/code", data={"code": code, "csrf_token": _csrf(html)})


def test_an_enrolment_link_sets_both_factors_once(client, session, keyring):
    _, path = _new_account(session, keyring)
    assert _log_in(client, "dana", "", "A" * 32).status_code in (400, 401)  # no password yet
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert path.rsplit("/", 1)[1] not in session.scalar(select(Enrolment.token_digest))

    for weak in ("short", "dana-dana-dana-dana", "aaaaaaaaaaaaaaaa"):
        _, refused = _submit(client, path, weak)
        assert refused.status_code == 400, weak
    _, differ = _submit(client, path, PASSWORD, confirm=PASSWORD + "!")
    assert differ.status_code == 400
    _, wrong_code = _submit(client, path, PASSWORD, code="000000")
    assert wrong_code.status_code in (200, 400)
    secret, done = _submit(client, path, PASSWORD)
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # used up
    assert _log_in(client, "dana", PASSWORD, secret, next_step=True).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_an_enrolment_link_expires_after_a_day_and_with_a_newer_one(client, session, keyring):
    user, first = _new_account(session, keyring)
    second = "/staff/enrol/" + staff_service.issue_enrolment(session, keyring, user)
    session.commit()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    session.execute(update(Enrolment).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    expired = client.get(second)
    assert expired.status_code == 404 and 'id="expired"' in expired.get_data(as_text=True)
    assert client.get("/staff/enrol/not-a-token").status_code == 404


def _signed_in(client, created):
    response = _log_in(client, created.user.username, created.password, created.totp_secret)
    assert response.status_code == 302


def _post_account(client, path: str, data: dict[str, str]):
    html = client.get("/staff/account/" if path.endswith("password") else path)
    data = {**data, "csrf_token": _csrf(html.get_data(as_text=True))}
    return client.post(path, data=data)


def test_changing_the_password_needs_both_current_factors(own_app, session, keyring):
    web = own_app()
    created = make_user(session, keyring, "det", "detective", ("N1",))
    here, elsewhere = web.test_client(), web.test_client()
    _signed_in(here, created)
    pending = staff_service.start_session(session, created.user)
    session.flush()
    other = staff_service.complete_second_factor(
        session, staff_service.find_session(session, pending)
    )
    session.commit()
    elsewhere.set_cookie(SESSION_COOKIE, other, path="/staff")
    assert elsewhere.get("/staff/").status_code == 200
    new = "a brand new pass phrase"
    totp = pyotp.TOTP(created.totp_secret)
    next_code = totp.generate_otp(totp.timecode(utcnow()) + 1)  # the login used this step's
    wrong = _post_account(
        here,
        "/staff/account/password",
        {"current_password": "not it at all", "code": next_code, "new_password": new}
        | {"confirm": new},
    )
    assert wrong.status_code == 401
    assert session.scalar(select(LoginFailure.failure_count)) == 1  # counts towards lock-out
    session.rollback()  # SQLite: the test's read must not hold the write lock
    changed = _post_account(
        here,
        "/staff/account/password",
        {"current_password": created.password, "code": next_code}
        | {"new_password": new, "confirm": new},
    )
    assert changed.status_code == 302
    assert here.get("/staff/").status_code == 200  # this session stays
    assert elsewhere.get("/staff/").status_code == 302  # the other one ended
    assert len(session.scalars(select(StaffSession)).all()) == 1
    user = session.scalar(select(User).where(User.username == "det"))
    session.refresh(user)
    assert staff_service._verify_password(user.password_hash, new)


def test_moving_the_second_factor_needs_a_code_of_the_new_entry(own_app, session, keyring):
    web = own_app()
    created = make_user(session, keyring, "det", "detective", ("N1",))
    client = web.test_client()
    _signed_in(client, created)
    html = client.get("/staff/account/totp").get_data(as_text=True)
    new_secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    totp = pyotp.TOTP(created.totp_secret)
    next_code = totp.generate_otp(totp.timecode(utcnow()) + 1)  # the login used this step's
    data = {
        "current_password": created.password,
        "code": next_code,
        "new_secret": new_secret,
        "new_code": "000000" if pyotp.TOTP(new_secret).now() != "000000" else "111111",
        "csrf_token": _csrf(html),
    }
    assert client.post("/staff/account/totp", data=data).status_code == 400
    user = session.scalar(select(User).where(User.username == "det"))
    session.refresh(user)
    assert staff_service.totp_secret(keyring, user) == created.totp_secret
    session.rollback()  # SQLite: the test's read must not hold the write lock
    html = client.get("/staff/account/totp").get_data(as_text=True)
    new_secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    step = totp.timecode(utcnow()) + 1
    data |= {
        "code": totp.generate_otp(step),
        "new_secret": new_secret,
        "new_code": pyotp.TOTP(new_secret).now(),
        "csrf_token": _csrf(html),
    }
    # The first attempt's code (same step) was refused before use; the step is still free.
    response = client.post("/staff/account/totp", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(user)
    assert staff_service.totp_secret(keyring, user) == new_secret
