"""Tips aged on purpose: the clock is the ``now`` given to the service, never a sleep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.models import Tip

NOW = datetime(2027, 6, 1, tzinfo=UTC)
PHONE = "+16175550123"
NAME = "Ana Witness"
NARRATIVE = "Marco Ruiz keeps pistols in the blue garage on Alder Row."


def tip_by_number(session: Session, number: str) -> Tip:
    """The tip row (fresh from the database)."""
    session.expire_all()
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip is not None
    return tip


def close(session: Session, number: str, days_ago: int, *, now: datetime = NOW) -> None:
    """Close a tip ``days_ago`` days before ``now`` (created a day before that)."""
    tip = tip_by_number(session, number)
    closed = now - timedelta(days=days_ago)
    tip.created_at = tip.last_tipster_activity_at = closed - timedelta(days=1)
    tip.status, tip.disposition, tip.closed_at = "closed", "information_only", closed
    session.flush()
    tip.updated_at = closed
    session.commit()
