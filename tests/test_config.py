"""Configuration: production refuses to start without its secrets."""

from __future__ import annotations

import json

import pytest

from intake.config import ConfigError, check_rate_limit_storage, load_settings
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


def _production(**extra: str) -> dict[str, str]:
    return {
        "INTAKE_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "INTAKE_KEYRING": json.dumps(generate_keyring_document()),
        "PUBLIC_BASE_URL": "https://tips.example.org/",
        **extra,
    }


def test_production_refuses_memory_counters_with_several_workers() -> None:
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI=memory://") as raised:
        load_settings(_production(WEB_CONCURRENCY="4"))
    assert "4 workers" in str(raised.value) and "redis://" in str(raised.value)
    # One worker, shared counters, or limits off: nothing to refuse.
    assert load_settings(_production(WEB_CONCURRENCY="1")).web_concurrency == 1
    load_settings(_production(WEB_CONCURRENCY="4", RATELIMIT_STORAGE_URI="redis://r:6379/0"))
    load_settings(_production(WEB_CONCURRENCY="4", RATELIMIT_ENABLED="false"))


def test_the_worker_count_gunicorn_will_start_is_checked_too() -> None:
    settings = load_settings(_production())  # WEB_CONCURRENCY unset: gunicorn's own count
    with pytest.raises(ConfigError, match="2 workers"):
        check_rate_limit_storage(settings, 2)
    check_rate_limit_storage(settings, 1)
    development = load_settings({"INTAKE_ENV": "testing", "SECRET_KEY": "x" * 40})
    check_rate_limit_storage(development, 8)  # development and tests run with memory://
