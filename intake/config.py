"""Configuration: read once from the environment into a frozen object.

Every setting the service reads is listed here and in the README. In production a missing secret
stops start-up with a clear message instead of running insecurely.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from intake.crypto import is_development_keyring

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


TWILIO_API = "https://api.twilio.com"


class _ProviderSettings:
    """A provider's settings: field ``name`` is read from ``PREFIX_NAME``, or from the variable
    ``VARIABLES`` names for it."""

    PREFIX: ClassVar[str] = ""
    VARIABLES: ClassVar[dict[str, str]] = {}

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name -> environment variable, in field order."""
        return {
            spec.name: cls.VARIABLES.get(spec.name, f"{cls.PREFIX}_{spec.name.upper()}")
            for spec in fields(cls)  # type: ignore[arg-type]
        }


def _from_providers(cls: type[_S], providers: Mapping[str, str]) -> _S:
    """A provider's settings from its variables, stripped; an empty one keeps the field's
    default; URLs lose a trailing slash."""
    values = {}
    for name, variable in cls.variables().items():
        value = (providers.get(variable) or "").strip()
        if value:
            values[name] = value.rstrip("/") if name.endswith("_url") else value
    return cls(**values)


_S = TypeVar("_S", bound=_ProviderSettings)


@dataclass(frozen=True)
class TwilioSettings(_ProviderSettings):
    """SMS and WhatsApp through Twilio (``TWILIO_*``)."""

    PREFIX: ClassVar[str] = "TWILIO"
    VARIABLES: ClassVar[dict[str, str]] = {"from_number": "TWILIO_FROM"}
    account_sid: str = ""
    auth_token: str = ""
    from_number: str = ""
    messaging_service_sid: str = ""
    api_base_url: str = ""  # "" for the real Twilio API
    whatsapp_from: str = ""  # the WhatsApp sender when a tipster's own is not known
    # Approved WhatsApp templates (Content SIDs, HX...) inviting a tipster to write back.
    whatsapp_template_en: str = ""
    whatsapp_template_es: str = ""

    @property
    def can_send(self) -> bool:
        """True when replies can be sent: credentials and a sender (number or service)."""
        has_sender = bool(self.from_number or self.messaging_service_sid)
        return bool(self.account_sid and self.auth_token and has_sender)

    def api_url(self, url: str) -> str:
        """``url`` with https://api.twilio.com replaced by the stand-in base URL, if one is set."""
        if self.api_base_url and url.startswith(TWILIO_API):
            return self.api_base_url + url[len(TWILIO_API) :]
        return url


@dataclass(frozen=True)
class MetaSettings(_ProviderSettings):
    """Messenger, Instagram and the WhatsApp Cloud API (``META_*``)."""

    PREFIX: ClassVar[str] = "META"
    app_secret: str = ""
    verify_token: str = ""
    page_access_token: str = ""
    graph_base_url: str = "https://graph.facebook.com"  # or a stand-in for tests and staging
    graph_api_version: str = "v23.0"
    whatsapp_phone_number_id: str = ""
    whatsapp_access_token: str = ""
    whatsapp_template_en: str = ""  # approved template names inviting a tipster to write
    whatsapp_template_es: str = ""


@dataclass(frozen=True)
class XSettings(_ProviderSettings):
    """X direct messages (``X_*``)."""

    PREFIX: ClassVar[str] = "X"
    consumer_secret: str = ""
    bearer_token: str = ""
    user_id: str = ""
    api_base_url: str = "https://api.x.com"  # or a stand-in for tests and staging


@dataclass(frozen=True)
class NotifySettings(_ProviderSettings):
    """Where staff notices go (``NOTIFY_*``): a webhook and a mail relay."""

    PREFIX: ClassVar[str] = "NOTIFY"
    webhook_url: str = ""
    smtp_url: str = ""
    email_from: str = ""
    email_to: str = ""


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
    outbox_lease_seconds: int = 15
    session_cookie_secure: bool = False
    site_name: str = "Intake"
    site_logo_url: str = ""
    non_emergency_phone: str = ""
    department_url: str = ""
    quick_exit_url: str = "https://www.google.com/"
    # Identity reveals one user may make per hour (each also needs a fresh TOTP code).
    reveal_limit: int = 5
    # The data lifecycle (docs/operations.md): days after closing until a tip's contact
    # identities, then its content, are crypto-shredded; tips nobody closed (0: kept); and how
    # long backups are kept, which decides when a drained key-encryption key may be destroyed.
    retention_identity_days: int = 30
    retention_tip_days: int = 365
    retention_unclosed_days: int = 0
    backup_retention_days: int = 35
    web_concurrency: int | None = None
    # Seconds an urgent tip may wait for a person to acknowledge it before the next tier is told.
    urgent_ack_seconds: int = 300
    # Public statistics show no count below this (docs/stats.md).
    stats_min_count: int = 10
    # The provider variables as read (PROVIDER_SETTINGS); code reads the typed views below.
    providers: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def twilio(self) -> TwilioSettings:
        return _from_providers(TwilioSettings, self.providers)

    @cached_property
    def meta(self) -> MetaSettings:
        return _from_providers(MetaSettings, self.providers)

    @cached_property
    def x(self) -> XSettings:
        return _from_providers(XSettings, self.providers)

    @cached_property
    def notify(self) -> NotifySettings:
        return _from_providers(NotifySettings, self.providers)

    @property
    def is_production(self) -> bool:
        """True when the service must refuse insecure defaults."""
        return self.env == "production"


# Every provider variable, from the typed provider settings above: one list for the README and
# for reading the environment.
PROVIDER_SETTINGS = tuple(
    variable
    for provider in (TwilioSettings, MetaSettings, XSettings, NotifySettings)
    for variable in provider.variables().values()
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
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created owner-only: never readable by others, not even between write and chmod.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


# Placeholders people paste from examples and tests; a key containing one is not a secret.
# (Six letters or more, matched as written: a random key contains one about once in a billion.)
_PLACEHOLDER_WORDS = ("changeme", "change-me", "secret", "example", "password", "insecure")
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10


def _secret_key_problem(key: str) -> str | None:
    """Why a production SECRET_KEY is too weak to sign sessions, or None."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY (at least {MIN_SECRET_KEY_LENGTH} characters)"
    # A long key of few symbols ("aaaa...", "abcabc...") or a readable phrase is guessable:
    # ask for what a generator gives (the message names one).
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT or any(w in key for w in _PLACEHOLDER_WORDS):
        return (
            "SECRET_KEY (a random value, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'; this one is a placeholder or has too few "
            "different characters)"
        )
    return None


def _keyring_problems(settings: Settings) -> list[str]:
    """What is wrong with the production keyring: readable by others, or the development one."""
    problems = []
    text = settings.keyring_json
    if settings.keyring_file and not settings.keyring_json:
        path = Path(settings.keyring_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text()
        except OSError as exc:
            return [f"INTAKE_KEYRING_FILE (cannot read it: {exc.strerror})"]
        if mode & 0o077:
            problems.append(
                "INTAKE_KEYRING_FILE readable by its owner only "
                f"(it is mode {mode & 0o777:03o}: chmod 600 it)"
            )
        if path.resolve() == (Path(settings.instance_path) / "keyring.json").resolve():
            problems.append("a production keyring (this is the development keyring's file)")
    if text and is_development_keyring(text):
        problems.append("a production keyring (this one was generated for development)")
    return problems


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
        outbox_lease_seconds=_int(
            env_vars.get("OUTBOX_LEASE_SECONDS", "15"), "OUTBOX_LEASE_SECONDS"
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
        retention_identity_days=_int(
            env_vars.get("RETENTION_IDENTITY_DAYS", "30"), "RETENTION_IDENTITY_DAYS"
        ),
        retention_tip_days=_int(env_vars.get("RETENTION_TIP_DAYS", "365"), "RETENTION_TIP_DAYS"),
        retention_unclosed_days=_int(
            env_vars.get("RETENTION_UNCLOSED_DAYS", "0"), "RETENTION_UNCLOSED_DAYS"
        ),
        backup_retention_days=_int(
            env_vars.get("BACKUP_RETENTION_DAYS", "35"), "BACKUP_RETENTION_DAYS"
        ),
        web_concurrency=(
            _int(env_vars["WEB_CONCURRENCY"], "WEB_CONCURRENCY")
            if env_vars.get("WEB_CONCURRENCY")
            else None
        ),
        urgent_ack_seconds=_int(env_vars.get("URGENT_ACK_SECONDS", "300"), "URGENT_ACK_SECONDS"),
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


# Ways an urgent-tip notice can leave the building. Start-up checks the settings only (not the
# on-call roster in the database): with none of these, a per-person route could not be used either.
NOTIFY_ROUTE_SETTINGS = (
    "NOTIFY_WEBHOOK_URL",
    "NOTIFY_SMTP_URL",
    "TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN + TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID)",
)


def has_notification_route(settings: Settings) -> bool:
    """True when some notification can be sent: a webhook, a mail relay, or Twilio SMS."""
    notify = settings.notify
    return bool(notify.webhook_url or notify.smtp_url or settings.twilio.can_send)


def _complete(settings: Settings) -> Settings:
    """Fill development defaults, or refuse to start production without its secrets."""
    if (
        min(settings.retention_identity_days, settings.retention_tip_days) < 1
        or min(settings.retention_unclosed_days, settings.backup_retention_days) < 0
    ):
        raise ConfigError(
            "RETENTION_IDENTITY_DAYS and RETENTION_TIP_DAYS must be at least 1, "
            "RETENTION_UNCLOSED_DAYS and BACKUP_RETENTION_DAYS at least 0"
        )
    if settings.retention_tip_days < settings.retention_identity_days:
        # Content outliving identity is the point: a tombstone with a revealable contact is not.
        raise ConfigError("RETENTION_TIP_DAYS must not be shorter than RETENTION_IDENTITY_DAYS")
    if settings.outbox_lease_seconds < 3:
        # The lease is renewed every third of it: shorter, a busy worker would lose its rows.
        raise ConfigError("OUTBOX_LEASE_SECONDS must be at least 3")
    if settings.urgent_ack_seconds < 1:
        raise ConfigError("URGENT_ACK_SECONDS must be at least 1")
    if settings.stats_min_count < 3:
        # Counts of one or two point at a person; docs/stats.md explains the threshold.
        raise ConfigError("STATS_MIN_COUNT must be at least 3")
    if settings.is_production:
        missing = []
        key_problem = _secret_key_problem(settings.secret_key)
        if key_problem:
            missing.append(key_problem)
        if not (settings.keyring_json or settings.keyring_file):
            missing.append("INTAKE_KEYRING or INTAKE_KEYRING_FILE")
        else:
            missing.extend(_keyring_problems(settings))
        if not settings.public_base_url.startswith("https://"):
            missing.append("PUBLIC_BASE_URL (an https:// address)")
        if not settings.session_cookie_secure:
            missing.append("SESSION_COOKIE_SECURE=true (cookies over HTTPS only)")
        if not has_notification_route(settings):
            # Urgent tips would reach nobody: an emergency must never wait in silence.
            missing.append("a notification route: " + " or ".join(NOTIFY_ROUTE_SETTINGS))
        if missing:
            raise ConfigError(
                "refusing to start in production without: "
                + "; ".join(missing)
                + ". See README.md, 'Configuration'."
            )
        check_rate_limit_storage(settings, settings.web_concurrency or 1)
        return settings
    if not settings.secret_key:
        settings = replace(settings, secret_key=_dev_secret_key(settings.instance_path))
    return settings


def check_rate_limit_storage(settings: Settings, workers: int) -> None:
    """Refuse production with per-process rate-limit counters shared by several workers.

    ``memory://`` counts in each process: with N workers every limit is N times looser, and a
    receipt guesser simply spreads over them. gunicorn.conf.py calls this with the real worker
    count before any worker starts; WEB_CONCURRENCY is checked when the settings are read.
    """
    if not (settings.is_production and settings.ratelimit_enabled):
        return
    if settings.ratelimit_storage_uri.startswith("memory:") and workers > 1:
        raise ConfigError(
            f"refusing to start in production with RATELIMIT_STORAGE_URI=memory:// and "
            f"{workers} workers: each worker would keep its own rate-limit counters. Set "
            "RATELIMIT_STORAGE_URI=redis://HOST:6379/0 (shared by every worker and host) or run "
            "one worker. See README.md, 'Deploying on PostgreSQL with several workers'."
        )
