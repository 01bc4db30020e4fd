"""Putting messages in the outbox (inside the caller's transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake.models import Message, OutboxMessage, Tip
from intake.notify.service import alert_channels


def alert_reason(urgency: str, *, followup: bool = False) -> str:
    """What a supervisor alert says about the tip's urgency (a possible one: "check now")."""
    what = "a possible emergency (check now)" if urgency == "possible_emergency" else "an emergency"
    if followup:
        return f"follow-up reports {what}"
    return "possible emergency (check now)" if urgency == "possible_emergency" else "emergency"


def enqueue_supervisor_alert(
    session: Session, tip: Tip, *, reason: str = "emergency", queue_code: str | None = None
) -> list[OutboxMessage]:
    """Queue a notification to supervisors on duty: which tip and queue, never its content.

    One outbox row per configured route (email, webhook), so a retry repeats only the route that
    failed; one row of channel "supervisors" when no route is configured (it ends "dead" with
    the reason, which operators see).
    """
    queue = queue_code or tip.queue.code
    rows = [
        OutboxMessage(
            kind="notification",
            channel=channel,
            tip=tip,
            payload={"tip_number": tip.tip_number, "queue": queue, "reason": reason},
        )
        for channel in alert_channels()
    ]
    session.add_all(rows)
    return rows


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
