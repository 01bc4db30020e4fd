"""What every provider adapter produces and raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery report for a message we sent."""

    provider: str
    provider_message_id: str
    status: str  # "queued", "sent", "delivered", "read", "failed", "undelivered"
    error_code: str | None = None
