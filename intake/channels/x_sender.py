"""Outbox sender for X direct-message replies (``POST /2/dm_conversations/with/:id/messages``)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from intake.channels.conversation import provider_key
from intake.channels.meta_sender import recipient_of, reply_text
from intake.channels.social_media import (
    ProviderUnreachableError,
    send_prepared,
    x_api_base_url,
)
from intake.crypto import Keyring
from intake.extensions import get_settings
from intake.models import Message, OutboxMessage
from intake.outbound.senders import SendError, SendResult, register_sender
from webhooks import x

# 400: the request names an invalid recipient; 403: the user does not accept DMs from us or
# blocked the account; 404: the user no longer exists. Retrying the same message cannot help.
_PERMANENT_STATUSES = frozenset({400, 403, 404})


def register_x_sender(app: Flask) -> None:
    """Make the outbox deliver ``x`` rows as X direct messages."""
    del app  # settings are read at send time, from the app the worker runs in
    register_sender(x.CHANNEL, send_x_reply)


def send_x_reply(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Deliver one outbox row to an X tipster as a direct message."""
    settings = get_settings()
    token = settings.x.bearer_token
    if not token:
        raise SendError("X_BEARER_TOKEN not configured")
    text = reply_text(session, keyring, row)
    identity = recipient_of(session, keyring, row)
    prepared = x.send_dm_request(
        identity["address"], text, api_base_url=x_api_base_url(settings), bearer_token=token
    )
    try:
        response = send_prepared(prepared)
    except ProviderUnreachableError as exc:
        raise SendError(f"X unreachable ({exc})") from None
    if response.ok:
        event_id = _dm_event_id(response)
        provider_id = provider_key(keyring, x.PROVIDER, event_id) if event_id else None
        message = session.get(Message, row.message_id) if row.message_id else None
        if message is not None:
            message.provider = x.PROVIDER
        return SendResult(provider_message_id=provider_id, status="sent")
    # The problem document's ``detail`` can quote the recipient: only the status is kept.
    reason = f"X answered {response.status_code}"
    if response.status_code == 429 or response.status_code >= 500:
        raise SendError(reason)
    raise SendError(reason, permanent=response.status_code in _PERMANENT_STATUSES)


def _dm_event_id(response: Any) -> str | None:
    try:
        document = response.json()
    except ValueError:
        return None
    data = document.get("data") if isinstance(document, dict) else None
    value = data.get("dm_event_id") if isinstance(data, dict) else None
    return str(value) if isinstance(value, str | int) and value else None
