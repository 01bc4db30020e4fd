"""Twilio webhooks: inbound SMS/MMS and delivery status callbacks.

Every request is checked against ``X-Twilio-Signature`` before anything else happens; a missing,
wrong or tampered signature gets 403 and nothing is stored. The signed URL is the configured
``PUBLIC_BASE_URL`` + path + raw query string, because behind a proxy the URL Flask sees is not
the one Twilio called.
"""

from __future__ import annotations

import logging
import threading

from flask import Response, request
from limits import parse

from intake.blueprints import Blueprint
from intake.channels import media
from intake.channels.inbound import apply_status, prefetch, receive
from intake.channels.twilio_sender import enqueue_deletion
from intake.config import TwilioSettings
from intake.errors import ForbiddenError, InvalidInputError
from intake.extensions import db, get_keyring, get_settings, limiter
from intake.identity.service import address_index, normalise_phone
from intake.unit_of_work import after_commit
from webhooks import twilio_sms
from webhooks.base import InboundMessage, PayloadError, SignatureError

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")

# Per sender, counted on the sender's blind index: a flood from one phone cannot bury the queue.
SENDER_LIMIT = parse("30 per 10 minutes")


class _DropCounter:
    """How many texts were dropped over the per-sender limit since start (logged, never who)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> int:
        with self._lock:
            self.count += 1
            return self.count


dropped = _DropCounter()


def _twiml(text: str | None) -> Response:
    body, content_type = twilio_sms.twiml_reply(text)
    return Response(body, status=200, content_type=content_type)


def _verified_form(account: TwilioSettings) -> None:
    """Refuse the request (403) unless Twilio signed exactly this URL and form."""
    settings = get_settings()
    url = twilio_sms.signed_url(settings.public_base_url, request.path, request.query_string)
    try:
        twilio_sms.verify_signature(
            account.auth_token,
            url,
            request.form,
            request.headers.get("X-Twilio-Signature"),
            signature_settings=request.headers.get("X-Twilio-Webhooks-Signature-Settings"),
        )
    except SignatureError:
        if not account.auth_token:
            log.warning("twilio webhook refused: TWILIO_AUTH_TOKEN is not configured")
        raise ForbiddenError("The request is not signed by Twilio.") from None


def _over_sender_limit(inbound: InboundMessage, region: str) -> bool:
    """Count this text against its sender (by blind index); True when over the limit."""
    settings = get_settings()
    if not settings.ratelimit_enabled:
        return False
    phone = normalise_phone(inbound.sender, region)
    digest = address_index(get_keyring(), inbound.channel, f"{inbound.sender_kind}:{phone}")
    try:
        return not limiter.limiter.hit(SENDER_LIMIT, "twilio-sender", digest[:32])
    except Exception as error:  # noqa: BLE001 - any failure of the counter store
        # A text must never be lost: with the store away the limit is skipped (fail open),
        # unlike the guess-limiting endpoints, which fail closed.
        log.error(
            "sms sender limit skipped: rate-limit store unavailable (%s)", type(error).__name__
        )
        return False


@bp.post("/sms")
def inbound_sms() -> Response:
    """An inbound SMS/MMS or WhatsApp message: a new tip or a follow-up, answered with TwiML."""
    settings = get_settings()
    account = settings.twilio
    _verified_form(account)
    try:
        inbound = twilio_sms.parse_message(request.form)
    except PayloadError as error:
        raise InvalidInputError("The message could not be read.") from error
    session = db.session()
    keyring = get_keyring()
    if _over_sender_limit(inbound, settings.default_region):
        log.warning("sms dropped over the per-sender limit (dropped so far: %d)", dropped.add())
        # Not stored, but still at Twilio with its From and Body: delete it there too.
        enqueue_deletion(session, keyring, inbound.event_id)
        return _twiml(None)
    # Photos are downloaded with no transaction open (a redelivered MMS is not fetched again).
    [fetched] = prefetch(session, keyring, settings, [inbound])
    received = receive(session, keyring, settings, inbound, fetched=fetched, answer_inline=True)
    if received.is_replay:
        log.info("sms redelivered; nothing stored")
    else:
        # In the same transaction as the message: stored means its deletion is queued.
        enqueue_deletion(session, keyring, inbound.event_id)
    if fetched.images and (received.images_stored or received.is_replay):
        # Stored (by this request or by the one it raced): the copy on Twilio can go, once the
        # request's writes are committed (before the answer is sent; never if they roll back).
        # Its own allowance: a slow download must not leave a stored photo on Twilio.
        after_commit(lambda: media.delete_media(account, fetched.results))
    return _twiml(received.reply)


@bp.post("/status")
def delivery_status() -> Response:
    """A delivery status callback for a reply we sent: updates the message's delivery status."""
    account = get_settings().twilio
    _verified_form(account)
    try:
        update = twilio_sms.parse_status(request.form)
    except PayloadError as error:
        raise InvalidInputError("The status could not be read.") from error
    if apply_status(db.session(), get_keyring(), update):
        log.info("sms status %s recorded", update.status)
    # Not ours (or not yet recorded by the worker): nothing to update, and no retry needed.
    return Response(status=204)
