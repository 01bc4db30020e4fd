"""Tips awaiting a staff answer: flagged when the tipster writes, cleared by a reply.

When the tipster answers a tip someone has claimed, the assignee is told through the outbox: the
tip number and its queue, never what the tipster wrote (like every staff notification).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.extensions import get_settings
from intake.models import AuditEvent, OutboxMessage, Tip, TipAwaiting, User
from intake.notify.service import send_email
from intake.outbound.rows import enqueue
from intake.outbound.senders import SendError, SendResult, register_sender
from intake.queues.rules import OVERSIGHT_QUEUE_KIND
from intake.submissions.rules import normalise_tip_number

ASSIGNEE_CHANNEL = "notify_assignee"
ANSWERED_EVENT = "tip.tipster_answered"
log = logging.getLogger(__name__)


def mark_tipster_wrote(session: Session, tip: Tip, at: datetime) -> None:
    """The tipster wrote: the tip awaits a staff answer; its assignee (if any) is told once, when
    the tip starts waiting (five texts in a row make one notice)."""
    session.flush()  # the tip row exists before a row that refers to it
    if session.get(TipAwaiting, tip.id) is not None:
        return
    session.add(TipAwaiting(tip_id=tip.id, since=at))
    if tip.assignee_id is not None:
        enqueue(
            session,
            kind="notification",
            channel=ASSIGNEE_CHANNEL,
            tip=tip,
            payload={
                "event": ANSWERED_EVENT,
                "tip_number": tip.tip_number,
                "queue": tip.queue.code,
                "user_id": tip.assignee_id,
            },
        )


def mark_staff_answered(session: Session, tip: Tip) -> None:
    """A staff member wrote to the tipster: the tip no longer awaits an answer."""
    session.execute(delete(TipAwaiting).where(TipAwaiting.tip_id == tip.id))


def awaiting_among(session: Session, tip_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``tip_ids`` await a staff answer (one primary-key probe each)."""
    if not tip_ids:
        return set()
    return set(session.scalars(select(TipAwaiting.tip_id).where(TipAwaiting.tip_id.in_(tip_ids))))


def compose_answered(payload: dict[str, Any], base_url: str) -> tuple[str, str]:
    """(subject, text) of the assignee's notice: tip number and queue only."""
    tip_number = str(payload.get("tip_number", ""))
    link = f"{base_url.rstrip('/')}/staff/tips/{tip_number}"
    subject = f"[Intake] The tipster answered on tip {tip_number}"
    text = (
        f"The tipster of tip {tip_number} (queue {payload.get('queue', '')}) wrote back.\n\n"
        f"Open it: {link}\n\nLog in to read it; this message carries none of its content.\n"
    )
    return subject, text


def send_assignee_notice(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Email the assignee that their tipster answered (channel ``notify_assignee``)."""
    del keyring  # content-free: nothing to decrypt
    settings = get_settings()
    smtp_url = settings.notify.smtp_url
    if not smtp_url:
        raise SendError("NOTIFY_SMTP_URL is not set", permanent=True)
    payload = row.payload or {}
    user_id = payload.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or not user.email:
        raise SendError("the assignee has no active account with an email", permanent=True)
    subject, text = compose_answered(payload, settings.public_base_url)
    sender = settings.notify.email_from or "intake@localhost"
    send_email(smtp_url, sender, [user.email], subject, text)
    log.info("outbox %s told the assignee (user %s)", row.id, user.id)
    return SendResult(provider_message_id=None, status="sent")


def register_assignee_sender(app: Flask) -> None:
    """Make the outbox of ``app`` deliver assignee notices."""
    register_sender(ASSIGNEE_CHANNEL, send_assignee_notice, app)


def moved_away(session: Session, user: User, tip_number: str) -> str | None:
    """Where a tip the user was working went, when a re-route took it out of their queues.

    Only its assignee at the time of the move is told (someone who saw the tip already), so this
    is no oracle for anyone else; a move to the oversight queue is not named.
    """
    number = normalise_tip_number(tip_number)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number)) if number else None
    if tip is None:
        return None
    event = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.tip_id == tip.id, AuditEvent.action == "tip.rerouted")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    details = (event.details or {}) if event is not None else {}
    if details.get("previous_assignee") != user.id:
        return None
    if tip.queue.kind == OVERSIGHT_QUEUE_KIND:
        return "a queue you cannot see"
    return f"{tip.queue.name} ({tip.queue.code})"
