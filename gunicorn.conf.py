"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import os
from typing import Any

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Access logs would record each client's address and user agent: they stay off.
accesslog = None
errorlog = "-"
timeout = 30
# Twilio and Meta expect an answer within seconds; a stuck worker is restarted.
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: Any) -> None:
    """Before any worker: refuse production with per-worker rate-limit counters (memory://)."""
    from intake.config import ConfigError, check_rate_limit_storage, load_settings

    try:
        check_rate_limit_storage(load_settings(), server.cfg.workers)
    except ConfigError as error:
        # gunicorn prints a RuntimeError raised here as "Error: ..." and exits with status 1.
        raise RuntimeError(str(error)) from None
