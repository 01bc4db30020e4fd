"""Tips awaiting a staff answer: the tipster wrote after the last staff reply."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from intake.models.base import Base, UTCDateTime


class TipAwaiting(Base):
    """One row per tip whose tipster wrote last; deleted by the next staff reply.

    A table of its own rather than a tip column: the flag changes often, and a tip row stays as
    its submission wrote it.
    """

    __tablename__ = "tip_awaiting"

    tip_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tip.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)
