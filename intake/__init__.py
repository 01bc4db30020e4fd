"""Intake: anonymous tips, routed to the people who act on them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from intake.config import Settings, load_settings
from intake.crypto import load_keyring
from intake.state import Caches, IntakeState, install

LANGUAGES = (("en", "English"), ("es", "Español"))


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, routes, senders, errors, security, CLI."""
    from intake.cli import register_cli
    from intake.errors import register_error_handlers
    from intake.logging_setup import configure_logging

    settings = load_settings(overrides=test_config)
    app = Flask(__name__, instance_path=settings.instance_path)
    configure(app, settings)
    configure_logging(settings.log_level)
    init_extensions(app, settings)
    register_blueprints(app)
    register_senders(app)
    register_error_handlers(app)
    register_security(app, settings)
    register_templates(app, settings)
    register_cli(app)
    return app


def configure(app: Flask, settings: Settings) -> None:
    """Translate settings into Flask and extension configuration."""
    from intake.database import engine_options

    # Keys, the development database and demo logins live here: owner-only from the start.
    Path(settings.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.update(
        TESTING=settings.env == "testing",
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        WTF_CSRF_TIME_LIMIT=4 * 3600,
        SESSION_COOKIE_NAME="intake_csrf",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        JSON_SORT_KEYS=False,
    )
    dev_keyring = None if settings.is_production else Path(settings.instance_path) / "keyring.json"
    keyring = load_keyring(
        keyring_json=settings.keyring_json,
        keyring_file=settings.keyring_file,
        dev_path=dev_keyring,
    )
    # Everything this app decides is its own: no other app of the process sees it.
    install(app, IntakeState(settings, keyring, Caches(settings.reference_cache_seconds)))
    if keyring.audit_key_is_derived:
        # An older keyring still links the audit chain (under a key derived from its receipt
        # key); a key of its own can be replaced without touching receipts.
        logging.getLogger("intake").warning(
            "keyring has no audit key: using one derived from the receipt key; "
            "add one with `flask intake keys generate --add FILE`"
        )
    from intake.classify.retrain import use_adopted_models

    # The model adopted by `flask intake classify retrain --adopt`, else the shipped one.
    use_adopted_models(Path(settings.instance_path))
    if settings.trusted_proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxy_count,
            x_proto=settings.trusted_proxy_count,
            x_host=settings.trusted_proxy_count,
        )


def select_locale() -> str:
    """The page language: an explicit ``lang`` choice, else the browser's preference."""
    # Only the query string: reading a form here would parse (and size-check) the body early.
    chosen = request.args.get("lang", "")
    codes = [code for code, _ in LANGUAGES]
    if chosen in codes:
        return chosen
    return request.accept_languages.best_match(codes) or "en"


def init_extensions(app: Flask, settings: Settings) -> None:
    """Bind every extension to the app."""
    import intake.models  # noqa: F401  (every table on the metadata before migrations compare)
    from intake.api import init_api
    from intake.database import init_database
    from intake.extensions import babel, csrf, db, limiter, migrate
    from intake.unit_of_work import init_unit_of_work

    init_database(app)
    # Each request's transaction ends with its answer: handlers never commit (see the module).
    init_unit_of_work(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    init_api(app)


def register_blueprints(app: Flask) -> None:
    """Every feature's routes, each with its access rule (tests/test_access.py checks them all)."""
    from intake import access
    from intake.channels.meta_views import bp as meta_bp
    from intake.channels.twilio_views import bp as twilio_bp
    from intake.channels.x_views import bp as x_bp
    from intake.errors import register_error_page
    from intake.forwards.views import register_forwards
    from intake.lifecycle.pages import public_bp as lifecycle_public_bp
    from intake.lifecycle.pages import staff_bp as lifecycle_staff_bp
    from intake.ops.views import bp as ops_bp
    from intake.priorities.pages import bp as priorities_pages_bp
    from intake.queues.rules import SUPERVISING_ROLES
    from intake.rewards.views import register_rewards
    from intake.staff.access import staff_rule
    from intake.staff.pages import register_staff
    from intake.staff.rendering import staff_error_page
    from intake.stats.pages import bp as stats_pages_bp
    from intake.stats.views import bp as stats_api_bp
    from intake.submissions.pages import bp as public_pages_bp
    from intake.submissions.views import bp as public_api_bp

    # Residents: the tip form, checking back, and the public JSON API.
    access.register(app, public_pages_bp, access.PUBLIC)
    access.register_api(app, public_api_bp, access.PUBLIC)
    access.record(app, "api-docs", access.PUBLIC)
    # The community: public statistics (small counts suppressed) and residents' priorities.
    access.register(app, stats_pages_bp, access.PUBLIC)
    access.register_api(app, stats_api_bp, access.PUBLIC)
    access.register(app, priorities_pages_bp, access.PUBLIC)
    # Detectives, supervisors, the social-media team: staff API and pages (and their error page).
    register_staff(app)
    register_error_page(app, "/staff/", staff_error_page)
    register_forwards(app)
    # Supervisors: rewards (two people decide); prosecutors and supervisors: community figures.
    register_rewards(app)
    # The data lifecycle: a tipster forgets their contact; supervisors hold and export.
    access.register(app, lifecycle_public_bp, access.PUBLIC)
    access.register(app, lifecycle_staff_bp, staff_rule(SUPERVISING_ROLES))
    # Providers: SMS, Messenger/Instagram/WhatsApp, X.
    for webhook_bp in (twilio_bp, meta_bp, x_bp):
        access.register_webhook(app, webhook_bp)
    # On call: acknowledging urgent tips, the urgent board, the roster.
    from intake.oncall.views import register_oncall

    register_oncall(app)
    # A public appeal's surge: tips since a time, grouped.
    from intake.related.views import register_surge

    register_surge(app)
    # Operators: health check.
    access.register(app, ops_bp, access.PUBLIC)


def register_senders(app: Flask) -> None:
    """The outbox's senders: one per channel, and the supervisors' notifications."""
    from intake.channels import register_senders as register_channel_senders
    from intake.notify.service import register_notify_sender
    from intake.oncall.senders import register_oncall_senders
    from intake.workspace.service import register_assignee_sender

    # Each in this app's state (the channels' register with the app of the context).
    with app.app_context():
        register_channel_senders(app)
    register_notify_sender(app)
    register_oncall_senders(app)
    register_assignee_sender(app)


def register_security(app: Flask, settings: Settings) -> None:
    """Size limits before reading, and strict headers on every response."""
    from intake.api import BASE64_UPLOADS
    from intake.errors import InvalidInputError, PayloadTooLargeError

    @app.before_request
    def _refuse_oversized() -> None:
        # JSON bodies are small; the web forms carry a photo, and so do the few API views marked
        # with accepts_base64_uploads (base64 turns 3 bytes into 4). Their access guards run
        # before the body is read, so only authenticated callers ever send that much.
        view = app.view_functions.get(request.endpoint or "")
        if not request.path.startswith(("/api/", "/webhooks/")):
            limit = settings.max_upload_bytes + 64 * 1024
        elif getattr(view, BASE64_UPLOADS, False):
            limit = settings.max_upload_bytes * 4 // 3 + 64 * 1024
        elif request.path.startswith("/webhooks/"):
            # A provider batches many events in one post and retries a refused one for days.
            limit = settings.max_webhook_bytes
        else:
            limit = settings.max_json_bytes
        if request.content_length is not None and request.content_length > limit:
            raise PayloadTooLargeError()
        request.max_content_length = limit

    @app.before_request
    def _refuse_nul() -> None:
        # No value anyone types holds a NUL, and PostgreSQL's text cannot: an API query string
        # with one is refused before a filter makes the driver raise (bodies: intake.api). Pages
        # treat odd filters as a page: their services match a NUL to nothing.
        if request.path.startswith("/api/") and any(
            "\0" in key or "\0" in value for key, value in request.args.items(multi=True)
        ):
            raise InvalidInputError("Text must not contain NUL characters.")

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        if settings.is_production:
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response


def register_templates(app: Flask, settings: Settings) -> None:
    """Values every page template uses, and times shown in the city's time zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask_babel import get_locale

    zone = ZoneInfo(settings.timezone)

    @app.template_filter("local_time")
    def _local_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M %Z") -> str:
        return value.astimezone(zone).strftime(pattern) if value is not None else ""

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        endpoint = request.endpoint or ""
        is_get_page = request.method == "GET" and endpoint.startswith(
            ("public.", "stats.", "priorities.")
        )
        return {
            "site_name": settings.site_name,
            "site_logo_url": settings.site_logo_url,
            "non_emergency_phone": settings.non_emergency_phone,
            "department_url": settings.department_url,
            "quick_exit_url": settings.quick_exit_url,
            "languages": LANGUAGES,
            "current_language": str(get_locale() or "en"),
            "lang_endpoint": endpoint if is_get_page else "public.tip_form",
        }
