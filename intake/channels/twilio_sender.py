"""Sending replies to SMS tipsters through Twilio's REST API, from the outbox; and deleting
every message, inbound and outbound, from Twilio once it is processed.

The phone number is decrypted here, at send time, and nowhere else on the reply path. A reporter
who texted STOP is never sent anything: the outbox row dies instead.

A message stays in the Twilio account (with its ``From``, ``To`` and ``Body``) until it is
deleted, and its SID finds it there. So Intake stores SIDs only as keyed digests, and queues a
``twilio-delete`` outbox row for each message it receives or sends: the SID waits there sealed
under the identity key, the worker deletes the message (retrying with backoff: Twilio refuses
to delete a message still being delivered) and then drops the sealed SID.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import Any

from flask import Flask
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout, ReadTimeout
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from intake import crypto
from intake.channels.conversation import provider_key
from intake.config import TwilioSettings
from intake.crypto import Keyring
from intake.identity.service import read_identity, set_opted_out
from intake.models import Message, OutboxMessage, Reporter, Tip, utcnow
from intake.outbound.rows import enqueue
from intake.outbound.senders import SendError, SendResult, is_unsure, register_sender

log = logging.getLogger(__name__)

CHANNEL = "sms"
PROVIDER = "twilio"
# The outbox channel of message deletions, and how long after a message the first try waits:
# Twilio answers 20009 to a DELETE of a message it has not finished processing.
DELETE_CHANNEL = "twilio-delete"
DELETE_DELAY = timedelta(minutes=2)
STATUS_PATH = "/webhooks/twilio/status"
SEND_TIMEOUT_SECONDS = 10.0
# Twilio error codes: the recipient opted out (texted STOP) / retrying cannot help.
OPTED_OUT = 21610
# WhatsApp through Twilio: free text refused outside the 24-hour window (a template is needed).
WHATSAPP_OUTSIDE_WINDOW = 63016
WHATSAPP_WINDOW = timedelta(hours=24)
PERMANENT_CODES = frozenset({21211, 21212, 21214, 21408, 21610, 21612, 21614, 30004, 30005, 30006})
# Requests that fail this way are worth retrying: rate limits and server errors.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class StandInHttpClient(TwilioHttpClient):
    """Twilio's HTTP client, pointed at TWILIO_API_BASE_URL (a stand-in) when it is set.

    Its request log is quieted: the library logs each request's URL and headers at INFO.
    """

    def __init__(self, account: TwilioSettings, timeout: float | None = None) -> None:
        super().__init__(timeout=SEND_TIMEOUT_SECONDS if timeout is None else timeout, logger=log)
        self._account = account

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Send the request to the stand-in instead of api.twilio.com when configured."""
        return super().request(method, self._account.api_url(url), *args, **kwargs)

    def log_request(self, kwargs: dict[str, Any]) -> None:
        """Log nothing: the request carries the recipient and body."""

    def log_response(self, status_code: int, response: Any) -> None:
        """Log nothing here; the outbox logs the outcome by row id."""


WHATSAPP_PREFIX = "whatsapp:"


def _destination(identity: Mapping[str, str]) -> str | None:
    if identity.get("kind") in ("phone", "whatsapp"):
        return identity.get("address")
    return identity.get("phone")


def _route(account: TwilioSettings, identity: Mapping[str, str], to: str) -> dict[str, Any]:
    """The ``to`` and sender of a reply: back on the address the tipster used. A WhatsApp
    tipster is answered on WhatsApp (from the sender they wrote to), never by SMS."""
    if identity.get("kind") != "whatsapp":
        if account.messaging_service_sid:
            return {"to": to, "messaging_service_sid": account.messaging_service_sid}
        return {"to": to, "from_": account.from_number}
    via = identity.get("via") or account.whatsapp_from
    if via:
        sender = via if via.lower().startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + via
        return {"to": WHATSAPP_PREFIX + to, "from_": sender}
    if account.messaging_service_sid:
        # A Messaging Service with a WhatsApp sender picks it for a whatsapp: recipient.
        return {"to": WHATSAPP_PREFIX + to, "messaging_service_sid": account.messaging_service_sid}
    raise SendError("no WhatsApp sender (TWILIO_WHATSAPP_FROM) configured", permanent=False)


def _status_callback_url() -> str:
    from intake.extensions import get_settings

    base: str = get_settings().public_base_url
    return base.rstrip("/") + STATUS_PATH


def send_sms(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Send one outbox reply by SMS; SendError (permanent when retrying cannot help)."""
    from intake.extensions import get_settings

    account = get_settings().twilio
    reporter = session.get(Reporter, row.reporter_id) if row.reporter_id else None
    message = session.get(Message, row.message_id) if row.message_id else None
    if reporter is None or message is None:
        raise SendError("nothing to send: reply or reporter is gone", permanent=True)
    if reporter.is_opted_out:
        raise SendError("the tipster opted out (STOP)", permanent=True)
    if reporter.wrapped_key is None:
        raise SendError("the tipster's identity was deleted", permanent=True)
    if not account.can_send:
        raise SendError("Twilio is not configured (account, token, TWILIO_FROM)")
    identity = read_identity(keyring, reporter)
    to = _destination(identity)
    if not to:
        raise SendError("the tipster left no phone number", permanent=True)

    route = _route(account, identity, to)
    params: dict[str, Any] = {**route, "body": message.body.read(keyring)}
    params["status_callback"] = _status_callback_url()
    client = Client(account.account_sid, account.auth_token, http_client=StandInHttpClient(account))
    is_whatsapp = identity.get("kind") == "whatsapp"
    tip = session.get(Tip, message.tip_id) if is_whatsapp else None
    if tip is not None and utcnow() - max(tip.last_tipster_activity_at, reporter.last_seen_at) > (
        WHATSAPP_WINDOW
    ):
        return _invite_and_hold(session, keyring, client, account, route, tip)
    if is_unsure(row):
        # An earlier attempt got no answer (or its worker died): Twilio may have it already.
        earlier = _earlier_send(session, keyring, client, route, params["body"], row)
        if earlier is not None:
            log.info("outbox %s: an earlier attempt had reached Twilio; not sent again", row.id)
            message.provider = PROVIDER
            enqueue_deletion(session, keyring, earlier)
            return SendResult(provider_message_id=provider_key(keyring, PROVIDER, earlier))
    try:
        sent = client.messages.create(**params)
    except TwilioRestException as error:
        # The library's message can quote the number: keep only the codes.
        code, status = error.code, error.status
        if code == WHATSAPP_OUTSIDE_WINDOW and tip is not None:
            return _invite_and_hold(session, keyring, client, account, route, tip)
        if code == OPTED_OUT:
            set_opted_out(reporter, True)
        permanent = code in PERMANENT_CODES or (
            status not in RETRYABLE_STATUSES and 400 <= status < 500
        )
        raise SendError(f"Twilio error {code} (HTTP {status})", permanent=permanent) from None
    except (TwilioException, OSError) as error:
        # requests' errors are OSErrors; their text can hold the URL but never the number.
        raise SendError(
            f"Twilio unreachable ({type(error).__name__})", unknown=may_have_arrived(error)
        ) from None
    message.provider = PROVIDER
    status = (sent.status or "queued").lower()
    if sent.sid:
        enqueue_deletion(session, keyring, sent.sid)
    digest = provider_key(keyring, PROVIDER, sent.sid) if sent.sid else None
    return SendResult(provider_message_id=digest, status=status)


def may_have_arrived(error: Exception) -> bool:
    """Whether a request that failed this way may have reached Twilio all the same: yes after
    a read timeout, a connection dropped once the request was sent, or an answer that could not
    be read; no when no connection was made."""
    if isinstance(error, ConnectTimeout):
        return False
    if isinstance(error, ReadTimeout):
        return True
    if isinstance(error, RequestsConnectionError):
        text = repr(error)
        # urllib3 wraps a refused or unreachable connection in NewConnectionError.
        return not any(
            part in text for part in ("NewConnectionError", "Connection refused", "NameResolution")
        )
    return isinstance(error, TwilioException)


# How far back the messages to a number are looked through for an earlier attempt's send.
RECONCILE_LIMIT = 20
# Slack for the clocks of Twilio and this host when comparing creation times.
CLOCK_SLACK = timedelta(minutes=2)


def _earlier_send(
    session: Session,
    keyring: Keyring,
    client: Client,
    route: dict[str, Any],
    body: str,
    row: OutboxMessage,
) -> str | None:
    """The SID of a message Twilio accepted for this row in an earlier attempt, if any.

    Twilio offers no idempotency key on Messages.json, so the recent messages to the tipster's
    address are looked through: same body, sent by us, created after the row was queued, and
    not already recorded by another outbox row. SendError (outcome still unknown) when Twilio
    cannot be asked: sending blind could send the text twice.
    """
    since = row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC) - CLOCK_SLACK
    try:
        recent = client.messages.list(to=route["to"], limit=RECONCILE_LIMIT)
    except (TwilioException, OSError) as error:
        raise SendError(
            f"Twilio unreachable while checking an earlier attempt ({type(error).__name__})",
            unknown=True,
        ) from None
    matching: dict[str, str] = {}  # digest -> SID, newest first as Twilio lists them
    for candidate in recent:
        created = candidate.date_created
        if candidate.body != body or not candidate.sid:
            continue
        if created is not None and created.replace(tzinfo=created.tzinfo or UTC) < since:
            continue
        if "from_" in route and candidate.from_ not in (None, route["from_"]):
            continue
        if (candidate.direction or "outbound-api").startswith("inbound"):
            continue
        matching.setdefault(provider_key(keyring, PROVIDER, candidate.sid), str(candidate.sid))
    if not matching:
        return None
    # One look for all of them: which are recorded by another outbox row already.
    recorded = set(
        session.scalars(
            select(OutboxMessage.provider_message_id).where(
                OutboxMessage.provider_message_id.in_(list(matching)), OutboxMessage.id != row.id
            )
        )
    )
    return next((sid for digest, sid in matching.items() if digest not in recorded), None)


def _invite_and_hold(
    session: Session,
    keyring: Keyring,
    client: Client,
    account: TwilioSettings,
    route: dict[str, Any],
    tip: Tip,
) -> SendResult:
    """Send the content-free WhatsApp template inviting the tipster to write; the detective's
    reply waits (``awaiting_tipster``) until they do."""
    from intake.channels.meta_sender import AWAITING_TIPSTER

    template = (account.whatsapp_template_es if tip.language == "es" else "") or (
        account.whatsapp_template_en
    )
    if not template:
        raise SendError(
            "more than 24 hours since the tipster wrote on WhatsApp and no template "
            "(TWILIO_WHATSAPP_TEMPLATE_EN) is configured",
            permanent=True,
        )
    try:
        sent = client.messages.create(**route, content_sid=template)
    except TwilioRestException as error:
        raise SendError(f"Twilio error {error.code} (HTTP {error.status})") from None
    except (TwilioException, OSError) as error:
        raise SendError(f"Twilio unreachable ({type(error).__name__})") from None
    if sent.sid:
        enqueue_deletion(session, keyring, sent.sid)
    log.info("whatsapp reply held for tip %s: invitation template sent", tip.tip_number)
    # No provider id: the template's status callbacks must not read as the reply's.
    return SendResult(provider_message_id=None, status=AWAITING_TIPSTER)


def enqueue_deletion(session: Session, keyring: Keyring, message_sid: str) -> OutboxMessage:
    """Queue the deletion of a message from Twilio; its SID is kept sealed until then. Flushes."""
    row = enqueue(
        session, kind="delete", channel=DELETE_CHANNEL, not_before=utcnow() + DELETE_DELAY
    )
    session.flush()  # the sealed SID is bound to the row's id
    row.payload_sid.seal(keyring, message_sid)
    return row


def delete_message(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Delete one message from Twilio (an outbox ``twilio-delete`` row), then forget its SID."""
    from intake.extensions import get_settings

    try:
        sid = row.payload_sid.read(keyring)
    except crypto.CryptoError:
        raise SendError("the sealed message id cannot be opened", permanent=True) from None
    if sid is None:
        raise SendError("no message to delete", permanent=True)
    account = get_settings().twilio
    if not (account.account_sid and account.auth_token):
        raise SendError("Twilio is not configured (account, token)")
    client = Client(account.account_sid, account.auth_token, http_client=StandInHttpClient(account))
    try:
        client.messages(sid).delete()
    except TwilioRestException as error:
        code, status = error.code, error.status
        # 404: already gone, which is the point. 20009: not finished yet; later tries succeed.
        if status != 404:
            # Credentials being fixed, rate limits, server errors, 20009: worth trying again.
            retryable = status in RETRYABLE_STATUSES or status in (401, 403) or code == 20009
            permanent = not retryable and 400 <= status < 500
            raise SendError(f"Twilio error {code} (HTTP {status})", permanent=permanent) from None
    except (TwilioException, OSError) as error:
        raise SendError(f"Twilio unreachable ({type(error).__name__})") from None
    row.payload = {}  # deleted: the SID is not kept a moment longer
    return SendResult(status="deleted")


def register(app: Flask) -> None:
    """Deliver the outbox's "sms" rows with :func:`send_sms`, and run Twilio deletions."""
    register_sender(CHANNEL, send_sms)
    register_sender(DELETE_CHANNEL, delete_message)
