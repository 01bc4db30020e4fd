"""Bookkeeping of the data lifecycle: scheduled runs and key-encryption-key epochs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from intake.models.base import Base, UTCDateTime


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
