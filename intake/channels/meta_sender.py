"""Outbox sender for Messenger, Instagram and WhatsApp replies (Meta Send API / Cloud API).

The recipient's id is decrypted here, at send time, and goes nowhere else: not in the outbox row,
not in an error, not in a log line.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from intake.channels.conversation import provider_key
from intake.channels.social_media import (
    ProviderUnreachableError,
    graph_api_version,
    graph_base_url,
    provider_setting,
    send_prepared,
)
from intake.crypto import Keyring
from intake.extensions import get_settings
from intake.models import Message, OutboxMessage, Reporter, Tip, utcnow
from intake.outbound.worker import SendError, SendResult, register_sender
from intake.submissions.service import read_identity
from webhooks import meta

log = logging.getLogger(__name__)

META_CHANNELS = ("messenger", "instagram", "whatsapp")
# Messenger and Instagram answer freely for 24 hours after the tipster's last message; later only
# with the HUMAN_AGENT tag (7 days, granted to the app by Meta).
STANDARD_WINDOW = timedelta(hours=24)
# Graph error codes (and subcodes) after which retrying the same message cannot succeed.
_PERMANENT_CODES = frozenset(
    {
        100,  # invalid parameter (includes "no matching user")
        551,  # this person is not available right now
        10,  # outside the allowed window / permission for this recipient
        200,  # the user has not granted the permission for this conversation
        131008,  # required parameter missing
        131009,  # parameter value not valid
        131021,  # recipient cannot be sender
        131026,  # message undeliverable (not a WhatsApp user, old app)
        131030,  # recipient not in the allowed list (test numbers)
        131047,  # more than 24 hours since the customer's last message
        131051,  # unsupported message type
    }
)
_PERMANENT_SUBCODES = frozenset({2018001, 2018108, 2018278, 1545041})


def register_meta_senders(app: Flask) -> None:
    """Make the outbox deliver messenger, instagram and whatsapp rows through Meta."""
    del app  # settings are read at send time, from the app the worker runs in
    for channel in META_CHANNELS:
        register_sender(channel, send_meta_reply)


def reply_text(session: Session, keyring: Keyring, row: OutboxMessage) -> str:
    """The text of an outbox row: the thread message it delivers, else the payload's text."""
    if row.message_id is not None:
        message = session.get(Message, row.message_id)
        if message is not None:
            return message.body(keyring)
    text = (row.payload or {}).get("text")
    if not isinstance(text, str) or not text.strip():
        raise SendError("outbox row has no text", permanent=True)
    return text


def recipient_of(session: Session, keyring: Keyring, row: OutboxMessage) -> dict[str, str]:
    """The decrypted identity of the row's reporter; SendError when nobody can be reached."""
    reporter = session.get(Reporter, row.reporter_id) if row.reporter_id else None
    if reporter is None or reporter.wrapped_key is None or reporter.address_ct is None:
        raise SendError("no reachable reporter (unknown or shredded)", permanent=True)
    # The confirmation of an opt-out is the one message an opted-out tipster still gets.
    if reporter.is_opted_out and (row.payload or {}).get("notice") != "opt_out":
        raise SendError("the tipster opted out", permanent=True)
    identity = read_identity(keyring, reporter)
    if not identity.get("address"):
        raise SendError("the reporter has no address on this channel", permanent=True)
    return identity


def _message_tag(session: Session, row: OutboxMessage) -> str | None:
    if row.channel == "whatsapp" or row.tip_id is None:
        return None
    tip = session.get(Tip, row.tip_id)
    if tip is None or utcnow() - tip.last_tipster_activity_at <= STANDARD_WINDOW:
        return None
    return "HUMAN_AGENT"


def send_meta_reply(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Deliver one outbox row to a Messenger, Instagram or WhatsApp tipster."""
    settings = get_settings()
    if row.channel not in META_CHANNELS:
        raise SendError(f"not a Meta channel: {row.channel}", permanent=True)
    if row.channel == "whatsapp":
        sender_id = provider_setting(settings, "META_WHATSAPP_PHONE_NUMBER_ID")
        token = provider_setting(settings, "META_WHATSAPP_ACCESS_TOKEN")
        missing = "META_WHATSAPP_PHONE_NUMBER_ID and META_WHATSAPP_ACCESS_TOKEN"
    else:
        # "me" is the page (or its Instagram account) the page access token belongs to.
        sender_id = "me"
        token = provider_setting(settings, "META_PAGE_ACCESS_TOKEN")
        missing = "META_PAGE_ACCESS_TOKEN"
    if not sender_id or not token:
        raise SendError(f"{missing} not configured")
    text = reply_text(session, keyring, row)
    identity = recipient_of(session, keyring, row)
    prepared = meta.send_request(
        row.channel,
        identity["address"],
        text,
        graph_base_url=graph_base_url(settings),
        api_version=graph_api_version(settings),
        page_id_or_phone_number_id=sender_id,
        access_token=token,
        message_tag=_message_tag(session, row),
    )
    try:
        response = send_prepared(prepared)
    except ProviderUnreachableError as exc:
        raise SendError(f"Meta unreachable ({exc})") from None
    document = _json(response)
    if response.ok:
        # Stored as a digest like inbound ids: a wamid embeds the recipient's phone number.
        sent_id = _sent_message_id(document)
        provider_id = provider_key(keyring, meta.PROVIDER, sent_id) if sent_id else None
        _label_message(session, row)
        return SendResult(provider_message_id=provider_id, status="sent")
    raise _send_error(response.status_code, document)


def _json(response: Any) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _sent_message_id(document: dict[str, Any]) -> str | None:
    """``message_id`` (Send API) or ``messages[0].id`` (WhatsApp)."""
    value = document.get("message_id")
    if not isinstance(value, str):
        messages = document.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        value = first.get("id") if isinstance(first, dict) else None
    return value if isinstance(value, str) and value else None


def _label_message(session: Session, row: OutboxMessage) -> None:
    # Delivery reports name the message by (provider, id): the worker sets the id, we the provider.
    message = session.get(Message, row.message_id) if row.message_id else None
    if message is not None:
        message.provider = meta.PROVIDER


def _send_error(status: int, document: dict[str, Any]) -> SendError:
    """A SendError from a Graph error answer; its reason names codes only, never a recipient."""
    error = document.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    reason = f"Meta answered {status} code={code} subcode={subcode}"
    if status == 429 or status >= 500:
        return SendError(reason)
    permanent = code in _PERMANENT_CODES or subcode in _PERMANENT_SUBCODES
    return SendError(reason, permanent=permanent)
