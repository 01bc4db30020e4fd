"""Putting messages in the outbox (inside the caller's transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.models import Message, OutboxMessage, Queue, Reporter, Tip, User
from intake.models.delivery import PRIORITY_NORMAL, PRIORITY_URGENT
from intake.notify.service import OVERSIGHT_AUDIENCE, REVEAL_EVENT, alert_channels

# The queue kind whose notifications go to oversight users alone (intake.queues.rules has it too;
# importing it here would make the outbox depend on the workspace).
OVERSIGHT_QUEUE_KIND = "oversight"


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
    the reason, which operators see). Workers send these before anything else.
    """
    queue = queue_code or tip.queue.code
    payload: dict[str, object] = {"tip_number": tip.tip_number, "queue": queue, "reason": reason}
    kind = session.scalar(select(Queue.kind).where(Queue.code == queue))
    if kind == OVERSIGHT_QUEUE_KIND:
        # A complaint about staff is announced to oversight, never to the officers' supervisors.
        payload["audience"] = OVERSIGHT_AUDIENCE
    return _enqueue_notification(session, tip, payload, priority=PRIORITY_URGENT)


def enqueue_reveal_notice(
    session: Session, tip: Tip, *, revealed_by: User, audience: str
) -> list[OutboxMessage]:
    """Tell the other supervisors (``audience``: their role) who revealed which tip.

    Content-free like every notification: the tip number, its queue and the revealer's username;
    never the identity, the reason or anything of the tip.
    """
    payload: dict[str, object] = {
        "event": REVEAL_EVENT,
        "tip_number": tip.tip_number,
        "queue": tip.queue.code,
        "by": revealed_by.username,
        "exclude_user_id": revealed_by.id,
        "audience": audience,
    }
    return _enqueue_notification(session, tip, payload)


def _enqueue_notification(
    session: Session, tip: Tip, payload: dict[str, object], *, priority: int | None = None
) -> list[OutboxMessage]:
    priority = PRIORITY_NORMAL if priority is None else priority
    rows = [
        OutboxMessage(
            kind="notification",
            channel=channel,
            priority=priority,
            tip=tip,
            payload=dict(payload),
        )
        for channel in alert_channels(str(payload.get("audience") or ""))
    ]
    session.add_all(rows)
    return rows


def enqueue_oncall_notice(
    session: Session, tip: Tip, *, channel: str, payload: dict[str, object]
) -> OutboxMessage:
    """Queue one on-call notice to one person (``payload["user_id"]``) on their own route.

    Content-free: tip number, queue, urgency, tier and the alert it belongs to; the sender adds
    the link and looks the person's address up at send time.
    """
    row = OutboxMessage(kind="oncall", channel=channel, tip=tip, payload=dict(payload))
    session.add(row)
    return row


# Web and API tipsters read replies with their receipt: nothing is pushed to them.
PULL_CHANNELS = ("web", "api")


def _answer(session: Session, keyring: Keyring, tip: Tip, text: str) -> Message:
    message = Message(tip=tip, direction="outbound", channel=tip.channel)
    message.body.seal(keyring, text)
    session.add(message)
    return message


def record_answered_reply(session: Session, keyring: Keyring, tip: Tip, text: str) -> Message:
    """Put an answer already sent in the webhook's own response (TwiML) in the tip's thread, as
    the DM channels' queued acknowledgements are: the detective reads what the tipster was told."""
    message = _answer(session, keyring, tip, text)
    message.delivery_status = "sent"
    return message


def enqueue_answer(session: Session, keyring: Keyring, tip: Tip, text: str) -> OutboxMessage | None:
    """Put the answer to a tipster's message in the tip's thread and queue it to them (a DM
    cannot be answered in the webhook's response)."""
    message = _answer(session, keyring, tip, text)
    session.flush()
    return enqueue_reply(session, tip, message)


# One delivery-status ladder for every channel's reports (Twilio status callbacks, WhatsApp Cloud
# API statuses). Reports arrive late, twice and out of order: a report never moves a message
# down the ladder ("sent" after "delivered"), and an equal one changes nothing but its error.
# A failure ranks with "delivered" (a carrier can report one after the other); only "read" is
# above both. States the outbox itself sets ("pending", "retrying", "awaiting_tipster") rank 0.
DELIVERY_LADDER: dict[str, int] = {
    "accepted": 1,
    "queued": 1,
    "scheduled": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
DELIVERY_FAILURES = frozenset({"undelivered", "failed", "canceled"})


def apply_delivery_status(message: Message, status: str, *, error: str | None = None) -> bool:
    """Record a provider's delivery report on one of our outbound messages, by the one ladder.

    ``error`` (for example ``"Twilio error 30003"``: codes only, never the provider's text) is
    kept on a failure. False when the report was not applied: a status not on the ladder (a
    newer provider state), an inbound message, or a report below the message's state.
    """
    status = status.strip().lower()
    rank = DELIVERY_LADDER.get(status)
    if rank is None or message.direction != "outbound":
        return False
    if rank < DELIVERY_LADDER.get(message.delivery_status or "", 0):
        return False
    message.delivery_status = status[:16]
    if status in DELIVERY_FAILURES:
        message.delivery_error = (error or "provider error unknown")[:200]
    return True


def requeue_as_invitation(session: Session, tip: Tip, message: Message) -> OutboxMessage | None:
    """Queue a reply WhatsApp accepted and then refused as outside the 24-hour window (131047 in
    its delivery report) once more, marked so the sender sends the approved template inviting the
    tipster instead, and holds the reply until they write."""
    row = enqueue_reply(session, tip, message)
    if row is not None:
        row.payload = {"invite": True}
    return row


# The outbox channel of the content-free notice to a web tipster who asked for one.
WEB_NOTICE_CHANNEL = "web-notice"


def enqueue_reply(session: Session, tip: Tip, message: Message) -> OutboxMessage | None:
    """Queue a detective's message to the tipster on the tip's channel (None: read on the web,
    with a content-free notice queued when the tipster asked for one)."""
    if tip.channel in PULL_CHANNELS or tip.reporter_id is None:
        message.delivery_status = "available"
        _enqueue_web_notice(session, tip)
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


def _enqueue_web_notice(session: Session, tip: Tip) -> OutboxMessage | None:
    """Tell a web tipster who asked (by SMS or email) that there is news: never what, never the
    detective's words, never the tip number (a lock screen shows it)."""
    reporter = session.get(Reporter, tip.reporter_id) if tip.reporter_id else None
    if reporter is None or reporter.notify_by not in ("sms", "email") or reporter.is_opted_out:
        return None
    row = OutboxMessage(
        kind="notice",
        channel=WEB_NOTICE_CHANNEL,
        tip_id=tip.id,
        reporter_id=reporter.id,
        payload={"by": reporter.notify_by},
    )
    session.add(row)
    return row
