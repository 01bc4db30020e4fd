"""Staff corrections of what the classifier decided, kept to learn from."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.tip import Tip

CORRECTED_FIELDS = ("category", "urgency")


class TipCorrection(Base):
    """Who changed a tip's category or urgency, when, from what to what (codes only)."""

    __tablename__ = "tip_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    field: Mapped[str] = mapped_column(String(16))
    old_value: Mapped[str] = mapped_column(String(40))
    new_value: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tip: Mapped[Tip] = relationship()
