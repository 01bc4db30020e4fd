"""Putting messages in the outbox (inside the caller's transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.models import Message, OutboxMessage, Tip


def enqueue_supervisor_alert(
    session: Session, tip: Tip, *, reason: str = "emergency"
) -> OutboxMessage:
    """Queue a notification to supervisors on duty: which tip and queue, never its content."""
    row = OutboxMessage(
        kind="notification",
        channel="supervisors",
        tip_id=tip.id,
        payload={"tip_number": tip.tip_number, "queue": tip.queue.code, "reason": reason},
    )
    session.add(row)
    return row


# Web and API tipsters read replies with their receipt: nothing is pushed to them.
PULL_CHANNELS = ("web", "api")


def enqueue_reply(session: Session, tip: Tip, message: Message) -> OutboxMessage | None:
    """Queue a detective's message to the tipster on the tip's channel (None: read on the web)."""
    if tip.channel in PULL_CHANNELS or tip.reporter_id is None:
        message.delivery_status = "available"
        return None
    message.delivery_status = "pending"
    row = OutboxMessage(
        kind="reply",
        channel=tip.channel,
        tip_id=tip.id,
        message_id=message.id,
        reporter_id=tip.reporter_id,
    )
    session.add(row)
    return row
