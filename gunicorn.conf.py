"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import os
from typing import Any

from intake.ops import gunicorn_support

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Access logs would record each client's address and user agent: they stay off.
accesslog = None
errorlog = "-"
# gunicorn's error log names the client's address when it refuses a request: redacted.
logger_class = "intake.ops.gunicorn_support.RedactingLogger"
timeout = 30
# Twilio and Meta expect an answer within seconds; a stuck worker is restarted.
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request size limits, stated in the OpenAPI description; a request over them gets the JSON
# error body (414 for the request line, 431 for headers), not gunicorn's HTML page.
limit_request_line = gunicorn_support.LIMIT_REQUEST_LINE
limit_request_fields = gunicorn_support.LIMIT_REQUEST_FIELDS
limit_request_field_size = gunicorn_support.LIMIT_REQUEST_FIELD_SIZE


def post_worker_init(worker: object) -> None:
    """Each worker answers gunicorn's own errors in JSON."""
    gunicorn_support.answer_errors_in_json()


def on_starting(server: Any) -> None:
    """Before any worker: refuse production with per-worker rate-limit counters (memory://)."""
    from intake.config import ConfigError, check_rate_limit_storage, load_settings

    try:
        check_rate_limit_storage(load_settings(), server.cfg.workers)
    except ConfigError as error:
        # gunicorn prints a RuntimeError raised here as "Error: ..." and exits with status 1.
        raise RuntimeError(str(error)) from None
