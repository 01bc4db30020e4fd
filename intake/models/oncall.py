"""The on-call roster, each person's notification route, and the acknowledgement of urgent tips."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.geography import Queue
from intake.models.sealed import TEXT, Sealed
from intake.models.staff import User
from intake.models.tip import Tip

NOTIFY_KINDS = ("sms", "email", "webhook")


class OnCallMember(Base):
    """One person on one escalation tier of a queue (tier 1 is told first)."""

    __tablename__ = "oncall_member"
    __table_args__ = (UniqueConstraint("queue_id", "tier", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), index=True)
    tier: Mapped[int] = mapped_column(SmallInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    queue: Mapped[Queue] = relationship()
    user: Mapped[User] = relationship()


class NotifyRoute(Base):
    """Where one staff member is paged: a work phone (SMS), an email address or a webhook.

    The address is sealed under the user's own data key; the row says only which kind it is.
    """

    __tablename__ = "notify_route"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    target_ct: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    # Under the user's data key, bound to the user's id (the row's key).
    target = Sealed(TEXT, under="user", row="user_id")


class UrgentAlert(Base):
    """A tip that became urgent and must be acknowledged by a person; open until it is."""

    __tablename__ = "urgent_alert"
    __table_args__ = (Index("ix_urgent_alert_open", "acknowledged_at", "raised_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(80), default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id"), nullable=True
    )

    tip: Mapped[Tip] = relationship()
    steps: Mapped[list[AlertStep]] = relationship(
        back_populates="alert", order_by="AlertStep.step", cascade="all, delete-orphan"
    )


class AlertStep(Base):
    """One round of notices for an alert: step 1 tells tier 1, step 2 the next tier, and so on.

    ``(alert_id, step)`` is unique: two workers sweeping at once cannot both send the same step.
    Tier 0 means the queue has no roster and the supervisors' routes (NOTIFY_*) were used.
    """

    __tablename__ = "alert_step"
    __table_args__ = (UniqueConstraint("alert_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("urgent_alert.id"), index=True)
    step: Mapped[int] = mapped_column(SmallInteger)
    tier: Mapped[int] = mapped_column(SmallInteger)
    recipients: Mapped[int] = mapped_column(SmallInteger, default=0)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    alert: Mapped[UrgentAlert] = relationship(back_populates="steps")
