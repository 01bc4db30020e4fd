"""Outbox senders of on-call notices: SMS to a work phone (Twilio), email, or a webhook.

Each row names one person (``user_id``); their address is unsealed only here, at send time. A
notice for an alert acknowledged meanwhile is not sent. Content-free like every notification: tip
number, queue, urgency, tier and the link to the tip page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from intake.channels.twilio_sender import StandInHttpClient
from intake.crypto import Keyring
from intake.models import NotifyRoute, OutboxMessage, UrgentAlert
from intake.notify.service import post_webhook, send_email
from intake.oncall.rules import TIERS, urgency_label
from intake.oncall.service import CHANNELS, URGENT_EVENT, route_target, sweep_hook
from intake.outbound.senders import SendError, SendResult, register_cycle_hook, register_sender

log = logging.getLogger(__name__)


def compose(payload: dict[str, Any], base_url: str) -> tuple[str, str, str]:
    """(subject, text, link) of an on-call notice: which tip, queue, urgency and tier only."""
    tip_number = str(payload.get("tip_number", ""))
    queue = str(payload.get("queue", ""))
    urgency = urgency_label(str(payload.get("urgency", "")))
    tier = int(payload.get("tier") or 0)
    link = f"{base_url.rstrip('/')}/staff/tips/{tip_number}"
    who = TIERS.get(tier, "on call")
    subject = f"[Intake] Urgent tip {tip_number} ({urgency}) in queue {queue}: acknowledge"
    text = (
        f"Urgent tip {tip_number}, queue {queue}, {urgency}. You are told as {who} (tier {tier}).\n"
        f"Acknowledge it on its page: {link}\n"
    )
    return subject, text, link


def _route(session: Session, keyring: Keyring, row: OutboxMessage, kind: str) -> str | None:
    payload = row.payload or {}
    alert = session.get(UrgentAlert, payload.get("alert_id"))
    if alert is not None and alert.acknowledged_at is not None:
        return None  # acknowledged while the notice waited: the chain has stopped
    user_id = payload.get("user_id")
    route = session.get(NotifyRoute, user_id) if isinstance(user_id, int) else None
    if route is None or route.kind != kind or not route.user.is_active:
        raise SendError(f"user {user_id} has no active {kind} route", permanent=True)
    return route_target(keyring, route)


def _settings() -> Any:
    return current_app.extensions["intake"].settings


def send_oncall_webhook(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """POST the notice as JSON to the person's webhook (a paging service)."""
    url = _route(session, keyring, row, "webhook")
    if url is None:
        return SendResult(status="skipped")
    payload = row.payload or {}
    _, _, link = compose(payload, _settings().public_base_url)
    post_webhook(
        url,
        {
            "event": URGENT_EVENT,
            "tip_number": payload.get("tip_number"),
            "queue": payload.get("queue"),
            "urgency": payload.get("urgency"),
            "tier": payload.get("tier"),
            "link": link,
        },
    )
    log.info("outbox %s on-call notice posted for user %s", row.id, payload.get("user_id"))
    return SendResult(status="sent")


def send_oncall_email(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Email the notice to the person through the NOTIFY_SMTP_URL relay."""
    address = _route(session, keyring, row, "email")
    if address is None:
        return SendResult(status="skipped")
    settings = _settings()
    smtp_url = settings.notify.smtp_url
    if not smtp_url:
        raise SendError("NOTIFY_SMTP_URL is not set", permanent=True)
    subject, text, _ = compose(row.payload or {}, settings.public_base_url)
    sender = settings.notify.email_from or "intake@localhost"
    send_email(smtp_url, sender, [address], subject, text)
    log.info("outbox %s on-call notice emailed", row.id)
    return SendResult(status="sent")


def send_oncall_sms(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Text the notice to the person's work phone through the tip line's Twilio account."""
    from intake.channels.conversation import provider_key
    from intake.channels.twilio_sender import PROVIDER

    number = _route(session, keyring, row, "sms")
    if number is None:
        return SendResult(status="skipped")
    settings = _settings()
    account = settings.twilio
    if not account.can_send:
        raise SendError("Twilio is not configured (account, token, TWILIO_FROM)")
    _, text, _ = compose(row.payload or {}, settings.public_base_url)
    # The text comes from the tip line's number: a reply would arrive there as a new tip.
    text += "Do not reply by text: replies reach the tip line.\n"
    params: dict[str, Any] = {"to": number, "body": text}
    if account.messaging_service_sid:
        params["messaging_service_sid"] = account.messaging_service_sid
    else:
        params["from_"] = account.from_number
    client = Client(account.account_sid, account.auth_token, http_client=StandInHttpClient(account))
    try:
        sent = client.messages.create(**params)
    except TwilioRestException as error:
        # Only the codes: the library's message can quote the number.
        permanent = 400 <= error.status < 500 and error.status != 429
        raise SendError(
            f"Twilio error {error.code} (HTTP {error.status})", permanent=permanent
        ) from None
    except (TwilioException, OSError) as error:
        raise SendError(f"Twilio unreachable ({type(error).__name__})") from None
    log.info("outbox %s on-call notice texted", row.id)
    # Stored as every provider message id is, a keyed digest: in clear the SID finds the message,
    # with the officer's number, in the Twilio account.
    digest = provider_key(keyring, PROVIDER, sent.sid) if sent.sid else None
    return SendResult(provider_message_id=digest, status="sent")


def register_oncall_senders(app: Flask) -> None:
    """Deliver the on-call channels of ``app``, and run the escalation sweep in every worker
    cycle."""
    register_sender(CHANNELS["webhook"], send_oncall_webhook, app)
    register_sender(CHANNELS["email"], send_oncall_email, app)
    register_sender(CHANNELS["sms"], send_oncall_sms, app)
    register_cycle_hook(sweep_hook, app)
