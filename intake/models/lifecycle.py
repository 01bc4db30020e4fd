"""The data lifecycle's own rows: legal holds, pending requests to forget, scheduled runs and
key-encryption-key epochs. Kept apart from tips and reporters, which they only point at.

A shredded tip or reporter is one whose ``wrapped_key`` is NULL (see KeyOwner.shred).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.models.base import Base, UTCDateTime, utcnow


class LegalHold(Base):
    """A tip on legal hold: never shredded while this row exists (the reason is audited)."""

    __tablename__ = "legal_hold"

    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held_by_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("user.id"), nullable=True
    )


class ForgetRequest(Base):
    """A tipster asked to be forgotten while a tip of theirs was on legal hold: carried out by
    the first retention run once no hold keeps the reporter."""

    __tablename__ = "forget_request"

    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reporter.id"), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LifecycleRun(Base):
    """When a scheduled lifecycle job last started, so several workers run it once a day."""

    __tablename__ = "lifecycle_run"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KeyEpoch(Base):
    """A key-encryption key that no live data key is wrapped under any more, and since when.

    Backups taken before ``drained_at`` may still hold data keys wrapped under it; once every
    such backup has expired (BACKUP_RETENTION_DAYS) the key may be destroyed (`keys retire`).
    """

    __tablename__ = "key_epoch"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    drained_at: Mapped[datetime] = mapped_column(UTCDateTime)
