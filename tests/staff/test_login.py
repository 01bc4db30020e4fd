"""Web login: password then TOTP, server-side sessions, cookie flags, CSRF, lock-out."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from intake.models import LoginFailure, StaffSession, User
from intake.staff import service as staff_service
from intake.staff.access import SESSION_COOKIE
from tests.staff.factories import make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the form has a CSRF token"
    return match.group(1)


def _login(client, username: str, password: str):
    token = _csrf(client, "/staff/login")
    return client.post(
        "/staff/login", data={"username": username, "password": password, "csrf_token": token}
    )


def _code(client, code: str):
    token = _csrf(client, "/staff/login/code")
    return client.post("/staff/login/code", data={"code": code, "csrf_token": token})


def _session_cookie(client):
    return client.get_cookie(SESSION_COOKIE, path="/staff")


def test_password_then_code_opens_the_staff_pages(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    assert client.get("/staff/").status_code == 302  # to the login page

    first = _login(client, "det", created.password)
    assert first.status_code == 302 and first.headers["Location"].startswith("/staff/login/code")
    assert client.get("/staff/").status_code == 302  # password alone is not enough
    cookie_header = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=Strict" in cookie_header
    pending = _session_cookie(client).value

    second = _code(client, totp_now(created))
    assert second.status_code == 302
    assert _session_cookie(client).value != pending  # a new session id after the second factor
    home = client.get("/staff/")
    assert home.status_code == 200 and "My queues" in home.get_data(as_text=True)
    rows = session.scalars(select(StaffSession)).all()
    assert len(rows) == 1 and rows[0].is_second_factor_done
    assert _session_cookie(client).value not in rows[0].id_digest  # stored as a digest only


def test_wrong_code_and_wrong_password_are_refused_with_one_message(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    wrong = _login(client, "det", "not the password")
    assert wrong.status_code == 401
    unknown = _login(client, "nobody", "not the password")
    assert unknown.status_code == 401
    message = "The username or password is not right"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert wrong.get_data(as_text=True) == unknown.get_data(as_text=True).replace(
        "nobody", "det"
    )  # the same page, whatever the account: no enumeration

    _login(client, "det", created.password)
    bad = _code(client, "000000" if totp_now(created) != "000000" else "111111")
    assert bad.status_code == 401 and "That code is not right" in bad.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_repeated_failures_lock_out_that_client_only(own_app, session, keyring, caplog):
    web = own_app()
    created = make_user(session, keyring, "det", "detective", ("N1",))
    attacker, owner = _from(web, "203.0.113.9"), _from(web, "198.51.100.20")
    for _ in range(5):
        assert _login(attacker, "det", "wrong password!").status_code == 401
    assert _login(attacker, "det", created.password).status_code == 401  # right password, locked
    # The owner, at another address, logs in as usual while the attacker is locked out.
    assert _login(owner, "det", created.password).status_code == 302
    assert _code(owner, totp_now(created)).status_code == 302
    assert owner.get("/staff/").status_code == 200
    rows = session.scalars(select(LoginFailure)).all()
    assert len(rows) == 1 and rows[0].failure_count == 5 and rows[0].locked_until is not None
    assert "203.0.113.9" not in rows[0].client_digest
    assert f"user {created.user.id} locked out for one client for 60 s" in caplog.text
    assert "203.0.113.9" not in caplog.text and rows[0].client_digest not in caplog.text


def test_lock_outs_grow_and_are_capped(session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    delays = []
    for _ in range(20):
        session.execute(update(LoginFailure).values(locked_until=None))  # waited it out
        with pytest.raises(staff_service.AuthenticationError):
            staff_service.check_password(session, "det", "wrong password!", client="c1")
        row = session.get(LoginFailure, (created.user.id, "c1"))
        delays.append(row.locked_until - row.last_failed_at if row.locked_until else None)
        session.commit()
    assert delays[:4] == [None] * 4
    assert delays[4:8] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == staff_service.MAX_LOCKOUT
    with pytest.raises(staff_service.AccountLockedError):
        staff_service.check_password(session, "det", created.password, client="c1")
    assert staff_service.check_password(session, "det", created.password, client="c2")


def test_failed_codes_count_towards_the_lock_out(own_app, session, keyring):
    web = own_app()
    created = make_user(session, keyring, "det", "detective", ("N1",))
    client = _from(web, "203.0.113.9")
    wrong = "000000" if totp_now(created) != "000000" else "111111"
    for _ in range(5):
        assert _login(client, "det", created.password).status_code == 302
        assert _code(client, wrong).status_code == 401
    assert _login(client, "det", created.password).status_code == 401  # locked now
    # The CLI runs in the test's app context, so in its database session: end its reads.
    result = web.test_cli_runner().invoke(args=["intake", "users", "list"])
    session.rollback()
    assert "locked=1" in result.output
    unlocked = web.test_cli_runner().invoke(args=["intake", "users", "unlock", "det"])
    assert unlocked.exit_code == 0 and "1 client(s)" in unlocked.output
    assert "locked=0" in web.test_cli_runner().invoke(args=["intake", "users", "list"]).output
    session.rollback()
    assert _login(client, "det", created.password).status_code == 302
    assert _code(client, totp_now(created)).status_code == 302


def test_the_admin_account_page_lists_lock_outs(own_app, session, keyring):
    web = own_app()
    locked = make_user(session, keyring, "det", "detective", ("N1",))
    admin = make_user(session, keyring, "adm", "admin")
    for _ in range(5):
        with pytest.raises(staff_service.AuthenticationError):
            staff_service.check_password(session, "det", "wrong password!", client="c1")
        session.commit()
    client = web.test_client()
    _login_with_code(client, admin)
    html = client.get("/staff/account/").get_data(as_text=True)
    lockouts = html.split('id="lockouts"', 1)[1].split("</ul>", 1)[0]
    assert f"{locked.user.username}: 1 client(s) locked out" in lockouts


def test_login_form_needs_its_csrf_token(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    response = client.post("/staff/login", data={"username": "det", "password": created.password})
    assert response.status_code == 400
    assert _session_cookie(client) is None


def test_logout_ends_the_server_side_session(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    _login(client, "det", created.password)
    _code(client, totp_now(created))
    assert client.get("/staff/").status_code == 200
    token = _csrf(client, "/staff/")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert session.scalars(select(StaffSession)).all() == []
    assert client.get("/staff/").status_code == 302


def test_secure_cookie_in_production_settings(own_app, session, keyring):
    app = own_app(session_cookie_secure=True)
    created = make_user(session, keyring, "det", "detective", ("N1",))
    client = app.test_client()
    response = _login(client, "det", created.password)
    assert "Secure" in response.headers["Set-Cookie"]


def test_totp_secret_is_sealed(session, keyring):
    created = make_user(session, keyring, "det", "detective")
    user = session.scalar(select(User).where(User.username == "det"))
    assert created.totp_secret.encode() not in user.totp_secret_ct
    assert pyotp.TOTP(created.totp_secret).now() == totp_now(created)
    assert user.password_hash.startswith("$argon2id$")


def test_api_token_does_not_open_pages_and_cookie_does_not_open_the_api(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    headers = {"Authorization": f"Bearer {created.api_token}"}
    assert client.get("/staff/", headers=headers).status_code == 302
    _login(client, "det", created.password)
    _code(client, totp_now(created))
    assert client.get("/api/v1/staff/queues").status_code == 401


def test_a_code_is_accepted_once_even_within_its_window(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    code = totp_now(created)
    _login(client, "det", created.password)
    assert _code(client, code).status_code == 302
    token = _csrf(client, "/staff/")
    client.post("/staff/logout", data={"csrf_token": token})

    # Someone who saw the code (or the same person) replays it at once: refused.
    _login(client, "det", created.password)
    replay = _code(client, code)
    assert replay.status_code == 401
    assert "That code was just used. Wait for" in replay.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    assert session.scalar(select(LoginFailure.failure_count)) == 1


def test_a_code_older_than_the_last_accepted_one_is_refused(session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    user = created.user
    totp = pyotp.TOTP(created.totp_secret)
    step = totp.timecode(time.time())
    # The next step's code is accepted (clock drift window); the current one is then too old.
    staff_service.check_totp(session, keyring, user, totp.generate_otp(step + 1))
    session.commit()
    with pytest.raises(staff_service.AuthenticationError):
        staff_service.check_totp(session, keyring, user, totp.generate_otp(step))
    session.commit()
    assert session.scalar(select(User.last_totp_step).where(User.id == user.id)) == step + 1


def test_the_database_decides_a_replay_not_a_stale_copy_of_the_user(session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    user = created.user
    code = totp_now(created)
    staff_service.check_totp(session, keyring, user, code)
    session.commit()
    # A concurrent request that loaded the user before this login still sees no step.
    set_committed_value(user, "last_totp_step", None)
    with pytest.raises(staff_service.AuthenticationError):
        staff_service.check_totp(session, keyring, user, code)


def test_matching_step_looks_one_step_either_side_only():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    at = 1_800_000_000.0
    step = totp.timecode(at)
    for offset in (-1, 0, 1):
        assert staff_service.matching_totp_step(secret, totp.generate_otp(step + offset), at) == (
            step + offset
        )
    for offset in (-3, 3):
        code = totp.generate_otp(step + offset)
        if all(code != totp.generate_otp(step + near) for near in (-1, 0, 1)):
            assert staff_service.matching_totp_step(secret, code, at) is None


def _login_with_code(client, created, next_path: str = ""):
    token = _csrf(client, "/staff/login" + (f"?next={next_path}" if next_path else ""))
    first = client.post(
        "/staff/login",
        data={
            "username": created.user.username,
            "password": created.password,
            "csrf_token": token,
            "next": next_path,
        },
    )
    assert first.status_code == 302
    token = _csrf(client, "/staff/login/code")
    return client.post(
        "/staff/login/code",
        data={"code": totp_now(created), "csrf_token": token, "next": next_path},
    )


def test_an_admin_lands_on_the_account_page_with_the_cli_note(client, session, keyring):
    created = make_user(session, keyring, "adm", "admin")
    landed = _login_with_code(client, created)
    assert landed.status_code == 302 and landed.headers["Location"] == "/staff/account/"
    page = client.get("/staff/account/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<dd id="role">admin</dd>' in html and "adm" in html
    assert "Administration is done with the <code>flask intake</code>" in html
    assert "flask intake users create" in html
    # Admins may not read the audit log or work queues: no link to pages that would refuse them.
    assert "/staff/audit/" not in html and 'href="/staff/"' not in html
    assert client.get("/staff/audit/").status_code == 403


def test_after_login_a_role_is_never_sent_to_a_page_it_may_not_open(own_app, session, keyring):
    # Another app: no app context of the test is shared with its requests, so each client
    # keeps its own CSRF token.
    web = own_app()
    for username, role, next_path, expected in (
        ("adm", "admin", "/staff/", "/staff/account/"),
        ("soc", "social_media", "/staff/queues/N1", "/staff/forward/"),
        ("det", "detective", "/staff/queues/N1?status=open", "/staff/queues/N1?status=open"),
        ("det2", "detective", "/staff/audit/", "/staff/"),
    ):
        created = make_user(
            session, keyring, username, role, ("N1",) if role == "detective" else ()
        )
        client = web.test_client()
        landed = _login_with_code(client, created, next_path=next_path)
        assert landed.headers["Location"] == expected, role
        assert client.get(expected).status_code == 200, role


def test_the_account_page_links_only_the_pages_of_the_role(own_app, session, keyring):
    web = own_app()
    for username, role, expected, absent in (
        ("det", "detective", ["/staff/"], ["/staff/audit/", "/staff/forward/"]),
        ("sup", "supervisor", ["/staff/", "/staff/forward/", "/staff/audit/"], []),
        ("soc", "social_media", ["/staff/forward/"], ["/staff/", "/staff/audit/"]),
    ):
        created = make_user(
            session, keyring, username, role, ("N1",) if role == "detective" else ()
        )
        client = web.test_client()
        _login_with_code(client, created)
        html = client.get("/staff/account/").get_data(as_text=True)
        pages = html.split('<ul id="pages">', 1)[1].split("</ul>", 1)[0]
        assert [href for href in expected if f'href="{href}"' in pages] == expected, role
        assert [href for href in absent if f'href="{href}"' in pages] == [], role
        assert "Administration is done" not in html


def test_a_code_in_other_digits_is_refused_not_a_crash(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    arabic = totp_now(created).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(staff_service.AuthenticationError):
        staff_service.check_totp(session, keyring, created.user, arabic)
    session.rollback()
    assert staff_service.matching_totp_step(created.totp_secret, "１２３４５６") is None
    _login(client, "det", created.password)
    assert _code(client, arabic).status_code in (400, 401)
    assert client.get("/staff/").status_code == 302


def test_the_code_step_says_how_long_a_lock_out_lasts(client, session, keyring):
    created = make_user(session, keyring, "det", "detective", ("N1",))
    _login(client, "det", created.password)
    wrong = "000000" if totp_now(created) != "000000" else "111111"
    answers = [_code(client, wrong).get_data(as_text=True) for _ in range(5)]
    assert all("That code is not right" in a for a in answers[:4])
    assert "Too many wrong codes from this device. Try again in 1 minute." in answers[4]
    # Locked: even the right code is refused, and the page says for how long.
    locked = _code(client, totp_now(created)).get_data(as_text=True)
    assert "Try again in 1 minute." in locked
    assert client.get("/staff/").status_code == 302

    # The password step never says "locked" (it would confirm the account and the password).
    again = _login(client, "det", created.password)
    assert again.status_code == 401
    text = again.get_data(as_text=True)
    assert "The username or password is not right" in text and "Try again in" not in text
