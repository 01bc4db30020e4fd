"""A tip, its anonymous thread, internal notes and attachments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.geography import District, Queue
from intake.models.reporter import Reporter
from intake.models.sealed import KeyOwner

CHANNELS = ("web", "api", "sms", "messenger", "instagram", "whatsapp", "x", "forward")
STATUSES = ("new", "triaged", "assigned", "investigating", "closed")
URGENCIES = ("emergency", "high", "normal")
URGENCY_RANK = {"emergency": 0, "high": 1, "normal": 2}


class Tip(KeyOwner, Base):
    """One tip. Content fields are sealed under the tip's own data key (content key)."""

    __tablename__ = "tip"
    __table_args__ = (
        # The queue listing: urgent first, then newest, with a stable tie-break.
        Index("ix_tip_queue_listing", "queue_id", "urgency_rank", "created_at", "id"),
        Index("ix_tip_listing", "urgency_rank", "created_at", "id"),
    )
    __key_purpose__: ClassVar[str] = "content"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_number: Mapped[str] = mapped_column(String(16), unique=True)
    receipt_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    channel: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")

    narrative_ct: Mapped[bytes] = mapped_column(LargeBinary)
    location_text_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    location_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Forwarded posts keep where they came from; the link can name the sender, so it is sealed.
    source_platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_url_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    source_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    category_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    category_evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    category_runners_up: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_classifier_unsure: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    urgency_rank: Mapped[int] = mapped_column(SmallInteger, default=2)
    urgency_evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), nullable=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    routing_reason: Mapped[str] = mapped_column(String(300), default="")

    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    disposition: Mapped[str | None] = mapped_column(String(40), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reporter.id"), nullable=True, index=True
    )
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tip.id"), nullable=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The first time staff acted on the tip (claimed, moved it on, or wrote to the tipster).
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_tipster_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    queue: Mapped[Queue] = relationship()
    district: Mapped[District | None] = relationship()
    reporter: Mapped[Reporter | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="tip", order_by="Message.created_at", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="tip", order_by="Attachment.created_at", cascade="all, delete-orphan"
    )

    def narrative(self, keyring: Any) -> str:
        """The decrypted narrative."""
        return self.open_text(keyring, "tip", "narrative", self.id, self.narrative_ct) or ""

    def location_text(self, keyring: Any) -> str | None:
        """The decrypted location text, if any."""
        return self.open_text(keyring, "tip", "location_text", self.id, self.location_text_ct)


class Message(Base):
    """One message of the anonymous thread between tipster and detectives."""

    __tablename__ = "message"
    __table_args__ = (UniqueConstraint("provider", "provider_message_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    direction: Mapped[str] = mapped_column(String(12))  # "inbound" (from tipster) / "outbound"
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    provider: Mapped[str | None] = mapped_column(String(16), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    delivery_status: Mapped[str] = mapped_column(String(16), default="received")
    delivery_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="messages")

    def seal_body(self, keyring: Any, body: str) -> None:
        """Encrypt the body under the tip's data key, bound to this message."""
        self.body_ct = self.tip.seal_text(keyring, "message", "body", self.id, body) or b""

    def body(self, keyring: Any) -> str:
        """The decrypted body."""
        return self.tip.open_text(keyring, "message", "body", self.id, self.body_ct) or ""


class Note(Base):
    """An internal note on a tip; never shown to the tipster."""

    __tablename__ = "note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship()


class Attachment(Base):
    """A file sent with a tip: metadata stripped, then sealed under the tip's data key."""

    __tablename__ = "attachment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message.id"), nullable=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship(back_populates="attachments")
