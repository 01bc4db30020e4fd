"""`flask intake users ...`, `flask intake demo load` users, and `flask intake audit verify`."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from intake.models import ApiToken, AuditEvent, User
from tests.staff.factories import N1_POINT, make_tip

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_users_create_prints_the_token_last_and_it_works(app, client, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["intake", "users", "create", "dana", "--role", "detective", "--queue", "N1"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    token = lines[-1]
    assert token.startswith("itk_")
    assert any(line.startswith("TOTP URI: otpauth://totp/") for line in lines)
    assert any(line.startswith("Initial password: ") for line in lines)
    response = client.get("/api/v1/staff/queues", headers={"Authorization": f"Bearer {token}"})
    assert [q["code"] for q in response.get_json()["items"]] == ["N1"]
    assert session.scalar(select(ApiToken.token_digest)) != token


def test_users_create_an_oversight_user_who_sees_the_oversight_queue_alone(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["intake", "users", "create", "ia", "--role", "oversight"])
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    response = client.get("/api/v1/staff/queues", headers=headers)
    assert [q["code"] for q in response.get_json()["items"]] == ["oversight"]


def test_users_list_queues_disable_and_revoke(app, client, session):
    runner = app.test_cli_runner()
    token = (
        runner.invoke(args=["intake", "users", "create", "dana", "--role", "detective"])
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


def test_reset_password_and_totp(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["intake", "users", "create", "dana", "--role", "supervisor"])
    before = session.scalar(select(User).where(User.username == "dana"))
    old_hash, old_secret = before.password_hash, before.totp_secret_ct
    session.expire_all()
    assert (
        "New password for dana: "
        in runner.invoke(args=["intake", "users", "reset-password", "dana"]).output
    )
    assert (
        "TOTP URI: otpauth://"
        in runner.invoke(args=["intake", "users", "reset-totp", "dana"]).output
    )
    after = session.scalar(select(User).where(User.username == "dana"))
    assert after.password_hash != old_hash and after.totp_secret_ct != old_secret
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
