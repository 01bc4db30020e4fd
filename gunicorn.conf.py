"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Access logs would record each client's address and user agent: they stay off.
accesslog = None
errorlog = "-"
timeout = 30
# Twilio and Meta expect an answer within seconds; a stuck worker is restarted.
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
