"""Configuration: production refuses to start without its secrets."""

from __future__ import annotations

import json

import pytest

from intake.config import ConfigError, load_settings
from intake.crypto import generate_keyring_document


def test_production_without_secrets_refuses_to_start_and_names_what_is_missing() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"INTAKE_ENV": "production"})
    message = str(raised.value)
    assert "SECRET_KEY" in message
    assert "INTAKE_KEYRING" in message
    assert "PUBLIC_BASE_URL" in message


def test_production_with_secrets_starts() -> None:
    settings = load_settings(
        {
            "INTAKE_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "INTAKE_KEYRING": json.dumps(generate_keyring_document()),
            "PUBLIC_BASE_URL": "https://tips.example.org/",
            "DATABASE_URL": "postgres://u@db/intake",
            "NOTIFY_WEBHOOK_URL": "https://pager.example.org/intake",
        }
    )
    assert settings.is_production
    assert settings.public_base_url == "https://tips.example.org"
    assert settings.database_url == "postgresql+psycopg://u@db/intake"
    assert settings.session_cookie_secure is True


PRODUCTION_SECRETS = {
    "INTAKE_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "PUBLIC_BASE_URL": "https://tips.example.org/",
}


def test_production_without_any_notification_route_refuses_and_names_the_variables() -> None:
    environ = {**PRODUCTION_SECRETS, "INTAKE_KEYRING": json.dumps(generate_keyring_document())}
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    message = str(raised.value)
    for name in ("NOTIFY_WEBHOOK_URL", "NOTIFY_SMTP_URL", "TWILIO_ACCOUNT_SID", "TWILIO_FROM"):
        assert name in message
    # Twilio without a sender is no route either.
    with pytest.raises(ConfigError, match="notification route"):
        load_settings({**environ, "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"})


@pytest.mark.parametrize(
    "route",
    [
        {"NOTIFY_SMTP_URL": "smtp://mail.example.org:25"},
        {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+15550100"},
        {
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_MESSAGING_SERVICE_SID": "MG1",
        },
    ],
)
def test_production_starts_with_any_one_notification_route(route: dict[str, str]) -> None:
    keyring = json.dumps(generate_keyring_document())
    settings = load_settings({**PRODUCTION_SECRETS, "INTAKE_KEYRING": keyring, **route})
    assert settings.is_production


def test_urgent_ack_seconds_is_read_and_must_be_positive(tmp_path) -> None:
    base = {"INTAKE_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(base).urgent_ack_seconds == 300
    assert load_settings({**base, "URGENT_ACK_SECONDS": "5"}).urgent_ack_seconds == 5
    with pytest.raises(ConfigError, match="URGENT_ACK_SECONDS"):
        load_settings({**base, "URGENT_ACK_SECONDS": "0"})


def test_development_defaults_to_sqlite_under_instance(tmp_path) -> None:
    settings = load_settings({"INTAKE_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'intake.db'}"
    assert len(settings.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("RATELIMIT_ENABLED", "maybe"), ("TRUSTED_PROXY_COUNT", "two"), ("INTAKE_ENV", "staging")],
)
def test_malformed_settings_are_refused(name: str, value: str, tmp_path) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value, "INTAKE_INSTANCE_PATH": str(tmp_path)})
