"""Outbox sender for Messenger, Instagram and WhatsApp replies (Meta Send API / Cloud API).

The recipient's id is decrypted here, at send time, and goes nowhere else: not in the outbox row,
not in an error, not in a log line.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from intake.channels.conversation import provider_key
from intake.channels.social_media import (
    ProviderUnreachableError,
    graph_api_version,
    graph_base_url,
    send_prepared,
)
from intake.config import Settings
from intake.crypto import Keyring
from intake.extensions import get_settings
from intake.identity.service import read_identity
from intake.models import Message, OutboxMessage, Reporter, Tip, utcnow
from intake.outbound.senders import SendError, SendResult, register_sender
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
# WhatsApp: "more than 24 hours since the customer last replied".
OUTSIDE_WINDOW = 131047
# A detective's WhatsApp reply held until the tipster writes again, after the template inviting
# them to was sent. The detective sees this state in the thread.
AWAITING_TIPSTER = "awaiting_tipster"


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
            return message.body.read(keyring)
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
        sender_id = settings.meta.whatsapp_phone_number_id
        token = settings.meta.whatsapp_access_token
        missing = "META_WHATSAPP_PHONE_NUMBER_ID and META_WHATSAPP_ACCESS_TOKEN"
    else:
        # "me" is the page (or its Instagram account) the page access token belongs to.
        sender_id = "me"
        token = settings.meta.page_access_token
        missing = "META_PAGE_ACCESS_TOKEN"
    if not sender_id or not token:
        raise SendError(f"{missing} not configured")
    text = reply_text(session, keyring, row)
    identity = recipient_of(session, keyring, row)
    tip = session.get(Tip, row.tip_id) if row.tip_id else None
    # "invite": WhatsApp refused this reply in a delivery report (131047) after accepting it.
    is_late_whatsapp_reply = (
        row.channel == "whatsapp"
        and tip is not None
        and row.message_id is not None
        and (
            (row.payload or {}).get("invite") is True
            or utcnow() - _last_heard(session, tip) > STANDARD_WINDOW
        )
    )
    if is_late_whatsapp_reply and tip is not None:
        # WhatsApp refuses free text now (131047): invite the tipster instead.
        return _invite_and_hold(session, keyring, tip, identity["address"], sender_id, token)
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
    error = _send_error(response.status_code, document)
    if error.code == OUTSIDE_WINDOW and tip is not None and row.message_id is not None:
        # Our clock and WhatsApp's disagreed: the window had closed. Invite and hold.
        return _invite_and_hold(session, keyring, tip, identity["address"], sender_id, token)
    raise error


def _last_heard(session: Session, tip: Tip) -> datetime:
    """When the tipster last wrote on any of their tips: WhatsApp's window is per user."""
    reporter = session.get(Reporter, tip.reporter_id) if tip.reporter_id else None
    if reporter is None:
        return tip.last_tipster_activity_at
    return max(tip.last_tipster_activity_at, reporter.last_seen_at)


def template_for(settings: Settings, language: str) -> tuple[str, str] | None:
    """The approved template (name, language code) inviting a tipster to write back, in their
    language (English when Spanish has none); ``NAME`` or ``NAME:CODE`` in the settings."""
    meta = settings.meta
    options = [(meta.whatsapp_template_es, "es")] if language == "es" else []
    options.append((meta.whatsapp_template_en, "en"))
    for value, default_code in options:
        if value:
            template, _, code = value.partition(":")
            return template.strip(), code.strip() or default_code
    return None


def _invite_and_hold(
    session: Session, keyring: Keyring, tip: Tip, address: str, phone_number_id: str, token: str
) -> SendResult:
    """Send the content-free template inviting the tipster to write; the reply waits for them
    (released by :func:`intake.channels.inbound.release_held_replies`)."""
    settings = get_settings()
    template = template_for(settings, tip.language)
    if template is None:
        raise SendError(
            "more than 24 hours since the tipster wrote on WhatsApp and no template "
            "(META_WHATSAPP_TEMPLATE_EN) is configured",
            permanent=True,
        )
    prepared = meta.template_request(
        address,
        *template,
        graph_base_url=graph_base_url(settings),
        api_version=graph_api_version(settings),
        phone_number_id=phone_number_id,
        access_token=token,
    )
    try:
        response = send_prepared(prepared)
    except ProviderUnreachableError as exc:
        raise SendError(f"Meta unreachable ({exc})") from None
    if not response.ok:
        raise _send_error(response.status_code, _json(response))
    log.info("whatsapp reply held for tip %s: invitation template sent", tip.tip_number)
    # The template's id goes on the held reply: its delivery reports are the invitation's (only
    # a failure changes the reply's state: the tipster will never be asked to write).
    sent_id = _sent_message_id(_json(response))
    provider_id = provider_key(keyring, meta.PROVIDER, sent_id) if sent_id else None
    return SendResult(provider_message_id=provider_id, status=AWAITING_TIPSTER)


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


class GraphSendError(SendError):
    """A SendError carrying the Graph error code it came from."""

    def __init__(self, reason: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(reason, permanent=permanent)
        self.code = code


def _send_error(status: int, document: dict[str, Any]) -> GraphSendError:
    """A SendError from a Graph error answer; its reason names codes only, never a recipient."""
    error = document.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    reason = f"Meta answered {status} code={code} subcode={subcode}"
    if status == 429 or status >= 500:
        return GraphSendError(reason, code=code)
    permanent = code in _PERMANENT_CODES or subcode in _PERMANENT_SUBCODES
    return GraphSendError(reason, permanent=permanent, code=code)
