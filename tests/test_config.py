"""Configuration: production refuses to start without its secrets."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

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
            "SECRET_KEY": secrets.token_urlsafe(48),
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
    "SECRET_KEY": secrets.token_urlsafe(48),
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


def _production_env(**extra: str) -> dict[str, str]:
    return {
        "INTAKE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "INTAKE_KEYRING": json.dumps(generate_keyring_document()),
        "PUBLIC_BASE_URL": "https://tips.example.org/",
        "NOTIFY_WEBHOOK_URL": "https://pager.example.org/intake",
        **extra,
    }


def test_production_refuses_memory_counters_with_several_workers() -> None:
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI=memory://") as raised:
        load_settings(_production_env(WEB_CONCURRENCY="4"))
    assert "4 workers" in str(raised.value) and "redis://" in str(raised.value)
    # One worker, shared counters, or limits off: nothing to refuse.
    assert load_settings(_production_env(WEB_CONCURRENCY="1")).web_concurrency == 1
    load_settings(_production_env(WEB_CONCURRENCY="4", RATELIMIT_STORAGE_URI="redis://r:6379/0"))
    load_settings(_production_env(WEB_CONCURRENCY="4", RATELIMIT_ENABLED="false"))


def test_the_worker_count_gunicorn_will_start_is_checked_too() -> None:
    settings = load_settings(_production_env())  # WEB_CONCURRENCY unset: gunicorn's own count
    with pytest.raises(ConfigError, match="2 workers"):
        check_rate_limit_storage(settings, 2)
    check_rate_limit_storage(settings, 1)
    development = load_settings({"INTAKE_ENV": "testing", "SECRET_KEY": "x" * 40})
    check_rate_limit_storage(development, 8)  # development and tests run with memory://


def _production(tmp_path: Path, **env: str) -> dict[str, str]:
    base = {
        "INTAKE_ENV": "production",
        "INTAKE_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "INTAKE_KEYRING": json.dumps(generate_keyring_document()),
        "PUBLIC_BASE_URL": "https://tips.example.org",
        "NOTIFY_WEBHOOK_URL": "https://pager.example.org/intake",
    }
    return {**base, **env}


def _refusal(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    return str(raised.value)


@pytest.mark.parametrize(
    "key",
    ["s" * 40, "abcabcabcabcabcabcabcabcabcabcabcabc", "my-production-secret-key-is-this-one!!"],
)
def test_production_refuses_a_low_entropy_secret_key(key: str, tmp_path) -> None:
    assert "SECRET_KEY" in _refusal(_production(tmp_path, SECRET_KEY=key))


def test_production_refuses_insecure_session_cookies(tmp_path) -> None:
    message = _refusal(_production(tmp_path, SESSION_COOKIE_SECURE="false"))
    assert "SESSION_COOKIE_SECURE" in message


def test_production_refuses_a_keyring_file_others_can_read(tmp_path) -> None:
    keyring = tmp_path / "keyring.json"
    keyring.write_text(json.dumps(generate_keyring_document()))
    for mode in (0o644, 0o640):
        keyring.chmod(mode)
        environ = _production(tmp_path, INTAKE_KEYRING="", INTAKE_KEYRING_FILE=str(keyring))
        assert "INTAKE_KEYRING_FILE" in _refusal(environ) and "chmod 600" in _refusal(environ)
    keyring.chmod(0o600)
    assert load_settings(environ).keyring_file == str(keyring)


def test_production_refuses_the_development_keyring(tmp_path) -> None:
    from intake.crypto import load_keyring

    instance = tmp_path / "instance"
    load_keyring(keyring_json=None, keyring_file=None, dev_path=instance / "keyring.json")
    dev_file = instance / "keyring.json"
    assert stat.S_IMODE(dev_file.stat().st_mode) == 0o600
    by_path = _production(tmp_path, INTAKE_KEYRING="", INTAKE_KEYRING_FILE=str(dev_file))
    assert "development" in _refusal(by_path)
    copied = tmp_path / "copied.json"
    copied.write_text(dev_file.read_text())
    copied.chmod(0o600)
    by_mark = _production(tmp_path, INTAKE_KEYRING="", INTAKE_KEYRING_FILE=str(copied))
    assert "development" in _refusal(by_mark)
    assert "development" in _refusal(_production(tmp_path, INTAKE_KEYRING=dev_file.read_text()))


def test_keys_generate_out_writes_an_owner_only_file(app, tmp_path) -> None:
    target = tmp_path / "etc" / "keyring.json"
    result = app.test_cli_runner().invoke(args=["intake", "keys", "generate", "--out", target])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "development" not in json.loads(target.read_text())
    again = app.test_cli_runner().invoke(args=["intake", "keys", "generate", "--out", target])
    assert again.exit_code != 0


def test_the_sqlite_database_file_is_owner_only(make_app, tmp_path) -> None:
    database = tmp_path / "intake.db"
    make_app(database_url=f"sqlite:///{database}")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_provider_settings_are_typed_views_of_the_variables(tmp_path) -> None:
    settings = load_settings(
        {
            "INTAKE_INSTANCE_PATH": str(tmp_path),
            "TWILIO_ACCOUNT_SID": " AC123 ",
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_MESSAGING_SERVICE_SID": "MG1",
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9/",
            "META_APP_SECRET": "s3cret",
            "META_WHATSAPP_TEMPLATE_ES": "invitacion:es_MX",
            "X_USER_ID": "42",
            "NOTIFY_SMTP_URL": "smtp://127.0.0.1:25",
        }
    )
    assert settings.twilio.account_sid == "AC123"  # stripped
    assert settings.twilio.can_send  # a messaging service is a sender too
    assert settings.twilio.api_url("https://api.twilio.com/2010-04-01/x") == (
        "http://127.0.0.1:9/2010-04-01/x"
    )
    assert settings.meta.app_secret == "s3cret"
    assert settings.meta.graph_base_url == "https://graph.facebook.com"  # the default
    assert settings.meta.whatsapp_template_es == "invitacion:es_MX"
    assert settings.x.user_id == "42" and settings.x.api_base_url == "https://api.x.com"
    assert settings.notify.smtp_url == "smtp://127.0.0.1:25" and settings.notify.webhook_url == ""
    # Overrides (tests) of the raw variables give the typed views too; nothing is shared.
    other = load_settings(
        {"INTAKE_INSTANCE_PATH": str(tmp_path)},
        overrides={"providers": {"X_API_BASE_URL": "http://127.0.0.1:8/"}},
    )
    assert other.x.api_base_url == "http://127.0.0.1:8" and other.twilio.account_sid == ""
    assert not other.twilio.can_send
