"""A detective's decision about two tips: the same incident (confirmed) or not (rejected)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from intake.models.base import Base, UTCDateTime, utcnow

LINK_DECISIONS = ("confirmed", "rejected")


class TipLink(Base):
    """One pair of tips, stored once (``low_tip_id`` < ``high_tip_id``); confirmed pairs chain
    into clusters."""

    __tablename__ = "tip_link"
    __table_args__ = (UniqueConstraint("low_tip_id", "high_tip_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_tip_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tip.id", ondelete="CASCADE"), index=True
    )
    high_tip_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tip.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(12))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
