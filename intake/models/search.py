"""The blind search index: one row per (token, tip, field); no plaintext."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from intake.models.tip import Tip

SEARCH_FIELDS = ("narrative", "location", "followup", "reply", "note")


class SearchToken(Base):
    """A keyed HMAC of one normalised word of one field of a tip.

    The key is ordered (token, tip_created_at, tip_id): a search walks one token's rows newest
    first and stops after a page, whatever the token's frequency. ``tip_created_at`` is copied
    from the tip (it never changes) for that reason.
    """

    __tablename__ = "search_token"
    __table_args__ = (
        Index("ix_search_token_tip_id", "tip_id"),
        # The walk in one queue: one token's rows of that queue, newest first (across every
        # queue, the primary key gives the same order).
        Index("ix_search_token_walk", "token", "queue_id", "tip_created_at", "tip_id"),
    )

    token: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    tip_created_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tip.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(12), primary_key=True)
    # The tip's queue, copied so a search skips hidden queues' rows without reading the tip;
    # a re-route updates it (:func:`intake.search.index.move_tokens`).
    queue_id: Mapped[int] = mapped_column(Integer)

    # Declared so the unit of work inserts the tip before the tokens that refer to it.
    tip: Mapped[Tip] = relationship()
