"""The one constructor of outbox rows. Every feature queues what must leave the building here
(a reply, a notification, a deletion at a provider); the row is added to the session, in the
caller's transaction, so it is sent only if that transaction commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from intake.models import OutboxMessage, Tip
from intake.models.delivery import PRIORITY_NORMAL


def enqueue(
    session: Session,
    *,
    kind: str,
    channel: str,
    payload: dict[str, Any] | None = None,
    tip: Tip | None = None,
    tip_id: uuid.UUID | None = None,
    reporter_id: uuid.UUID | None = None,
    priority: int = PRIORITY_NORMAL,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add an outbox row (not flushed); ``not_before`` delays its first try."""
    row = OutboxMessage(
        kind=kind,
        channel=channel,
        payload=dict(payload or {}),
        reporter_id=reporter_id,
        priority=priority,
    )
    if tip is not None:
        row.tip = tip
    elif tip_id is not None:
        row.tip_id = tip_id
    if not_before is not None:
        row.next_attempt_at = not_before
    session.add(row)
    return row
