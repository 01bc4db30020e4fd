"""Operator logs: ids and outcomes only. A filter redacts phone numbers and email addresses
that slip into a message anyway (from a library, or a mistake)."""

from __future__ import annotations

import logging
import re
import sys

_PHONE = re.compile(r"(?<![\w/-])\+?\d[\d ().\-]{7,}\d(?![\w/-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


def redact(text: str) -> str:
    """Replace phone numbers, email and IP addresses with placeholders."""
    text = _EMAIL.sub("[email]", text)
    text = _IPV4.sub("[ip]", text)
    return _PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message; always keep the record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str) -> None:
    """Log to stderr with the redacting filter on every handler, once per process."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    # werkzeug's request log line starts with the client address: never let it through.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Pillow's debug log prints EXIF tags, GPS coordinates included.
    logging.getLogger("PIL").setLevel(logging.INFO)
    # urllib3's debug log prints request paths, and an X DM path holds the recipient's id.
    logging.getLogger("urllib3").setLevel(logging.INFO)
