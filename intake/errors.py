"""Named service errors and the one error shape every API response uses.

``{"error": {"status": 400, "code": "invalid_input", "message": "...", "fields": {...}}}``

Messages are ours, never the submitted values: field names come from our schemas only, and an
unknown field is reported without its name (a key can carry data too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from intake.crypto import KeyShreddedError
from intake.state import current_state, state_of

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/webhooks/")
ErrorPage = Callable[[int, str], str]


class IntakeError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status and code."""

    status = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, fields: Mapping[str, Any] | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.fields = dict(fields) if fields else None


class InvalidInputError(IntakeError):
    """The input fails validation."""

    status = 400
    code = "invalid_input"
    message = "The request is not valid."


class NotFoundError(IntakeError):
    """The thing does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"
    message = "Not found."


class ForbiddenError(IntakeError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"
    message = "Forbidden."


class UnauthorizedError(IntakeError):
    """The caller did not authenticate."""

    status = 401
    code = "unauthorized"
    message = "Authentication is required."


class ConflictError(IntakeError):
    """The request conflicts with the current state."""

    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class UnsupportedMediaTypeError(IntakeError):
    """The body is not of a type the endpoint accepts."""

    status = 415
    code = "unsupported_media_type"
    message = "Send the body as application/json."


class PayloadTooLargeError(IntakeError):
    """The body is larger than the endpoint accepts."""

    status = 413
    code = "payload_too_large"
    message = "The request is too large."


class RateLimitedError(IntakeError):
    """Too many attempts."""

    status = 429
    code = "rate_limited"
    message = "Too many requests. Please wait and try again."


class UnavailableError(IntakeError):
    """A dependency is down; the caller may retry."""

    status = 503
    code = "unavailable"
    message = "The service is temporarily unavailable. Please try again."


HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "Authentication is required."),
    403: ("forbidden", "Forbidden."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", "The request is too large."),
    414: ("uri_too_long", "The request line is too long."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    422: ("invalid_input", "The request is not valid."),
    429: ("rate_limited", "Too many requests. Please wait and try again."),
    431: ("headers_too_large", "The request headers are too large."),
    500: ("internal_error", "Something went wrong on our side. Nothing was saved."),
    503: ("unavailable", "The service is temporarily unavailable. Please try again."),
}


def error_payload(
    status: int, code: str, message: str, fields: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The one error body."""
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        body["fields"] = dict(fields)
    return {"error": body}


def wants_json() -> bool:
    """API and webhook paths answer in JSON; pages answer in HTML."""
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == (
        "application/json"
    )


def _respond(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None = None,
) -> Response | tuple[str, int]:
    if wants_json():
        response = jsonify(error_payload(status, code, message, fields))
        response.status_code = status
    else:
        response = Response(_error_page(status, code), status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_shredded(error: Exception) -> Response | tuple[str, int]:
    """A write to a crypto-shredded tip: its content is gone for good."""
    return _respond(
        409, "conflict", "This tip's content was deleted under the retention policy.", None
    )


def register_error_page(app: Flask, prefix: str, page: ErrorPage) -> None:
    """Answer errors under the path ``prefix`` of ``app`` with ``page`` (status, code -> HTML)
    rather than the residents' error page."""
    state_of(app).error_pages[prefix] = page


def _error_page(status: int, code: str) -> str:
    for prefix, page in current_state().error_pages.items():
        if request.path.startswith(prefix):
            return page(status, code)
    return render_template("error.html", status=status, code=code)


def handle_intake_error(error: IntakeError) -> Response | tuple[str, int]:
    """Map a named service error to the error shape."""
    return _respond(error.status, error.code, error.message, error.fields)


def handle_http_exception(error: HTTPException) -> Response | tuple[str, int]:
    """Map any HTTP error (404, 405, 413, 429 ...) to the error shape."""
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.name))
    fields = None
    data = getattr(error, "data", None)
    if isinstance(data, dict) and isinstance(data.get("fields"), dict):
        fields = data["fields"]
    headers = {}
    if status == 429:
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            headers["Retry-After"] = str(retry_after)
    return _respond(status, code, message, fields, headers)


def handle_unexpected(error: Exception) -> Response | tuple[str, int]:
    """Log the exception type (never its arguments, which may hold input) and answer 500."""
    log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url_rule)
    code, message = HTTP_CODES[500]
    return _respond(500, code, message, None)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on the app."""
    app.register_error_handler(IntakeError, handle_intake_error)
    # Writing to a tip whose content was shredded (a tombstone): refused, never a 500.
    app.register_error_handler(KeyShreddedError, handle_shredded)
    app.register_error_handler(HTTPException, handle_http_exception)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
