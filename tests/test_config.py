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
        }
    )
    assert settings.is_production
    assert settings.public_base_url == "https://tips.example.org"
    assert settings.database_url == "postgresql+psycopg://u@db/intake"
    assert settings.session_cookie_secure is True


def test_development_defaults_to_sqlite_under_instance(tmp_path) -> None:
    settings = load_settings({"INTAKE_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'intake.db'}"
    assert len(settings.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATELIMIT_ENABLED", "maybe"),
        ("TRUSTED_PROXY_COUNT", "two"),
        ("INTAKE_ENV", "staging"),
        ("OUTBOX_LEASE_SECONDS", "fifteen"),
        ("OUTBOX_LEASE_SECONDS", "1"),
    ],
)
def test_malformed_settings_are_refused(name: str, value: str, tmp_path) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value, "INTAKE_INSTANCE_PATH": str(tmp_path)})
