"""Configuration: read once from the environment into a frozen object.

Every setting the service reads is listed here and in the README. In production a missing secret
stops start-up with a clear message instead of running insecurely.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false")


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number") from None


@dataclass(frozen=True)
class Settings:
    """Every setting of the service; built by :func:`load_settings`."""

    env: str = "development"
    instance_path: str = ""
    secret_key: str = ""
    database_url: str = ""
    keyring_json: str | None = None
    keyring_file: str | None = None
    ratelimit_enabled: bool = True
    ratelimit_storage_uri: str = "memory://"
    public_base_url: str = "http://127.0.0.1:5000"
    trusted_proxy_count: int = 0
    max_upload_bytes: int = 10 * 1024 * 1024
    max_json_bytes: int = 64 * 1024
    max_webhook_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    conversation_window_hours: int = 24
    default_region: str = "US"
    timezone: str = "America/New_York"
    reference_cache_seconds: float = 5.0
    session_cookie_secure: bool = False
    site_name: str = "Intake"
    site_logo_url: str = ""
    non_emergency_phone: str = ""
    department_url: str = ""
    quick_exit_url: str = "https://www.google.com/"
    # Identity reveals one user may make per hour (each also needs a fresh TOTP code).
    reveal_limit: int = 5
    # Public statistics show no count below this (docs/stats.md).
    stats_min_count: int = 10
    providers: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        """True when the service must refuse insecure defaults."""
        return self.env == "production"


# Provider settings are plain strings consumed by the channel packages; listed here so the README
# and the production check have one source.
PROVIDER_SETTINGS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "META_PAGE_ACCESS_TOKEN",
    "META_GRAPH_BASE_URL",
    "META_GRAPH_API_VERSION",
    "META_WHATSAPP_PHONE_NUMBER_ID",
    "META_WHATSAPP_ACCESS_TOKEN",
    "X_CONSUMER_SECRET",
    "X_BEARER_TOKEN",
    "X_USER_ID",
    "X_API_BASE_URL",
    "NOTIFY_WEBHOOK_URL",
    "NOTIFY_SMTP_URL",
    "NOTIFY_EMAIL_FROM",
    "NOTIFY_EMAIL_TO",
)


def _local_path(value: str, name: str) -> str:
    """A path on this site (``/static/logo.png``): public pages load nothing from elsewhere."""
    if value and (not value.startswith("/") or value.startswith("//") or "\\" in value):
        raise ConfigError(f"{name} must be a path on this site, such as /static/logo.png")
    return value


def _web_address(value: str, name: str) -> str:
    """An http(s) address for a link (never loaded by the page itself)."""
    if value and not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name} must start with https://")
    return value


def _default_instance_path() -> str:
    return str(Path(__file__).resolve().parent.parent / "instance")


def _dev_secret_key(instance_path: str) -> str:
    """A per-checkout secret kept under instance/, so sessions survive restarts in development."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read settings from the environment; ``overrides`` (tests) win over it."""
    env_vars = os.environ if environ is None else environ
    env = env_vars.get("INTAKE_ENV", "development").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"INTAKE_ENV must be one of {', '.join(ENVIRONMENTS)}")
    instance_path = env_vars.get("INTAKE_INSTANCE_PATH") or _default_instance_path()
    database_url = env_vars.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'intake.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    settings = Settings(
        env=env,
        instance_path=instance_path,
        secret_key=env_vars.get("SECRET_KEY", ""),
        database_url=database_url,
        keyring_json=env_vars.get("INTAKE_KEYRING") or None,
        keyring_file=env_vars.get("INTAKE_KEYRING_FILE") or None,
        ratelimit_enabled=_bool(env_vars.get("RATELIMIT_ENABLED", "true"), "RATELIMIT_ENABLED"),
        ratelimit_storage_uri=env_vars.get("RATELIMIT_STORAGE_URI", "memory://"),
        public_base_url=env_vars.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        trusted_proxy_count=_int(env_vars.get("TRUSTED_PROXY_COUNT", "0"), "TRUSTED_PROXY_COUNT"),
        max_upload_bytes=_int(
            env_vars.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)), "MAX_UPLOAD_BYTES"
        ),
        max_json_bytes=_int(env_vars.get("MAX_JSON_BYTES", str(64 * 1024)), "MAX_JSON_BYTES"),
        max_webhook_bytes=_int(
            env_vars.get("MAX_WEBHOOK_BYTES", str(1024 * 1024)), "MAX_WEBHOOK_BYTES"
        ),
        log_level=env_vars.get("LOG_LEVEL", "INFO").upper(),
        conversation_window_hours=_int(
            env_vars.get("CONVERSATION_WINDOW_HOURS", "24"), "CONVERSATION_WINDOW_HOURS"
        ),
        default_region=env_vars.get("DEFAULT_REGION", "US").upper(),
        timezone=env_vars.get("TIMEZONE", "America/New_York"),
        reference_cache_seconds=_int(
            env_vars.get("REFERENCE_CACHE_SECONDS", "0" if env == "testing" else "5"),
            "REFERENCE_CACHE_SECONDS",
        ),
        session_cookie_secure=_bool(
            env_vars.get("SESSION_COOKIE_SECURE", "true" if env == "production" else "false"),
            "SESSION_COOKIE_SECURE",
        ),
        site_name=env_vars.get("SITE_NAME", "").strip() or "Intake",
        site_logo_url=_local_path(env_vars.get("SITE_LOGO_URL", "").strip(), "SITE_LOGO_URL"),
        non_emergency_phone=env_vars.get("NON_EMERGENCY_PHONE", "").strip(),
        department_url=_web_address(env_vars.get("DEPARTMENT_URL", "").strip(), "DEPARTMENT_URL"),
        quick_exit_url=_web_address(
            env_vars.get("QUICK_EXIT_URL", "").strip() or "https://www.google.com/",
            "QUICK_EXIT_URL",
        ),
        reveal_limit=_int(env_vars.get("REVEAL_LIMIT", "5"), "REVEAL_LIMIT"),
        stats_min_count=_int(env_vars.get("STATS_MIN_COUNT", "10"), "STATS_MIN_COUNT"),
        providers={name: env_vars[name] for name in PROVIDER_SETTINGS if env_vars.get(name)},
    )
    if overrides:
        known = {f.name for f in fields(Settings)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        settings = replace(settings, **overrides)
    return _complete(settings)


def _complete(settings: Settings) -> Settings:
    """Fill development defaults, or refuse to start production without its secrets."""
    if settings.stats_min_count < 3:
        # Counts of one or two point at a person; docs/stats.md explains the threshold.
        raise ConfigError("STATS_MIN_COUNT must be at least 3")
    if settings.is_production:
        missing = []
        if len(settings.secret_key) < 32:
            missing.append("SECRET_KEY (at least 32 characters)")
        if not (settings.keyring_json or settings.keyring_file):
            missing.append("INTAKE_KEYRING or INTAKE_KEYRING_FILE")
        if not settings.public_base_url.startswith("https://"):
            missing.append("PUBLIC_BASE_URL (an https:// address)")
        if missing:
            raise ConfigError(
                "refusing to start in production without: "
                + "; ".join(missing)
                + ". See README.md, 'Configuration'."
            )
        return settings
    if not settings.secret_key:
        settings = replace(settings, secret_key=_dev_secret_key(settings.instance_path))
    return settings
