"""What every provider adapter produces and raises."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class WebhookError(Exception):
    """Base class for everything an adapter refuses."""


class SignatureError(WebhookError):
    """The request is not signed by the provider: missing, malformed or wrong signature."""


class PayloadError(WebhookError):
    """The request is signed but its payload cannot be understood."""


@dataclass(frozen=True)
class MediaRef:
    """A piece of media the provider holds for us; fetched and stripped later."""

    url: str
    content_type: str | None = None
    provider_media_id: str | None = None
    # "image", "audio", "voice", "video", "file", "contact" or "sticker"; "" = by content_type.
    kind: str = ""

    @property
    def media_kind(self) -> str:
        """What the media is: the adapter's word for it, else its content type's (image when
        nothing is declared: the fetcher still checks what arrives)."""
        if self.kind:
            return self.kind
        content_type = (self.content_type or "image/").lower()
        if content_type.partition(";")[0].strip() in ("text/vcard", "text/x-vcard"):
            return "contact"
        major = content_type.partition("/")[0]
        return major if major in ("image", "audio", "video") else "file"


@dataclass(frozen=True)
class InboundMessage:
    """One message from a resident, as every channel hands it to the submission pipeline.

    ``sender`` is an identity (phone number, page-scoped id, handle): it is encrypted before
    storage and must never be logged.
    """

    provider: str  # "twilio", "meta", "x"
    channel: str  # "sms", "messenger", "instagram", "whatsapp", "x"
    event_id: str  # provider message id: the idempotency key
    sender: str  # E.164 phone, PSID, IGSID, WhatsApp id or BSUID, X user id
    sender_kind: str  # "phone", "psid", "igsid", "wa_id", "bsuid", "x_user_id"
    text: str = ""
    recipient: str | None = None  # our number, page or account id
    sent_at: datetime | None = None
    media: tuple[MediaRef, ...] = ()
    location: tuple[float, float] | None = None  # (lat, lon)
    sender_handle: str | None = None  # display name or @handle: also an identity
    extra: dict[str, str] = field(default_factory=dict)
    # What the resident shared that is not text or media to download, described for the
    # detective: a link or post ("Shared link: https://..."), a contact card. It is content.
    shared: tuple[str, ...] = ()
    # Parts the provider could not show us at all ("unsupported"), or that start a chat
    # without content ("greeting": a Get Started button, WhatsApp's request_welcome).
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery report for a message we sent."""

    provider: str
    provider_message_id: str
    status: str  # "queued", "sent", "delivered", "read", "failed", "undelivered"
    error_code: str | None = None


# Longer ids are not ids: refusing them keeps junk out of the idempotency table.
MAX_ID_LENGTH = 256


@dataclass(frozen=True)
class PreparedRequest:
    """An outbound HTTP request built without sending it; the outbox sends it with ``requests``.

    ``headers`` may hold an access token: never log a PreparedRequest.
    """

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None


def secrets_equal(expected: str | bytes, given: str | bytes) -> bool:
    """Compare two secrets in constant time, whatever their characters."""
    # hmac.compare_digest raises TypeError on non-ASCII str, so compare UTF-8 bytes instead.
    left = expected.encode("utf-8") if isinstance(expected, str) else expected
    right = given.encode("utf-8") if isinstance(given, str) else given
    return hmac.compare_digest(left, right)


_NOT_JSON = object()


def load_json_object(raw_body: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object; PayloadError otherwise."""
    try:
        document = json.loads(raw_body)
    except (ValueError, RecursionError):
        # Raised outside this block: the decoder's exception holds the whole body (``.doc``,
        # ``.object``) and would otherwise travel along as ``__context__`` into logs.
        document = _NOT_JSON
    if document is _NOT_JSON:
        raise PayloadError("body is not valid JSON")
    if not isinstance(document, dict):
        raise PayloadError("body is not a JSON object")
    return document


def as_dict(value: object) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty one: payloads are read defensively."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """The value when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_text(value: object) -> str:
    """The value when it is a string, else an empty string."""
    return value if isinstance(value, str) else ""


def as_id(value: object) -> str | None:
    """A provider id as a non-empty string (some payloads send ids as numbers), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() and len(value) <= MAX_ID_LENGTH:
        return value.strip()
    return None


def from_epoch(value: object, *, milliseconds: bool) -> datetime | None:
    """A UTC datetime from an epoch timestamp (number or digit string); None when unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int | float):
        return None
    seconds = value / 1000 if milliseconds else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
