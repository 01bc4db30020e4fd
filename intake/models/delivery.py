"""Idempotency records for what arrives, and the outbox for what must be sent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.sealed import SealedBySecret, SealedEntry

if TYPE_CHECKING:
    from intake.models.tip import Message, Tip


class InboundEvent(Base):
    """One provider event (or client idempotency key) seen once; a redelivery finds it here.

    ``event_key`` is the provider's message id, or for web and API submissions a keyed digest of
    the client's idempotency key. ``replay_ct`` lets the same client get its receipt back, and
    ``request_digest`` (a keyed digest of that client's request) only for the same request.
    """

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("provider", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))
    tip_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tip.id"), nullable=True)
    replay_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    request_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Declared so the unit of work inserts the tip before rows that refer to it.
    tip: Mapped[Tip | None] = relationship()

    # Bound to the event key, which exists before the row is written.
    replay = SealedBySecret(row="event_key", storage="replay_ct")


OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dead", "cancelled")
# Workers take due rows lowest priority first: emergency alerts to supervisors before the rest.
PRIORITY_URGENT = 0
PRIORITY_NORMAL = 1


class OutboxMessage(Base):
    """Something to send (a reply to a tipster, a notification), with its retry state.

    A worker sending a row holds it as ``status`` "sending" until ``locked_until`` (its lease,
    renewed while it lives); ``attempts`` counts the claims and tells one claim from the next.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "reply", "notification"
    channel: Mapped[str] = mapped_column(String(16))
    tip_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tip.id"), nullable=True)
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message.id"), nullable=True)
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reporter.id"), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    priority: Mapped[int] = mapped_column(Integer, default=PRIORITY_NORMAL, server_default="1")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Declared so the unit of work inserts the tip and message before the row that names them.
    tip: Mapped[Tip | None] = relationship()
    message: Mapped[Message | None] = relationship()

    # A Twilio message id waiting to be deleted at Twilio (``twilio-delete`` rows).
    payload_sid = SealedEntry(storage="payload", entry="sid", purpose="identity")
