"""gunicorn glue: its own error answers in the project's JSON shape, its log lines redacted.

gunicorn refuses some requests before the application sees them (a request line or header over
its limits, a malformed request line). Its stock answer is an HTML page that echoes the request
line, and its log line for it names the client's address: an API that promises JSON errors and
keeps no address gets neither from it.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger

from intake.api import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE
from intake.errors import HTTP_CODES, error_payload
from intake.logging_setup import redact_handlers

__all__ = [
    "LIMIT_REQUEST_FIELDS",
    "LIMIT_REQUEST_FIELD_SIZE",
    "LIMIT_REQUEST_LINE",
    "RedactingLogger",
    "answer_errors_in_json",
]


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Answer a request gunicorn refused with the one error body (never the request's text)."""
    code, message = HTTP_CODES.get(status_int, ("bad_request", "The request could not be read."))
    body = json.dumps(error_payload(status_int, code, message)).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


def answer_errors_in_json() -> None:
    """Make gunicorn's own error answers JSON (called in each worker, see gunicorn.conf.py)."""
    util.write_error = write_json_error


class RedactingLogger(Logger):
    """gunicorn's logger with the project's redacting filter on its error log's handlers."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up, then redact what they write (client addresses)."""
        super().setup(cfg)
        redact_handlers(self.error_log)
