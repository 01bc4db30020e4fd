"""A tip, its anonymous thread, internal notes and attachments."""

from __future__ import annotations

import math
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

from intake.crypto import Keyring
from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.geography import District, Queue
from intake.models.reporter import Reporter
from intake.models.sealed import (
    BYTES,
    EVIDENCE,
    OPTIONAL_TEXT,
    POINT,
    TEXT,
    KeyOwner,
    Sealed,
    Text,
)

CHANNELS = ("web", "api", "sms", "messenger", "instagram", "whatsapp", "x", "forward")
STATUSES = ("new", "triaged", "assigned", "investigating", "closed")
# Most urgent first. "possible_emergency": the classifier is unsure it is an emergency; it alerts
# like one and staff see it as "check now".
URGENCIES = ("emergency", "possible_emergency", "high", "normal")
URGENCY_RANK = {"emergency": 0, "possible_emergency": 1, "high": 2, "normal": 3}
ALERTING_URGENCIES = frozenset({"emergency", "possible_emergency"})


class Tip(KeyOwner, Base):
    """One tip. Content fields are sealed under the tip's own data key (content key)."""

    __tablename__ = "tip"
    __table_args__ = (
        # The queue listing: urgent first, then newest, with a stable tie-break.
        Index("ix_tip_queue_listing", "queue_id", "urgency_rank", "created_at", "id"),
        Index("ix_tip_listing", "urgency_rank", "created_at", "id"),
        # The same, by last activity (sort=activity).
        Index("ix_tip_queue_activity", "queue_id", "urgency_rank", "updated_at", "id"),
        Index("ix_tip_activity", "urgency_rank", "updated_at", "id"),
        # A social-media user's own forwards, newest first.
        Index("ix_tip_forwarded_by", "forwarded_by_user_id", "created_at", "id"),
    )
    __key_purpose__: ClassVar[str] = "content"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_number: Mapped[str] = mapped_column(String(16), unique=True)
    receipt_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    channel: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")

    narrative_ct: Mapped[bytes] = mapped_column(LargeBinary)
    location_text_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The point is often the tipster's own position (a shared location): sealed, shown only on
    # the tip page. ``cell`` keeps a coarse square of it in clear for statistics (see cell_of).
    point_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    cell: Mapped[str | None] = mapped_column(String(24), nullable=True)
    location_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Forwarded posts keep where they came from; the link can name the sender, so it is sealed.
    source_platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_url_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    source_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A keyed digest of the post's normalised link (or text, without a link): a post forwarded
    # twice is found by it, the link itself is not in it (intake.crypto.forward_source_digest).
    source_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True, index=True)
    # Who of the social-media team forwarded it (they see its status, nothing else).
    forwarded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)

    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    category_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    category_runners_up: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_classifier_unsure: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(20), default="normal")
    urgency_rank: Mapped[int] = mapped_column(SmallInteger, default=URGENCY_RANK["normal"])
    # The records system's case number, set by staff when the tip becomes a case (not sealed:
    # it names the department's file, nothing about the tipster).
    rms_case_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The words that decided category and urgency are the tipster's own ("my stepfather", a
    # street name): sealed, as {"category": [...], "urgency": [...]}.
    evidence_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), nullable=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    # Names the place the tip was matched to, or a supervisor's reason: sealed.
    routing_reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

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

    narrative = Sealed(TEXT)
    location_text = Sealed(OPTIONAL_TEXT)
    # Written through set_point, which keeps the coarse cell with it.
    point = Sealed(POINT)
    routing_reason = Sealed(Text(max_chars=300))
    evidence = Sealed(EVIDENCE)
    source_url = Sealed(OPTIONAL_TEXT)

    @property
    def has_point(self) -> bool:
        """Whether the tip has a point (readable without the key)."""
        return self.point.is_set

    def set_point(self, keyring: Keyring, lat: float | None, lon: float | None) -> None:
        """Seal the point and keep its coarse cell; both None clears them."""
        if lat is None or lon is None:
            self.point_ct, self.cell = None, None
            return
        self.point.seal(keyring, (lat, lon))
        self.cell = cell_of(lat, lon)


# 0.01 degree: about 1.1 km north-south, and 1.1 km x cos(latitude) east-west (0.8 km at 42°).
CELL_DEGREES = 0.01


def cell_of(lat: float, lon: float) -> str:
    """The south-west corner of the 0.01° grid square holding a point, e.g. "42.35,-71.07"."""
    # Whole hundredths, rounded first: 42.35 * 100 is 4234.999... in binary floating point.
    south, west = (math.floor(round(v / CELL_DEGREES, 6)) for v in (lat, lon))
    return f"{south * CELL_DEGREES:.2f},{west * CELL_DEGREES:.2f}"


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

    body = Sealed(TEXT, under="tip")


class Note(Base):
    """An internal note on a tip; never shown to the tipster."""

    __tablename__ = "note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship()

    body = Sealed(TEXT, under="tip")


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

    data = Sealed(BYTES, under="tip")
