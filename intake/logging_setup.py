"""Operator logs: ids and outcomes only. A filter redacts phone numbers and email addresses
that slip into a message anyway (from a library, or a mistake), tracebacks included."""

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


_TRACEBACKS = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message, traceback and stack through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message and any traceback; always keep the record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        # A traceback is formatted by the handler after filters run, and an exception's text
        # (a database error's parameters, a parser's input) is as likely to hold an address
        # as a message: format it here, redacted, and drop the live exception.
        if record.exc_info:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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


def redact_handlers(logger: logging.Logger) -> None:
    """Put the redacting filter on every handler of a logger that does not propagate (gunicorn)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
