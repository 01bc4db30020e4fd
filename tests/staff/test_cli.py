"""`flask intake users ...`, `flask intake demo load` users, and `flask intake audit verify`."""

from __future__ import annotations

import re
import stat
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import delete, select, update

from intake.models import ApiToken, AuditEvent, Enrolment, User
from intake.staff import service as staff_service
from tests.staff.factories import N1_POINT, make_tip

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _enrol(client, url: str, password: str) -> str:
    """Open an enrolment link, set ``password`` and confirm TOTP; returns the TOTP secret."""
    path = url.removeprefix("https://tips.example.test")
    html = client.get(path).get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        path,
        data={
            "password": password,
            "confirm": password,
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 302 and done.headers["Location"] == "/staff/login"
    return secret


def test_users_create_prints_an_enrolment_link_and_no_secret(app, client, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["intake", "users", "create", "dana", "--role", "detective", "--queue", "N1"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    url = lines[-1]
    assert url.startswith("https://tips.example.test/staff/enrol/")
    assert "password" not in result.output.lower().replace("set their password", "")
    assert "TOTP" not in result.output and "itk_" not in result.output
    user = session.scalar(select(User).where(User.username == "dana"))
    assert user.password_hash is None
    assert url.rsplit("/", 1)[1] not in session.scalar(select(Enrolment.token_digest))
    assert "\tenrolling\t" in runner.invoke(args=["intake", "users", "list"]).output
    secret = _enrol(client, url, "correct horse battery staple")
    assert client.get(url.removeprefix("https://tips.example.test")).status_code == 404  # once
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "dana"))
    assert user.password_hash.startswith("$argon2id$")
    assert staff_service.totp_secret(app.extensions["intake"].keyring, user) == secret


def test_users_create_with_token_prints_a_scoped_token_last(app, client, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            *("intake", "users", "create", "dana", "--role", "detective", "--queue", "N1"),
            *("--token", "--scope", "read", "--days", "30"),
        ]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("itk_") and "scope read" in result.output
    response = client.get("/api/v1/staff/queues", headers={"Authorization": f"Bearer {token}"})
    assert [q["code"] for q in response.get_json()["items"]] == ["N1"]
    row = session.scalar(select(ApiToken))
    assert row.token_digest != token and row.scope == "read"
    assert timedelta(days=29) < row.expires_at - row.created_at <= timedelta(days=30)


def test_users_token_prints_the_token_last(app, client, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["intake", "users", "create", "dana", "--role", "supervisor"])
    result = runner.invoke(args=["intake", "users", "token", "dana", "--scope", "reveal"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("itk_")
    assert session.scalar(select(ApiToken.scope)) == "reveal"
    assert runner.invoke(args=["intake", "users", "token", "dana", "--days", "0"]).exit_code != 0
    assert runner.invoke(args=["intake", "users", "token", "dana", "--scope", "x"]).exit_code != 0
    assert runner.invoke(args=["intake", "users", "token", "nobody"]).exit_code != 0


def test_users_create_an_oversight_user_who_sees_the_oversight_queue_alone(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["intake", "users", "create", "ia", "--role", "oversight", "--token"]
    )
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    response = client.get("/api/v1/staff/queues", headers=headers)
    assert [q["code"] for q in response.get_json()["items"]] == ["oversight"]


def test_users_list_queues_disable_and_revoke(app, client, session):
    runner = app.test_cli_runner()
    token = (
        runner.invoke(args=["intake", "users", "create", "dana", "--role", "detective", "--token"])
        .output.strip()
        .splitlines()[-1]
    )
    assert runner.invoke(args=["intake", "users", "add-queue", "dana", "H2"]).exit_code == 0
    assert "queues=H2" in runner.invoke(args=["intake", "users", "list"]).output
    assert runner.invoke(args=["intake", "users", "add-queue", "dana", "nope"]).exit_code != 0
    assert runner.invoke(args=["intake", "users", "remove-queue", "dana", "H2"]).exit_code == 0
    assert "queues=-" in runner.invoke(args=["intake", "users", "list"]).output

    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/staff/queues", headers=headers).status_code == 200
    result = runner.invoke(args=["intake", "users", "revoke-tokens", "dana", "--new"])
    assert "Revoked 1 token(s)" in result.output
    assert client.get("/api/v1/staff/queues", headers=headers).status_code == 401
    new_headers = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    assert client.get("/api/v1/staff/queues", headers=new_headers).status_code == 200
    assert runner.invoke(args=["intake", "users", "disable", "dana"]).exit_code == 0
    assert client.get("/api/v1/staff/queues", headers=new_headers).status_code == 401
    assert "disabled" in runner.invoke(args=["intake", "users", "list"]).output


def test_reset_issues_a_new_enrolment_link_and_the_old_factors_stop(app, client, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["intake", "users", "create", "dana", "--role", "supervisor"])
    first_url = first.output.strip().splitlines()[-1]
    old_secret = _enrol(client, first_url, "correct horse battery staple")
    before = session.scalar(select(User).where(User.username == "dana"))
    old_hash = before.password_hash
    session.expire_all()
    result = runner.invoke(args=["intake", "users", "reset", "dana"])
    assert result.exit_code == 0 and "password" not in result.output.split("\n")[-2]
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("https://tips.example.test/staff/enrol/") and url != first_url
    after = session.scalar(select(User).where(User.username == "dana"))
    assert after.password_hash is None and old_hash is not None
    assert staff_service.totp_secret(app.extensions["intake"].keyring, after) != old_secret
    new_secret = _enrol(client, url, "another long pass phrase")
    assert new_secret != old_secret
    assert runner.invoke(args=["intake", "users", "reset", "nobody"]).exit_code != 0
    assert runner.invoke(args=["intake", "users", "disable", "nobody"]).exit_code != 0


def test_demo_load_creates_one_user_per_role_and_prints_the_credentials(
    app, client, session, instance_path
):
    runner = app.test_cli_runner()
    path = Path(instance_path) / "demo-credentials.txt"
    path.unlink(missing_ok=True)
    first = runner.invoke(args=["intake", "demo", "load"])
    assert first.exit_code == 0, first.output
    roles = dict(session.execute(select(User.username, User.role)).all())
    assert sorted(roles.values()) == [
        "admin",
        "detective",
        "detective",
        "oversight",
        "social_media",
        "supervisor",
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "detective-n1 (detective, queues N1)" in first.output and "TOTP secret:" in first.output
    second = runner.invoke(args=["intake", "demo", "load"])
    assert second.exit_code == 0 and text in second.output  # printed again, nothing new
    assert session.scalar(select(User.id).where(User.username == "detective-h2")) is not None
    token = next(line.split()[-1] for line in text.splitlines() if "API token" in line)
    assert (
        client.get("/api/v1/staff/queues", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    path.unlink()


def _events(session, keyring, count: int = 3) -> None:
    for _ in range(count):
        make_tip(session, keyring, N1_POINT)


def test_audit_verify_passes_on_an_intact_chain(app, session, keyring):
    _events(session, keyring)
    result = app.test_cli_runner().invoke(args=["intake", "audit", "verify"])
    assert result.exit_code == 0 and "verified" in result.output


def test_audit_verify_names_a_tampered_event(app, session, keyring):
    _events(session, keyring)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(details={"queue": "H2"}))
    session.commit()
    result = app.test_cli_runner().invoke(args=["intake", "audit", "verify"])
    assert result.exit_code != 0
    assert "event 2" in result.output and "altered" in result.output


def test_audit_verify_names_a_deleted_event(app, session, keyring):
    _events(session, keyring)
    session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    session.commit()
    result = app.test_cli_runner().invoke(args=["intake", "audit", "verify"])
    assert result.exit_code != 0
    assert "event 2" in result.output and "missing" in result.output
