"""The outbox senders that notify supervisors of emergency tips, by email and/or webhook.

Each configured route has its own outbox row and channel (``notify_email``,
``notify_webhook``), so when one route fails its retry repeats only that route: supervisors
never get the same email twice because the webhook was down. A row of channel ``supervisors``
(enqueued where no route was configured, or before routes had rows of their own) is split into
one row per route the worker knows, or ends "dead" with the reason when there is none.

A notification says which tip, which queue and where to look: never the narrative, the place or
anything about the tipster. Two kinds: an emergency tip (``tip.emergency``) and an identity
reveal (``identity.revealed``: who revealed which tip, sent to the revealer's fellow
supervisors). A payload's ``audience`` is the role told: supervisors, or for the oversight queue
the oversight users alone, by email only (the webhook and ``NOTIFY_EMAIL_TO`` are the
supervisors' and would tell them of a complaint about a colleague). Settings
(``settings.notify``, from these variables):

- ``NOTIFY_SMTP_URL`` ``smtp://host:port`` (``smtp+starttls://`` to upgrade, ``smtps://`` for TLS;
  ``user:password@`` if the relay wants a login), ``NOTIFY_EMAIL_FROM``; recipients are the email
  addresses of active supervisors on duty, else ``NOTIFY_EMAIL_TO`` (comma-separated).
- ``NOTIFY_WEBHOOK_URL``: a JSON POST ``{"event", "tip_number", "queue", "reason", "link"}``.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.config import NotifySettings, Settings
from intake.crypto import Keyring
from intake.models import OutboxMessage, User
from intake.outbound.rows import enqueue
from intake.outbound.senders import SendError, SendResult, register_sender

log = logging.getLogger(__name__)

# Outbox channel names have at most 16 characters (the column's width).
CHANNEL = "supervisors"
EMAIL_CHANNEL = "notify_email"
WEBHOOK_CHANNEL = "notify_webhook"
NO_ROUTE = "no notification route: set NOTIFY_SMTP_URL or NOTIFY_WEBHOOK_URL"
TIMEOUT_SECONDS = 10
SUPERVISOR_AUDIENCE = "supervisor"
OVERSIGHT_AUDIENCE = "oversight"
EMERGENCY_EVENT = "tip.emergency"
REVEAL_EVENT = "identity.revealed"


def _settings() -> Settings:
    settings: Settings = current_app.extensions["intake"].settings
    return settings


def audience(payload: dict[str, Any]) -> str:
    """The role a notification is for (supervisors unless it says oversight)."""
    is_oversight = payload.get("audience") == OVERSIGHT_AUDIENCE
    return OVERSIGHT_AUDIENCE if is_oversight else SUPERVISOR_AUDIENCE


def recipients(
    session: Session,
    fallback: str | None,
    *,
    role: str = SUPERVISOR_AUDIENCE,
    exclude_user_id: int | None = None,
) -> list[str]:
    """Emails of active users of ``role`` on duty (less one); the configured list when none has
    one (supervisors only: that list is theirs)."""
    query = select(User.email).where(
        User.role == role,
        User.is_active.is_(True),
        User.is_on_duty.is_(True),
        User.email.is_not(None),
    )
    if exclude_user_id is not None:
        query = query.where(User.id != exclude_user_id)
    emails = [e for e in session.scalars(query) if e]
    if emails:
        return sorted(set(emails))
    if role != SUPERVISOR_AUDIENCE:
        return []
    return [a.strip() for a in (fallback or "").split(",") if a.strip()]


def compose(payload: dict[str, Any], base_url: str) -> tuple[str, str, str]:
    """(subject, text, link) of a notification: tip number, queue (and revealer) only."""
    tip_number = str(payload.get("tip_number", ""))
    queue = str(payload.get("queue", ""))
    link = f"{base_url.rstrip('/')}/staff/tips/{tip_number}"
    if payload.get("event") == REVEAL_EVENT:
        by = str(payload.get("by", ""))
        subject = f"[Intake] {by} revealed the tipster of tip {tip_number}"
        text = (
            f"{by} revealed who sent tip {tip_number} (queue {queue}).\n\n"
            f"The reason is in the audit log's reveals view; the tip: {link}\n\n"
            "If you did not expect this, raise it now. This message carries no identity.\n"
        )
        return subject, text, link
    reason = str(payload.get("reason", "emergency"))
    subject = f"[Intake] Emergency tip {tip_number} in queue {queue}"
    text = (
        f"An emergency tip needs attention ({reason}).\n\n"
        f"Tip: {tip_number}\nQueue: {queue}\nOpen it: {link}\n\n"
        "Log in to read it; this message carries none of its content.\n"
    )
    return subject, text, link


def send_email(smtp_url: str, sender: str, to: list[str], subject: str, text: str) -> None:
    """Send one plain-text email through the configured relay."""
    parts = urlsplit(smtp_url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
        raise SendError("NOTIFY_SMTP_URL must look like smtp://host:port", permanent=True)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    port = parts.port or (465 if scheme == "smtps" else 25)
    client_class = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
    try:
        with client_class(parts.hostname, port, timeout=TIMEOUT_SECONDS) as client:
            if scheme == "smtp+starttls":
                client.starttls()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise SendError("the mail relay refused every recipient", permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"mail relay error: {type(error).__name__}") from None


def post_webhook(url: str, body: dict[str, Any]) -> None:
    """POST the notification as JSON; any non-2xx answer is retried."""
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise SendError(f"webhook error: {type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise SendError(f"webhook answered {response.status_code}")


def route_channels(notify: NotifySettings, for_audience: str = "") -> list[str]:
    """The outbox channel of every configured notification route for ``for_audience``."""
    channels = []
    if notify.smtp_url:
        channels.append(EMAIL_CHANNEL)
    if notify.webhook_url and for_audience != OVERSIGHT_AUDIENCE:
        channels.append(WEBHOOK_CHANNEL)
    return channels


def alert_channels(for_audience: str = "") -> list[str]:
    """Channels for a new alert: one per configured route, else the route-less ``supervisors``."""
    if not has_app_context():
        return [CHANNEL]  # the worker splits it by the routes it knows
    return route_channels(_settings().notify, for_audience) or [CHANNEL]


def send_supervisor_email(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Email one notification to the supervisors on duty (channel ``notify_email``)."""
    settings = _settings()
    smtp_url = settings.notify.smtp_url
    if not smtp_url:
        raise SendError("NOTIFY_SMTP_URL is not set", permanent=True)
    payload = row.payload or {}
    subject, text, _ = compose(payload, settings.public_base_url)
    role = audience(payload)
    exclude = payload.get("exclude_user_id")
    to = recipients(
        session,
        settings.notify.email_to or None,
        role=role,
        exclude_user_id=exclude if isinstance(exclude, int) else None,
    )
    if not to:
        raise SendError(f"no other {role} on duty has an email address", permanent=True)
    sender = settings.notify.email_from or "intake@localhost"
    send_email(smtp_url, sender, to, subject, text)
    log.info("outbox %s emailed %s users of role %s", row.id, len(to), role)
    return SendResult(provider_message_id=None, status="sent")


def send_supervisor_webhook(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """POST one notification to the configured webhook (channel ``notify_webhook``)."""
    settings = _settings()
    webhook_url = settings.notify.webhook_url
    if not webhook_url:
        raise SendError("NOTIFY_WEBHOOK_URL is not set", permanent=True)
    payload = row.payload or {}
    if audience(payload) == OVERSIGHT_AUDIENCE:
        raise SendError("oversight notifications go by email only", permanent=True)
    _, _, link = compose(payload, settings.public_base_url)
    body: dict[str, Any] = {
        "event": payload.get("event") or EMERGENCY_EVENT,
        "tip_number": payload.get("tip_number"),
        "queue": payload.get("queue"),
        "link": link,
    }
    if body["event"] == REVEAL_EVENT:
        body["by"] = payload.get("by")
    else:
        body["reason"] = payload.get("reason")
    post_webhook(webhook_url, body)
    log.info("outbox %s posted to the supervisors' webhook", row.id)
    return SendResult(provider_message_id=None, status="sent")


def send_supervisor_notification(
    session: Session, keyring: Keyring, row: OutboxMessage
) -> SendResult:
    """Split a route-less ``supervisors`` row into one row per configured route."""
    channels = route_channels(_settings().notify, audience(row.payload or {}))
    if not channels:
        raise SendError(NO_ROUTE, permanent=True)
    for channel in channels:
        enqueue(
            session,
            kind=row.kind,
            channel=channel,
            priority=row.priority,
            tip_id=row.tip_id,
            payload=row.payload,
        )
    log.info("outbox %s split into %s notification routes", row.id, len(channels))
    return SendResult(provider_message_id=None, status="sent")


def register_notify_sender(app: Flask) -> None:
    """Deliver the supervisors' notification channels of ``app`` with this module."""
    register_sender(CHANNEL, send_supervisor_notification, app)
    register_sender(EMAIL_CHANNEL, send_supervisor_email, app)
    register_sender(WEBHOOK_CHANNEL, send_supervisor_webhook, app)
