"""Community intelligence: residents' priorities and Crime Stoppers rewards."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.sealed import OPTIONAL_TEXT, TEXT, Sealed
from intake.models.tip import Tip

REWARD_STATUSES = ("proposed", "approved", "declined", "paid")


class PriorityResponse(Base):
    """One resident's answer: a district and a month, nothing else about them.

    No timestamp finer than the month and no device or network detail is kept, so an answer
    cannot be lined up with a visit, a tip or a log line.
    """

    __tablename__ = "priority_response"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, the city's time zone
    language: Mapped[str] = mapped_column(String(8), default="en")

    choices: Mapped[list[PriorityChoice]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class PriorityChoice(Base):
    """A concern named in an answer: picked from the taxonomy, or classified from free text."""

    __tablename__ = "priority_choice"

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("priority_response.id"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), primary_key=True)
    source: Mapped[str] = mapped_column(String(12), default="picked")  # picked / free_text

    response: Mapped[PriorityResponse] = relationship(back_populates="choices")


class Reward(Base):
    """A reward on a tip: proposed by one supervisor, decided by another, paid against a code.

    The reason and the claim code are sealed under the tip's data key; the code is also kept as
    a keyed digest so staff can find the reward from the code the collector shows, and nothing
    records who collected it.
    """

    __tablename__ = "reward"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason_ct: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claim_code_ct: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    claim_digest: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    tip: Mapped[Tip] = relationship()

    reason = Sealed(TEXT, under="tip")
    claim_code = Sealed(OPTIONAL_TEXT, under="tip")
